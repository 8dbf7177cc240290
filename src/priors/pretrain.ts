// Pre-training a prior for an experiment: gather the related history (related experiments' trials and data files),
// choose the output rule, pre-train, return a prior file. The server runs this in its worker thread (progress and
// cancellation through `progress`); `hyperbo tune` runs it in-process.
import {
  EngineError,
  pretrain,
  priorFileFromPretrain,
  outputWithOverrides,
  referenceNormalization,
  prepareTrainingData,
  SearchSpace,
  type KernelKind,
  type MeanKind,
  type ModelSpec,
  type OutputOverrides,
  type OutputSpec,
  type ParamSpec,
  type ParamValue,
  type PriorFile,
  type Progress,
  type RawMatchedGroup,
  type RawTask,
} from '../engine';
import { outputSpecForValues } from '../formats/taskData';
import { loadDataFileTasks } from './dataFiles';

/** A completed trial of a related experiment: its parameters and finite objective value. */
export interface RelatedTrial {
  params: Record<string, ParamValue>;
  value: number;
}

export interface RelatedExperiment {
  /** Task name (the experiment's name). */
  name: string;
  /** Workspace-relative file it came from. */
  source: string;
  trials: RelatedTrial[];
}

/** Everything a pre-training run needs; plain JSON, so it can be posted to a worker thread. */
export interface PretrainInput {
  space: ParamSpec[];
  metric: string;
  goal: 'minimize' | 'maximize';
  /** The experiment's objective.warp / tails / normalize (absent: the automatic rule). */
  output?: OutputOverrides;
  objective: 'nll' | 'ekl' | 'nll+ekl' | 'auto';
  mean?: MeanKind;
  kernel?: KernelKind;
  kernelOnFeatures?: boolean;
  /** Absolute paths of PD1 JSONL(.gz) / HPOBench files to learn from. */
  files: string[];
  /** Task names in the data files to leave out (e.g. this task itself). */
  exclude: string[];
  related: RelatedExperiment[];
  steps: number;
  optimizer: 'lbfgs' | 'adam';
  seed: number;
  /** The cache key; recorded in the prior file. */
  dataHash: string;
  /** Workspace-relative files the prior learns from, recorded in the prior file. */
  sources: string[];
}

export interface PretrainOutput {
  prior: PriorFile;
  /** Where each task came from, for provenance. */
  taskSources: Record<string, string>;
  /** Tasks left out, with the reason. */
  skipped: { name: string; reason: string }[];
  /** Data-file rows left out (metric or hyperparameters missing or not finite, a cut-off line, outside the search space). */
  skippedRows: number;
}

/** The model structure the experiment asked for, or undefined to let the engine choose by data size. */
export function modelSpecFor(input: Pick<PretrainInput, 'mean' | 'kernel' | 'kernelOnFeatures'>, dim: number): ModelSpec | undefined {
  if (!input.mean && !input.kernel && input.kernelOnFeatures === undefined) return undefined;
  const mean = input.mean ?? 'constant';
  const onFeatures = input.kernelOnFeatures ?? false;
  const mlp = mean === 'linear-mlp' || onFeatures ? [8, 8] : [];
  return { dim, mean, kernel: input.kernel ?? 'matern52', kernelOnFeatures: onFeatures, mlp };
}

export async function runPretrain(input: PretrainInput, progress: Progress = {}): Promise<PretrainOutput> {
  const space = new SearchSpace(input.space);
  const taskSources: Record<string, string> = {};
  const skipped: { name: string; reason: string }[] = [];
  const rawTasks: RawTask[] = [];
  const rawMatched: RawMatchedGroup[] = [];
  let pd1 = false;
  let skippedRows = 0;

  for (const exp of input.related) {
    const usable = exp.trials.filter((t) => {
      try {
        space.toUnit(t.params);
        return Number.isFinite(t.value);
      } catch {
        return false;
      }
    });
    if (usable.length < 2) {
      skipped.push({ name: exp.name, reason: `only ${usable.length} completed trial(s) inside this search space` });
      continue;
    }
    rawTasks.push({ name: exp.name, x: space.encode(usable.map((t) => t.params)), values: usable.map((t) => t.value) });
    taskSources[exp.name] = exp.source;
  }
  if (input.files.length > 0) {
    progress.report?.(0, 'Loading data files');
    const loaded = await loadDataFileTasks(input.files, { space, metric: input.metric, goal: input.goal, exclude: input.exclude });
    pd1 = loaded.pd1;
    for (const t of loaded.tasks) {
      rawTasks.push(t);
      taskSources[t.name] = loaded.sourceOf[t.name] ?? '';
    }
    rawMatched.push(...loaded.matched);
    skipped.push(...loaded.skipped);
    skippedRows = loaded.skippedRows;
  }
  if (rawTasks.length === 0 && rawMatched.length === 0) {
    throw new EngineError(
      `Nothing to pre-train on: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ') || 'prior.from names no usable data'}.`,
    );
  }
  const values: number[] = [];
  for (const t of rawTasks) for (let i = 0; i < t.values.length; i++) values.push(t.values[i]!);
  for (const g of rawMatched) for (let i = 0; i < g.values.length; i++) values.push(g.values[i]!);
  let output: OutputSpec = outputWithOverrides(outputSpecForValues(values, input.goal, pd1), input.output);
  const prepared = prepareTrainingData({ tasks: rawTasks, matched: rawMatched }, output);
  if (output.normalization !== 'none') {
    const reference = referenceNormalization(prepared.transforms.values());
    if (reference) output = { ...output, reference };
  }
  const result = pretrain(prepared.data, {
    spec: modelSpecFor(input, space.dim),
    objective: input.objective,
    optimizer: input.optimizer,
    steps: input.steps,
    seed: input.seed,
    progress,
  });
  if (progress.cancelled?.()) throw new CancelledError();
  for (const s of result.provenance.skippedTasks) skipped.push(s);
  const prior = priorFileFromPretrain(result, space, output, {
    dataHash: input.dataHash,
    metric: input.metric,
    sources: input.sources,
    data: prepared.data,
  });
  return { prior, taskSources, skipped, skippedRows };
}

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('Pre-training was cancelled.');
  }
}
