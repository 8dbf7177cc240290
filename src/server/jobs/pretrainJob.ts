// Pre-training job (runs in the worker): gather the related history, pre-train, return a prior file.
import {
  EngineError,
  pretrain,
  priorFileFromPretrain,
  referenceNormalization,
  prepareTrainingData,
  SearchSpace,
  type KernelKind,
  type MeanKind,
  type ModelSpec,
  type OutputSpec,
  type ParamSpec,
  type ParamValue,
  type PriorFile,
  type Progress,
  type RawMatchedGroup,
  type RawTask,
} from '../../engine';
import { outputSpecForValues } from '../../formats/taskData';
import { loadDataFileTasks } from '../service/priorData';

export interface RelatedExperiment {
  /** Task name (the experiment's name). */
  name: string;
  /** Workspace-relative file it came from. */
  source: string;
  trials: { params: Record<string, ParamValue>; value: number }[];
}

export interface PretrainJobInput {
  space: ParamSpec[];
  metric: string;
  goal: 'minimize' | 'maximize';
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
  dataHash: string;
  sources: string[];
}

export interface PretrainJobOutput {
  prior: PriorFile;
  /** Where each task came from, for provenance. */
  taskSources: Record<string, string>;
  skipped: { name: string; reason: string }[];
}

/** The model structure the experiment asked for, or undefined to let the engine choose by data size. */
function specFor(input: PretrainJobInput, dim: number): ModelSpec | undefined {
  if (!input.mean && !input.kernel && input.kernelOnFeatures === undefined) return undefined;
  const mean = input.mean ?? 'constant';
  const onFeatures = input.kernelOnFeatures ?? false;
  const mlp = mean === 'linear-mlp' || onFeatures ? [8, 8] : [];
  return { dim, mean, kernel: input.kernel ?? 'matern52', kernelOnFeatures: onFeatures, mlp };
}

export async function runPretrainJob(input: PretrainJobInput, progress: Progress): Promise<PretrainJobOutput> {
  const space = new SearchSpace(input.space);
  const taskSources: Record<string, string> = {};
  const skipped: { name: string; reason: string }[] = [];
  const rawTasks: RawTask[] = [];
  const rawMatched: RawMatchedGroup[] = [];
  let pd1 = false;

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
  }
  if (rawTasks.length === 0 && rawMatched.length === 0) {
    throw new EngineError(
      `Nothing to pre-train on: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ') || 'prior.from names no usable data'}.`,
    );
  }
  const values: number[] = [];
  for (const t of rawTasks) for (let i = 0; i < t.values.length; i++) values.push(t.values[i]!);
  for (const g of rawMatched) for (let i = 0; i < g.values.length; i++) values.push(g.values[i]!);
  let output: OutputSpec = outputSpecForValues(values, input.goal, pd1);
  const prepared = prepareTrainingData({ tasks: rawTasks, matched: rawMatched }, output);
  if (output.normalization !== 'none') {
    const reference = referenceNormalization(prepared.transforms.values());
    if (reference) output = { ...output, reference };
  }
  const result = pretrain(prepared.data, {
    spec: specFor(input, space.dim),
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
  });
  return { prior, taskSources, skipped };
}

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('Pre-training was cancelled.');
  }
}
