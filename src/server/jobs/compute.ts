// The model computations the server needs, as plain functions of JSON-like inputs: they run inside the
// worker thread (worker.ts) and can be called directly in tests. Engine-only; no I/O.
import {
  acquisitionTarget,
  acquisitionValue,
  applyOutput,
  condition,
  ConditioningCache,
  describeParams,
  EngineError,
  fitSingleTask,
  invertOutput,
  invertPrediction,
  priorCovariance,
  priorMean,
  recordedOutputRule,
  SearchSpace,
  Study,
  studyFromRecord,
  transferFromJson,
  type AcquisitionOptions,
  type Config,
  type ConditioningCounts,
  type ModelSpec,
  type Adaptation,
  type OutputOverrides,
  type PriorCheck,
  type TaskAgreement,
  type OutputSpec,
  type OutputTransform,
  type ParamSpec,
  type ParamValue,
  type PriorFile,
} from '../../engine';
import type { Trial } from '../../formats/experiment';
import type { Contour2D, Slice1D } from '../../shared/dto';

/** A frozen pre-trained prior in JSON form (theta as a plain array). */
export interface SerializedPrior {
  spec: ModelSpec;
  theta: number[];
  numTrainingTasks: number;
  /** The prior file's training-task data for the first suggestion (its JSON form, engine transfer.ts). */
  transfer?: PriorFile['transfer'];
}

export interface ModelInput {
  space: ParamSpec[];
  goal: 'minimize' | 'maximize';
  /** The prior's output rule; without a prior the rule is chosen from this task's values. */
  output?: OutputSpec;
  /** The experiment's objective.warp / tails / normalize, applied to the rule chosen without a prior. */
  outputOverrides?: OutputOverrides;
  prior?: SerializedPrior;
  acquisition: AcquisitionOptions;
  /** The experiment's trials (formats/experiment.ts Trial), reduced to what the study reads (server modelTrialsOf). */
  trials: Pick<Trial, 'id' | 'params' | 'status' | 'value' | 'outsideSpace'>[];
  seed: number;
  /**
   * Which experiment these trials are a version of (the server: its file's URI). Queries on it share one
   * ConditioningCache (engine conditioning.ts), so a version with appended trials extends the previous posterior.
   */
  experiment?: string;
}

export interface ComputedSuggestion {
  params: Record<string, ParamValue>;
  predictedMean: number;
  predictedSd: number;
  acquisition: number;
  basis: 'pretrained-prior' | 'single-task-gp' | 'default-prior';
  initialDesign?: boolean;
}

/** The output rule a study uses: the prior's, or a default fitted to this task's completed values. */
export function outputFor(input: ModelInput): OutputSpec {
  return recordedOutputRule(input, input.trials);
}

/** The experiments' kept models, the most recently used last. */
const conditioningCaches = new Map<string, ConditioningCache>();
const CONDITIONING_CACHES = 8;

/** The kept model of the input's experiment (created on first use), or undefined when the input names none. */
function conditioningFor(input: ModelInput): ConditioningCache | undefined {
  if (input.experiment === undefined) return undefined;
  let cache = conditioningCaches.get(input.experiment);
  if (cache) conditioningCaches.delete(input.experiment);
  else cache = new ConditioningCache();
  conditioningCaches.set(input.experiment, cache);
  if (conditioningCaches.size > CONDITIONING_CACHES) conditioningCaches.delete(conditioningCaches.keys().next().value!);
  return cache;
}

/** How often the experiment's posterior was conditioned afresh, extended or reused (tests and bench:server). */
export function conditioningCounts(experiment: string): ConditioningCounts | undefined {
  const counts = conditioningCaches.get(experiment)?.counts;
  return counts ? { ...counts } : undefined;
}

/**
 * A Study holding the input's trials, by the rule the CLI uses too (engine studyFromRecord). `conditioning`: share
 * the experiment's kept model (not for studies of altered data, such as held-out ones).
 */
export function buildStudy(input: ModelInput, skipTrialId?: number, adaptation?: Adaptation, conditioning?: ConditioningCache): Study {
  return studyFromRecord(
    {
      space: new SearchSpace(input.space),
      goal: input.goal,
      output: outputFor(input),
      prior: input.prior
        ? {
            spec: input.prior.spec,
            theta: Float64Array.from(input.prior.theta),
            numTrainingTasks: input.prior.numTrainingTasks,
            ...(input.prior.transfer ? { transfer: transferFromJson(input.prior.transfer, input.prior.spec.dim) } : {}),
          }
        : undefined,
      acquisition: input.acquisition,
      seed: input.seed,
      ...(adaptation ? { adaptation } : {}),
      ...(conditioning ? { conditioning } : {}),
    },
    input.trials.filter((t) => t.id !== skipTrialId),
  );
}

/** The held-out check of the prior on the experiment's completed trials (engine Study.priorCheck), for Prior Provenance. */
export function priorCheckFor(input: ModelInput): PriorCheck | undefined {
  if (!input.prior) return undefined;
  return buildStudy(input, undefined, 'held-out').priorCheck();
}

/** How each training task orders the experiment's completed trials (engine Study.taskAgreement), for Prior Provenance. */
export function taskAgreementFor(input: ModelInput): TaskAgreement[] {
  if (!input.prior?.transfer) return [];
  return buildStudy(input).taskAgreement();
}

export function suggest(input: ModelInput, count: number): ComputedSuggestion[] {
  const study = buildStudy(input, undefined, undefined, conditioningFor(input));
  return study.ask(count).map((s) => ({
    params: s.config,
    predictedMean: s.predicted.value,
    predictedSd: s.predicted.sd,
    acquisition: s.acquisition,
    basis: s.basis,
    ...(s.initialDesign ? { initialDesign: true } : {}),
  }));
}

/**
 * A study for read-only queries (predict, modelParameters; never ask, which adds trials), shared by the queries on
 * the same input: hovers on one version of a file reuse one conditioning (and with no prior one fit) instead of
 * rebuilding them per hover.
 */
const queryStudies = new Map<string, Study>();
const QUERY_STUDIES = 2;

export function queryStudy(input: ModelInput): Study {
  const key = modelInputKey(input);
  let study = queryStudies.get(key);
  if (study) {
    queryStudies.delete(key);
  } else {
    study = buildStudy(input, undefined, undefined, conditioningFor(input));
  }
  queryStudies.set(key, study);
  if (queryStudies.size > QUERY_STUDIES) queryStudies.delete(queryStudies.keys().next().value!);
  return study;
}

/**
 * A key for memoising results on a model input (plus `extra`): a hash of its JSON. Unlike a canonical (sorted-key)
 * hash it depends on key order, which is fixed for inputs the server builds; at 85,000 trials the sorted one took
 * seconds per lens request on the server's main thread.
 */
export function modelInputKey(input: ModelInput, extra = ''): string {
  return `${fnv1a(JSON.stringify(input))}:${extra}`;
}

function fnv1a(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619);
    h2 = Math.imul(h2 ^ c, 2246822519);
  }
  return `${text.length}:${(h1 >>> 0).toString(16)}:${(h2 >>> 0).toString(16)}`;
}

/** Posterior mean ± sd in metric units at given configurations (for hovers). */
export function predictAt(input: ModelInput, configs: Config[]): { mean: number; sd: number; subset?: number }[] {
  const study = queryStudy(input);
  const p = study.predict(configs);
  const used = study.conditioningObservations();
  // With more observations than the GP's limit, how many it conditions on (engine/subset.ts).
  const subset = used.x.n < used.of ? { subset: used.x.n } : {};
  return p.metric.map((m) => ({ mean: m.value, sd: m.sd, ...subset }));
}

export interface PosteriorOptions {
  anchor: Record<string, ParamValue>;
  resolution: number;
  pair?: [string, string];
  includePrior: boolean;
}

/** The worker's results are the protocol's own shapes. */
export type SliceOut = Slice1D;
export type ContourOut = Contour2D;

/** Values of one parameter along a slice: an even grid (in its scale), whole numbers, or every choice. */
export function gridOf(p: ParamSpec, resolution: number): ParamValue[] {
  if (p.type === 'categorical') return [...p.choices];
  const n = Math.max(2, resolution);
  const log = p.scale === 'log';
  const lo = log ? Math.log(p.low) : p.low;
  const hi = log ? Math.log(p.high) : p.high;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = lo + ((hi - lo) * i) / (n - 1);
    out.push(log ? Math.exp(t) : t);
  }
  if (p.type === 'int') return [...new Set(out.map((v) => Math.min(p.high, Math.max(p.low, Math.round(v)))))];
  out[0] = p.low;
  out[n - 1] = p.high;
  return out;
}

/** Model-unit mean/sd of the prior before conditioning (the pre-trained prior or this task's fitted GP). */
function priorAt(
  input: ModelInput,
  study: Study,
  configs: Config[],
  transform: OutputTransform,
): { mean: number[]; sd: number[]; lower: number[]; upper: number[] } {
  let spec: ModelSpec;
  let theta: Float64Array;
  if (input.prior) {
    spec = input.prior.spec;
    theta = Float64Array.from(input.prior.theta);
  } else {
    // The study's own fit (on at most maxFitObservations of the trials), the one its posterior uses.
    ({ spec, theta } = study.modelParameters());
  }
  const x = study.space.encode(configs);
  const m = priorMean(spec, theta, x);
  const k = priorCovariance(spec, theta, x);
  const mean: number[] = [];
  const sd: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let i = 0; i < x.n; i++) {
    const s = Math.sqrt(Math.max(0, k[i * x.n + i]!));
    const p = invertPrediction(transform, m[i]!, s);
    const band = invertPrediction(transform, m[i]!, 2 * s);
    mean.push(p.value);
    sd.push(p.sd);
    lower.push(band.low);
    upper.push(band.high);
  }
  return { mean, sd, lower, upper };
}

/** 1-D slices through the anchor for every parameter and an optional 2-D grid for a pair. */
export function posterior(input: ModelInput, options: PosteriorOptions): { slices: SliceOut[]; contour?: ContourOut } {
  const study = queryStudy(input);
  const obs = study.observations();
  const target = acquisitionTarget(study.acquisition, obs.y);
  const evaluate = (configs: Config[]): { mean: number[]; sd: number[]; lower: number[]; upper: number[]; acquisition: number[] } => {
    const p = study.predict(configs);
    // The ±2 sd band taken through the output warp, as the model sees it: it stays in the metric's domain (a log-warped
    // error rate never goes below 0), where mean ± 2 sd in metric units did not.
    const band = Array.from(p.mean, (m, i) => invertPrediction(obs.transform, m, 2 * p.sd[i]!));
    return {
      mean: p.metric.map((m) => m.value),
      sd: p.metric.map((m) => m.sd),
      lower: band.map((b) => b.low),
      upper: band.map((b) => b.high),
      acquisition: Array.from(p.mean, (m, i) => acquisitionValue(study.acquisition, m, p.sd[i]!, target)),
    };
  };
  const slices: SliceOut[] = [];
  for (const p of study.space.params) {
    const values = gridOf(p, options.resolution);
    const configs = values.map((v) => ({ ...options.anchor, [p.name]: v }));
    const e = evaluate(configs);
    const slice: SliceOut = {
      param: p.name,
      scale: p.type === 'categorical' ? 'linear' : (p.scale ?? 'linear'),
      xs: p.type === 'categorical' ? values.map((_, i) => i) : (values as number[]),
      ...e,
    };
    if (p.type === 'categorical') slice.categorical = values.map(String);
    if (options.includePrior) {
      const prior = priorAt(input, study, configs, obs.transform);
      slice.priorMean = prior.mean;
      slice.priorSd = prior.sd;
      slice.priorLower = prior.lower;
      slice.priorUpper = prior.upper;
    }
    slices.push(slice);
  }
  let contour: ContourOut | undefined;
  if (options.pair) {
    const [xName, yName] = options.pair;
    const px = study.space.params.find((p) => p.name === xName);
    const py = study.space.params.find((p) => p.name === yName);
    if (!px || !py || xName === yName) {
      throw new EngineError(`The contour pair must name two different parameters of the search space, got ${xName} and ${yName}.`);
    }
    const side = Math.min(options.resolution, 40);
    const xs = gridOf(px, side);
    const ys = gridOf(py, side);
    const configs: Config[] = [];
    for (const yv of ys) for (const xv of xs) configs.push({ ...options.anchor, [xName]: xv, [yName]: yv });
    const e = evaluate(configs);
    const rows = (a: number[]): number[][] => ys.map((_, j) => a.slice(j * xs.length, (j + 1) * xs.length));
    const axis = (p: ParamSpec, v: ParamValue[]): number[] => (p.type === 'categorical' ? v.map((_, i) => i) : (v as number[]));
    contour = { x: xName, y: yName, xs: axis(px, xs), ys: axis(py, ys), mean: rows(e.mean), sd: rows(e.sd), acquisition: rows(e.acquisition) };
  }
  return { slices, contour };
}

/** Leave-one-out holds out at most this many completed trials, the latest ones. */
export const MAX_HELD_OUT = 100;

/**
 * How well the model predicts this task's completed trials: each one predicted from all the others
 * (leave-one-out). Log-likelihood in model units (noisy predictive), RMSE in metric units. With more than
 * MAX_HELD_OUT completed trials, the latest MAX_HELD_OUT are held out, each predicted from the others' conditioning
 * subset, and without a prior the single-task GP is fitted once on all trials instead of once per held-out trial.
 */
export function heldOutFit(input: ModelInput): { points: number; meanLogLik: number; rmse: number } | undefined {
  const completed = input.trials.filter((t) => t.status === 'completed' && Number.isFinite(t.value));
  const minOthers = input.prior ? 1 : 2;
  if (completed.length < minOthers + 1) return undefined;
  const large = completed.length > MAX_HELD_OUT;
  const finished = { ...input, trials: input.trials.filter((t) => t.status !== 'pending') };
  const sharedFit = large && !input.prior ? buildStudy(finished).modelParameters() : undefined;
  let logLik = 0;
  let squared = 0;
  let points = 0;
  for (const held of completed.slice(-MAX_HELD_OUT)) {
    const study = buildStudy(finished, held.id);
    let x: ReturnType<SearchSpace['encode']>;
    try {
      x = study.space.encode([held.params]);
    } catch {
      continue;
    }
    const obs = large ? study.conditioningObservations() : study.observations();
    if (obs.x.n < minOthers) continue;
    const transform = obs.transform;
    const y = applyOutput(transform, held.value!);
    if (!Number.isFinite(y)) continue;
    let spec: ModelSpec;
    let theta: Float64Array;
    let varianceScale = 1;
    if (input.prior) {
      spec = input.prior.spec;
      theta = Float64Array.from(input.prior.theta);
      const n = input.prior.numTrainingTasks;
      if (n >= 2) varianceScale = n / (n - 1);
    } else if (sharedFit) {
      ({ spec, theta } = sharedFit);
    } else {
      const fit = fitSingleTask(obs.x, obs.y, { seed: input.seed, categories: study.space.categories() });
      spec = fit.spec;
      theta = fit.theta;
    }
    const p = condition(spec, theta, obs.x, obs.y).predict(x, { includeNoise: true, varianceScale });
    const m = p.mean[0]!;
    const v = Math.max(p.variance[0]!, 1e-12);
    logLik += -0.5 * Math.log(2 * Math.PI * v) - (0.5 * (y - m) * (y - m)) / v;
    const predicted = invertOutput(transform, m);
    squared += (predicted - held.value!) ** 2;
    points++;
  }
  if (points === 0) return undefined;
  return { points, meanLogLik: logLik / points, rmse: Math.sqrt(squared / points) };
}

/** Named hyperparameters of a serialized prior, for provenance. */
export function namedHyperparameters(prior: SerializedPrior): Record<string, number | number[]> {
  const v = describeParams(prior.spec, Float64Array.from(prior.theta));
  const out: Record<string, number | number[]> = {
    lengthscale: v.lengthscale,
    signalVariance: v.signalVariance,
    noiseVariance: v.noiseVariance,
  };
  if (v.constant !== undefined) out.constant = v.constant;
  if (v.linearWeights) out.linearWeights = v.linearWeights;
  if (v.linearBias !== undefined) out.linearBias = v.linearBias;
  return out;
}

/** The single-task GP's fitted hyperparameters on this task's observations (provenance without a prior). */
export function singleTaskHyperparameters(input: ModelInput): Record<string, number | number[]> {
  const fit = queryStudy(input).modelParameters();
  return namedHyperparameters({ spec: fit.spec, theta: Array.from(fit.theta), numTrainingTasks: 1 });
}
