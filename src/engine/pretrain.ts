// Pre-training a GP prior on many related tasks (HyperBO §3): data checks, objective choice,
// subsampling, optimisation, and provenance of what was trained on.
//
// Objective 'auto': NLL (each task about its own level under a mean with a shape), measured better than EKL
// on most benchmark suites and on the example even where tasks share points (bench/EXPERIMENTS.md, "The default
// objective"); EKL only when the data are matched groups alone. 'nll+ekl' adds the two (weight eklWeight on EKL).
// Optimiser 'lbfgs' (default) optimises one fixed random subsample of at most batchSize points per
// task/group (as the reference L-BFGS path); 'adam' draws a fresh subsample every step.
import { describeParams, initialParams, meanHasShape, type ParamValues } from './model';
import {
  combinedValueAndGrad,
  eklValueAndGrad,
  nllValueAndGrad,
  ObjectiveWorkspace,
  validateGroups,
  validateTasks,
} from './objectives';
import { minimizeAdam, minimizeLbfgs, type OptimizeResult } from './optimize';
import { type PretrainObjectiveKind, usesMatchedGroups, usesTaskData } from '../shared/objectiveKind';
import { applyOutput, fitOutputTransform, warpValue, type OutputSpec, type OutputTransform } from './warp';
import { createRng, sampleWithoutReplacement } from './rng';
import {
  EngineError,
  type MatchedGroup,
  type ModelSpec,
  type Points,
  type PretrainData,
  type Progress,
  type Rng,
  type Task,
  type ValueAndGrad,
} from './types';

export const MIN_EKL_POINTS = 4;

export interface PretrainOptions {
  /** Model structure; default defaultSpecFor(dim, data). */
  spec?: ModelSpec;
  objective?: PretrainObjectiveKind | 'auto';
  /** Weight c in NLL + c·EKL. Default 1. */
  eklWeight?: number;
  optimizer?: 'lbfgs' | 'adam';
  /** L-BFGS iterations or Adam steps. Defaults 150 / 1000. */
  steps?: number;
  /** Points per task (rows per matched group) per evaluation. Default 100. */
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /** Starting parameters (e.g. to continue training); default initialParams(spec, rng). */
  initialTheta?: Float64Array;
  /**
   * L-BFGS only: independent starts on the same subsample, keeping the lowest loss; the first start is the
   * single-start run. Default: EKL_RESTARTS for EKL alone without initialTheta, else 1.
   */
  restarts?: number;
  /**
   * Each training task's level (objectives.ts ObjectiveOptions.level). 'estimated' integrates a constant offset per
   * task out of the objective, the model a study uses under a learnt mean with a shape, so the kernel no longer
   * absorbs the tasks' offsets. 'auto' (default): estimated for NLL under a shaped mean, fixed otherwise; measured,
   * NLL gained on most suites and EKL was mixed (bench/EXPERIMENTS.md, "Pre-training with each task's level").
   */
  level?: 'fixed' | 'estimated' | 'auto';
  progress?: Progress;
}

/**
 * L-BFGS starts for EKL. Its loss has seed-dependent local optima, and on the bundled example the lowest of three
 * ended the diverged and poor first suggestions (bench/EXPERIMENTS.md); EKL runs are cheap. NLL's first suggestions
 * did not change with restarts, at three times the cost, so NLL keeps one start.
 */
export const EKL_RESTARTS = 3;

export interface PretrainProvenance {
  tasks: { name: string; points: number; droppedNonFinite: number }[];
  matchedGroups: { points: number; tasks: number; droppedRows: number }[];
  skippedTasks: { name: string; reason: string }[];
  optimizer: 'lbfgs' | 'adam';
  steps: number;
  batchSize: number;
  seed: number;
  stopReason: OptimizeResult['stopReason'];
  /** Starts run (L-BFGS) and which one was kept (0-based). */
  restarts: number;
  keptRestart: number;
  /** The training tasks' level as pre-training used it (PretrainOptions.level after 'auto'). */
  level: 'fixed' | 'estimated';
  durationMs: number;
}

export interface PretrainResult {
  spec: ModelSpec;
  theta: Float64Array;
  objective: PretrainObjectiveKind;
  finalLoss: number;
  history: number[];
  /** Named constrained parameter values, for display. */
  parameters: ParamValues;
  provenance: PretrainProvenance;
}

/**
 * The default model: linear mean on a small tanh-MLP feature map with a Matérn 5/2 ARD kernel on the
 * same features (HYPERBO.md §2.5), kept small so pre-training stays fast.
 */
export function recommendedSpec(dim: number): ModelSpec {
  return { dim, mean: 'linear-mlp', kernel: 'matern52', kernelOnFeatures: true, mlp: [8, 8] };
}

/** Constant mean + Matérn 5/2 ARD on the raw inputs: few parameters, robust with little data. */
export function simpleSpec(dim: number): ModelSpec {
  return { dim, mean: 'constant', kernel: 'matern52', kernelOnFeatures: false, mlp: [] };
}

/** Below this many training points (or with fewer than 3 tasks) the MLP model would overfit. */
export const MIN_POINTS_FOR_MLP = 300;

/**
 * The default model for the data: recommendedSpec with ≥ 3 tasks and ≥ MIN_POINTS_FOR_MLP points in
 * total (measured on a 16 × 96 synthetic family: held-out log density 1.16 vs 0.20 for simpleSpec),
 * else simpleSpec, whose handful of parameters a few small tasks can pin down.
 */
export function defaultSpecFor(dim: number, tasks: readonly Task[], groups: readonly MatchedGroup[]): ModelSpec {
  const names = new Set<string>(tasks.map((t) => t.name));
  for (const g of groups) for (const n of g.taskNames) names.add(n);
  let points = 0;
  for (const t of tasks) points += t.x.n;
  for (const g of groups) points += g.x.n * g.m;
  return names.size >= 3 && points >= MIN_POINTS_FOR_MLP ? recommendedSpec(dim) : simpleSpec(dim);
}

interface CleanData {
  tasks: Task[];
  groups: MatchedGroup[];
  provenance: Pick<PretrainProvenance, 'tasks' | 'matchedGroups' | 'skippedTasks'>;
}

function checkPoints(x: Points, what: string, dim: number): void {
  if (!x || !Number.isInteger(x.n) || !Number.isInteger(x.d) || !(x.data instanceof Float64Array)) {
    throw new EngineError(`${what}: inputs are malformed (need n, d and a Float64Array of n·d values).`);
  }
  if (x.d !== dim) throw new EngineError(`${what} has ${x.d} input dimensions but the model expects ${dim}.`);
  if (x.data.length !== x.n * x.d) throw new EngineError(`${what}: inputs hold ${x.data.length} numbers, expected ${x.n}×${x.d}.`);
}

function rowFinite(x: Points, i: number): boolean {
  for (let j = 0; j < x.d; j++) if (!Number.isFinite(x.data[i * x.d + j]!)) return false;
  return true;
}

function selectRows(x: Points, rows: readonly number[]): Points {
  const data = new Float64Array(rows.length * x.d);
  rows.forEach((r, k) => data.set(x.data.subarray(r * x.d, (r + 1) * x.d), k * x.d));
  return { n: rows.length, d: x.d, data };
}

/** Validates shapes and drops rows with non-finite inputs or outputs, counting them. */
export function cleanPretrainData(data: PretrainData, dim: number): CleanData {
  if (!data || (!data.tasks?.length && !data.matched?.length)) {
    throw new EngineError('No training data: give at least one task with observations to pre-train a prior.');
  }
  const tasks: Task[] = [];
  const provenance: CleanData['provenance'] = { tasks: [], matchedGroups: [], skippedTasks: [] };
  for (const t of data.tasks ?? []) {
    checkPoints(t.x, `Task "${t.name}"`, dim);
    if (t.y.length !== t.x.n) throw new EngineError(`Task "${t.name}" has ${t.x.n} inputs but ${t.y.length} values.`);
    const keep: number[] = [];
    for (let i = 0; i < t.x.n; i++) if (Number.isFinite(t.y[i]!) && rowFinite(t.x, i)) keep.push(i);
    const dropped = t.x.n - keep.length;
    if (keep.length < 2) {
      provenance.skippedTasks.push({ name: t.name, reason: `only ${keep.length} usable point(s)` });
      continue;
    }
    tasks.push({ name: t.name, x: selectRows(t.x, keep), y: Float64Array.from(keep, (i) => t.y[i]!) });
    provenance.tasks.push({ name: t.name, points: keep.length, droppedNonFinite: dropped });
  }
  const groups: MatchedGroup[] = [];
  for (const [gi, g] of (data.matched ?? []).entries()) {
    checkPoints(g.x, `Matched group ${gi + 1}`, dim);
    if (g.y.length !== g.x.n * g.m) {
      throw new EngineError(`Matched group ${gi + 1} has ${g.y.length} values, expected ${g.x.n} points × ${g.m} tasks.`);
    }
    if (g.taskNames.length !== g.m) throw new EngineError(`Matched group ${gi + 1} names ${g.taskNames.length} tasks but has ${g.m} columns.`);
    const keep: number[] = [];
    for (let i = 0; i < g.x.n; i++) {
      let ok = rowFinite(g.x, i);
      for (let c = 0; c < g.m && ok; c++) ok = Number.isFinite(g.y[i * g.m + c]!);
      if (ok) keep.push(i);
    }
    if (g.m < 2 || keep.length < MIN_EKL_POINTS) {
      provenance.skippedTasks.push({
        name: `matched group ${gi + 1}`,
        reason: g.m < 2 ? 'fewer than 2 tasks' : `only ${keep.length} complete shared point(s)`,
      });
      continue;
    }
    const y = new Float64Array(keep.length * g.m);
    keep.forEach((r, k) => y.set(g.y.subarray(r * g.m, (r + 1) * g.m), k * g.m));
    groups.push({ x: selectRows(g.x, keep), m: g.m, y, taskNames: g.taskNames });
    provenance.matchedGroups.push({ points: keep.length, tasks: g.m, droppedRows: g.x.n - keep.length });
  }
  if (tasks.length === 0 && groups.length === 0) {
    const why = provenance.skippedTasks.map((s) => `${s.name}: ${s.reason}`).join('; ');
    throw new EngineError(`No usable training data after dropping non-finite values (${why}). Each task needs ≥ 2 finite points.`);
  }
  return { tasks, groups, provenance };
}

export function chooseObjective(
  requested: PretrainObjectiveKind | 'auto',
  tasks: readonly Task[],
  groups: readonly MatchedGroup[],
): PretrainObjectiveKind {
  if (requested === 'auto') return tasks.length > 0 ? 'nll' : 'ekl';
  if (usesMatchedGroups(requested) && groups.length === 0) {
    throw new EngineError(
      `Objective "${requested}" needs matched data (≥ 2 tasks evaluated at ≥ ${MIN_EKL_POINTS} shared points); use "nll" or "auto".`,
    );
  }
  if (usesTaskData(requested) && tasks.length === 0) {
    throw new EngineError(`Objective "${requested}" needs per-task data; use "ekl" or "auto".`);
  }
  return requested;
}

function subsampleTask(t: Task, batch: number, rng: Rng): Task {
  if (t.x.n <= batch) return t;
  const rows = sampleWithoutReplacement(t.x.n, batch, rng);
  return { name: t.name, x: selectRows(t.x, rows), y: Float64Array.from(rows, (i) => t.y[i]!) };
}

function subsampleGroup(g: MatchedGroup, batch: number, rng: Rng): MatchedGroup {
  if (g.x.n <= batch) return g;
  const rows = sampleWithoutReplacement(g.x.n, batch, rng);
  const y = new Float64Array(rows.length * g.m);
  rows.forEach((r, k) => y.set(g.y.subarray(r * g.m, (r + 1) * g.m), k * g.m));
  return { x: selectRows(g.x, rows), m: g.m, y, taskNames: g.taskNames };
}

/** The loss for one draw of (sub-sampled) data; buffers reused across calls. */
function makeLoss(
  spec: ModelSpec,
  kind: PretrainObjectiveKind,
  eklWeight: number,
  level: 'fixed' | 'estimated',
): (theta: Float64Array, tasks: readonly Task[], groups: readonly MatchedGroup[]) => ValueAndGrad {
  const ws = new ObjectiveWorkspace();
  const opts = { trusted: true, level };
  if (kind === 'nll') return (theta, tasks) => nllValueAndGrad(spec, theta, tasks, opts, ws);
  if (kind === 'ekl') return (theta, _tasks, groups) => eklValueAndGrad(spec, theta, groups, opts, ws);
  return (theta, tasks, groups) => combinedValueAndGrad(spec, theta, { tasks, matched: groups }, eklWeight, opts, ws);
}

export function pretrain(data: PretrainData, options: PretrainOptions = {}): PretrainResult {
  const started = Date.now();
  const dim = options.spec?.dim ?? data?.tasks?.[0]?.x.d ?? data?.matched?.[0]?.x.d;
  if (dim === undefined) throw new EngineError('No training data: give at least one task with observations to pre-train a prior.');
  const clean = cleanPretrainData(data, options.spec?.dim ?? dim);
  const spec = options.spec ?? defaultSpecFor(dim, clean.tasks, clean.groups);
  const objectiveKind = chooseObjective(options.objective ?? 'auto', clean.tasks, clean.groups);
  const optimizer = options.optimizer ?? 'lbfgs';
  if (optimizer !== 'lbfgs' && optimizer !== 'adam') throw new EngineError(`Unknown optimiser "${optimizer}"; use lbfgs or adam.`);
  const steps = options.steps ?? (optimizer === 'lbfgs' ? 150 : 1000);
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(steps) || steps < 1) throw new EngineError(`steps must be a positive whole number, got ${steps}.`);
  if (!Number.isInteger(batchSize) || batchSize < 2) throw new EngineError(`batchSize must be a whole number ≥ 2, got ${batchSize}.`);
  const eklWeight = options.eklWeight ?? 1;
  const seed = options.seed ?? 0;
  const rng = createRng(seed);
  const theta0 = options.initialTheta ? Float64Array.from(options.initialTheta) : initialParams(spec, rng.fork());
  const nllTasks = usesTaskData(objectiveKind) ? clean.tasks : [];
  const eklGroups = usesMatchedGroups(objectiveKind) ? clean.groups : [];

  validateTasks(spec, nllTasks);
  validateGroups(spec, eklGroups);
  const shaped = meanHasShape(spec);
  const requested = options.level ?? 'auto';
  if (requested !== 'fixed' && requested !== 'estimated' && requested !== 'auto') throw new EngineError(`Unknown level "${requested}"; use auto, fixed or estimated.`);
  if (requested === 'estimated' && !shaped) {
    throw new EngineError(`Estimated levels need a mean with a shape (linear or linear-mlp); a '${spec.mean}' mean would lose its level.`);
  }
  const level = requested === 'auto' ? (objectiveKind === 'nll' && shaped ? 'estimated' : 'fixed') : requested;
  const loss = makeLoss(spec, objectiveKind, eklWeight, level);
  let result: OptimizeResult;
  const restarts = optimizer === 'lbfgs' ? (options.restarts ?? (objectiveKind === 'ekl' && !options.initialTheta ? EKL_RESTARTS : 1)) : 1;
  if (!Number.isInteger(restarts) || restarts < 1) throw new EngineError(`restarts must be a positive whole number, got ${restarts}.`);
  let keptRestart = 0;
  if (optimizer === 'lbfgs') {
    const subRng = rng.fork();
    const tasks = nllTasks.map((t) => subsampleTask(t, batchSize, subRng));
    const groups = eklGroups.map((g) => subsampleGroup(g, batchSize, subRng));
    const progress = options.progress;
    let best: OptimizeResult | undefined;
    for (let r = 0; r < restarts; r++) {
      const start = r === 0 ? theta0 : initialParams(spec, rng.fork());
      const run = minimizeLbfgs((theta) => loss(theta, tasks, groups), start, {
        maxIterations: steps,
        progress: progress && {
          report: (fraction, message) => progress.report?.((r + fraction) / restarts, restarts > 1 ? `start ${r + 1}/${restarts}: ${message ?? ''}` : message),
          cancelled: progress.cancelled && (() => progress.cancelled!()),
        },
      });
      if (!best || run.value < best.value) {
        best = run;
        keptRestart = r;
      }
      if (run.stopReason === 'cancelled') break;
    }
    result = best!;
  } else {
    result = minimizeAdam(
      (theta, _step, stepRng) => {
        const tasks = nllTasks.map((t) => subsampleTask(t, batchSize, stepRng));
        const groups = eklGroups.map((g) => subsampleGroup(g, batchSize, stepRng));
        return loss(theta, tasks, groups);
      },
      theta0,
      { steps, learningRate: options.learningRate ?? 5e-3, rng: rng.fork(), progress: options.progress },
    );
  }
  return {
    spec,
    theta: result.theta,
    objective: objectiveKind,
    finalLoss: result.value,
    history: result.history,
    parameters: describeParams(spec, result.theta),
    provenance: {
      ...clean.provenance,
      optimizer,
      steps: result.iterations,
      batchSize,
      seed,
      stopReason: result.stopReason,
      restarts,
      keptRestart,
      level,
      durationMs: Date.now() - started,
    },
  };
}

/** One task's raw metric values at its own inputs (before warping). */
export interface RawTask {
  readonly name: string;
  readonly x: Points;
  readonly values: ArrayLike<number>;
}

/** Several tasks' raw metric values at shared inputs: values is n×m row-major, one column per task. */
export interface RawMatchedGroup {
  readonly x: Points;
  readonly taskNames: readonly string[];
  readonly values: ArrayLike<number>;
}

export interface PreparedData {
  data: PretrainData;
  /** Per-task output transform (fitted on all of that task's values, matched and unmatched). */
  transforms: Map<string, OutputTransform>;
  droppedNonFinite: number;
  droppedOutOfDomain: number;
}

/**
 * Applies the output rule (direction, warp, per-task normalisation) to raw metric values. A task's
 * normalisation is fitted on all its values (its own rows and its matched columns). Non-finite and
 * out-of-domain values become NaN here and are dropped (and counted) by pretrain's cleaning. A finite value the
 * tails rule calls infeasible becomes its task's worst feasible value (output.infeasibleInTraining, default 'worst').
 */
export function prepareTrainingData(
  raw: { tasks: readonly RawTask[]; matched?: readonly RawMatchedGroup[] },
  output: OutputSpec,
): PreparedData {
  const valuesByTask = new Map<string, number[]>();
  const push = (name: string, v: number): void => {
    let list = valuesByTask.get(name);
    if (!list) valuesByTask.set(name, (list = []));
    list.push(v);
  };
  for (const t of raw.tasks) for (let i = 0; i < t.values.length; i++) push(t.name, t.values[i]!);
  for (const g of raw.matched ?? []) {
    const m = g.taskNames.length;
    if (g.values.length !== g.x.n * m) {
      throw new EngineError(`A matched group has ${g.values.length} values, expected ${g.x.n} points × ${m} tasks.`);
    }
    for (let i = 0; i < g.x.n; i++) for (let c = 0; c < m; c++) push(g.taskNames[c]!, g.values[i * m + c]!);
  }
  const transforms = new Map<string, OutputTransform>();
  let droppedNonFinite = 0;
  let droppedOutOfDomain = 0;
  for (const [name, values] of valuesByTask) {
    const usable: number[] = [];
    for (const v of values) {
      if (!Number.isFinite(v)) droppedNonFinite++;
      else if (!Number.isFinite(warpValue(v, output.goal, output.warp))) droppedOutOfDomain++;
      else usable.push(v);
    }
    transforms.set(name, fitOutputTransform(usable, output));
  }
  // The worst feasible model value per task: where a finite infeasible value (e.g. a diverged loss of 1e162) goes.
  const worst = new Map<string, number>();
  if ((output.infeasibleInTraining ?? 'worst') === 'worst') {
    for (const [name, values] of valuesByTask) {
      let w = Number.POSITIVE_INFINITY;
      for (const v of values) {
        const y = applyOutput(transforms.get(name)!, v);
        if (Number.isFinite(y) && y < w) w = y;
      }
      if (Number.isFinite(w)) worst.set(name, w);
    }
  }
  const apply = (name: string, v: number): number => {
    const y = applyOutput(transforms.get(name)!, v);
    if (Number.isFinite(y)) return y;
    return Number.isFinite(v) && Number.isFinite(warpValue(v, output.goal, output.warp)) ? (worst.get(name) ?? Number.NaN) : Number.NaN;
  };
  const tasks: Task[] = raw.tasks.map((t) => ({ name: t.name, x: t.x, y: Float64Array.from(t.values, (v) => apply(t.name, v)) }));
  const matched: MatchedGroup[] = (raw.matched ?? []).map((g) => {
    const m = g.taskNames.length;
    return { x: g.x, m, taskNames: g.taskNames, y: Float64Array.from(g.values, (v, k) => apply(g.taskNames[k % m]!, v)) };
  });
  return { data: { tasks, matched }, transforms, droppedNonFinite, droppedOutOfDomain };
}
