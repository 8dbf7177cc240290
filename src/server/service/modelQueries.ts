// Questions to an experiment's model, answered in the worker: the next suggestions (memoised per model input), the
// lens's suggestion without starting a long pre-training, the posterior at a trial's parameters (hover), posterior
// slices (panel) and what the model is made of (provenance). The model input is the experiment's trials as the
// server reports them plus its cached prior (PriorService). No LSP connection: cancellation is an AbortSignal.
import { completedValues, isInfeasible, recordedOutputTransform, SearchSpace, summarizeOutputRule, type Config } from '../../engine';
import type { Experiment } from '../../formats/experiment';
import type { CachedPrior } from '../../priors';
import { experimentName, paramSpecsOf } from '../../priors/experiment';
import { acquisitionOptionsOf, describeAcquisition } from '../../session/acquisition';
import type { Params, PosteriorResult, ProvenanceResult, SuggestResult, TrialDTO } from '../../shared/dto';
import { modelInputKey, namedHyperparameters, outputFor, type ModelInput, type SerializedPrior } from '../jobs/compute';
import type { JobRunner } from '../jobs/jobRunner';
import { bestTrial, parameterInfos } from './experimentSummary';
import { coverageRows } from './priorCoverage';
import type { PretrainProgress, PriorService } from './priorService';
import type { ServerSettings } from './settings';
import type { ExperimentEntry, ValidEntry, WorkspaceIndex } from './workspaceIndex';

export interface ModelQueryOptions {
  index: WorkspaceIndex;
  /** An experiment's trials as the server reports them (the file refined by the logs), in the file's order. */
  trials: (entry: ExperimentEntry) => TrialDTO[];
  priors: PriorService;
  jobs: JobRunner;
  settings: () => Promise<ServerSettings>;
  /** A suggestion is being computed, then done. */
  status?(state: 'idle' | 'suggesting'): void;
}

export interface PredictionAt {
  mean: number;
  sd: number;
  pretrained: boolean;
  observations: number;
  subset?: number;
  /** For a given result: whether the experiment's output rule treats it as infeasible (absurdly bad). */
  infeasible?: boolean;
}

export interface PosteriorOptions {
  anchor?: 'best' | 'suggested';
  pair?: [string, string];
  resolution?: number;
  includePrior?: boolean;
}

/** At most this many suggestion batches are kept. */
const SUGGESTION_CACHE_SIZE = 64;

/**
 * How long a lens should wait for a suggestion being computed: what is left of `waitMs` after `spentMs` (the request's
 * own work so far: a lens answers within about `waitMs`, not that plus the work), and not at all when the experiment's
 * last suggestion took longer than the wait allows (after an edit of a large experiment the wait would only delay the
 * trials' lenses).
 */
export function lensWaitMs(waitMs: number, lastSuggestionMs: number | undefined, spentMs = 0): number {
  return lastSuggestionMs !== undefined && lastSuggestionMs > waitMs ? 0 : Math.max(0, waitMs - spentMs);
}

/** A suggestion still being computed when the caller stopped waiting (peekSuggestion's waitMs). */
export interface ComputingSuggestion {
  computing: Promise<SuggestResult>;
}

export class ModelQueries {
  private readonly suggestionCache = new Map<string, Promise<SuggestResult>>();
  /** Cached suggestions whose computation has finished. */
  private readonly computed = new WeakSet<Promise<SuggestResult>>();
  /** How long each experiment's last suggestion took to compute (ms), by URI. */
  private readonly lastSuggestionMs = new Map<string, number>();

  constructor(private readonly options: ModelQueryOptions) {}

  /** Forgets memoised suggestions (a prior was trained). */
  clearSuggestions(): void {
    this.suggestionCache.clear();
  }

  /** The next `count` suggestions; pre-trains the prior first when it is missing and hyperbo.pretrain.auto is on. */
  async suggest(uri: string, count = 1, signal?: AbortSignal): Promise<SuggestResult> {
    const entry = this.options.index.experiment(uri);
    const settings = await this.options.settings();
    const { input, prior } = await this.modelInput(entry, { train: settings.pretrain.auto, signal });
    return this.suggestFor(entry, input, prior !== undefined, count, signal);
  }

  /**
   * The lens's suggestion without starting a long pre-training: 'training' while the prior is not ready. With
   * `waitMs`, a suggestion the worker has not finished within that time comes back as { computing }; the time since
   * `startedAt` (performance.now() when the request began) counts against it, but a finished suggestion is never
   * reported as computing, however long building the model input took (else a refreshed lens could answer
   * 'computing' again and again).
   */
  async peekSuggestion(uri: string): Promise<SuggestResult | 'training' | 'no-prior-yet'>;
  async peekSuggestion(uri: string, options: { waitMs: number; startedAt?: number }): Promise<SuggestResult | 'training' | 'no-prior-yet' | ComputingSuggestion>;
  async peekSuggestion(uri: string, options?: { waitMs: number; startedAt?: number }): Promise<SuggestResult | 'training' | 'no-prior-yet' | ComputingSuggestion> {
    const entry = this.options.index.experiment(uri);
    const settings = await this.options.settings();
    const { input, prior, priorPending } = await this.modelInput(entry, { train: false });
    if (priorPending) {
      if (!settings.pretrain.auto) return 'no-prior-yet';
      const plan = await this.options.priors.plan(entry.fsPath, entry.experiment);
      if (plan) this.options.priors.startTraining(plan, entry.fsPath);
      return 'training';
    }
    const promise = this.suggestFor(entry, input, prior !== undefined, settings.suggestions.count);
    if (!options || options.waitMs === Infinity || this.computed.has(promise)) return promise;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ComputingSuggestion>((resolve) => {
      const spent = options.startedAt === undefined ? 0 : performance.now() - options.startedAt;
      timer = setTimeout(() => resolve({ computing: promise }), lensWaitMs(options.waitMs, this.lastSuggestionMs.get(entry.uri), spent));
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  /** Posterior mean ± sd (metric units) at a trial's parameters, for hovers. */
  async predictAt(uri: string, params: Config, value?: number): Promise<PredictionAt> {
    const entry = this.options.index.experiment(uri);
    const { input, prior } = await this.modelInput(entry, { train: false });
    const [p] = await this.options.jobs.run({ kind: 'predict', input, configs: [params] });
    const observations = input.trials.filter((t) => t.status === 'completed').length;
    const infeasible = value === undefined ? undefined : isInfeasible(recordedOutputTransform(input, input.trials), value);
    return {
      mean: p!.mean,
      sd: p!.sd,
      pretrained: prior !== undefined,
      observations,
      ...(p!.subset !== undefined ? { subset: p!.subset } : {}),
      ...(infeasible !== undefined ? { infeasible } : {}),
    };
  }

  /** Posterior slices through the best trial (or the next suggestion), and a contour over a pair of parameters. */
  async posterior(uri: string, options: PosteriorOptions): Promise<PosteriorResult> {
    const entry = this.options.index.experiment(uri);
    const { objective, searchSpace } = entry.experiment;
    const { input } = await this.modelInput(entry, { train: false });
    const trials = this.options.trials(entry);
    const best = bestTrial(objective.goal, trials);
    let anchorKind: 'best' | 'suggested' = options.anchor ?? (best ? 'best' : 'suggested');
    let anchor: Params;
    if (anchorKind === 'best' && best) anchor = best.params;
    else {
      anchorKind = 'suggested';
      const suggestion = await this.suggest(uri, 1);
      anchor = suggestion.suggestions[0]!.params;
    }
    const resolution = Math.min(200, Math.max(5, Math.trunc(options.resolution ?? 50)));
    const result = await this.options.jobs.run({
      kind: 'posterior',
      input,
      options: { anchor, resolution, pair: options.pair, includePrior: options.includePrior ?? false },
    });
    const observations = trials
      .filter((t) => t.status === 'completed' && Number.isFinite(t.value))
      .map((t) => ({ trialId: t.id, params: t.params, value: t.value! }));
    return {
      uri: entry.uri,
      metric: objective.metric,
      goal: objective.goal,
      parameters: parameterInfos(paramSpecsOf(searchSpace)),
      anchor,
      anchorKind,
      slices: result.slices,
      ...(result.contour ? { contour: result.contour } : {}),
      observations,
    };
  }

  /** What the model is: the pre-trained prior and its training, or the single-task GP's hyperparameters. */
  async provenance(uri: string): Promise<ProvenanceResult> {
    const entry = this.options.index.experiment(uri);
    const { input, prior } = await this.modelInput(entry, { train: false });
    const heldOut = await this.options.jobs.run({ kind: 'heldOut', input });
    const output = summarizeOutputRule(completedValues(input.trials), outputFor(input));
    if (!prior) {
      const hyperparameters = await this.options.jobs.run({ kind: 'singleTaskHyperparameters', input });
      return {
        uri: entry.uri,
        model: 'single-task',
        mean: 'constant',
        kernel: 'matern52',
        kernelOnFeatures: false,
        tasks: [],
        matchedGroups: 0,
        hyperparameters,
        ...(heldOut ? { heldOut } : {}),
        output,
      };
    }
    const priorCheck = await this.options.jobs.run({ kind: 'priorCheck', input });
    const agreement = new Map((await this.options.jobs.run({ kind: 'taskAgreement', input })).flatMap((a) => (a.name === undefined ? [] : [[a.name, a] as const])));
    const file = prior.loaded.file;
    const spec = prior.loaded.spec;
    const coverage = coverageRows(prior.loaded);
    return {
      uri: entry.uri,
      model: 'pretrained',
      objective: file.training.objective,
      trainingLevel: file.training.level ?? 'fixed',
      mean: spec.mean,
      kernel: spec.kernel,
      kernelOnFeatures: spec.kernelOnFeatures,
      tasks: file.training.tasks.map((t) => {
        const a = agreement.get(t.name);
        return { name: t.name, source: prior.sidecar.taskSources[t.name] ?? '', points: t.points, ...(a ? { agreement: { pairs: a.pairs, concordant: a.concordant } } : {}) };
      }),
      matchedGroups: file.training.matchedGroups.length,
      finalLoss: file.training.finalLoss,
      trainedAt: file.createdAt,
      cacheKey: prior.key,
      hyperparameters: namedHyperparameters(serializedPrior(prior)),
      ...(heldOut ? { heldOut } : {}),
      ...(priorCheck ? { priorCheck } : {}),
      output,
      ...(coverage ? { coverage } : {}),
    };
  }

  /** Pre-trains (or loads from the cache) the experiment's prior, then describes the model. */
  async pretrain(uri: string, progress: PretrainProgress = {}): Promise<ProvenanceResult> {
    const entry = this.options.index.experiment(uri);
    const plan = await this.options.priors.plan(entry.fsPath, entry.experiment);
    if (plan) await this.options.priors.ensure(plan, progress);
    return this.provenance(uri);
  }

  /** The model input for the experiment: its trials plus the cached prior (if any). */
  private async modelInput(
    entry: ValidEntry,
    options: { train: boolean; signal?: AbortSignal },
  ): Promise<{ input: ModelInput; prior?: CachedPrior; priorPending: boolean }> {
    const experiment = entry.experiment;
    const { priors } = this.options;
    // The space, goal, output rule, acquisition and seed as hyperbo tune derives them from the same model.
    const input: ModelInput = {
      space: paramSpecsOf(experiment.searchSpace),
      goal: experiment.objective.goal,
      outputOverrides: experiment.objective.output,
      acquisition: acquisitionOptionsOf(experiment),
      trials: modelTrialsOf(experiment, this.options.trials(entry)),
      seed: experiment.seed,
      experiment: entry.uri,
    };
    const plan = await priors.plan(entry.fsPath, experiment);
    if (!plan) {
      priors.using(entry.uri, undefined);
      return { input, priorPending: false };
    }
    let prior = await priors.cached(plan);
    if (!prior && options.train) prior = await priors.ensure(plan, { signal: options.signal });
    priors.using(entry.uri, prior);
    if (!prior) return { input, priorPending: true };
    input.prior = serializedPrior(prior);
    input.output = prior.loaded.output;
    return { input, prior, priorPending: false };
  }

  private suggestFor(entry: ValidEntry, input: ModelInput, pretrained: boolean, count: number, signal?: AbortSignal): Promise<SuggestResult> {
    const key = modelInputKey(input, String(count));
    const hit = this.suggestionCache.get(key);
    if (hit) return hit;
    const experiment = entry.experiment;
    const { goal, metric } = experiment.objective;
    const best = bestTrial(goal, this.options.trials(entry));
    this.options.status?.('suggesting');
    const started = performance.now();
    const promise = this.options.jobs
      .run({ kind: 'suggest', input, count }, { signal })
      .then((computed): SuggestResult => {
        const space = new SearchSpace(input.space);
        const result: SuggestResult = {
          uri: entry.uri,
          experiment: experimentName(experiment),
          goal,
          metric,
          suggestions: computed.map((s) => {
            const params = space.tidy(s.params) as Params;
            const out = { params, predictedMean: s.predictedMean, predictedSd: s.predictedSd, acquisition: s.acquisition } as SuggestResult['suggestions'][number];
            if (s.initialDesign) out.initialDesign = true;
            if (best) {
              const u = space.toUnit(params);
              const b = space.toUnit(best.params);
              out.deltaFromBest = Object.fromEntries(space.names.map((n, j) => [n, u[j]! - b[j]!]));
            }
            return out;
          }),
          model: pretrained ? 'pretrained' : 'single-task',
          acquisition: describeAcquisition(input.acquisition),
        };
        if (best) result.best = best;
        return result;
      })
      .finally(() => this.options.status?.('idle'));
    this.suggestionCache.set(key, promise);
    promise.then(
      () => {
        this.computed.add(promise);
        this.lastSuggestionMs.set(entry.uri, performance.now() - started);
      },
      () => this.suggestionCache.delete(key),
    );
    if (this.suggestionCache.size > SUGGESTION_CACHE_SIZE) this.suggestionCache.delete(this.suggestionCache.keys().next().value!);
    return promise;
  }
}

function serializedPrior(prior: CachedPrior): SerializedPrior {
  const names = new Set(prior.loaded.file.training.tasks.map((t) => t.name));
  const transfer = prior.loaded.file.transfer;
  return { spec: prior.loaded.spec, theta: Array.from(prior.loaded.theta), numTrainingTasks: names.size, ...(transfer ? { transfer } : {}) };
}

/**
 * The experiment's trials as the model takes them: the file's trials refined by their logs (`refined`, one per trial
 * in order), with the parser's outsideSpace flag; running counts as pending (as studyFromRecord does), so a trial
 * that starts leaves the memoised suggestions valid.
 */
export function modelTrialsOf(experiment: Pick<Experiment, 'trials'>, refined: readonly TrialDTO[]): ModelInput['trials'] {
  return refined.map((t, i) => ({
    id: t.id,
    params: t.params,
    status: t.status === 'running' ? 'pending' : t.status,
    ...(t.value !== undefined ? { value: t.value } : {}),
    ...(experiment.trials[i]?.outsideSpace ? { outsideSpace: true } : {}),
  }));
}
