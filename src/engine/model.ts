// The GP model: flat parameter layout for a ModelSpec, constrained views of it, the forward/backward
// passes shared by the objectives, and the posterior used for BO (HyperBO §2, §4.1).

import { cholesky, choleskySolve, dot, logDetFromCholesky, solveLower, solveLowerTransposed } from './linalg';
import { explainedVarianceWasm } from './wasm/linalg';
import { kernelCrossBackward, kernelDiagonal, kernelMatrix, kernelSymmetric, kernelSymmetricBackward, type KernelParams } from './kernels';
import { meanBackward, meanForward } from './mean';
import { mlpBackward, mlpForward, mlpInit, mlpLayerSlices, mlpParamCount, type MlpCache } from './mlp';
import { EngineError, type ModelSpec, type Points, type Rng } from './types';

/** Fixed diagonal jitter added to every training covariance (HyperBO §4.1, §8). */
export const GP_JITTER = 1e-6;
/** Floor added after softplus so positive parameters never reach 0. */
export const POSITIVE_FLOOR = 1e-10;

/** Initial raw (unconstrained) values from the HyperBO demo. */
export const DEFAULT_RAW_LENGTHSCALE = 0;
export const DEFAULT_RAW_SIGNAL_VARIANCE = 0;
export const DEFAULT_RAW_NOISE_VARIANCE = -6;

/** Offsets of each parameter group in the flat unconstrained vector; -1 (count 0) when absent. */
export interface ParamLayout {
  readonly spec: ModelSpec;
  /** Total number of parameters. */
  readonly size: number;
  /** True when the mean or the kernel uses the MLP feature map. */
  readonly usesMlp: boolean;
  /** Hidden widths of φ actually used (spec.mlp, or [2·dim] when the spec leaves it empty); [] when unused. */
  readonly mlpWidths: readonly number[];
  /** Dimension of the inputs the kernel sees: dim (categories one-hot), or the last MLP width when kernelOnFeatures. */
  readonly kernelDim: number;
  /** Where the kernel's input columns come from when some input is seen one-hot; null when z is x or φ(x). */
  readonly oneHot: OneHotInputs | null;
  readonly constant: number;
  readonly linearWeights: number;
  readonly linearWeightCount: number;
  readonly linearBias: number;
  readonly mlp: number;
  readonly mlpCount: number;
  readonly lengthscale: number;
  readonly signalVariance: number;
  readonly noiseVariance: number;
}

const layoutCache = new WeakMap<ModelSpec, ParamLayout>();

/**
 * Per input j, its first column in the kernel's input z and its choice count: 0 for a coordinate z takes as it is,
 * k ≥ 3 for a categorical coordinate in [0, 1] (choice i owning [i/k, (i+1)/k)) seen as k columns: ONE_HOT_LEVEL at
 * the choice's, 0 elsewhere.
 */
export interface OneHotInputs {
  readonly columns: readonly number[];
  readonly choices: readonly number[];
}

/**
 * A one-hot coordinate's height: two choices are then 0.5 apart, as the two choices of a 2-choice parameter are in
 * the unit-cube encoding (which the kernel sees as it is: with two choices the order means nothing).
 */
export const ONE_HOT_LEVEL = 0.5 / Math.SQRT2;

/** The one-hot columns of a kernel on the inputs (null when no input is seen one-hot), and the kernel's input width. */
function oneHotInputs(spec: ModelSpec): { inputs: OneHotInputs | null; width: number } {
  const categories = spec.categories ?? [];
  if (categories.length !== 0 && categories.length !== spec.dim) {
    throw new EngineError(`spec.categories has ${categories.length} entries for ${spec.dim} inputs.`);
  }
  const columns: number[] = [];
  const choices: number[] = [];
  let width = 0;
  for (let j = 0; j < spec.dim; j++) {
    const k = categories[j] ?? 0;
    if (!Number.isInteger(k) || k < 0) throw new EngineError(`spec.categories must hold whole numbers ≥ 0, got ${k}.`);
    columns.push(width);
    choices.push(k >= 3 ? k : 0);
    width += k >= 3 ? k : 1;
  }
  return { inputs: width > spec.dim ? { columns, choices } : null, width };
}

/** The kernel's inputs for x (n×dim): numeric coordinates as they are, each one-hot input expanded. */
function embedInputs(layout: ParamLayout, { columns, choices }: OneHotInputs, x: Float64Array, n: number): Float64Array {
  const d = layout.spec.dim;
  const p = layout.kernelDim;
  const z = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const u = x[i * d + j]!;
      const k = choices[j]!;
      if (k === 0) z[i * p + columns[j]!] = u;
      else {
        const t = Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0.5;
        z[i * p + columns[j]! + Math.min(k - 1, Math.floor(t * k))] = ONE_HOT_LEVEL;
      }
    }
  }
  return z;
}

/**
 * dL/dx (dim) from dL/dz (kernelDim) of a kernel on the inputs, added into `out`: numeric coordinates pass through,
 * a one-hot input's choice is piecewise constant in its coordinate (gradient 0).
 */
function addInputGradient(layout: ParamLayout, gz: Float64Array, out: Float64Array): void {
  const oneHot = layout.oneHot;
  for (let j = 0; j < layout.spec.dim; j++) {
    if (!oneHot) out[j] += gz[j]!;
    else if (oneHot.choices[j] === 0) out[j] += gz[oneHot.columns[j]!]!;
  }
}

/** Validates the spec and returns its parameter layout (cached per spec object). */
export function paramLayout(spec: ModelSpec): ParamLayout {
  const cached = layoutCache.get(spec);
  if (cached) return cached;
  if (!Number.isInteger(spec.dim) || spec.dim < 1) {
    throw new EngineError(`The model's input dimension must be a positive integer, got ${spec.dim}.`);
  }
  if (!['zero', 'constant', 'linear', 'linear-mlp'].includes(spec.mean)) {
    throw new EngineError(`Unknown mean function '${spec.mean}'; use zero, constant, linear or linear-mlp.`);
  }
  if (!['se', 'matern32', 'matern52'].includes(spec.kernel)) {
    throw new EngineError(`Unknown kernel '${spec.kernel}'; use se, matern32 or matern52.`);
  }
  for (const w of spec.mlp) {
    if (!Number.isInteger(w) || w < 1) throw new EngineError(`MLP layer widths must be positive integers, got [${spec.mlp.join(', ')}].`);
  }
  const usesMlp = spec.mean === 'linear-mlp' || spec.kernelOnFeatures;
  const mlpWidths = usesMlp ? (spec.mlp.length > 0 ? [...spec.mlp] : [2 * spec.dim]) : [];
  const featureDim = usesMlp ? mlpWidths[mlpWidths.length - 1] : spec.dim;
  let offset = 0;
  const take = (count: number): number => {
    if (count === 0) return -1;
    const at = offset;
    offset += count;
    return at;
  };
  const constant = take(spec.mean === 'constant' ? 1 : 0);
  const linearWeightCount = spec.mean === 'linear' ? spec.dim : spec.mean === 'linear-mlp' ? featureDim : 0;
  const linearWeights = take(linearWeightCount);
  const linearBias = take(linearWeightCount > 0 ? 1 : 0);
  const mlpCount = usesMlp ? mlpParamCount(spec.dim, mlpWidths) : 0;
  const mlp = take(mlpCount);
  const inputs = spec.kernelOnFeatures ? { inputs: null, width: spec.dim } : oneHotInputs(spec);
  const kernelDim = spec.kernelOnFeatures ? featureDim : inputs.width;
  const lengthscale = take(kernelDim);
  const signalVariance = take(1);
  const noiseVariance = take(1);
  const layout: ParamLayout = {
    spec,
    size: offset,
    usesMlp,
    mlpWidths,
    kernelDim,
    oneHot: inputs.inputs,
    constant,
    linearWeights,
    linearWeightCount,
    linearBias,
    mlp,
    mlpCount,
    lengthscale,
    signalVariance,
    noiseVariance,
  };
  layoutCache.set(spec, layout);
  return layout;
}

/** softplus(u) = log(1 + eᵘ), computed without overflow. */
export function softplus(u: number): number {
  return u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
}

/** The derivative of softplus: 1/(1 + e⁻ᵘ). */
export function sigmoid(u: number): number {
  if (u >= 0) return 1 / (1 + Math.exp(-u));
  const e = Math.exp(u);
  return e / (1 + e);
}

/** Raw value u with softplus(u) + POSITIVE_FLOOR = value (value > POSITIVE_FLOOR). */
export function positiveToRaw(value: number): number {
  const v = value - POSITIVE_FLOOR;
  if (!(v > 0) || !Number.isFinite(v)) throw new EngineError(`A positive parameter must be a finite number above ${POSITIVE_FLOOR}, got ${value}.`);
  // softplus⁻¹(v) = log(eᵛ − 1) = v + log(1 − e⁻ᵛ).
  return v > 30 ? v + Math.log1p(-Math.exp(-v)) : Math.log(Math.expm1(v));
}

function positive(u: number): number {
  return softplus(u) + POSITIVE_FLOOR;
}

/** Default starting parameters: raw lengthscales 0, raw signal 0, raw noise −6, constant 0,
 * LeCun-normal MLP and linear weights, zero biases. */
export function initialParams(spec: ModelSpec, rng: Rng): Float64Array {
  const layout = paramLayout(spec);
  const theta = new Float64Array(layout.size);
  if (layout.linearWeights >= 0) mlpInit(theta, layout.linearWeights, layout.linearWeightCount, [1], rng);
  if (layout.mlp >= 0) mlpInit(theta, layout.mlp, spec.dim, layout.mlpWidths, rng);
  theta.fill(DEFAULT_RAW_LENGTHSCALE, layout.lengthscale, layout.lengthscale + layout.kernelDim);
  theta[layout.signalVariance] = DEFAULT_RAW_SIGNAL_VARIANCE;
  theta[layout.noiseVariance] = DEFAULT_RAW_NOISE_VARIANCE;
  return theta;
}

/** Constrained parameter values by name, for reports, tests and serialisation. */
export interface ParamValues {
  constant?: number;
  linearWeights?: number[];
  linearBias?: number;
  mlpLayers?: { weights: number[]; biases: number[] }[];
  lengthscale: number[];
  signalVariance: number;
  noiseVariance: number;
}

function checkTheta(layout: ParamLayout, theta: Float64Array): void {
  if (theta.length !== layout.size) {
    throw new EngineError(`The parameter vector has ${theta.length} entries but this model needs ${layout.size}; was it made for a different model?`);
  }
}

export function describeParams(spec: ModelSpec, theta: Float64Array): ParamValues {
  const layout = paramLayout(spec);
  checkTheta(layout, theta);
  const slice = (at: number, count: number): number[] => Array.from(theta.subarray(at, at + count));
  const values: ParamValues = {
    lengthscale: slice(layout.lengthscale, layout.kernelDim).map(positive),
    signalVariance: positive(theta[layout.signalVariance]),
    noiseVariance: positive(theta[layout.noiseVariance]),
  };
  if (layout.constant >= 0) values.constant = theta[layout.constant];
  if (layout.linearWeights >= 0) {
    values.linearWeights = slice(layout.linearWeights, layout.linearWeightCount);
    values.linearBias = theta[layout.linearBias];
  }
  if (layout.mlp >= 0) {
    values.mlpLayers = mlpLayerSlices(spec.dim, layout.mlpWidths).map((l) => ({
      weights: slice(layout.mlp + l.weights, l.fanIn * l.fanOut),
      biases: slice(layout.mlp + l.biases, l.fanOut),
    }));
  }
  return values;
}

/**
 * Writes the given constrained values into a copy of `base` (or of zeros), inverting the softplus.
 * Inverse of describeParams; a scalar lengthscale is broadcast.
 */
export function paramsFromValues(spec: ModelSpec, values: Partial<Omit<ParamValues, 'lengthscale'>> & { lengthscale?: number[] | number }, base?: Float64Array): Float64Array {
  const layout = paramLayout(spec);
  const theta = base ? Float64Array.from(base) : new Float64Array(layout.size);
  checkTheta(layout, theta);
  const setArray = (name: string, at: number, count: number, v: number[] | undefined): void => {
    if (v === undefined) return;
    if (at < 0 || v.length !== count) throw new EngineError(`Parameter '${name}' needs ${count} values for this model, got ${v.length}.`);
    for (let i = 0; i < count; i++) theta[at + i] = v[i];
  };
  if (values.constant !== undefined) {
    if (layout.constant < 0) throw new EngineError(`This model's mean '${spec.mean}' has no constant.`);
    theta[layout.constant] = values.constant;
  }
  setArray('linearWeights', layout.linearWeights, layout.linearWeightCount, values.linearWeights);
  if (values.linearBias !== undefined) {
    if (layout.linearBias < 0) throw new EngineError(`This model's mean '${spec.mean}' has no linear bias.`);
    theta[layout.linearBias] = values.linearBias;
  }
  if (values.mlpLayers !== undefined) {
    const layers = mlpLayerSlices(spec.dim, layout.mlpWidths);
    if (values.mlpLayers.length !== layers.length) throw new EngineError(`This model has ${layers.length} MLP layers, got ${values.mlpLayers.length}.`);
    layers.forEach((l, i) => {
      setArray(`mlpLayers[${i}].weights`, layout.mlp + l.weights, l.fanIn * l.fanOut, values.mlpLayers![i].weights);
      setArray(`mlpLayers[${i}].biases`, layout.mlp + l.biases, l.fanOut, values.mlpLayers![i].biases);
    });
  }
  if (values.lengthscale !== undefined) {
    const ls = typeof values.lengthscale === 'number' ? new Array<number>(layout.kernelDim).fill(values.lengthscale) : values.lengthscale;
    setArray('lengthscale', layout.lengthscale, layout.kernelDim, ls.map(positiveToRaw));
  }
  if (values.signalVariance !== undefined) theta[layout.signalVariance] = positiveToRaw(values.signalVariance);
  if (values.noiseVariance !== undefined) theta[layout.noiseVariance] = positiveToRaw(values.noiseVariance);
  return theta;
}

/** Kernel parameters (constrained) read from θ. */
export function kernelParams(layout: ParamLayout, theta: Float64Array): KernelParams {
  const lengthscale = new Float64Array(layout.kernelDim);
  for (let c = 0; c < layout.kernelDim; c++) lengthscale[c] = positive(theta[layout.lengthscale + c]);
  return { kind: layout.spec.kernel, lengthscale, signal: positive(theta[layout.signalVariance]) };
}

export function noiseVariance(layout: ParamLayout, theta: Float64Array): number {
  return positive(theta[layout.noiseVariance]);
}

/** Throws EngineError unless x is a well-formed, finite n×dim point set. */
export function checkPoints(x: Points, dim: number, what: string): void {
  if (!Number.isInteger(x.n) || x.n < 0 || x.data.length !== x.n * x.d) {
    throw new EngineError(`${what}: expected ${x.n}×${x.d} = ${x.n * x.d} coordinates, got ${x.data.length}.`);
  }
  if (x.d !== dim) {
    throw new EngineError(`${what} has ${x.d} input dimension${x.d === 1 ? '' : 's'} but the model expects ${dim}; check that the search spaces match.`);
  }
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) {
      throw new EngineError(`${what}: point ${Math.floor(i / x.d)} has a non-finite coordinate (${x.data[i]}) in dimension ${i % x.d}; remove or fix it.`);
    }
  }
}

/** Throws EngineError unless y holds n finite values. */
export function checkTargets(y: Float64Array, n: number, what: string): void {
  if (y.length !== n) throw new EngineError(`${what}: ${n} points but ${y.length} observed values; they must match.`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) throw new EngineError(`${what}: observed value ${i} is ${y[i]}; drop failed or diverged trials before fitting.`);
  }
}

/** Everything the forward pass computes at a set of inputs; reused by the backward pass. */
export interface ModelEval {
  readonly n: number;
  readonly x: Float64Array;
  /** MLP activations, when the model uses φ. */
  readonly mlpCache: MlpCache | null;
  /** The kernel's inputs: x or φ(x), n×kernelDim. */
  readonly z: Float64Array;
  readonly mean: Float64Array;
  readonly kernel: KernelParams;
  readonly noise: number;
}

/** Forward pass at n points (x is n×dim row-major, assumed valid). */
export function evaluateModel(layout: ParamLayout, theta: Float64Array, x: Float64Array, n: number, reuse?: ModelEval): ModelEval {
  const spec = layout.spec;
  const mlpCache = layout.usesMlp ? mlpForward(theta, layout.mlp, spec.dim, layout.mlpWidths, x, n, reuse?.mlpCache ?? undefined) : null;
  const features = mlpCache ? mlpCache.activations[mlpCache.activations.length - 1] : null;
  const z = spec.kernelOnFeatures ? features! : layout.oneHot ? embedInputs(layout, layout.oneHot, x, n) : x;
  const meanOut = reuse && reuse.mean.length === n ? reuse.mean : new Float64Array(n);
  const mean = meanForward(layout, theta, x, n, features, meanOut);
  return { n, x, mlpCache, z, mean, kernel: kernelParams(layout, theta), noise: noiseVariance(layout, theta) };
}

/** K = k(Z, Z) + (σ² + jitter)·I into `out` (n×n). */
export function trainingCovariance(ev: ModelEval, jitter: number, out: Float64Array = new Float64Array(ev.n * ev.n)): Float64Array {
  kernelSymmetric(ev.kernel, ev.z, ev.n, out);
  const add = ev.noise + jitter;
  for (let i = 0; i < ev.n; i++) out[i * ev.n + i] += add;
  return out;
}

/**
 * Reverse mode for a loss L(K, m) with K = trainingCovariance(ev) and m = ev.mean: given
 * gK = dL/dK (n×n) and gMean = dL/dm (n), accumulates dL/dθ (unconstrained) into `grad`.
 */
export function backwardModel(
  layout: ParamLayout,
  theta: Float64Array,
  ev: ModelEval,
  gK: Float64Array,
  gMean: Float64Array | null,
  grad: Float64Array,
): void {
  const spec = layout.spec;
  const n = ev.n;
  const p = layout.kernelDim;
  const features = ev.mlpCache ? ev.mlpCache.activations[ev.mlpCache.activations.length - 1] : null;
  const featureWidth = layout.usesMlp ? layout.mlpWidths[layout.mlpWidths.length - 1] : 0;
  const gradFeatures = layout.usesMlp ? new Float64Array(n * featureWidth) : null;
  const gradLs = new Float64Array(p);
  const dSignal = kernelSymmetricBackward(ev.kernel, ev.z, n, gK, gradLs, spec.kernelOnFeatures ? gradFeatures : null);
  let dNoise = 0;
  for (let i = 0; i < n; i++) dNoise += gK[i * n + i];
  if (gMean) meanBackward(layout, theta, ev.x, n, features, gMean, grad, gradFeatures, null);
  if (ev.mlpCache && gradFeatures) {
    mlpBackward(theta, layout.mlp, spec.dim, layout.mlpWidths, ev.mlpCache, gradFeatures, grad, null);
  }
  for (let c = 0; c < p; c++) grad[layout.lengthscale + c] += gradLs[c] * sigmoid(theta[layout.lengthscale + c]);
  grad[layout.signalVariance] += dSignal * sigmoid(theta[layout.signalVariance]);
  grad[layout.noiseVariance] += dNoise * sigmoid(theta[layout.noiseVariance]);
}

/** Prior mean m(x) at the points. */
export function priorMean(spec: ModelSpec, theta: Float64Array, x: Points): Float64Array {
  const layout = paramLayout(spec);
  checkTheta(layout, theta);
  checkPoints(x, spec.dim, 'The query points');
  return evaluateModel(layout, theta, x.data, x.n).mean;
}

/** Prior covariance k(x, x) (n×n), plus σ²·I when includeNoise. */
export function priorCovariance(spec: ModelSpec, theta: Float64Array, x: Points, options: { includeNoise?: boolean } = {}): Float64Array {
  const layout = paramLayout(spec);
  checkTheta(layout, theta);
  checkPoints(x, spec.dim, 'The query points');
  const ev = evaluateModel(layout, theta, x.data, x.n);
  const k = kernelSymmetric(ev.kernel, ev.z, x.n);
  if (options.includeNoise) for (let i = 0; i < x.n; i++) k[i * x.n + i] += ev.noise;
  return k;
}

/**
 * m function draws from the prior at the points: an n×m row-major matrix, one column per draw,
 * with observation noise σ² added when includeNoise (default true).
 */
export function samplePrior(
  spec: ModelSpec,
  theta: Float64Array,
  x: Points,
  m: number,
  rng: Rng,
  options: { includeNoise?: boolean } = {},
): Float64Array {
  const layout = paramLayout(spec);
  checkTheta(layout, theta);
  checkPoints(x, spec.dim, 'The sample points');
  const n = x.n;
  const ev = evaluateModel(layout, theta, x.data, n);
  const k = kernelSymmetric(ev.kernel, ev.z, n);
  for (let i = 0; i < n; i++) k[i * n + i] += GP_JITTER;
  const { factor } = cholesky(k, n, { what: 'the prior covariance of the sample points' });
  const includeNoise = options.includeNoise ?? true;
  const noiseStd = Math.sqrt(ev.noise);
  const out = new Float64Array(n * m);
  const e = new Float64Array(n);
  for (let col = 0; col < m; col++) {
    for (let i = 0; i < n; i++) e[i] = rng.normal();
    for (let i = 0; i < n; i++) {
      let s = ev.mean[i];
      const ri = i * n;
      for (let k2 = 0; k2 <= i; k2++) s += factor[ri + k2] * e[k2];
      if (includeNoise) s += noiseStd * rng.normal();
      out[i * m + col] = s;
    }
  }
  return out;
}

export interface Prediction {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

export interface PredictOptions {
  /** Add the observation noise σ² to the variance (the noisy predictive variance). Default false. */
  readonly includeNoise?: boolean;
  /** Multiplies the latent variance before noise is added (e.g. HyperBO's N/(N−1)). Default 1. */
  readonly varianceScale?: number;
}

export interface PredictionWithGradient {
  readonly mean: number;
  readonly variance: number;
  /** dμ/dx (length dim). */
  readonly meanGradient: Float64Array;
  /** dvar/dx (length dim); zero where the variance was clamped at 0. */
  readonly varianceGradient: Float64Array;
}

/** A GP conditioned on one task's observations; the Cholesky factor is computed once. */
export interface Posterior {
  readonly spec: ModelSpec;
  /** Number of observations conditioned on. */
  readonly n: number;
  readonly noiseVariance: number;
  /** Extra jitter the Cholesky needed beyond σ² + 1e-6 (0 normally). */
  readonly jitter: number;
  /** −log p(y | X, θ) of the observations (0 with no data; with an estimated level, at the estimate). */
  readonly negLogLikelihood: number;
  /** The task's level added to the mean function: its GLS estimate with an estimated level, else 0. */
  readonly level: number;
  predict(query: Points, options?: PredictOptions): Prediction;
  /** Mean and variance at one point x (length dim) with their gradients w.r.t. x. */
  predictWithGradient(x: Float64Array, options?: PredictOptions): PredictionWithGradient;
  /**
   * The posterior given one more observation (x, y): the Cholesky factor gains one row (O(n²)) instead of being
   * recomputed (O(n³)). Equal to conditioning on all n + 1 observations up to rounding; when the new point makes
   * the factor lose positive definiteness (a duplicate at tiny noise), it falls back to that full conditioning.
   */
  withObservation(x: Float64Array, y: number): Posterior;
  /**
   * The posterior on observations (x, y) whose first n points are this posterior's, in order, followed by new ones:
   * the factor gains a row per new point (O(n²) each) and is not recomputed; y may differ everywhere (a new output
   * normalisation changes every value, not the covariance). Undefined when x does not start with this posterior's
   * points, or when a new point makes the factor lose positive definiteness: the caller conditions afresh.
   */
  extendedTo(x: Points, y: Float64Array): Posterior | undefined;
}

const PREDICT_CHUNK = 256;
/** Below this many observations the per-query TypeScript solve is as fast as the WebAssembly batch. */
const WASM_VARIANCE_MIN_N = 16;

export interface ConditionOptions {
  /**
   * 'fixed' (default): the mean function as it is. 'estimated': the task's level is unknown, a constant added to the
   * mean under a flat prior, estimated from the observations by generalised least squares, with its uncertainty in
   * the predictive variance (universal kriging).
   */
  readonly level?: Level;
}
export type Level = 'fixed' | 'estimated';

/**
 * True when the mean has a shape (linear, linear-mlp): then a task's level is a separate unknown, estimated by a
 * study and integrated out in pre-training. A constant mean is all a level is, so it keeps the one it learnt.
 */
export function meanHasShape(spec: ModelSpec): boolean {
  return spec.mean === 'linear' || spec.mean === 'linear-mlp';
}

/**
 * Conditions the GP on observations (x, y) (HyperBO §4.1): K = k(X, X) + (σ² + 1e-6)I,
 * α = K⁻¹(y − m(X)) (with an estimated level, K⁻¹(y − m(X) − b)). With no observations the posterior is the prior.
 */
export function condition(spec: ModelSpec, theta: Float64Array, x: Points, y: Float64Array, options: ConditionOptions = {}): Posterior {
  const layout = paramLayout(spec);
  checkTheta(layout, theta);
  for (let i = 0; i < theta.length; i++) {
    if (!Number.isFinite(theta[i])) throw new EngineError(`The model parameters contain a non-finite value at index ${i}; the prior is corrupt, re-train it.`);
  }
  checkPoints(x, spec.dim, 'The observations');
  checkTargets(y, x.n, 'The observations');
  const level = options.level ?? 'fixed';
  if (level !== 'fixed' && level !== 'estimated') throw new EngineError(`Unknown level "${level}"; use fixed or estimated.`);
  return new GpPosterior(layout, theta, x, y, undefined, level);
}

class GpPosterior implements Posterior {
  readonly spec: ModelSpec;
  readonly n: number;
  readonly noiseVariance: number;
  readonly jitter: number;
  readonly negLogLikelihood: number;
  /** The estimated level (0 when fixed), and Σ⁻¹1 and 1ᵀΣ⁻¹1 for its variance. */
  readonly level: number = 0;
  private readonly levelWeights: Float64Array | undefined;
  private readonly levelPrecision: number = 0;
  private readonly train: ModelEval;
  private readonly factor: Float64Array;
  private readonly alpha: Float64Array;

  constructor(
    private readonly layout: ParamLayout,
    private readonly theta: Float64Array,
    x: Points,
    private readonly y: Float64Array,
    /** A factor of this data's covariance already computed (by withObservation), with its extra jitter. */
    known: { factor: Float64Array; jitter: number } | undefined,
    private readonly levelKind: Level,
  ) {
    this.spec = layout.spec;
    const n = x.n;
    this.n = n;
    this.train = evaluateModel(layout, theta, x.data, n);
    this.noiseVariance = this.train.noise;
    if (known) {
      this.factor = known.factor;
      this.jitter = known.jitter;
    } else {
      const k = trainingCovariance(this.train, GP_JITTER);
      const chol = cholesky(k, n, { what: 'the covariance of the observations', out: k });
      this.factor = chol.factor;
      this.jitter = chol.jitter;
    }
    const residual = new Float64Array(n);
    for (let i = 0; i < n; i++) residual[i] = y[i] - this.train.mean[i];
    if (levelKind !== 'fixed' && n > 0) {
      // b = 1ᵀΣ⁻¹r / 1ᵀΣ⁻¹1, then the residuals about it.
      const u = choleskySolve(this.factor, n, new Float64Array(n).fill(1));
      let precision = 0;
      let b = 0;
      for (let i = 0; i < n; i++) {
        precision += u[i]!;
        b += u[i]! * residual[i]!;
      }
      b /= precision;
      for (let i = 0; i < n; i++) residual[i] -= b;
      this.level = b;
      this.levelWeights = u;
      this.levelPrecision = precision;
    }
    this.alpha = choleskySolve(this.factor, n, residual);
    let quad = 0;
    for (let i = 0; i < n; i++) quad += residual[i] * this.alpha[i];
    this.negLogLikelihood = n === 0 ? 0 : 0.5 * quad + 0.5 * logDetFromCholesky(this.factor, n) + 0.5 * n * Math.log(2 * Math.PI);
  }

  withObservation(x: Float64Array, y: number): Posterior {
    const d = this.spec.dim;
    checkPoints({ n: 1, d: x.length, data: x }, d, 'The new observation');
    if (!Number.isFinite(y)) throw new EngineError(`The new observation's value is ${y}; drop failed or diverged trials before conditioning.`);
    const n = this.n;
    const xs = new Float64Array((n + 1) * d);
    xs.set(this.train.x.subarray(0, n * d));
    xs.set(x, n * d);
    const ys = new Float64Array(n + 1);
    ys.set(this.y);
    ys[n] = y;
    const points = { n: n + 1, d, data: xs };
    return this.extendedTo(points, ys) ?? new GpPosterior(this.layout, this.theta, points, ys, undefined, this.levelKind);
  }

  extendedTo(x: Points, y: Float64Array): Posterior | undefined {
    const d = this.spec.dim;
    const n = this.n;
    const m = x.n;
    checkPoints(x, d, 'The observations');
    checkTargets(y, m, 'The observations');
    if (m < n) return undefined;
    const old = this.train.x;
    for (let i = 0; i < n * d; i++) if (x.data[i] !== old[i]) return undefined;
    // The same points: the factor as it is (it is never written to).
    if (m === n) return new GpPosterior(this.layout, this.theta, x, y, { factor: this.factor, jitter: this.jitter }, this.levelKind);
    // New rows [L₂₁ L₂₂]: L₂₁ = k(X₂, X₁)L₁₁⁻ᵀ (a forward substitution per new point), then L₂₂ row by row from
    // k(X₂, X₂) + (σ² + jitters)I − L₂₁L₂₁ᵀ; the old rows are copied unchanged.
    const factor = new Float64Array(m * m);
    for (let i = 0; i < n; i++) factor.set(this.factor.subarray(i * n, i * n + i + 1), i * m);
    const k = m - n;
    const p = this.layout.kernelDim;
    const z = evaluateModel(this.layout, this.theta, x.data, m).z;
    const cross = kernelMatrix(this.train.kernel, z.subarray(n * p, m * p), k, z, m);
    const diagonal = kernelDiagonal(this.train.kernel, 1)[0]! + this.noiseVariance + GP_JITTER + this.jitter;
    const head = new Float64Array(n);
    for (let t = 0; t < k; t++) {
      head.set(cross.subarray(t * m, t * m + n));
      factor.set(solveLower(this.factor, n, head, head), (n + t) * m);
    }
    for (let t = 0; t < k; t++) {
      const i = n + t;
      for (let s = 0; s <= t; s++) {
        const j = n + s;
        const v = (s === t ? diagonal : cross[t * m + j]!) - dot(factor, factor, j, i * m, j * m);
        if (s < t) factor[i * m + j] = v / factor[j * m + j]!;
        else {
          if (!(v > 0) || !Number.isFinite(v)) return undefined;
          factor[i * m + i] = Math.sqrt(v);
        }
      }
    }
    return new GpPosterior(this.layout, this.theta, x, y, { factor, jitter: this.jitter }, this.levelKind);
  }

  predict(query: Points, options: PredictOptions = {}): Prediction {
    checkPoints(query, this.spec.dim, 'The query points');
    const m = query.n;
    const n = this.n;
    const d = this.spec.dim;
    const mean = new Float64Array(m);
    const variance = new Float64Array(m);
    const scale = options.varianceScale ?? 1;
    const noise = options.includeNoise ? this.noiseVariance : 0;
    const signal = this.train.kernel.signal;
    const cross = new Float64Array(Math.min(m, PREDICT_CHUNK) * n);
    for (let start = 0; start < m; start += PREDICT_CHUNK) {
      const count = Math.min(PREDICT_CHUNK, m - start);
      const q = evaluateModel(this.layout, this.theta, query.data.subarray(start * d, (start + count) * d), count);
      kernelMatrix(this.train.kernel, q.z, count, this.train.z, n, cross);
      const u = this.levelWeights;
      // The level's own variance, (1 − kᵀΣ⁻¹1)² / 1ᵀΣ⁻¹1, before the cross-covariances are overwritten below.
      const levelVariance = u ? new Float64Array(count) : undefined;
      for (let r = 0; r < count; r++) {
        let mu = q.mean[r] + this.level;
        let ku = 0;
        for (let j = 0, o = r * n; j < n; j++) {
          mu += cross[o + j] * this.alpha[j];
          if (u) ku += cross[o + j] * u[j]!;
        }
        mean[start + r] = mu;
        if (levelVariance) levelVariance[r] = ((1 - ku) * (1 - ku)) / this.levelPrecision;
      }
      // ‖L⁻¹k‖² for every query at once in WebAssembly, else one forward substitution per query.
      const explained = variance.subarray(start, start + count);
      if (n < WASM_VARIANCE_MIN_N || !explainedVarianceWasm(this.factor, n, cross, count, explained)) {
        for (let r = 0; r < count; r++) {
          const row = cross.subarray(r * n, (r + 1) * n);
          solveLower(this.factor, n, row, row);
          let sum = 0;
          for (let j = 0; j < n; j++) sum += row[j] * row[j];
          explained[r] = sum;
        }
      }
      for (let r = 0; r < count; r++) explained[r] = (Math.max(signal - explained[r], 0) + (levelVariance ? levelVariance[r]! : 0)) * scale + noise;
    }
    return { mean, variance };
  }

  predictWithGradient(x: Float64Array, options: PredictOptions = {}): PredictionWithGradient {
    const spec = this.spec;
    const d = spec.dim;
    checkPoints({ n: 1, d: x.length, data: x }, d, 'The query point');
    const layout = this.layout;
    const n = this.n;
    const q = evaluateModel(layout, this.theta, x, 1);
    const kq = kernelMatrix(this.train.kernel, q.z, 1, this.train.z, n);
    let mean = q.mean[0] + this.level;
    const u = this.levelWeights;
    let ku = 0;
    for (let j = 0; j < n; j++) {
      mean += kq[j] * this.alpha[j];
      if (u) ku += kq[j] * u[j]!;
    }
    const v = solveLower(this.factor, n, kq);
    let explained = 0;
    for (let j = 0; j < n; j++) explained += v[j] * v[j];
    const latent = this.train.kernel.signal - explained;
    const scale = options.varianceScale ?? 1;
    const levelVariance = u ? ((1 - ku) * (1 - ku)) / this.levelPrecision : 0;
    const variance = (Math.max(latent, 0) + levelVariance) * scale + (options.includeNoise ? this.noiseVariance : 0);
    // w = K⁻¹k(X, x): dvar/dk = −2w (and −2(1 − kᵀu)/1ᵀu · u for the level's variance); dμ/dk = α.
    const w = solveLowerTransposed(this.factor, n, v);
    for (let j = 0; j < n; j++) w[j] *= latent > 0 ? -2 * scale : 0;
    if (u) for (let j = 0; j < n; j++) w[j] += ((-2 * (1 - ku)) / this.levelPrecision) * u[j]! * scale;
    const p = layout.kernelDim;
    const gzMean = new Float64Array(p);
    const gzVar = new Float64Array(p);
    kernelCrossBackward(this.train.kernel, q.z, 1, this.train.z, n, this.alpha, null, gzMean, null);
    kernelCrossBackward(this.train.kernel, q.z, 1, this.train.z, n, w, null, gzVar, null);
    const meanGradient = new Float64Array(d);
    const varianceGradient = new Float64Array(d);
    const features = q.mlpCache ? q.mlpCache.activations[q.mlpCache.activations.length - 1] : null;
    const width = layout.usesMlp ? layout.mlpWidths[layout.mlpWidths.length - 1] : 0;
    const one = new Float64Array([1]);
    if (layout.usesMlp) {
      const featMean = spec.kernelOnFeatures ? gzMean : new Float64Array(width);
      meanBackward(layout, this.theta, x, 1, features, one, null, featMean, meanGradient);
      mlpBackward(this.theta, layout.mlp, d, layout.mlpWidths, q.mlpCache!, featMean, null, meanGradient);
      if (!spec.kernelOnFeatures) addInputGradient(layout, gzMean, meanGradient);
      if (spec.kernelOnFeatures) mlpBackward(this.theta, layout.mlp, d, layout.mlpWidths, q.mlpCache!, gzVar, null, varianceGradient);
      else addInputGradient(layout, gzVar, varianceGradient);
    } else {
      meanBackward(layout, this.theta, x, 1, null, one, null, null, meanGradient);
      addInputGradient(layout, gzMean, meanGradient);
      addInputGradient(layout, gzVar, varianceGradient);
    }
    return { mean, variance, meanGradient, varianceGradient };
  }
}
