// Single-task GP by type-II maximum likelihood: the no-history case and the STBO baseline.
//
// Model: constant mean + Matérn 5/2 ARD on unit-cube inputs (categorical parameters of 3 or more choices one-hot). y is standardised internally, the
// (penalised) NLL is minimised with L-BFGS from a default start plus seeded random restarts, and the
// result is mapped back to the caller's units (c' = centre + scale·c, s' = scale²·s, σ²' = scale²·σ²).
// Weak log-normal priors keep the fit stable with very few points:
//   log ℓ ~ N(log 0.4, 1²), log s ~ N(0, 1²), log σ² ~ N(log 1e-2, 2²), c ~ N(0, 1²).
// With fewer than 2 points no fit is attempted and the prior centres are used.
import { describeParams, paramLayout, paramsFromValues, sigmoid, softplus, POSITIVE_FLOOR, type ParamValues } from './model';
import { nllObjective } from './objectives';
import { minimizeLbfgs } from './optimize';
import { createRng } from './rng';
import { EngineError, type ModelSpec, type Objective, type Points } from './types';

export interface SingleTaskOptions {
  seed?: number;
  /** Random restarts besides the default start. Default 3. */
  restarts?: number;
  /** L-BFGS iterations per start. Default 100. */
  maxIterations?: number;
  /** Per input, the choice count of a categorical parameter (ModelSpec.categories; 0 or absent: numeric). */
  categories?: readonly number[];
}

export interface SingleTaskFit {
  spec: ModelSpec;
  /** Parameters in the caller's y units. */
  theta: Float64Array;
  /** Penalised NLL of the standardised data at the optimum (NaN when no fit was run). */
  loss: number;
  parameters: ParamValues;
}

const LENGTHSCALE_PRIOR = { mu: Math.log(0.4), sigma: 1 };
const SIGNAL_PRIOR = { mu: 0, sigma: 1 };
const NOISE_PRIOR = { mu: Math.log(1e-2), sigma: 2 };
const CONSTANT_PRIOR_SD = 1;

export function singleTaskSpec(dim: number, categories?: readonly number[]): ModelSpec {
  const spec: ModelSpec = { dim, mean: 'constant', kernel: 'matern52', kernelOnFeatures: false, mlp: [] };
  return categories?.some((k) => k >= 3) ? { ...spec, categories: [...categories] } : spec;
}

/** NLL plus the negative log-priors above, on the raw parameter vector. */
function penalised(spec: ModelSpec, nll: Objective): Objective {
  const layout = paramLayout(spec);
  const logNormal = (theta: Float64Array, grad: Float64Array, at: number, prior: { mu: number; sigma: number }): number => {
    const u = theta[at]!;
    const v = softplus(u) + POSITIVE_FLOOR;
    const z = (Math.log(v) - prior.mu) / prior.sigma;
    grad[at] = grad[at]! + (z / prior.sigma) * (sigmoid(u) / v);
    return 0.5 * z * z;
  };
  return (theta) => {
    const { value, grad } = nll(theta);
    if (!Number.isFinite(value)) return { value, grad };
    const g = Float64Array.from(grad);
    let penalty = 0;
    for (let j = 0; j < layout.kernelDim; j++) penalty += logNormal(theta, g, layout.lengthscale + j, LENGTHSCALE_PRIOR);
    penalty += logNormal(theta, g, layout.signalVariance, SIGNAL_PRIOR);
    penalty += logNormal(theta, g, layout.noiseVariance, NOISE_PRIOR);
    const c = theta[layout.constant]!;
    penalty += (0.5 * c * c) / (CONSTANT_PRIOR_SD * CONSTANT_PRIOR_SD);
    g[layout.constant] = g[layout.constant]! + c / (CONSTANT_PRIOR_SD * CONSTANT_PRIOR_SD);
    return { value: value + penalty, grad: g };
  };
}

/** Fits the single-task GP to (x, y); x in the unit cube, y finite (model units, larger is better). */
export function fitSingleTask(x: Points, y: Float64Array, options: SingleTaskOptions = {}): SingleTaskFit {
  const spec = singleTaskSpec(x.d, options.categories);
  const layout = paramLayout(spec);
  if (y.length !== x.n) throw new EngineError(`Single-task fit: ${x.n} points but ${y.length} values.`);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]!)) throw new EngineError('Single-task fit: the values must be finite (drop NaN/inf first).');
  }
  const n = x.n;
  let center = 0;
  let scale = 1;
  if (n >= 1) {
    center = y.reduce((a, b) => a + b, 0) / n;
    if (n >= 2) {
      const sd = Math.sqrt(y.reduce((a, b) => a + (b - center) ** 2, 0) / (n - 1));
      if (sd > 1e-12 * Math.max(1, Math.abs(center))) scale = sd;
    }
  }
  const defaults = paramsFromValues(spec, {
    constant: 0,
    lengthscale: Math.exp(LENGTHSCALE_PRIOR.mu),
    signalVariance: 1,
    noiseVariance: Math.exp(NOISE_PRIOR.mu),
  });
  let best = defaults;
  let bestLoss = Number.NaN;
  if (n >= 2) {
    const z = Float64Array.from(y, (v) => (v - center) / scale);
    const objective = penalised(spec, nllObjective(spec, [{ name: 'single task', x, y: z }]));
    const rng = createRng(options.seed ?? 0);
    const restarts = options.restarts ?? 3;
    bestLoss = Number.POSITIVE_INFINITY;
    for (let r = 0; r <= restarts; r++) {
      const start =
        r === 0
          ? defaults
          : paramsFromValues(spec, {
              constant: 0.3 * rng.normal(),
              lengthscale: Array.from({ length: layout.kernelDim }, () => Math.exp(LENGTHSCALE_PRIOR.mu + 0.7 * rng.normal())),
              signalVariance: Math.exp(0.5 * rng.normal()),
              noiseVariance: Math.exp(NOISE_PRIOR.mu + rng.normal()),
            });
      try {
        const result = minimizeLbfgs(objective, start, { maxIterations: options.maxIterations ?? 100, gradTolerance: 1e-5 });
        if (result.value < bestLoss) {
          bestLoss = result.value;
          best = result.theta;
        }
      } catch (e) {
        if (!(e instanceof EngineError)) throw e;
      }
    }
    if (!Number.isFinite(bestLoss)) {
      best = defaults;
      bestLoss = Number.NaN;
    }
  }
  const fitted = describeParams(spec, best);
  const theta = paramsFromValues(spec, {
    constant: center + scale * (fitted.constant ?? 0),
    lengthscale: fitted.lengthscale,
    signalVariance: scale * scale * fitted.signalVariance,
    noiseVariance: Math.max(scale * scale * fitted.noiseVariance, 2 * POSITIVE_FLOOR),
  });
  return { spec, theta, loss: bestLoss, parameters: describeParams(spec, theta) };
}
