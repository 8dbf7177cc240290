// Pre-training objectives with analytic gradients (HyperBO §3.2, §3.3, §8):
// NLL averaged over tasks, partial EKL averaged over matched groups, and their weighted sum.

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { cholesky, choleskyInverse, choleskySolve, choleskySolveMatrix, logDetFromCholesky } from './linalg';
import { Scratch } from './kernels';
import {
  backwardModel,
  checkPoints,
  checkTargets,
  evaluateModel,
  GP_JITTER,
  paramLayout,
  trainingCovariance,
  type ModelEval,
  type ParamLayout,
} from './model';
import { EngineError, type MatchedGroup, type ModelSpec, type Objective, type PretrainData, type Task, type ValueAndGrad } from './types';
import { maxOf } from '../shared/extent';

const LOG_2PI = Math.log(2 * Math.PI);

export interface ObjectiveOptions {
  /** Diagonal jitter added to every covariance besides σ² (default 1e-6). */
  readonly jitter?: number;
  /**
   * When a covariance cannot be factored (not positive definite, or non-finite parameters), throw
   * the EngineError instead of returning value +Infinity with a zero gradient. Optimisers want the
   * default (false) so a line search can reject the step.
   */
  readonly throwOnFailure?: boolean;
  /** Skip input validation (the caller already validated these exact tasks, e.g. a row subsample). */
  readonly trusted?: boolean;
  /**
   * 'fixed' (default): each task's values around the mean function as it is. 'estimated': each task (each matched
   * column, for EKL) has its own unknown constant level (a flat prior), integrated out (the restricted likelihood),
   * as a study with an estimated level (model.ts ConditionOptions) treats the new task.
   */
  readonly level?: 'fixed' | 'estimated';
}

/** Reusable buffers for one objective; keeps the hot loop allocation-light. */
export class ObjectiveWorkspace {
  readonly covariance = new Scratch();
  readonly inverse = new Scratch();
  readonly work = new Scratch();
  readonly solves = new Scratch();
}

/** Throws EngineError for tasks whose points or values are malformed for this spec. */
export function validateTasks(spec: ModelSpec, tasks: readonly Task[]): void {
  for (const task of tasks) {
    checkPoints(task.x, spec.dim, `Task '${task.name}'`);
    checkTargets(task.y, task.x.n, `Task '${task.name}'`);
  }
}

/** Throws EngineError for matched groups that are malformed for this spec. */
export function validateGroups(spec: ModelSpec, groups: readonly MatchedGroup[]): void {
  groups.forEach((group, index) => {
    const what = `Matched group ${index} (${group.taskNames.slice(0, 3).join(', ')}${group.taskNames.length > 3 ? ', …' : ''})`;
    checkPoints(group.x, spec.dim, what);
    if (group.y.length !== group.x.n * group.m) {
      throw new EngineError(`${what}: expected ${group.x.n}×${group.m} values (points × tasks), got ${group.y.length}.`);
    }
    for (let i = 0; i < group.y.length; i++) {
      if (!Number.isFinite(group.y[i])) {
        throw new EngineError(`${what}: value at point ${Math.floor(i / group.m)} of task ${i % group.m} is ${group.y[i]}; matched groups need every task observed at every point.`);
      }
    }
  });
}

function checkThetaLength(layout: ParamLayout, theta: Float64Array): void {
  if (theta.length !== layout.size) {
    throw new EngineError(`The parameter vector has ${theta.length} entries but this model needs ${layout.size}.`);
  }
}

function failure(layout: ParamLayout, error: unknown, options: ObjectiveOptions): ValueAndGrad {
  if (options.throwOnFailure || !(error instanceof EngineError)) throw error;
  return { value: Infinity, grad: new Float64Array(layout.size) };
}

/** Factor K for one data set, computing the model's forward pass. */
function factorData(
  layout: ParamLayout,
  theta: Float64Array,
  x: Float64Array,
  n: number,
  jitter: number,
  ws: ObjectiveWorkspace,
  what: string,
): { ev: ModelEval; factor: Float64Array } {
  const ev = evaluateModel(layout, theta, x, n);
  const k = trainingCovariance(ev, jitter, ws.covariance.get(n * n));
  const { factor } = cholesky(k, n, { what, out: k });
  return { ev, factor };
}

/**
 * L_NLL = mean over non-empty tasks of ½rᵀK⁻¹r + ½log|K| + (n/2)log 2π with r = y − m(X),
 * K = k(X, X) + (σ² + 1e-6)I, and its gradient. Accumulates `scale`·L into the result.
 * With `estimated` levels each task's r is taken about its own GLS level b̂ = 1ᵀK⁻¹r / 1ᵀK⁻¹1, and the
 * restricted likelihood adds ½log(1ᵀK⁻¹1) and counts n − 1 dimensions.
 */
function accumulateNll(
  layout: ParamLayout,
  theta: Float64Array,
  tasks: readonly Task[],
  scale: number,
  jitter: number,
  ws: ObjectiveWorkspace,
  grad: Float64Array,
  estimatedLevel = false,
): number {
  const active = tasks.filter((t) => t.x.n > 0);
  if (active.length === 0) throw new EngineError('None of the tasks has any observations; NLL pre-training needs data.');
  const weight = scale / active.length;
  let total = 0;
  for (const task of active) {
    const n = task.x.n;
    const { ev, factor } = factorData(layout, theta, task.x.data, n, jitter, ws, `the covariance of task '${task.name}'`);
    const alpha = ws.solves.get(n).subarray(0, n);
    for (let i = 0; i < n; i++) alpha[i] = task.y[i] - ev.mean[i];
    choleskySolve(factor, n, alpha, alpha);
    let quad = 0;
    for (let i = 0; i < n; i++) quad += (task.y[i] - ev.mean[i]) * alpha[i];
    total += 0.5 * quad + 0.5 * logDetFromCholesky(factor, n) + 0.5 * n * LOG_2PI;
    // β = K⁻¹1 and s = 1ᵀβ for the level; then α is K⁻¹(r − b̂1) and dL/dK gains −½ββᵀ/s.
    let beta: Float64Array | undefined;
    let precision = 0;
    if (estimatedLevel) {
      beta = choleskySolve(factor, n, new Float64Array(n).fill(1));
      let projected = 0;
      for (let i = 0; i < n; i++) {
        precision += beta[i];
        projected += alpha[i];
      }
      const level = projected / precision;
      for (let i = 0; i < n; i++) alpha[i] -= level * beta[i];
      total += -0.5 * projected * level + 0.5 * Math.log(precision) - 0.5 * LOG_2PI;
    }
    // dL/dK = ½(K⁻¹ − ααᵀ), dL/dm = −α (both times the task weight).
    const g = choleskyInverse(factor, n, ws.inverse.get(n * n), ws.work.get(n * n));
    for (let i = 0; i < n; i++) {
      const ai = alpha[i];
      const ri = i * n;
      const bi = beta ? beta[i] / precision : 0;
      for (let j = 0; j < n; j++) g[ri + j] = 0.5 * weight * (g[ri + j] - ai * alpha[j] - (beta ? bi * beta[j] : 0));
    }
    const gMean = new Float64Array(n);
    for (let i = 0; i < n; i++) gMean[i] = -weight * alpha[i];
    backwardModel(layout, theta, ev, g, gMean, grad);
  }
  return (scale * total) / active.length;
}

/**
 * Partial EKL per group, tr(K⁻¹Ŝ) + (μ − μ̂)ᵀK⁻¹(μ − μ̂) + log|K| with the biased Ŝ and
 * K = k(X, X) + (σ² + 1e-6)I, averaged over non-empty groups; accumulates `scale`·L.
 * With `estimated` levels it is twice the columns' mean restricted NLL (accumulateNll) less (n − 1)log 2π: each
 * column is taken about its own GLS level, and log(1ᵀK⁻¹1) is added.
 */
function accumulateEkl(
  layout: ParamLayout,
  theta: Float64Array,
  groups: readonly MatchedGroup[],
  scale: number,
  jitter: number,
  ws: ObjectiveWorkspace,
  grad: Float64Array,
  estimatedLevel = false,
): number {
  const active = groups.filter((g) => g.x.n > 0 && g.m > 0);
  if (active.length === 0) throw new EngineError('No matched group has any points; EKL pre-training needs tasks evaluated at shared inputs.');
  const weight = scale / active.length;
  let total = 0;
  active.forEach((group, index) => {
    const n = group.x.n;
    const m = group.m;
    const { ev, factor } = factorData(layout, theta, group.x.data, n, jitter, ws, `the covariance of matched group ${index}`);
    // Centred columns C = Y − μ̂1ᵀ and d = μ − μ̂.
    const centred = new Float64Array(n * m);
    const beta = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = i * m;
      let s = 0;
      for (let j = 0; j < m; j++) s += group.y[r + j];
      const empiricalMean = s / m;
      for (let j = 0; j < m; j++) centred[r + j] = group.y[r + j] - empiricalMean;
      beta[i] = ev.mean[i] - empiricalMean;
    }
    const b = choleskySolveMatrix(factor, n, centred, m);
    let traceTerm = 0;
    for (let i = 0; i < n * m; i++) traceTerm += centred[i] * b[i];
    traceTerm /= m;
    let quad = 0;
    const d = Float64Array.from(beta);
    choleskySolve(factor, n, beta, beta);
    for (let i = 0; i < n; i++) quad += d[i] * beta[i];
    total += traceTerm + quad + logDetFromCholesky(factor, n);
    // Levels: with u = K⁻¹1, s = 1ᵀu, a = uᵀC and e = uᵀd, the columns' projections on the level come off,
    // B − u aᵀ/s and β − u e/s replace B and β below, and dL/dK gains −uuᵀ/s.
    let ones: Float64Array | undefined;
    let precision = 0;
    if (estimatedLevel) {
      ones = choleskySolve(factor, n, new Float64Array(n).fill(1));
      let e = 0;
      const a = new Float64Array(m);
      for (let i = 0; i < n; i++) {
        precision += ones[i];
        e += ones[i] * d[i];
        for (let c = 0; c < m; c++) a[c] += ones[i] * centred[i * m + c];
      }
      let meanSquare = 0;
      for (let c = 0; c < m; c++) meanSquare += (a[c] * a[c]) / m;
      total += -(meanSquare + e * e) / precision + Math.log(precision);
      for (let i = 0; i < n; i++) {
        const ui = ones[i] / precision;
        for (let c = 0; c < m; c++) b[i * m + c] -= ui * a[c];
        beta[i] -= ui * e;
      }
    }
    // dL/dK = K⁻¹ − (1/m)BBᵀ − ββᵀ with B = K⁻¹C, β = K⁻¹d; dL/dμ = 2β.
    const g = choleskyInverse(factor, n, ws.inverse.get(n * n), ws.work.get(n * n));
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      const bi = i * m;
      const ui = ones ? ones[i] / precision : 0;
      for (let j = 0; j <= i; j++) {
        const bj = j * m;
        let s = 0;
        for (let c = 0; c < m; c++) s += b[bi + c] * b[bj + c];
        const v = weight * (g[ri + j] - s / m - beta[i] * beta[j] - (ones ? ui * ones[j] : 0));
        g[ri + j] = v;
        g[j * n + i] = v;
      }
    }
    const gMean = new Float64Array(n);
    for (let i = 0; i < n; i++) gMean[i] = 2 * weight * beta[i];
    backwardModel(layout, theta, ev, g, gMean, grad);
  });
  return (scale * total) / active.length;
}

/** Mean NLL over tasks (empty tasks skipped) and its gradient w.r.t. the unconstrained θ. */
export function nllValueAndGrad(
  spec: ModelSpec,
  theta: Float64Array,
  tasks: readonly Task[],
  options: ObjectiveOptions = {},
  workspace: ObjectiveWorkspace = new ObjectiveWorkspace(),
): ValueAndGrad {
  const layout = paramLayout(spec);
  checkThetaLength(layout, theta);
  if (!options.trusted) validateTasks(spec, tasks);
  return evaluate(layout, options, (grad) => accumulateNll(layout, theta, tasks, 1, options.jitter ?? GP_JITTER, workspace, grad, options.level === 'estimated'));
}

/** Mean partial EKL over matched groups and its gradient. */
export function eklValueAndGrad(
  spec: ModelSpec,
  theta: Float64Array,
  groups: readonly MatchedGroup[],
  options: ObjectiveOptions = {},
  workspace: ObjectiveWorkspace = new ObjectiveWorkspace(),
): ValueAndGrad {
  const layout = paramLayout(spec);
  checkThetaLength(layout, theta);
  if (!options.trusted) validateGroups(spec, groups);
  return evaluate(layout, options, (grad) => accumulateEkl(layout, theta, groups, 1, options.jitter ?? GP_JITTER, workspace, grad, options.level === 'estimated'));
}

/**
 * L = L_NLL(tasks) + weightEkl · EKL(matched). A part with no data is left out (so this is plain
 * NLL or plain EKL when only one kind of data exists); with no data at all it throws.
 */
export function combinedValueAndGrad(
  spec: ModelSpec,
  theta: Float64Array,
  data: PretrainData,
  weightEkl: number,
  options: ObjectiveOptions = {},
  workspace: ObjectiveWorkspace = new ObjectiveWorkspace(),
): ValueAndGrad {
  const layout = paramLayout(spec);
  checkThetaLength(layout, theta);
  if (!(weightEkl >= 0) || !Number.isFinite(weightEkl)) throw new EngineError(`The EKL weight must be a finite number ≥ 0, got ${weightEkl}.`);
  if (!options.trusted) {
    validateTasks(spec, data.tasks);
    validateGroups(spec, data.matched);
  }
  const hasTasks = data.tasks.some((t) => t.x.n > 0);
  const hasGroups = weightEkl > 0 && data.matched.some((g) => g.x.n > 0 && g.m > 0);
  if (!hasTasks && !hasGroups) throw new EngineError('There is no training data: every task and matched group is empty.');
  const jitter = options.jitter ?? GP_JITTER;
  return evaluate(layout, options, (grad) => {
    let value = 0;
    if (hasTasks) value += accumulateNll(layout, theta, data.tasks, 1, jitter, workspace, grad, options.level === 'estimated');
    if (hasGroups) value += accumulateEkl(layout, theta, data.matched, weightEkl, jitter, workspace, grad, options.level === 'estimated');
    return value;
  });
}

/**
 * Runs an objective's accumulation into a fresh gradient. A factorisation that fails (non-finite or not positive
 * definite) or a non-finite result is a failed evaluation (value Infinity) unless options.throwOnFailure.
 */
function evaluate(layout: ParamLayout, options: ObjectiveOptions, accumulate: (grad: Float64Array) => number): ValueAndGrad {
  const grad = new Float64Array(layout.size);
  try {
    return finish(layout, accumulate(grad), grad, options);
  } catch (error) {
    if (error instanceof EngineError && /non-finite|not positive definite/.test(error.message)) return failure(layout, error, options);
    throw error;
  }
}

function finish(layout: ParamLayout, value: number, grad: Float64Array, options: ObjectiveOptions): ValueAndGrad {
  if (!Number.isFinite(value)) {
    return failure(layout, new EngineError(`The objective is non-finite (${value}); the parameters have diverged.`), options);
  }
  for (let i = 0; i < grad.length; i++) {
    if (!Number.isFinite(grad[i])) {
      return failure(layout, new EngineError(`The objective's gradient is non-finite at parameter ${i}; the parameters have diverged.`), options);
    }
  }
  return { value, grad };
}

/** Closure form of nllValueAndGrad over fixed tasks (validated once, buffers reused). */
export function nllObjective(spec: ModelSpec, tasks: readonly Task[], options: ObjectiveOptions = {}): Objective {
  validateTasks(spec, tasks);
  const ws = new ObjectiveWorkspace();
  const opts = { ...options, trusted: true };
  return (theta) => nllValueAndGrad(spec, theta, tasks, opts, ws);
}

/** Closure form of eklValueAndGrad over fixed matched groups. */
export function eklObjective(spec: ModelSpec, groups: readonly MatchedGroup[], options: ObjectiveOptions = {}): Objective {
  validateGroups(spec, groups);
  const ws = new ObjectiveWorkspace();
  const opts = { ...options, trusted: true };
  return (theta) => eklValueAndGrad(spec, theta, groups, opts, ws);
}

/** Closure form of combinedValueAndGrad. */
export function combinedObjective(spec: ModelSpec, data: PretrainData, weightEkl: number, options: ObjectiveOptions = {}): Objective {
  validateTasks(spec, data.tasks);
  validateGroups(spec, data.matched);
  const ws = new ObjectiveWorkspace();
  const opts = { ...options, trusted: true };
  return (theta) => combinedValueAndGrad(spec, theta, data, weightEkl, opts, ws);
}

/**
 * Full EKL for reporting (HyperBO §3.3): KL(N(μ̂, Ŝ + εI) ‖ N(μ, K + εI)) restricted to the support of
 * Ŝ, with K = k(X, X) + σ²I and ε = 1e-6. Not differentiated; uses an eigendecomposition.
 */
export function fullEkl(spec: ModelSpec, theta: Float64Array, group: MatchedGroup, epsilon = 1e-6): number {
  const layout = paramLayout(spec);
  checkThetaLength(layout, theta);
  validateGroups(spec, [group]);
  const n = group.x.n;
  const m = group.m;
  if (n === 0 || m === 0) throw new EngineError('The matched group is empty; the EKL needs points and tasks.');
  const ev = evaluateModel(layout, theta, group.x.data, n);
  const k = trainingCovariance(ev, epsilon);
  const empiricalMean = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += group.y[i * m + j];
    empiricalMean[i] = s / m;
  }
  const s = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let acc = 0;
      for (let c = 0; c < m; c++) acc += (group.y[i * m + c] - empiricalMean[i]) * (group.y[j * m + c] - empiricalMean[j]);
      const v = acc / m + (i === j ? epsilon : 0);
      s.set(i, j, v);
      s.set(j, i, v);
    }
  }
  const eig = new EigenvalueDecomposition(s, { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const vectors = eig.eigenvectorMatrix;
  const largest = maxOf(values);
  const threshold = ((largest * Number.EPSILON) / 2) * Math.sqrt(2 * n + 1);
  const kept = values.map((v, i) => [v, i] as const).filter(([v]) => v > threshold);
  const r = kept.length;
  // A⁺ = diag(1/√s_r)·U_rᵀ (r×n); whiten the mean difference and the model covariance.
  const pinv = new Float64Array(r * n);
  kept.forEach(([v, col], row) => {
    const inv = 1 / Math.sqrt(v);
    for (let i = 0; i < n; i++) pinv[row * n + i] = vectors.get(i, col) * inv;
  });
  const diff = new Float64Array(n);
  for (let i = 0; i < n; i++) diff[i] = ev.mean[i] - empiricalMean[i];
  const whitenedMean = new Float64Array(r);
  for (let a = 0; a < r; a++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += pinv[a * n + i] * diff[i];
    whitenedMean[a] = acc;
  }
  const pk = new Float64Array(r * n);
  for (let a = 0; a < r; a++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += pinv[a * n + i] * k[i * n + j];
      pk[a * n + j] = acc;
    }
  }
  const whitenedK = new Float64Array(r * r);
  for (let a = 0; a < r; a++) {
    for (let b2 = 0; b2 <= a; b2++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += pk[a * n + j] * pinv[b2 * n + j];
      whitenedK[a * r + b2] = acc;
      whitenedK[b2 * r + a] = acc;
    }
  }
  const { factor } = cholesky(whitenedK, r, { what: 'the whitened model covariance' });
  const inverse = choleskyInverse(factor, r);
  let trace = 0;
  for (let a = 0; a < r; a++) trace += inverse[a * r + a];
  const solved = choleskySolve(factor, r, whitenedMean);
  let quad = 0;
  for (let a = 0; a < r; a++) quad += whitenedMean[a] * solved[a];
  return 0.5 * (trace + quad + logDetFromCholesky(factor, r) - r);
}
