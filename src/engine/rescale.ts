// Re-estimating a frozen prior's output level, scale and noise on the new task's own trials.
//
// The pre-trained prior fixes the shape of the function (mean shape, lengthscales, MLP features) from the training
// tasks; how far the new task's values sit from the prior mean, how much they vary and how noisy they are is a
// property of the task. With the prior frozen, a task whose values vary more than the prior's signal variance gets
// overconfident predictions (exploitation stalls short of the best), one that varies less gets needlessly wide ones.
// So, once the study holds RESCALE_MIN results, three numbers are re-estimated on them by maximum a posteriori:
// the signal variance s' = a·s, the noise σ²' = b·σ² and a shift c of the mean (its constant or bias), with
// log a ~ N(0, 1), log b ~ N(0, 1) and c ~ N(0, s) around the prior's values, every other parameter frozen. The
// objective is the task's negative log marginal likelihood (objectives.ts, analytic gradient) plus those penalties.
import { paramLayout, POSITIVE_FLOOR, sigmoid, softplus } from './model';
import { nllObjective } from './objectives';
import { minimizeLbfgs } from './optimize';
import { EngineError, type ModelSpec, type Objective, type Points } from './types';

/** Results a study needs before the prior's scale, noise and level are re-estimated. */
export const RESCALE_MIN = 5;
/** Prior sd of log a and log b (the factors on the signal and noise variances). */
export const RESCALE_LOG_SD = 1;

export interface Rescaled {
  readonly theta: Float64Array;
  /** s'/s, σ²'/σ² and the mean's shift (model units). */
  readonly signalFactor: number;
  readonly noiseFactor: number;
  readonly shift: number;
}

/** The entries of θ the re-estimation moves: raw signal variance, raw noise variance and the mean's offset (or −1). */
function movable(spec: ModelSpec): { signal: number; noise: number; offset: number } {
  const layout = paramLayout(spec);
  const offset = layout.constant >= 0 ? layout.constant : layout.linearBias >= 0 ? layout.linearBias : -1;
  return { signal: layout.signalVariance, noise: layout.noiseVariance, offset };
}

/**
 * The penalised objective over v = (raw signal, raw noise[, offset]) with the rest of θ fixed (exported for the
 * gradient check).
 */
export function rescaleObjective(spec: ModelSpec, theta: Float64Array, x: Points, y: Float64Array): { objective: Objective; start: Float64Array } {
  const at = movable(spec);
  const s0 = softplus(theta[at.signal]!) + POSITIVE_FLOOR;
  const n0 = softplus(theta[at.noise]!) + POSITIVE_FLOOR;
  const c0 = at.offset >= 0 ? theta[at.offset]! : 0;
  const nll = nllObjective(spec, [{ name: 'this task', x, y }]);
  const k = at.offset >= 0 ? 3 : 2;
  const full = Float64Array.from(theta);
  const objective: Objective = (v) => {
    full[at.signal] = v[0]!;
    full[at.noise] = v[1]!;
    if (at.offset >= 0) full[at.offset] = v[2]!;
    const { value, grad } = nll(full);
    const g = new Float64Array(k);
    g[0] = grad[at.signal]!;
    g[1] = grad[at.noise]!;
    if (at.offset >= 0) g[2] = grad[at.offset]!;
    let penalty = 0;
    const logNormal = (j: number, reference: number): void => {
      const value_ = softplus(v[j]!) + POSITIVE_FLOOR;
      const z = Math.log(value_ / reference) / RESCALE_LOG_SD;
      penalty += 0.5 * z * z;
      g[j] = g[j]! + (z / RESCALE_LOG_SD) * (sigmoid(v[j]!) / value_);
    };
    logNormal(0, s0);
    logNormal(1, n0);
    if (at.offset >= 0) {
      const d = v[2]! - c0;
      penalty += (0.5 * d * d) / s0;
      g[2] = g[2]! + d / s0;
    }
    return { value: value + penalty, grad: g };
  };
  const start = Float64Array.of(theta[at.signal]!, theta[at.noise]!, ...(at.offset >= 0 ? [c0] : []));
  return { objective, start };
}

/** The prior's θ with its signal variance, noise and mean level re-estimated on (x, y) (see the top of the file). */
export function rescalePrior(spec: ModelSpec, theta: Float64Array, x: Points, y: Float64Array): Rescaled {
  if (x.n !== y.length) throw new EngineError(`rescalePrior: ${x.n} points but ${y.length} values.`);
  const at = movable(spec);
  const unchanged: Rescaled = { theta, signalFactor: 1, noiseFactor: 1, shift: 0 };
  if (x.n < 2) return unchanged;
  const { objective, start } = rescaleObjective(spec, theta, x, y);
  let v: Float64Array;
  try {
    const r = minimizeLbfgs(objective, start, { maxIterations: 50, gradTolerance: 1e-6 });
    if (!Number.isFinite(r.value) || !r.theta.every(Number.isFinite)) return unchanged;
    v = r.theta;
  } catch (e) {
    if (e instanceof EngineError) return unchanged;
    throw e;
  }
  const out = Float64Array.from(theta);
  out[at.signal] = v[0]!;
  out[at.noise] = v[1]!;
  if (at.offset >= 0) out[at.offset] = v[2]!;
  const variance = (u: number) => softplus(u) + POSITIVE_FLOOR;
  return {
    theta: out,
    signalFactor: variance(v[0]!) / variance(theta[at.signal]!),
    noiseFactor: variance(v[1]!) / variance(theta[at.noise]!),
    shift: at.offset >= 0 ? v[2]! - theta[at.offset]! : 0,
  };
}
