// Versioned JSON form of a pre-trained prior, with what it was trained on, and strict validation on load.
import { paramLayout, type ParamValues } from './model';
import { SearchSpace, type ParamSpec } from './space';
import { coverageFromJson, coverageGaps, trainingCoverage, type CoverageGap, type ParamCoverage } from './coverage';
import { checkTransfer, transferSupport, type TransferTask } from './transfer';
import { EngineError, type KernelKind, type MeanKind, type ModelSpec, type PretrainData } from './types';
import type { OutputSpec } from './warp';
import type { PretrainObjectiveKind } from '../shared/objectiveKind';

export type { PretrainObjectiveKind };

export const PRIOR_FORMAT = 'hyperbo-prior';
export const PRIOR_FORMAT_VERSION = 1;
/**
 * Bumped whenever pre-training or the output rule changes meaning; caches of priors key on it. 5: files keep `tails`;
 * 6: under a log warp only a value 1,000 times worse than the median is infeasible; 7: NLL under a shaped mean
 * integrates each training task's level out; 8: `auto` is NLL where tasks share points too.
 */
export const TRAINING_RULES_VERSION = 8;

export interface PriorTrainingInfo {
  readonly objective: PretrainObjectiveKind;
  readonly optimizer: 'lbfgs' | 'adam';
  readonly finalLoss: number;
  readonly steps: number;
  readonly seed: number;
  /** Each training task's level in pre-training (PretrainOptions.level); absent before rules version 7: fixed. */
  readonly level?: 'fixed' | 'estimated';
  /** Every training task with its number of usable points. */
  readonly tasks: readonly { readonly name: string; readonly points: number }[];
  readonly matchedGroups: readonly { readonly points: number; readonly tasks: number }[];
  /** Hash of the training data, computed by the caller (the engine has no file access). */
  readonly dataHash?: string;
  /** The metric the prior models and the files it was learned from, as the caller names them. */
  readonly metric?: string;
  readonly sources?: readonly string[];
  readonly durationMs?: number;
}

export interface PriorFile {
  readonly format: typeof PRIOR_FORMAT;
  readonly version: typeof PRIOR_FORMAT_VERSION;
  readonly createdAt: string;
  readonly spec: ModelSpec;
  /** The flat unconstrained parameter vector the engine uses. */
  readonly theta: readonly number[];
  /** Constrained values by name, for humans; ignored on load. */
  readonly parameters: ParamValues;
  readonly output: OutputSpec;
  readonly space: readonly ParamSpec[];
  readonly training: PriorTrainingInfo;
  /**
   * A bounded subset of each training task's data (unit-cube inputs, model-unit values, the task's centre and spread),
   * for a study's first suggestion (engine transfer.ts). Absent in priors made before it; such a prior's first pick is
   * the acquisition's argmax under the prior.
   */
  readonly transfer?: { readonly tasks: readonly SerializedTransferTask[] };
  /**
   * Each parameter's span (or choices) in the training data, in the order of `space`: where the prior was told
   * anything (engine coverage.ts). Absent in priors made before it.
   */
  readonly coverage?: readonly ParamCoverage[];
}

export interface SerializedTransferTask {
  readonly name?: string;
  readonly x: readonly (readonly number[])[];
  readonly y: readonly number[];
  readonly center: number;
  readonly scale: number;
}

export interface LoadedPrior {
  readonly file: PriorFile;
  readonly spec: ModelSpec;
  readonly theta: Float64Array;
  readonly space: SearchSpace;
  readonly output: OutputSpec;
  readonly transfer?: readonly TransferTask[];
  readonly coverage?: readonly ParamCoverage[];
}

const MEANS: readonly MeanKind[] = ['zero', 'constant', 'linear', 'linear-mlp'];
const KERNELS: readonly KernelKind[] = ['se', 'matern32', 'matern52'];

export interface BuildPriorInput {
  spec: ModelSpec;
  theta: Float64Array;
  output: OutputSpec;
  space: SearchSpace;
  training: PriorTrainingInfo;
  /** Named constrained values (e.g. from describeParams). */
  parameters: ParamValues;
  createdAt?: Date;
  /** The training tasks' data for a study's first pick (transferSupport). */
  transfer?: readonly TransferTask[];
  /** Where the training data lie in the space (trainingCoverage). */
  coverage?: readonly ParamCoverage[];
}

export function buildPriorFile(input: BuildPriorInput): PriorFile {
  if (input.space.dim !== input.spec.dim) {
    throw new EngineError(`The prior's model has ${input.spec.dim} inputs but the search space has ${input.space.dim}.`);
  }
  if (!input.theta.every(Number.isFinite)) throw new EngineError('Refusing to save a prior with non-finite parameters.');
  return {
    format: PRIOR_FORMAT,
    version: PRIOR_FORMAT_VERSION,
    createdAt: (input.createdAt ?? new Date()).toISOString(),
    spec: { dim: input.spec.dim, mean: input.spec.mean, kernel: input.spec.kernel, kernelOnFeatures: input.spec.kernelOnFeatures, mlp: [...input.spec.mlp] },
    theta: Array.from(input.theta),
    parameters: input.parameters,
    output: {
      goal: input.output.goal,
      warp: input.output.warp,
      normalization: input.output.normalization,
      ...(input.output.reference ? { reference: { ...input.output.reference } } : {}),
      ...(input.output.floor !== undefined ? { floor: input.output.floor } : {}),
      // The study applies the same tails rule as pre-training did (a file without it means 'none').
      ...(input.output.tails !== undefined ? { tails: input.output.tails } : {}),
    },
    space: input.space.toJSON(),
    training: input.training,
    ...(input.transfer && input.transfer.length > 0
      ? {
          transfer: {
            tasks: input.transfer.map((t) => ({
              ...(t.name !== undefined ? { name: t.name } : {}),
              x: Array.from({ length: t.x.n }, (_, i) => Array.from(t.x.data.subarray(i * t.x.d, (i + 1) * t.x.d))),
              y: Array.from(t.y),
              center: t.center,
              scale: t.scale,
            })),
          },
        }
      : {}),
    ...(input.coverage
      ? { coverage: input.coverage.map((c) => ('choices' in c ? { name: c.name, choices: [...c.choices] } : { name: c.name, low: c.low, high: c.high })) }
      : {}),
  };
}

/** The training tasks' data from a prior file's JSON form ("transfer"), validated (throws EngineError). */
export function transferFromJson(raw: unknown, dim: number): TransferTask[] {
  if (!isObj(raw) || !Array.isArray(raw.tasks)) return fail('"transfer" must be an object with a list "tasks".');
  const tasks = (raw.tasks as unknown[]).map((t): TransferTask => {
    if (!isObj(t) || !Array.isArray(t.x) || !Array.isArray(t.y) || typeof t.center !== 'number' || typeof t.scale !== 'number') {
      return fail('every "transfer.tasks" entry needs lists "x" and "y" and numbers "center" and "scale".');
    }
    const rows = t.x as unknown[];
    if (!rows.every((r) => Array.isArray(r) && r.length === dim && r.every((v) => typeof v === 'number'))) {
      fail(`every "transfer.tasks" input must be a list of ${dim} numbers.`);
    }
    if (!(t.y as unknown[]).every((v) => typeof v === 'number')) fail('"transfer.tasks" values must be numbers.');
    if (t.name !== undefined && typeof t.name !== 'string') fail('a "transfer.tasks" name must be a string.');
    return {
      ...(typeof t.name === 'string' ? { name: t.name } : {}),
      x: { n: rows.length, d: dim, data: Float64Array.from((rows as number[][]).flat()) },
      y: Float64Array.from(t.y as number[]),
      center: t.center,
      scale: t.scale,
    };
  });
  try {
    checkTransfer(tasks, dim);
  } catch (e) {
    fail(`"transfer": ${(e as Error).message}`);
  }
  return tasks;
}

export function serializePrior(file: PriorFile): string {
  return JSON.stringify(file, null, 2) + '\n';
}

const fail = (what: string): never => {
  throw new EngineError(`Invalid prior file: ${what}`);
};
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkSpec(raw: unknown): ModelSpec {
  if (!isObj(raw)) return fail('"spec" must be an object.');
  const { dim, mean, kernel, kernelOnFeatures, mlp } = raw;
  if (!Number.isInteger(dim) || (dim as number) < 1) fail(`"spec.dim" must be a positive integer, got ${JSON.stringify(dim)}.`);
  if (!MEANS.includes(mean as MeanKind)) fail(`"spec.mean" must be one of ${MEANS.join(', ')}, got ${JSON.stringify(mean)}.`);
  if (!KERNELS.includes(kernel as KernelKind)) fail(`"spec.kernel" must be one of ${KERNELS.join(', ')}, got ${JSON.stringify(kernel)}.`);
  if (typeof kernelOnFeatures !== 'boolean') fail('"spec.kernelOnFeatures" must be true or false.');
  if (!Array.isArray(mlp) || !mlp.every((w) => Number.isInteger(w) && w >= 1)) fail('"spec.mlp" must be a list of positive integers.');
  const needsMlp = mean === 'linear-mlp' || kernelOnFeatures === true;
  if (needsMlp && (mlp as number[]).length === 0) fail('"spec.mlp" is empty but the mean or kernel uses MLP features.');
  return { dim: dim as number, mean: mean as MeanKind, kernel: kernel as KernelKind, kernelOnFeatures: kernelOnFeatures as boolean, mlp: [...(mlp as number[])] };
}

function checkOutput(raw: unknown): OutputSpec {
  if (!isObj(raw)) return fail('"output" must be an object.');
  if (raw.goal !== 'minimize' && raw.goal !== 'maximize') fail('"output.goal" must be minimize or maximize.');
  if (!['none', 'log', 'log1m'].includes(raw.warp as string)) fail('"output.warp" must be none, log or log1m.');
  if (!['none', 'standardize', 'robust', 'copula'].includes(raw.normalization as string)) {
    fail('"output.normalization" must be none, standardize, robust or copula.');
  }
  if (raw.floor !== undefined && !(typeof raw.floor === 'number' && raw.floor > 0 && Number.isFinite(raw.floor))) {
    fail('"output.floor" must be a positive number.');
  }
  if (raw.tails !== undefined && !['auto', 'half-rank', 'none'].includes(raw.tails as string)) {
    fail('"output.tails" must be auto, half-rank or none.');
  }
  if (raw.infeasibleInTraining !== undefined && raw.infeasibleInTraining !== 'worst' && raw.infeasibleInTraining !== 'drop') {
    fail('"output.infeasibleInTraining" must be worst or drop.');
  }
  if (raw.reference !== undefined) {
    const ref = raw.reference;
    if (!isObj(ref) || !Number.isFinite(ref.center) || !(Number(ref.scale) > 0)) {
      fail('"output.reference" must have a finite "center" and a positive "scale".');
    }
  }
  return raw as unknown as OutputSpec;
}

function checkTraining(raw: unknown): PriorTrainingInfo {
  if (!isObj(raw)) return fail('"training" must be an object.');
  if (!['nll', 'ekl', 'nll+ekl'].includes(raw.objective as string)) fail('"training.objective" must be nll, ekl or nll+ekl.');
  if (!['lbfgs', 'adam'].includes(raw.optimizer as string)) fail('"training.optimizer" must be lbfgs or adam.');
  if (typeof raw.finalLoss !== 'number' || !Number.isFinite(raw.finalLoss)) fail('"training.finalLoss" must be a finite number.');
  if (raw.level !== undefined && raw.level !== 'fixed' && raw.level !== 'estimated') fail('"training.level" must be fixed or estimated.');
  if (!Array.isArray(raw.tasks)) fail('"training.tasks" must be a list.');
  for (const t of raw.tasks as unknown[]) {
    if (!isObj(t) || typeof t.name !== 'string' || !Number.isInteger(t.points)) {
      fail('every entry of "training.tasks" needs a name and a whole number of points.');
    }
  }
  if (!Array.isArray(raw.matchedGroups)) fail('"training.matchedGroups" must be a list.');
  return raw as unknown as PriorTrainingInfo;
}

/** Parses and validates a prior file (text or parsed JSON); throws EngineError saying what is wrong. */
export function parsePrior(json: string | unknown): LoadedPrior {
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch (e) {
      fail(`not valid JSON (${(e as Error).message}).`);
    }
  }
  if (!isObj(raw)) return fail('expected a JSON object.');
  if (raw.format !== PRIOR_FORMAT) fail(`"format" must be "${PRIOR_FORMAT}", got ${JSON.stringify(raw.format)}.`);
  if (raw.version !== PRIOR_FORMAT_VERSION) {
    fail(
      `format version ${JSON.stringify(raw.version)} is not supported (this engine reads version ${PRIOR_FORMAT_VERSION}); ` +
        're-run pre-training to regenerate it.',
    );
  }
  const spec = checkSpec(raw.spec);
  if (!Array.isArray(raw.theta) || !raw.theta.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    fail('"theta" must be a list of finite numbers.');
  }
  const expected = paramLayout(spec).size;
  if ((raw.theta as number[]).length !== expected) {
    fail(`"theta" has ${(raw.theta as number[]).length} entries but the spec needs ${expected}.`);
  }
  const output = checkOutput(raw.output);
  if (!Array.isArray(raw.space)) fail('"space" must be a list of parameters.');
  let space: SearchSpace;
  try {
    space = new SearchSpace(raw.space as ParamSpec[]);
  } catch (e) {
    return fail(`"space": ${(e as Error).message}`);
  }
  if (space.dim !== spec.dim) fail(`"space" has ${space.dim} parameters but "spec.dim" is ${spec.dim}.`);
  checkTraining(raw.training);
  if (typeof raw.createdAt !== 'string' || Number.isNaN(Date.parse(raw.createdAt))) fail('"createdAt" must be an ISO date.');
  if (!isObj(raw.parameters)) fail('"parameters" must be an object.');
  const transfer = raw.transfer === undefined ? undefined : transferFromJson(raw.transfer, spec.dim);
  const coverage = raw.coverage === undefined ? undefined : coverageFromJson(raw.coverage, space);
  if (typeof coverage === 'string') return fail(`"coverage" ${coverage}.`);
  return {
    file: raw as unknown as PriorFile,
    spec,
    theta: Float64Array.from(raw.theta as number[]),
    space,
    output,
    ...(transfer ? { transfer } : {}),
    ...(coverage ? { coverage } : {}),
  };
}

/**
 * A prior file from a pre-training result; `dataHash` and `createdAt` come from the caller. With the training data,
 * the file keeps the subset a study's first pick reads (transferSupport) and where the data lie (trainingCoverage).
 */
export function priorFileFromPretrain(
  result: {
    spec: ModelSpec;
    theta: Float64Array;
    objective: PretrainObjectiveKind;
    finalLoss: number;
    parameters: ParamValues;
    provenance: {
      tasks: readonly { name: string; points: number }[];
      matchedGroups: readonly { points: number; tasks: number }[];
      optimizer: 'lbfgs' | 'adam';
      steps: number;
      seed: number;
      durationMs: number;
      level?: 'fixed' | 'estimated';
    };
  },
  space: SearchSpace,
  output: OutputSpec,
  extra: { dataHash?: string; createdAt?: Date; metric?: string; sources?: readonly string[]; data?: PretrainData } = {},
): PriorFile {
  const p = result.provenance;
  return buildPriorFile({
    ...(extra.data ? { transfer: transferSupport(extra.data), coverage: trainingCoverage(extra.data, space) } : {}),
    spec: result.spec,
    theta: result.theta,
    output,
    space,
    parameters: result.parameters,
    createdAt: extra.createdAt,
    training: {
      objective: result.objective,
      optimizer: p.optimizer,
      finalLoss: result.finalLoss,
      steps: p.steps,
      seed: p.seed,
      ...(p.level !== undefined ? { level: p.level } : {}),
      tasks: p.tasks.map((t) => ({ name: t.name, points: t.points })),
      matchedGroups: p.matchedGroups.map((g) => ({ points: g.points, tasks: g.tasks })),
      ...(extra.dataHash !== undefined ? { dataHash: extra.dataHash } : {}),
      ...(extra.metric !== undefined ? { metric: extra.metric } : {}),
      ...(extra.sources !== undefined ? { sources: [...extra.sources] } : {}),
      durationMs: p.durationMs,
    },
  });
}

/** Where the prior's space reaches past its training data ([] for a prior made before coverage was kept). */
export function priorCoverageGaps(loaded: LoadedPrior): CoverageGap[] {
  return loaded.coverage ? coverageGaps(loaded.coverage, loaded.space) : [];
}

/**
 * The frozen prior a Study needs, from a loaded file (the task count sets the N/(N−1) variance factor; the training
 * tasks' data, when the file has it, the first suggestion).
 */
export function studyPriorFromFile(loaded: LoadedPrior): {
  spec: ModelSpec;
  theta: Float64Array;
  numTrainingTasks: number;
  transfer?: readonly TransferTask[];
} {
  const names = new Set(loaded.file.training.tasks.map((t) => t.name));
  return { spec: loaded.spec, theta: loaded.theta, numTrainingTasks: names.size, ...(loaded.transfer ? { transfer: loaded.transfer } : {}) };
}
