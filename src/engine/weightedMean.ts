// The training tasks' task-weighted transfer as the new task's GP prior mean, through the whole study (opt-in,
// Study option `transferMean`; bench/README.md "Weighted transfer as the prior mean").
//
// At the candidates (pool members) every training task i has a standardised value z_i(x) (transfer.ts: its
// measurement as a unit-variance rank score where it measured x, its own GP's prediction elsewhere). The study's GP
// gets the mean
//   m(x) = a + b · Σ_i w_i z_i(x)
// and models the residual with the prior's learnt kernel, noise and scale. The weights w_i say how well task i
// orders the study's own results: a probit pairwise likelihood (a Thurstone model with unit task noise on the
// unit-variance scores), counted per result rather than per pair (pairs of n results are not n² independent facts),
// tempered, and shrunk toward equal weights by n0/(n0 + n) so that 2–3 results cannot make one task dominate (the
// failure of ranking weights on LCBench). a and b (the level and scale of the new task's model units, which the
// study normalises on its own results) are a ridge fit of the results on the mixture: b shrunk toward the training
// tasks' spread, a almost free.
import type { Posterior, Prediction, PredictOptions, PredictionWithGradient } from './model';
import { normalCdf } from './acquisition';
import { EngineError, type Points } from './types';

/** Results' worth of pseudo-evidence for equal weights (the shrinkage n0/(n0 + n)). */
export const WEIGHTED_MEAN_SHRINK = 5;
/** The pairwise likelihood's temperature (log-likelihoods divided by it). */
export const WEIGHTED_MEAN_TEMPER = 1;

export interface WeightedMeanOptions {
  /** 'pairwise' (default): the tempered probit pairwise likelihood; 'ranking': RGPE's bootstrap (transfer.rankingWeights). */
  readonly weights?: 'pairwise' | 'ranking';
  readonly shrink?: number;
  readonly temper?: number;
  /**
   * 'mixture' (default): the mean is a + b·Σ w_i z_i, replacing the learnt mean; 'learnt': the learnt mean plus
   * b·(Σ w_i z_i − mean_i z_i), the weights' departure from equal weights (so while the weights are near equal the
   * study runs as without this option).
   */
  readonly base?: 'mixture' | 'learnt';
}

/**
 * Per task, the log-likelihood of the results' order under its scores: for each pair with y_a > y_b,
 * log Φ((z_a − z_b)/2) (the difference of two unit-noise scores has sd √2, and the task itself is a noisy
 * copy of the new one: another √2), scaled by 2/n so it grows with the number of results, not of pairs.
 * z[t][j] is task t's score at result j; y is maximised. Ties in y carry no order.
 */
export function pairwiseLogLikelihoods(z: readonly ArrayLike<number>[], y: ArrayLike<number>): Float64Array {
  const n = y.length;
  const out = new Float64Array(z.length);
  if (n < 2) return out;
  for (let t = 0; t < z.length; t++) {
    let sum = 0;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        if (!(y[a]! > y[b]!)) continue;
        sum += Math.log(Math.max(1e-300, normalCdf((z[t]![a]! - z[t]![b]!) / 2)));
      }
    }
    out[t] = (2 / n) * sum;
  }
  return out;
}

/** softmax(logLik / temper), then (1 − λ)·that + λ·equal with λ = shrink/(shrink + n). */
export function humbleWeights(logLik: ArrayLike<number>, n: number, options: { shrink?: number; temper?: number } = {}): Float64Array {
  const shrink = options.shrink ?? WEIGHTED_MEAN_SHRINK;
  const temper = options.temper ?? WEIGHTED_MEAN_TEMPER;
  if (!(shrink >= 0) || !(temper > 0)) throw new EngineError('The weighted mean needs shrink ≥ 0 and temper > 0.');
  const k = logLik.length;
  if (k === 0) throw new EngineError('The weighted mean needs at least one training task.');
  return shrinkToEqual(softmax(Float64Array.from(logLik, (v) => v / temper)), n, shrink);
}

/** (1 − λ)·w + λ/k with λ = shrink/(shrink + n) (w normalised first). */
export function shrinkToEqual(w: ArrayLike<number>, n: number, shrink: number): Float64Array {
  const k = w.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += Math.max(0, w[i]!);
  const lambda = shrink + n > 0 ? shrink / (shrink + n) : 1;
  return Float64Array.from({ length: k }, (_, i) => (total > 0 ? (1 - lambda) * (Math.max(0, w[i]!) / total) : 0) + (total > 0 ? lambda : 1) / k);
}

function softmax(v: Float64Array): Float64Array {
  let max = -Infinity;
  for (const x of v) max = Math.max(max, x);
  const e = Float64Array.from(v, (x) => Math.exp(x - max));
  let s = 0;
  for (const x of e) s += x;
  return e.map((x) => x / s);
}

/** Σ_i w_i z_i at each point (w normalised). */
export function mixtureMean(z: readonly ArrayLike<number>[], w: ArrayLike<number>): Float64Array {
  if (z.length !== w.length || z.length === 0) throw new EngineError('The mixture needs one weight per task.');
  let total = 0;
  for (let t = 0; t < w.length; t++) total += w[t]!;
  const m = z[0]!.length;
  const out = new Float64Array(m);
  for (let t = 0; t < z.length; t++) {
    const s = w[t]! / total;
    if (s === 0) continue;
    for (let i = 0; i < m; i++) out[i]! += s * z[t]![i]!;
  }
  return out;
}

/**
 * Level a and scale b of y ≈ a + b·Z at the results: the posterior mean under a ~ N(a0, 100σ²), b ~ N(b0, (b0/2)²)
 * and residuals N(0, σ²) (σ² the prior's variance: what the GP leaves to the residual). With no result: (a0, b0).
 */
export function fitLevelScale(zAtResults: ArrayLike<number>, y: ArrayLike<number>, prior: { a0: number; b0: number; variance: number }): { a: number; b: number } {
  const { a0, b0, variance } = prior;
  if (!(variance > 0) || !(b0 > 0)) throw new EngineError('The level/scale fit needs a positive variance and scale.');
  const va = 100 * variance;
  const vb = (b0 / 2) ** 2;
  let p11 = 1 / va;
  let p12 = 0;
  let p22 = 1 / vb;
  let r1 = a0 / va;
  let r2 = b0 / vb;
  for (let j = 0; j < y.length; j++) {
    const z = zAtResults[j]!;
    p11 += 1 / variance;
    p12 += z / variance;
    p22 += (z * z) / variance;
    r1 += y[j]! / variance;
    r2 += (z * y[j]!) / variance;
  }
  const det = p11 * p22 - p12 * p12;
  return { a: (p22 * r1 - p12 * r2) / det, b: (p11 * r2 - p12 * r1) / det };
}

/**
 * A GP with its mean moved by shift(x) (the new mean minus the inner GP's): conditioned on y − shift(X) and
 * predicting inner + shift. shift is only known at the candidates (a pool), so gradients are not available.
 */
export function shiftedPosterior(inner: Posterior, shift: (x: Points) => Float64Array): Posterior {
  return {
    spec: inner.spec,
    n: inner.n,
    noiseVariance: inner.noiseVariance,
    jitter: inner.jitter,
    negLogLikelihood: inner.negLogLikelihood,
    predict(query: Points, options?: PredictOptions): Prediction {
      const p = inner.predict(query, options);
      const s = shift(query);
      return { mean: Float64Array.from(p.mean, (m, i) => m + s[i]!), variance: p.variance };
    },
    predictWithGradient(): PredictionWithGradient {
      throw new EngineError('The weighted transfer mean is only defined on a candidate pool (no gradients).');
    },
    withObservation(x: Float64Array, y: number): Posterior {
      const s = shift({ n: 1, d: x.length, data: x })[0]!;
      return shiftedPosterior(inner.withObservation(x, y - s), shift);
    },
    extendedTo(x: Points, y: Float64Array): Posterior | undefined {
      const s = shift(x);
      const e = inner.extendedTo(x, Float64Array.from(y, (v, i) => v - s[i]!));
      return e && shiftedPosterior(e, shift);
    },
  };
}

/**
 * The mean shift of a pool study's GP under the weighted transfer mean: at pool member i,
 * a + b·Σ_t w_t z_t(i) − learnt(i), with the weights and (a, b) from the results that are pool members (others,
 * and queries off the pool, keep the learnt mean). parts.z[t] holds task t's scores at the pool.
 */
export function transferMeanShift(args: {
  readonly parts: { readonly z: readonly Float64Array[] };
  readonly scales: readonly number[];
  readonly centers: readonly number[];
  /** The inner GP's mean at the pool (the shift replaces it). */
  readonly learnt: Float64Array;
  /** Pool index of a unit-cube row, or undefined. */
  readonly indexOf: (row: Float64Array) => number | undefined;
  readonly results: { readonly x: Points; readonly y: Float64Array };
  /** The prior's variance (signal + noise) at the results: the residual's. */
  readonly variance: number;
  /** For 'ranking' weights. */
  readonly rankingWeights?: (z: readonly Float64Array[], y: Float64Array) => Float64Array;
  readonly options?: WeightedMeanOptions;
}): { shift: (x: Points) => Float64Array; weights: Float64Array; a: number; b: number } {
  const { parts, results } = args;
  const k = parts.z.length;
  const at: number[] = [];
  const ys: number[] = [];
  const d = results.x.d;
  for (let j = 0; j < results.x.n; j++) {
    const i = args.indexOf(results.x.data.subarray(j * d, (j + 1) * d));
    if (i === undefined) continue;
    at.push(i);
    ys.push(results.y[j]!);
  }
  const y = Float64Array.from(ys);
  const zRes = parts.z.map((z) => Float64Array.from(at, (i) => z[i]!));
  const options = args.options ?? {};
  const shrink = options.shrink ?? WEIGHTED_MEAN_SHRINK;
  let weights: Float64Array;
  if (options.weights === 'ranking') {
    if (!args.rankingWeights) throw new EngineError('Ranking weights need their function.');
    weights = shrinkToEqual(args.rankingWeights(zRes, y), y.length, shrink);
  } else weights = humbleWeights(pairwiseLogLikelihoods(zRes, y), y.length, options);
  const zPool = mixtureMean(parts.z, weights);
  const zAt = Float64Array.from(at, (i) => zPool[i]!);
  let b0 = 0;
  let a0 = 0;
  for (let t = 0; t < k; t++) {
    b0 += weights[t]! * args.scales[t]!;
    a0 += weights[t]! * args.centers[t]!;
  }
  const { a, b } = fitLevelScale(zAt, y, { a0, b0, variance: args.variance });
  let shiftPool: Float64Array;
  if (options.base === 'learnt') {
    const zEqual = mixtureMean(parts.z, new Float64Array(k).fill(1));
    shiftPool = Float64Array.from(zPool, (z, i) => b * (z - zEqual[i]!));
  } else shiftPool = Float64Array.from(zPool, (z, i) => a + b * z - args.learnt[i]!);
  const shift = (x: Points): Float64Array => {
    const out = new Float64Array(x.n);
    for (let j = 0; j < x.n; j++) {
      const i = args.indexOf(x.data.subarray(j * x.d, (j + 1) * x.d));
      if (i !== undefined) out[j] = shiftPool[i]!;
    }
    return out;
  };
  return { shift, weights, a, b };
}
