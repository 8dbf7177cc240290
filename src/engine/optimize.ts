// Minimisers for differentiable losses: L-BFGS with a strong-Wolfe line search, and Adam for
// objectives that change per step (e.g. a fresh subsample of each task's points).
// Both stop at the first non-finite loss and return the best finite parameters seen.
import { EngineError, type Objective, type Progress, type Rng, type ValueAndGrad } from './types';

export type StopReason =
  | 'gradient' // gradient norm below tolerance
  | 'no-progress' // relative decrease below tolerance, or the line search found no better point
  | 'max-iterations'
  | 'max-evaluations'
  | 'non-finite' // the loss or gradient became NaN/inf
  | 'cancelled';

export interface OptimizeResult {
  /** Best finite parameters seen. */
  theta: Float64Array;
  /** Loss at theta. */
  value: number;
  /** Loss after each iteration (L-BFGS) or at each step (Adam). */
  history: number[];
  iterations: number;
  evaluations: number;
  stopReason: StopReason;
}

export interface LbfgsOptions {
  maxIterations?: number; // default 200
  maxEvaluations?: number; // default 20 × maxIterations
  memory?: number; // default 10
  /** Stop when ‖g‖∞ ≤ gradTolerance. Default 1e-6. */
  gradTolerance?: number;
  /** Stop when (f_prev − f)/max(|f|,|f_prev|,1) ≤ relTolerance. Default 1e-12. */
  relTolerance?: number;
  progress?: Progress;
}

const isFiniteVec = (v: Float64Array): boolean => {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
};

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function normInf(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

interface LinePoint {
  alpha: number;
  value: number;
  slope: number; // directional derivative g(x+αp)·p
  grad: Float64Array;
  x: Float64Array;
}

/** Minimiser of the cubic through (a, fa, da), (b, fb, db), clamped into the bracket's interior. */
function cubicMinimizer(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - 3 * ((fa - fb) / (a - b));
  const disc = d1 * d1 - da * db;
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (disc >= 0 && Number.isFinite(disc)) {
    const d2 = Math.sign(b - a) * Math.sqrt(disc);
    const t = b - (b - a) * ((db + d2 - d1) / (db - da + 2 * d2));
    if (Number.isFinite(t) && t > lo + 0.1 * (hi - lo) && t < hi - 0.1 * (hi - lo)) return t;
  }
  return (a + b) / 2;
}

/**
 * Strong-Wolfe line search (Nocedal & Wright alg. 3.5/3.6: bracket, then zoom with cubic
 * interpolation). A non-finite trial value is treated as "too far" and shrinks the bracket.
 * Returns undefined when no acceptable point is found within the evaluation budget.
 */
function wolfeLineSearch(
  evaluate: (x: Float64Array) => ValueAndGrad,
  x0: Float64Array,
  f0: number,
  slope0: number,
  direction: Float64Array,
  initialStep: number,
  maxEvals: number,
  counter: { evals: number },
): LinePoint | undefined {
  const c1 = 1e-4;
  const c2 = 0.9;
  const n = x0.length;
  const at = (alpha: number): LinePoint => {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = x0[i]! + alpha * direction[i]!;
    counter.evals++;
    const { value, grad } = evaluate(x);
    const ok = Number.isFinite(value) && isFiniteVec(grad);
    return { alpha, value: ok ? value : Number.POSITIVE_INFINITY, slope: ok ? dot(grad, direction) : Number.NaN, grad, x };
  };
  let best: LinePoint | undefined; // best Armijo point, used if Wolfe curvature never holds
  const consider = (p: LinePoint): void => {
    if (Number.isFinite(p.value) && p.value <= f0 + c1 * p.alpha * slope0 && (!best || p.value < best.value)) best = p;
  };

  const zoom = (lo: LinePoint, hi: LinePoint): LinePoint | undefined => {
    while (counter.evals < maxEvals) {
      let alpha: number;
      if (Number.isFinite(hi.value) && Number.isFinite(hi.slope)) {
        alpha = cubicMinimizer(lo.alpha, lo.value, lo.slope, hi.alpha, hi.value, hi.slope);
      } else {
        alpha = lo.alpha + 0.25 * (hi.alpha - lo.alpha); // hi is non-finite: stay near lo
      }
      if (Math.abs(hi.alpha - lo.alpha) < 1e-16 * Math.max(1, Math.abs(lo.alpha))) break;
      const p = at(alpha);
      consider(p);
      if (!Number.isFinite(p.value) || p.value > f0 + c1 * alpha * slope0 || p.value >= lo.value) {
        hi = p;
      } else {
        if (Math.abs(p.slope) <= -c2 * slope0) return p;
        if (p.slope * (hi.alpha - lo.alpha) >= 0) hi = lo;
        lo = p;
      }
    }
    return best;
  };

  const start: LinePoint = { alpha: 0, value: f0, slope: slope0, grad: new Float64Array(0), x: x0 };
  let prev = start;
  let alpha = initialStep;
  for (let iter = 0; counter.evals < maxEvals; iter++) {
    const p = at(alpha);
    consider(p);
    if (!Number.isFinite(p.value) || p.value > f0 + c1 * alpha * slope0 || (iter > 0 && p.value >= prev.value)) {
      return zoom(prev, p);
    }
    if (Math.abs(p.slope) <= -c2 * slope0) return p;
    if (p.slope >= 0) return zoom(p, prev);
    prev = p;
    alpha *= 2.5;
  }
  return best;
}

/** Minimises a deterministic objective with L-BFGS. */
export function minimizeLbfgs(objective: Objective, theta0: Float64Array, options: LbfgsOptions = {}): OptimizeResult {
  const maxIterations = options.maxIterations ?? 200;
  const maxEvaluations = options.maxEvaluations ?? 20 * maxIterations;
  const memory = options.memory ?? 10;
  const gradTolerance = options.gradTolerance ?? 1e-6;
  const relTolerance = options.relTolerance ?? 1e-12;
  const progress = options.progress;
  const n = theta0.length;
  const counter = { evals: 1 };

  let x: Float64Array = Float64Array.from(theta0);
  const first = objective(x);
  if (!Number.isFinite(first.value) || !isFiniteVec(first.grad)) {
    throw new EngineError(
      'The loss is not finite at the starting parameters; check the data for extreme values or rescale it.',
    );
  }
  let f = first.value;
  let g = Float64Array.from(first.grad);
  const history: number[] = [f];
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const alphaBuf = new Float64Array(memory);
  let stopReason: StopReason = 'max-iterations';
  let iterations = 0;

  for (; iterations < maxIterations; iterations++) {
    if (progress?.cancelled?.()) {
      stopReason = 'cancelled';
      break;
    }
    if (normInf(g) <= gradTolerance) {
      stopReason = 'gradient';
      break;
    }
    // Two-loop recursion: direction = −H g.
    const dir = new Float64Array(n);
    for (let i = 0; i < n; i++) dir[i] = -g[i]!;
    const k = sList.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = rhoList[j]! * dot(sList[j]!, dir);
      alphaBuf[j] = a;
      const yj = yList[j]!;
      for (let i = 0; i < n; i++) dir[i] = dir[i]! - a * yj[i]!;
    }
    if (k > 0) {
      const gamma = dot(sList[k - 1]!, yList[k - 1]!) / dot(yList[k - 1]!, yList[k - 1]!);
      for (let i = 0; i < n; i++) dir[i] = dir[i]! * gamma;
    }
    for (let j = 0; j < k; j++) {
      const b = rhoList[j]! * dot(yList[j]!, dir);
      const sj = sList[j]!;
      const coef = alphaBuf[j]! - b;
      for (let i = 0; i < n; i++) dir[i] = dir[i]! + coef * sj[i]!;
    }
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (stale curvature pairs): restart from steepest descent.
      sList.length = yList.length = rhoList.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i]!;
      slope = dot(g, dir);
    }
    // First step: unit-length move along −g, as in the reference; afterwards the natural step 1.
    const initialStep = sList.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    const found = wolfeLineSearch(objective, x, f, slope, dir, initialStep, maxEvaluations, counter);
    if (!found) {
      if (sList.length > 0) {
        // Retry once along steepest descent before giving up.
        sList.length = yList.length = rhoList.length = 0;
        continue;
      }
      stopReason = counter.evals >= maxEvaluations ? 'max-evaluations' : 'no-progress';
      break;
    }
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = found.x[i]! - x[i]!;
      y[i] = found.grad[i]! - g[i]!;
    }
    const fPrev = f;
    x = found.x;
    f = found.value;
    g = Float64Array.from(found.grad);
    history.push(f);
    progress?.report?.((iterations + 1) / maxIterations, `loss ${f.toPrecision(6)}`);
    const sy = dot(s, y);
    if (Number.isFinite(sy) && sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (sList.length === memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
    }
    if ((fPrev - f) / Math.max(Math.abs(f), Math.abs(fPrev), 1) <= relTolerance) {
      iterations++;
      stopReason = 'no-progress';
      break;
    }
    if (counter.evals >= maxEvaluations) {
      iterations++;
      stopReason = 'max-evaluations';
      break;
    }
  }
  return { theta: x, value: f, history, iterations, evaluations: counter.evals, stopReason };
}

/** A loss that may differ per step: the caller can draw a fresh subsample from rng. */
export type StochasticObjective = (theta: Float64Array, step: number, rng: Rng) => ValueAndGrad;

export interface AdamOptions {
  steps?: number; // default 500
  learningRate?: number; // default 5e-3
  beta1?: number; // default 0.9
  beta2?: number; // default 0.999
  epsilon?: number; // default 1e-8
  rng: Rng;
  progress?: Progress;
}

/**
 * Adam. The returned theta is the parameter vector with the lowest loss seen (the loss at step t is
 * evaluated at the parameters before update t). With a subsampled objective, callers who need an
 * unbiased pick should re-score candidates on fixed data.
 */
export function minimizeAdam(objective: StochasticObjective, theta0: Float64Array, options: AdamOptions): OptimizeResult {
  const steps = options.steps ?? 500;
  const lr = options.learningRate ?? 5e-3;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const eps = options.epsilon ?? 1e-8;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new EngineError(`Adam learning rate must be positive, got ${lr}.`);
  const n = theta0.length;
  const theta = Float64Array.from(theta0);
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const history: number[] = [];
  let best = Float64Array.from(theta0);
  let bestValue = Number.POSITIVE_INFINITY;
  let stopReason: StopReason = 'max-iterations';
  let step = 0;
  for (; step < steps; step++) {
    if (options.progress?.cancelled?.()) {
      stopReason = 'cancelled';
      break;
    }
    const { value, grad } = objective(theta, step, options.rng);
    if (!Number.isFinite(value) || !isFiniteVec(grad)) {
      if (step === 0) {
        throw new EngineError(
          'The loss is not finite at the starting parameters; check the data for extreme values or rescale it.',
        );
      }
      stopReason = 'non-finite';
      break;
    }
    history.push(value);
    if (value < bestValue) {
      bestValue = value;
      best = Float64Array.from(theta);
    }
    const c1 = 1 - Math.pow(beta1, step + 1);
    const c2 = 1 - Math.pow(beta2, step + 1);
    for (let i = 0; i < n; i++) {
      const gi = grad[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * gi;
      v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
      theta[i] = theta[i]! - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
    }
    if (step % 10 === 0) options.progress?.report?.((step + 1) / steps, `loss ${value.toPrecision(6)}`);
  }
  return { theta: best, value: bestValue, history, iterations: step, evaluations: step, stopReason };
}
