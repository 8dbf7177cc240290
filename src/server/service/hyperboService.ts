// The connection-free core of the language server: the workspace's experiments, their trials refined by
// their logs, pre-trained priors (cached under .hyperbo/), and model queries run in worker threads.
// Everything is derived from files plus the cache, so a restarted server rebuilds the same state.
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-types';
import { DEFAULT_UCB_BETA, SearchSpace, type Config } from '../../engine';
import { stableHash, type CachedPrior, type PriorPlan } from '../../priors';
import type {
  ExperimentSummary,
  ParameterInfo,
  Params,
  PosteriorResult,
  ProvenanceResult,
  RunPlan,
  SuggestResult,
  TrialDTO,
  TrialHistoryResult,
} from '../../shared/dto';
import { namedHyperparameters, type ModelInput, type ObservedTrial, type SerializedPrior } from '../jobs/compute';
import { JobRunner } from '../jobs/jobRunner';
import { UserError } from './errors';
import type { ExperimentView } from './experimentView';
import { LogWatcher } from './logWatcher';
import { PriorService, type PretrainProgress } from './priorService';
import { DEFAULT_SETTINGS, type ServerSettings } from './settings';
import { deriveTrial, placeholderValues, runCwd, substitute, trialLogPath } from './trials';
import {
  isExperimentFile,
  normalizeUri,
  uriToPath,
  WorkspaceIndex,
  type ExperimentEntry,
  type ExperimentParser,
} from './workspaceIndex';

export { UserError } from './errors';
export type { PretrainProgress } from './priorService';

export interface ServiceEvents {
  diagnostics?(uri: string, diagnostics: Diagnostic[]): void;
  experimentsChanged?(summaries: ExperimentSummary[]): void;
  trialUpdated?(uri: string, trial: TrialDTO): void;
  status?(state: 'idle' | 'pretraining' | 'suggesting' | 'error', message?: string): void;
  /** Code lenses should be requested again (a suggestion or prior became ready). */
  lensesChanged?(): void;
  log?(message: string): void;
}

export interface ServiceOptions {
  /** Workspace folders (file-system paths). */
  roots: string[];
  parse: ExperimentParser;
  events?: ServiceEvents;
  settings?: () => Promise<ServerSettings>;
  jobs?: JobRunner;
}

const DATA_FILE = /\.(jsonl|jsonl\.gz|json)$/;
const LOG_FILE = /\.(jsonl|csv|log|txt|out)$/;

export class HyperboService {
  readonly index: WorkspaceIndex;
  readonly logs = new LogWatcher();
  readonly jobs: JobRunner;
  private readonly ownsJobs: boolean;
  readonly priors: PriorService;
  private readonly events: ServiceEvents;
  private readonly settingsSource: () => Promise<ServerSettings>;
  private readonly suggestionCache = new Map<string, Promise<SuggestResult>>();
  private readonly lastTrials = new Map<string, Map<number, string>>();
  private lastSummaries = '';
  private pollTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(options: ServiceOptions) {
    this.index = new WorkspaceIndex(options.roots, options.parse);
    this.jobs = options.jobs ?? new JobRunner();
    this.ownsJobs = !options.jobs;
    this.events = options.events ?? {};
    this.settingsSource = options.settings ?? (async () => DEFAULT_SETTINGS);
    this.priors = new PriorService({
      root: options.roots[0] ?? process.cwd(),
      index: this.index,
      trials: (entry) => this.trials(entry),
      jobs: this.jobs,
      settings: () => this.settings(),
      events: {
        status: (state, message) => this.events.status?.(state, message),
        log: (message) => this.events.log?.(message),
        trained: () => {
          this.suggestionCache.clear();
          this.events.lensesChanged?.();
        },
      },
    });
  }

  private async settings(): Promise<ServerSettings> {
    try {
      return await this.settingsSource();
    } catch {
      return DEFAULT_SETTINGS;
    }
  }

  // ---- workspace events ------------------------------------------------------------------------------

  /** Loads every experiment on disk and starts watching running trials' logs. */
  async initialize(): Promise<void> {
    const uris = await this.index.scan();
    // stderr reaches the language client's output channel (stdout is the LSP stream).
    if (this.index.limitHit) process.stderr.write(`HyperBO: ${this.index.limitHit}\n`);
    for (const uri of uris) this.publishDiagnostics(uri);
    await this.refreshLogs();
    this.notifyChanged();
    await this.schedulePolling();
  }

  async openDocument(uri: string, text: string, version: number): Promise<void> {
    this.index.setDocument(uri, text, version);
    await this.afterExperimentChange(uri);
  }

  async closeDocument(uri: string): Promise<void> {
    await this.index.closeDocument(uri);
    await this.afterExperimentChange(uri);
  }

  /** A watched file was created, changed or deleted (type 1, 2, 3 as in LSP). */
  async fileChanged(uri: string, type: 1 | 2 | 3): Promise<void> {
    const fsPath = uriToPath(uri);
    if (isExperimentFile(fsPath)) {
      if (type === 3) this.index.delete(uri);
      else await this.index.reloadFromDisk(uri);
      await this.afterExperimentChange(uri);
      return;
    }
    // A log or a data file: re-read logs (appended bytes only); data changes alter prior cache keys.
    if (LOG_FILE.test(fsPath) || DATA_FILE.test(fsPath)) {
      this.logs.invalidate(fsPath, type === 3);
      await this.refreshLogs();
      if (DATA_FILE.test(fsPath)) this.events.lensesChanged?.();
    }
  }

  private async afterExperimentChange(uri: string): Promise<void> {
    this.publishDiagnostics(uri);
    await this.refreshLogs();
    this.notifyChanged();
    this.events.lensesChanged?.();
  }

  private publishDiagnostics(uri: string): void {
    const entry = this.index.get(uri);
    this.events.diagnostics?.(normalizeUri(uri), entry?.diagnostics ?? []);
  }

  private notifyChanged(): void {
    const summaries = this.listExperiments();
    const text = JSON.stringify(summaries);
    if (text === this.lastSummaries) return;
    this.lastSummaries = text;
    this.events.experimentsChanged?.(summaries);
  }

  private async schedulePolling(): Promise<void> {
    if (this.disposed) return;
    const { logs } = await this.settings();
    if (this.disposed || logs.pollInterval <= 0) return;
    this.pollTimer = setTimeout(() => {
      void this.refreshLogs()
        .catch((e: Error) => this.events.log?.(`Reading trial logs failed: ${e.message}`))
        .finally(() => void this.schedulePolling());
    }, logs.pollInterval);
    this.pollTimer.unref?.();
  }

  /** Reads appended log bytes of every open trial and reports trials whose state changed. */
  async refreshLogs(): Promise<void> {
    let anyChanged = false;
    for (const entry of this.index.all()) {
      const view = entry.view;
      if (!view) continue;
      const paths = new Set<string>();
      for (const t of view.trials) {
        const logPath = trialLogPath(view, entry.fsPath, t);
        paths.add(logPath);
        await this.logs.read(logPath, view);
      }
      const trials = this.trials(entry);
      const seen = this.lastTrials.get(entry.uri) ?? new Map<number, string>();
      const next = new Map<number, string>();
      for (const t of trials) {
        const key = JSON.stringify(t);
        next.set(t.id, key);
        if (seen.get(t.id) !== key) {
          anyChanged = true;
          if (seen.size > 0 || this.lastTrials.has(entry.uri)) this.events.trialUpdated?.(entry.uri, t);
        }
      }
      this.lastTrials.set(entry.uri, next);
    }
    if (anyChanged) {
      this.notifyChanged();
      this.events.lensesChanged?.();
    }
  }

  // ---- derived state ---------------------------------------------------------------------------------

  private entry(uri: string): ExperimentEntry & { view: ExperimentView } {
    const entry = this.index.get(uri);
    if (!entry) throw new UserError(`No experiment file ${uri} in the workspace.`);
    if (!entry.view) {
      const first = entry.diagnostics[0];
      throw new UserError(
        `${path.basename(entry.fsPath)} has errors and no earlier valid state` +
          (first ? ` (line ${first.range.start.line + 1}: ${first.message})` : '') +
          '.',
      );
    }
    return entry as ExperimentEntry & { view: ExperimentView };
  }

  /** The experiment's trials: YAML state refined by their logs. */
  trials(entry: ExperimentEntry): TrialDTO[] {
    const view = entry.view;
    if (!view) return [];
    return view.trials.map((t) => {
      const logPath = trialLogPath(view, entry.fsPath, t);
      return deriveTrial(view, t, this.logs.state(logPath, view), path.relative(path.dirname(entry.fsPath), logPath));
    });
  }

  /** Metric names seen in the experiment's trial logs (for completing objective.metric). */
  metricNames(uri: string): string[] {
    const entry = this.index.get(uri);
    const view = entry?.view;
    if (!entry || !view) return [];
    const names = new Set<string>();
    for (const t of view.trials) {
      const logPath = trialLogPath(view, entry.fsPath, t);
      for (const n of this.logs.metricNames(logPath)) names.add(n);
    }
    return [...names].sort();
  }

  private best(view: ExperimentView, trials: TrialDTO[]): { trialId: number; value: number; params: Params } | undefined {
    let best: TrialDTO | undefined;
    for (const t of trials) {
      if (t.status !== 'completed' || !Number.isFinite(t.value)) continue;
      if (!best || (view.goal === 'minimize' ? t.value! < best.value! : t.value! > best.value!)) best = t;
    }
    return best ? { trialId: best.id, value: best.value!, params: best.params } : undefined;
  }

  listExperiments(): ExperimentSummary[] {
    const out: ExperimentSummary[] = [];
    for (const entry of this.index.all()) {
      const view = entry.view;
      const errors = entry.diagnostics.filter((d) => d.severity === 1).length;
      if (!view) {
        out.push({
          uri: entry.uri,
          name: path.basename(entry.fsPath, '.hyperbo.yaml'),
          metric: '',
          goal: 'minimize',
          trials: { total: 0, completed: 0, running: 0, pending: 0, failed: 0 },
          errors,
        });
        continue;
      }
      const trials = this.trials(entry);
      const count = (s: string) => trials.filter((t) => t.status === s).length;
      const summary: ExperimentSummary = {
        uri: entry.uri,
        name: view.name,
        metric: view.metric,
        goal: view.goal,
        trials: {
          total: trials.length,
          completed: count('completed'),
          running: count('running'),
          pending: count('pending'),
          failed: count('failed') + count('diverged'),
        },
      };
      if (view.budget !== undefined) summary.budget = view.budget;
      const best = this.best(view, trials);
      if (best) summary.best = best;
      if (errors > 0) summary.errors = errors;
      out.push(summary);
    }
    return out;
  }

  private parameters(view: ExperimentView): ParameterInfo[] {
    return view.space.map((p) =>
      p.type === 'categorical'
        ? { name: p.name, type: 'categorical', choices: p.choices.map(String) }
        : { name: p.name, type: p.type, low: p.low, high: p.high, scale: p.scale ?? 'linear' },
    );
  }

  trialHistory(uri: string): TrialHistoryResult {
    const entry = this.entry(uri);
    return {
      uri: entry.uri,
      experiment: entry.view.name,
      metric: entry.view.metric,
      goal: entry.view.goal,
      parameters: this.parameters(entry.view),
      trials: this.trials(entry),
    };
  }

  // ---- priors ----------------------------------------------------------------------------------------

  private async priorState(entry: ExperimentEntry & { view: ExperimentView }): Promise<PriorPlan | undefined> {
    return this.priors.plan(entry.fsPath, entry.view);
  }

  /** Pre-trains (or loads from the cache) the experiment's prior. Concurrent calls share one run. */
  async pretrain(uri: string, progress: PretrainProgress = {}): Promise<ProvenanceResult> {
    const entry = this.entry(uri);
    const state = await this.priorState(entry);
    if (!state) return this.provenance(uri);
    await this.priors.ensure(state, progress);
    return this.provenance(uri);
  }

  /** The model input for the experiment: its trials plus the cached prior (if any). */
  private async modelInput(
    entry: ExperimentEntry & { view: ExperimentView },
    options: { train: boolean; signal?: AbortSignal },
  ): Promise<{ input: ModelInput; prior?: CachedPrior; priorPending: boolean }> {
    const view = entry.view;
    // this.trials() derives one DTO per trial of the view, in order; the parser's outsideSpace flag is on the view's.
    const trials: ObservedTrial[] = this.trials(entry).map((t, i) => ({
      id: t.id,
      params: t.params,
      status: t.status === 'running' ? 'pending' : t.status,
      value: t.value,
      ...(view.trials[i]?.outsideSpace ? { outsideSpace: true } : {}),
    }));
    const input: ModelInput = { space: view.space, goal: view.goal, outputOverrides: view.output, acquisition: view.acquisition, trials, seed: view.seed };
    const state = await this.priorState(entry);
    if (!state) return { input, priorPending: false };
    let prior = await this.priors.cached(state);
    if (!prior && options.train) prior = await this.priors.ensure(state, { signal: options.signal });
    if (!prior) return { input, priorPending: true };
    input.prior = serializedPrior(prior);
    input.output = prior.loaded.output;
    return { input, prior, priorPending: false };
  }

  // ---- model queries ---------------------------------------------------------------------------------

  async suggest(uri: string, count = 1, signal?: AbortSignal): Promise<SuggestResult> {
    const entry = this.entry(uri);
    const settings = await this.settings();
    const { input, prior } = await this.modelInput(entry, { train: settings.pretrain.auto, signal });
    return this.suggestFor(entry, input, prior !== undefined, count, signal);
  }

  private suggestFor(
    entry: ExperimentEntry & { view: ExperimentView },
    input: ModelInput,
    pretrained: boolean,
    count: number,
    signal?: AbortSignal,
  ): Promise<SuggestResult> {
    const key = stableHash({ input, count });
    const hit = this.suggestionCache.get(key);
    if (hit) return hit;
    const view = entry.view;
    const trials = this.trials(entry);
    const best = this.best(view, trials);
    this.events.status?.('suggesting');
    const promise = this.jobs
      .run({ kind: 'suggest', input, count }, { signal })
      .then((computed): SuggestResult => {
        const space = new SearchSpace(view.space);
        const result: SuggestResult = {
          uri: entry.uri,
          experiment: view.name,
          goal: view.goal,
          metric: view.metric,
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
          acquisition: describeAcquisition(view),
        };
        if (best) result.best = best;
        return result;
      })
      .finally(() => this.events.status?.('idle'));
    this.suggestionCache.set(key, promise);
    promise.catch(() => this.suggestionCache.delete(key));
    if (this.suggestionCache.size > 64) this.suggestionCache.delete(this.suggestionCache.keys().next().value!);
    return promise;
  }

  /** The lens's suggestion without starting a long pre-training: 'training' while the prior is not ready. */
  async peekSuggestion(uri: string): Promise<SuggestResult | 'training' | 'no-prior-yet'> {
    const entry = this.entry(uri);
    const settings = await this.settings();
    const { input, prior, priorPending } = await this.modelInput(entry, { train: false });
    if (priorPending) {
      if (!settings.pretrain.auto) return 'no-prior-yet';
      const state = await this.priorState(entry);
      if (state) this.priors.startTraining(state, entry.fsPath);
      return 'training';
    }
    return this.suggestFor(entry, input, prior !== undefined, settings.suggestions.count);
  }

  /** Posterior mean ± sd (metric units) at a trial's parameters, for hovers. */
  async predictAt(uri: string, params: Config): Promise<{ mean: number; sd: number; pretrained: boolean; observations: number; subset?: number }> {
    const entry = this.entry(uri);
    const { input, prior } = await this.modelInput(entry, { train: false });
    const [p] = await this.jobs.run({ kind: 'predict', input, configs: [params] });
    const observations = input.trials.filter((t) => t.status === 'completed').length;
    return { mean: p!.mean, sd: p!.sd, pretrained: prior !== undefined, observations, ...(p!.subset !== undefined ? { subset: p!.subset } : {}) };
  }

  async posterior(
    uri: string,
    options: { anchor?: 'best' | 'suggested'; pair?: [string, string]; resolution?: number; includePrior?: boolean },
  ): Promise<PosteriorResult> {
    const entry = this.entry(uri);
    const view = entry.view;
    const { input } = await this.modelInput(entry, { train: false });
    const trials = this.trials(entry);
    const best = this.best(view, trials);
    let anchorKind: 'best' | 'suggested' = options.anchor ?? (best ? 'best' : 'suggested');
    let anchor: Params;
    if (anchorKind === 'best' && best) anchor = best.params;
    else {
      anchorKind = 'suggested';
      const suggestion = await this.suggest(uri, 1);
      anchor = suggestion.suggestions[0]!.params;
    }
    const resolution = Math.min(200, Math.max(5, Math.trunc(options.resolution ?? 50)));
    const result = await this.jobs.run({
      kind: 'posterior',
      input,
      options: { anchor, resolution, pair: options.pair, includePrior: options.includePrior ?? false },
    });
    const observations = trials
      .filter((t) => t.status === 'completed' && Number.isFinite(t.value))
      .map((t) => ({ trialId: t.id, params: t.params, value: t.value! }));
    return {
      uri: entry.uri,
      metric: view.metric,
      goal: view.goal,
      parameters: this.parameters(view),
      anchor,
      anchorKind,
      slices: result.slices,
      ...(result.contour ? { contour: result.contour } : {}),
      observations,
    };
  }

  async provenance(uri: string): Promise<ProvenanceResult> {
    const entry = this.entry(uri);
    const { input, prior } = await this.modelInput(entry, { train: false });
    const heldOut = await this.jobs.run({ kind: 'heldOut', input });
    if (!prior) {
      const hyperparameters = await this.jobs.run({ kind: 'singleTaskHyperparameters', input });
      return {
        uri: entry.uri,
        model: 'single-task',
        mean: 'constant',
        kernel: 'matern52',
        tasks: [],
        matchedGroups: 0,
        hyperparameters,
        ...(heldOut ? { heldOut } : {}),
      };
    }
    const priorCheck = await this.jobs.run({ kind: 'priorCheck', input });
    const file = prior.loaded.file;
    const spec = prior.loaded.spec;
    return {
      uri: entry.uri,
      model: 'pretrained',
      objective: file.training.objective,
      mean: spec.mean,
      kernel: spec.kernelOnFeatures ? `${spec.kernel}-mlp` : spec.kernel,
      tasks: file.training.tasks.map((t) => ({ name: t.name, source: prior.sidecar.taskSources[t.name] ?? '', points: t.points })),
      matchedGroups: file.training.matchedGroups.length,
      finalLoss: file.training.finalLoss,
      trainedAt: file.createdAt,
      cacheKey: prior.key,
      hyperparameters: namedHyperparameters(serializedPrior(prior)),
      ...(heldOut ? { heldOut } : {}),
      ...(priorCheck ? { priorCheck } : {}),
    };
  }

  // ---- edits and runs --------------------------------------------------------------------------------

  runPlan(uri: string, trialId: number): RunPlan {
    const entry = this.entry(uri);
    const view = entry.view;
    const trial = view.trials.find((t) => t.id === trialId);
    if (!trial) throw new UserError(`No trial ${trialId} in ${path.basename(entry.fsPath)}.`);
    if (!view.run || view.run.command.length === 0) {
      throw new UserError(`${path.basename(entry.fsPath)} has no run.command; add one, e.g. run: { command: [python, train.py, --lr, "\${learning_rate}"] }.`);
    }
    const values = placeholderValues(trial);
    const cwd = runCwd(view, entry.fsPath);
    const logPath = trialLogPath(view, entry.fsPath, trial);
    const plan: RunPlan = {
      trialId,
      command: view.run.command.map((arg) => substitute(arg, values)),
      cwd,
      logPath,
      commandWritesLog: view.run.log !== undefined && !view.run.capture,
      parallel: view.run.parallel,
      scheduler: view.run.scheduler,
      sbatch: view.run.sbatch.map((arg) => substitute(arg, values)),
      experiment: view.name,
    };
    if (trial.job) plan.job = trial.job;
    if (view.run.env) plan.env = Object.fromEntries(Object.entries(view.run.env).map(([k, v]) => [k, substitute(v, values)]));
    return plan;
  }

  /** The value and status to write when a run ends: the log decides (a diverged log overrides 'completed'). */
  outcomeFromLog(uri: string, trialId: number, status: TrialDTO['status']): { status: TrialDTO['status']; value?: number; reason?: string } {
    const entry = this.entry(uri);
    const view = entry.view;
    const trial = view.trials.find((t) => t.id === trialId);
    if (!trial) throw new UserError(`No trial ${trialId} in ${path.basename(entry.fsPath)}.`);
    if (status !== 'completed') return { status };
    const derived = deriveTrial(view, { ...trial, status: 'running' }, (() => {
      const logPath = trialLogPath(view, entry.fsPath, trial);
      const state = this.logs.state(logPath, view);
      return state ? { ...state, finished: true } : undefined;
    })());
    if (derived.status === 'diverged') return { status: 'diverged', reason: derived.reason };
    if (derived.status === 'completed' && derived.value !== undefined) return { status: 'completed', value: derived.value };
    return { status: 'failed', reason: derived.reason ?? `No "${view.metric}" value in the trial's log.` };
  }

  /** Re-reads one trial's log now, its last line included (the run ended; before an update edit). */
  async refreshTrialLog(uri: string, trialId: number): Promise<void> {
    const entry = this.entry(uri);
    const trial = entry.view.trials.find((t) => t.id === trialId);
    const logPath = trial ? trialLogPath(entry.view, entry.fsPath, trial) : undefined;
    if (!logPath) return;
    await this.logs.read(logPath, entry.view);
    this.logs.flush(logPath);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.ownsJobs) await this.jobs.dispose();
  }
}

function serializedPrior(prior: CachedPrior): SerializedPrior {
  const names = new Set(prior.loaded.file.training.tasks.map((t) => t.name));
  return { spec: prior.loaded.spec, theta: Array.from(prior.loaded.theta), numTrainingTasks: names.size };
}

function describeAcquisition(view: ExperimentView): string {
  const a = view.acquisition;
  if (a.kind === 'ucb') return `UCB (β = ${a.beta ?? DEFAULT_UCB_BETA})`;
  return a.kind === 'ei' ? 'expected improvement' : 'probability of improvement';
}
