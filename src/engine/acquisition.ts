// Acquisition functions (all maximised, paper defaults) and their maximisation over a finite
// candidate set or the continuous unit cube.
import { minimizeLbfgs } from './optimize';
import { HaltonSequence } from './rng';
import { EngineError, type Points, type Rng } from './types';

/**
 * UCB's exploration weight in a study when none is given (the reference code's function default is 3). With a
 * pre-trained prior, β = 3 spends trials on the prior's uncertain corners (bench/EXPERIMENTS.md: worst of the
 * acquisitions tried on pd1-mini; on the example, 4 seeds × 12 trials: 7 runs above 20 % error and 6 diverged with
 * β = 3, none and 2 with β = 1); without one, the initial design does the early exploring, and β = 1 then beat 3 on
 * Branin and a quadratic and tied on Hartmann 3-D/6-D (`npm run bench:design`).
 */
export const DEFAULT_UCB_BETA = 1;

export type AcquisitionKind = 'ucb' | 'ei' | 'pi';

export interface AcquisitionOptions {
  readonly kind: AcquisitionKind;
  /** UCB: μ + β·σ. Default DEFAULT_UCB_BETA (1). */
  readonly beta?: number;
  /** PI: target τ = max y + margin. Default 0.1. */
  readonly piMargin?: number;
}

/** Predictive mean and variance (model units) at a batch of points in the unit cube. */
export type BatchPredictor = (x: Points) => { mean: Float64Array; variance: Float64Array };

/** Mean and variance at one point with their gradients with respect to the point. */
export type GradientPredictor = (x: Float64Array) => {
  mean: number;
  variance: number;
  meanGradient: Float64Array;
  varianceGradient: Float64Array;
};

const SQRT2 = Math.SQRT2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erfc via the Taylor series of erf for |x| < 2.5 and a Lentz continued fraction beyond (≈1e-14 relative). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const erf = (2 / Math.sqrt(Math.PI)) * sum;
    return x >= 0 ? 1 - erf : 1 + erf;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))).
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = ax + an / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const tail = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x >= 0 ? tail : 2 - tail;
}

export const normalCdf = (z: number): number => 0.5 * erfc(-z / SQRT2);
export const normalPdf = (z: number): number => INV_SQRT_2PI * Math.exp(-0.5 * z * z);

/** The target τ: EI uses max y, PI max y + margin; both 0 with no observations (as the reference code). UCB ignores it. */
export function acquisitionTarget(options: AcquisitionOptions, observedY: ArrayLike<number>): number {
  let best = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < observedY.length; i++) if (Number.isFinite(observedY[i]!)) best = Math.max(best, observedY[i]!);
  if (best === Number.NEGATIVE_INFINITY) return 0;
  return options.kind === 'pi' ? best + (options.piMargin ?? 0.1) : best;
}

export function validateAcquisition(options: AcquisitionOptions): void {
  if (!['ucb', 'ei', 'pi'].includes(options.kind)) {
    throw new EngineError(`Unknown acquisition "${options.kind}"; use ucb, ei or pi.`);
  }
  if (options.beta !== undefined && !(options.beta >= 0 && Number.isFinite(options.beta))) {
    throw new EngineError(`UCB beta must be a finite number ≥ 0, got ${options.beta}.`);
  }
  if (options.piMargin !== undefined && !Number.isFinite(options.piMargin)) {
    throw new EngineError(`PI margin must be finite, got ${options.piMargin}.`);
  }
}

/** Acquisition value at predictive mean μ and standard deviation σ (σ ≥ 0). */
export function acquisitionValue(options: AcquisitionOptions, mean: number, sd: number, target: number): number {
  const s = sd > 1e-12 ? sd : 1e-12;
  switch (options.kind) {
    case 'ucb':
      return mean + (options.beta ?? DEFAULT_UCB_BETA) * sd;
    case 'pi':
      // (μ − τ)/σ: monotone in Φ((μ − τ)/σ), and keeps resolution where Φ underflows.
      return (mean - target) / s;
    case 'ei': {
      const z = (mean - target) / s;
      const ei = s * (normalPdf(z) + z * normalCdf(z));
      return ei > 0 ? ei : 0;
    }
  }
}

/** Acquisition value with its partial derivatives in μ and σ (for gradient-based refinement). */
export function acquisitionWithPartials(
  options: AcquisitionOptions,
  mean: number,
  sd: number,
  target: number,
): { value: number; dMean: number; dSd: number } {
  const s = sd > 1e-12 ? sd : 1e-12;
  switch (options.kind) {
    case 'ucb': {
      const beta = options.beta ?? DEFAULT_UCB_BETA;
      return { value: mean + beta * sd, dMean: 1, dSd: beta };
    }
    case 'pi': {
      const z = (mean - target) / s;
      return { value: z, dMean: 1 / s, dSd: -z / s };
    }
    case 'ei': {
      const z = (mean - target) / s;
      const cdf = normalCdf(z);
      const pdf = normalPdf(z);
      const ei = s * (pdf + z * cdf);
      return ei > 0 ? { value: ei, dMean: cdf, dSd: pdf } : { value: 0, dMean: 0, dSd: 0 };
    }
  }
}

/** Scores a batch of points (variance as returned by the predictor, clamped at 0). */
export function scorePoints(
  predict: BatchPredictor,
  x: Points,
  options: AcquisitionOptions,
  target: number,
): { score: Float64Array; mean: Float64Array; sd: Float64Array } {
  const { mean, variance } = predict(x);
  const score = new Float64Array(x.n);
  const sd = new Float64Array(x.n);
  for (let i = 0; i < x.n; i++) {
    sd[i] = Math.sqrt(Math.max(0, variance[i]!));
    const v = acquisitionValue(options, mean[i]!, sd[i]!, target);
    score[i] = Number.isFinite(v) ? v : Number.NEGATIVE_INFINITY;
  }
  return { score, mean, sd };
}

/** Index of the best candidate (first maximum), skipping `exclude`; -1 when none is left. */
export function maximizeOverCandidates(
  predict: BatchPredictor,
  candidates: Points,
  options: AcquisitionOptions,
  target: number,
  exclude?: ReadonlySet<number>,
): { index: number; value: number; mean: number; sd: number } {
  if (candidates.n === 0) throw new EngineError('The candidate pool is empty.');
  const { score, mean, sd } = scorePoints(predict, candidates, options, target);
  let index = -1;
  for (let i = 0; i < candidates.n; i++) {
    if (exclude?.has(i)) continue;
    if (index < 0 || score[i]! > score[index]!) index = i;
  }
  if (index < 0) return { index, value: Number.NEGATIVE_INFINITY, mean: Number.NaN, sd: Number.NaN };
  return { index, value: score[index]!, mean: mean[index]!, sd: sd[index]! };
}

/** 1 % of the diagonal of the unit cube spanned by the continuous coordinates (at least one). */
export function minimumSeparation(continuousDims: number): number {
  return 0.01 * Math.sqrt(Math.max(1, continuousDims));
}

/** Points a continuous maximisation must keep away from: configurations already observed or pending. */
export interface ProximityExclusion {
  /** Unit-cube points, represented as results are (after `snap`). */
  readonly points: Points;
  /** Integer/categorical coordinates: a point differing from an excluded one in any of them is distinct. */
  readonly discreteDims?: readonly number[];
  /** Minimum Euclidean distance over the other coordinates; default minimumSeparation of their number. */
  readonly minDistance?: number;
}

export interface ContinuousOptions {
  rng: Rng;
  /** Quasi-random candidates; default max(1000, 300·d) capped at 5000. */
  numCandidates?: number;
  /** Observed points (unit cube) whose neighbourhoods are also searched, best first. */
  incumbents?: Points;
  /** Starts refined by the local search. Default 5. */
  numRefine?: number;
  /** Maps a point to the representable point it stands for (ints/categories), applied to the result. */
  snap?: (u: Float64Array) => Float64Array;
  /** When given, starts are refined with L-BFGS on the acquisition's gradient instead of a compass search. */
  gradient?: GradientPredictor;
  /** When given, the result (after `snap`) keeps at least the minimum distance from these points. */
  exclude?: ProximityExclusion;
}

/** Finds excluded points too close to a (snapped) point. */
interface ProximityTest {
  readonly radius: number;
  readonly discrete: Uint8Array;
  /** Index of the nearest excluded point closer than the radius, or -1. */
  nearest(u: ArrayLike<number>): number;
}

/** From this many excluded points up, proximity queries use a sorted index instead of a scan. */
const INDEXED_PROXIMITY_MIN = 256;

function proximityTest(exclusion: ProximityExclusion, dim: number): ProximityTest {
  const { points } = exclusion;
  if (!points || points.d !== dim || !(points.data instanceof Float64Array) || points.data.length !== points.n * dim) {
    throw new EngineError(
      `The points to keep away from must have one coordinate per search-space parameter (${dim}), got ${points?.d} per point.`,
    );
  }
  const discrete = new Uint8Array(dim);
  for (const j of exclusion.discreteDims ?? []) {
    if (!Number.isInteger(j) || j < 0 || j >= dim) throw new EngineError(`Discrete coordinate ${j} is outside 0…${dim - 1}.`);
    discrete[j] = 1;
  }
  const continuousDims = dim - discrete.reduce((a, v) => a + v, 0);
  const radius = exclusion.minDistance ?? minimumSeparation(continuousDims);
  if (!(radius >= 0 && Number.isFinite(radius))) {
    throw new EngineError(`The minimum distance from tried points must be a finite number ≥ 0, got ${radius}.`);
  }
  // A zero radius still rejects exact repeats (and, with only discrete coordinates, equal configurations).
  const radius2 = Math.max(radius * radius, 1e-24);
  // Many points (thousands of trials): sorted on one continuous coordinate, so a query scans only the points
  // whose coordinate is within the radius of its own (any other is farther than the radius).
  const axis = points.n > INDEXED_PROXIMITY_MIN ? discrete.indexOf(0) : -1;
  let order: Int32Array | undefined;
  let keys: Float64Array | undefined;
  if (axis >= 0) {
    order = Int32Array.from({ length: points.n }, (_, i) => i).sort((a, b) => points.data[a * dim + axis]! - points.data[b * dim + axis]! || a - b);
    keys = Float64Array.from(order, (i) => points.data[i * dim + axis]!);
  }
  const window = Math.sqrt(radius2);
  return {
    radius,
    discrete,
    nearest(u) {
      let best = -1;
      let bestDistance2 = radius2;
      let from = 0;
      let to = points.n;
      if (order && keys) {
        const lo = u[axis]! - window;
        let a = 0;
        let b = keys.length;
        while (a < b) {
          const mid = (a + b) >> 1;
          if (keys[mid]! < lo) a = mid + 1;
          else b = mid;
        }
        from = a;
        const hi = u[axis]! + window;
        for (to = from; to < keys.length && keys[to]! <= hi; ) to++;
      }
      for (let k = from; k < to; k++) {
        const i = order ? order[k]! : k;
        let distance2 = 0;
        let sameDiscrete = true;
        for (let j = 0; j < dim; j++) {
          const diff = u[j]! - points.data[i * dim + j]!;
          if (discrete[j]) {
            if (!(Math.abs(diff) <= 1e-9)) {
              sameDiscrete = false;
              break;
            }
          } else distance2 += diff * diff;
        }
        if (sameDiscrete && (distance2 < bestDistance2 || (distance2 === bestDistance2 && best >= 0 && i < best))) {
          best = i;
          bestDistance2 = distance2;
        }
      }
      return best;
    },
  };
}

/** Whether a unit-cube point keeps the minimum distance from every excluded point. */
export function isAdmissible(u: ArrayLike<number>, exclusion: ProximityExclusion, dim: number): boolean {
  return proximityTest(exclusion, dim).nearest(u) < 0;
}

/**
 * Moves x radially out of the exclusion ball around `centre` (continuous coordinates only), away from
 * the centre along x − centre, else along start − centre, else along the first continuous axis.
 * The 5 % margin absorbs the rounding `snap` applies afterwards.
 */
function pushOutside(x: Float64Array, start: Float64Array, centre: ArrayLike<number>, test: ProximityTest): Float64Array {
  const d = x.length;
  const direction = new Float64Array(d);
  const fill = (from: Float64Array): number => {
    let norm2 = 0;
    for (let j = 0; j < d; j++) {
      direction[j] = test.discrete[j] ? 0 : from[j]! - centre[j]!;
      norm2 += direction[j]! ** 2;
    }
    return Math.sqrt(norm2);
  };
  let norm = fill(x);
  if (!(norm > 1e-6 * test.radius)) norm = fill(start);
  if (!(norm > 1e-6 * test.radius)) {
    direction.fill(0);
    const axis = test.discrete.indexOf(0);
    if (axis >= 0) direction[axis] = centre[axis]! < 0.5 ? 1 : -1;
    norm = 1;
  }
  const out = Float64Array.from(x);
  for (let j = 0; j < d; j++) {
    if (test.discrete[j]) continue;
    const v = centre[j]! + (1.05 * test.radius * direction[j]!) / norm;
    out[j] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/**
 * Maximises the acquisition over [0,1]^d: shifted-Halton candidates plus Gaussian perturbations of
 * the incumbents, then local refinement of the best few (L-BFGS through u = (1 − cos z)/2, which keeps
 * u in the cube, when a gradient predictor is given; otherwise a batched compass search).
 *
 * With `exclude`, starts are the best admissible candidates, and a refined optimum that lands too
 * close to an excluded point is replaced by the better admissible one of: the optimum pushed out to
 * the exclusion sphere, or its start. `admissible` is false only when no candidate was admissible
 * (e.g. every configuration of a discrete space has been tried); the result is then the unrestricted best.
 */
export function maximizeOverUnitCube(
  predict: BatchPredictor,
  dim: number,
  options: AcquisitionOptions,
  target: number,
  opts: ContinuousOptions,
): { x: Float64Array; value: number; mean: number; sd: number; admissible: boolean } {
  const rng = opts.rng;
  const nQuasi = opts.numCandidates ?? Math.min(5000, Math.max(1000, 300 * dim));
  if (!Number.isInteger(nQuasi) || nQuasi < 1) throw new EngineError(`The number of candidates must be a positive whole number, got ${nQuasi}.`);
  const proximity = opts.exclude ? proximityTest(opts.exclude, dim) : undefined;
  const snap = opts.snap;
  const tooCloseTo = (u: Float64Array): number => (proximity ? proximity.nearest(snap ? snap(u) : u) : -1);
  const incumbents = opts.incumbents;
  const nInc = incumbents ? Math.min(incumbents.n, 5) : 0;
  const perInc = 20;
  const n = nQuasi + nInc * perInc;
  const data = new Float64Array(n * dim);
  new HaltonSequence(dim, rng).take(nQuasi).forEach((v, i) => (data[i] = v));
  for (let k = 0; k < nInc; k++) {
    for (let r = 0; r < perInc; r++) {
      const width = r % 2 === 0 ? 0.02 : 0.1;
      const off = (nQuasi + k * perInc + r) * dim;
      for (let j = 0; j < dim; j++) {
        const v = incumbents!.data[k * dim + j]! + width * rng.normal();
        data[off + j] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  const { score } = scorePoints(predict, { n, d: dim, data }, options, target);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  const numRefine = opts.numRefine ?? 5;
  let feasible = true;
  let starts: number[] = [];
  if (proximity) {
    // Best first, so usually only a few candidates are snapped and checked.
    for (const i of order) {
      if (starts.length >= numRefine) break;
      if (tooCloseTo(data.slice(i * dim, i * dim + dim)) < 0) starts.push(i);
    }
  }
  if (!proximity || starts.length === 0) {
    feasible = !proximity;
    starts = order.slice(0, numRefine);
  }

  let bestX: Float64Array | undefined;
  let bestValue = Number.NEGATIVE_INFINITY;
  const consider = (x: Float64Array, value: number): void => {
    if (bestX === undefined || value > bestValue) {
      bestX = x;
      bestValue = value;
    }
  };
  for (const s of starts) {
    const start = data.slice(s * dim, s * dim + dim);
    const { x, value } = opts.gradient
      ? gradientSearch(opts.gradient, start, score[s]!, options, target)
      : compassSearch(predict, start, score[s]!, options, target);
    const near = feasible && proximity ? tooCloseTo(x) : -1;
    if (near < 0) {
      consider(x, value);
      continue;
    }
    // The local search climbed into a tried point's neighbourhood: the best admissible point nearby is
    // about on the exclusion sphere, on the side the search came from.
    const centre = opts.exclude!.points.data.subarray(near * dim, near * dim + dim);
    const alternatives = [pushOutside(x, start, centre, proximity!), start].filter((u) => tooCloseTo(u) < 0);
    if (alternatives.length === 0) continue;
    const stacked = new Float64Array(alternatives.length * dim);
    alternatives.forEach((u, i) => stacked.set(u, i * dim));
    const scored = scorePoints(predict, { n: alternatives.length, d: dim, data: stacked }, options, target).score;
    alternatives.forEach((u, i) => consider(u, scored[i]!));
  }
  let result = bestX!;
  if (snap) result = snap(result);
  const final = scorePoints(predict, { n: 1, d: dim, data: result }, options, target);
  return {
    x: result,
    value: final.score[0]!,
    mean: final.mean[0]!,
    sd: final.sd[0]!,
    admissible: !proximity || proximity.nearest(result) < 0,
  };
}

/** Batched compass search inside [0,1]^d: try ±step on every coordinate, move to the best, halve on failure. */
function compassSearch(
  predict: BatchPredictor,
  start: Float64Array,
  startValue: number,
  options: AcquisitionOptions,
  target: number,
): { x: Float64Array; value: number } {
  const d = start.length;
  let x: Float64Array = start;
  let value = startValue;
  let step = 0.05;
  const trial = new Float64Array(2 * d * d);
  for (let iter = 0; iter < 60 && step > 1e-4; iter++) {
    for (let k = 0; k < 2 * d; k++) {
      const j = k >> 1;
      trial.set(x, k * d);
      const v = x[j]! + (k & 1 ? -step : step);
      trial[k * d + j] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    const { score } = scorePoints(predict, { n: 2 * d, d, data: trial }, options, target);
    let best = -1;
    for (let k = 0; k < 2 * d; k++) if (score[k]! > value + 1e-12 * Math.abs(value) && (best < 0 || score[k]! > score[best]!)) best = k;
    if (best < 0) {
      step /= 2;
    } else {
      x = trial.slice(best * d, best * d + d);
      value = score[best]!;
      step = Math.min(0.2, step * 1.5);
    }
  }
  return { x, value };
}

/**
 * L-BFGS on −acquisition in z with u = (1 − cos z)/2: u stays in [0, 1] and a bound optimum is a
 * stationary point (du/dz = 0 there). Returns the start when nothing better is found.
 */
function gradientSearch(
  gradient: GradientPredictor,
  start: Float64Array,
  startValue: number,
  options: AcquisitionOptions,
  target: number,
): { x: Float64Array; value: number } {
  const d = start.length;
  const toU = (z: Float64Array): Float64Array => Float64Array.from(z, (v) => (1 - Math.cos(v)) / 2);
  const z0 = Float64Array.from(start, (u) => Math.acos(1 - 2 * Math.min(1, Math.max(0, u))));
  // Nudge starts sitting exactly on a bound off the flat point of the map.
  for (let j = 0; j < d; j++) z0[j] = Math.min(Math.PI - 1e-3, Math.max(1e-3, z0[j]!));
  const objective = (z: Float64Array) => {
    const u = toU(z);
    const p = gradient(u);
    const sd = Math.sqrt(Math.max(0, p.variance));
    const a = acquisitionWithPartials(options, p.mean, sd, target);
    const dVar = sd > 1e-12 ? a.dSd / (2 * sd) : 0;
    const grad = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const dA = a.dMean * p.meanGradient[j]! + dVar * p.varianceGradient[j]!;
      grad[j] = -dA * (Math.sin(z[j]!) / 2);
    }
    return { value: -a.value, grad };
  };
  try {
    const r = minimizeLbfgs(objective, z0, { maxIterations: 30, gradTolerance: 1e-7, relTolerance: 1e-9 });
    const x = toU(r.theta);
    if (-r.value > startValue) return { x, value: -r.value };
  } catch {
    // A non-finite acquisition at the start: keep the candidate as it is.
  }
  return { x: start, value: startValue };
}
