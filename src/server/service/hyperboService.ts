// The connection-free core of the language server, composed of units that each own one part of its state: the
// workspace index (experiment files), trial state from logs (below), priors (priorService.ts) and model queries
// (modelQueries.ts). Everything is derived from files plus the cache, so a restarted server rebuilds the same state.
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { ExperimentSummary, RunPlan, TrialDTO, TrialHistoryResult } from '../../shared/dto';
import { JobRunner } from '../jobs/jobRunner';
import { UserError } from './errors';
import { EditorFeatures } from './editorFeatures';
import { experimentSummary, trialHistory } from './experimentSummary';
import { HistoryImport } from './historyImport';
import { LogWatcher } from './logWatcher';
import { ModelQueries } from './modelQueries';
import { PriorService } from './priorService';
import { StoppingMonitor } from './stopping';
import { DEFAULT_SETTINGS, type ServerSettings } from './settings';
import { deriveTrial } from './trials';
import { endedRunOutcome, logBelongsToRun, shownPath } from '../../session/outcome';
import { newRunId, trialLog, trialRunSpec } from '../../session/trialRun';
import {
  isExperimentFile,
  normalizeUri,
  uriToPath,
  WorkspaceIndex,
  type ExperimentEntry,
  type ExperimentParser,
} from './workspaceIndex';


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
  /** run.stopping: stop orders for running trials, checked after each read of the logs. */
  readonly stopping = new StoppingMonitor();
  readonly jobs: JobRunner;
  private readonly ownsJobs: boolean;
  readonly priors: PriorService;
  readonly queries: ModelQueries;
  readonly editor: EditorFeatures;
  readonly history: HistoryImport;
  private readonly events: ServiceEvents;
  private readonly settingsSource: () => Promise<ServerSettings>;
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
          this.queries.clearSuggestions();
          this.events.lensesChanged?.();
        },
      },
    });
    this.queries = new ModelQueries({
      index: this.index,
      trials: (entry) => this.trials(entry),
      priors: this.priors,
      jobs: this.jobs,
      settings: () => this.settings(),
      status: (state) => this.events.status?.(state),
    });
    this.editor = new EditorFeatures({
      index: this.index,
      queries: this.queries,
      trials: (entry) => this.trials(entry),
      metricNames: (uri) => this.metricNames(uri),
    });
    this.history = new HistoryImport(this.index);
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
        const logPath = trialLog(entry.fsPath, view.run, t).path;
        paths.add(logPath);
        await this.logs.read(logPath, view);
      }
      this.stopping.update(entry.uri, view, (t) => {
        const log = trialLog(entry.fsPath, view.run, t);
        return { log: this.logs.state(log.path, view), byRunId: log.byRunId };
      });
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

  /** The experiment's trials: YAML state refined by their logs. */
  trials(entry: ExperimentEntry): TrialDTO[] {
    const view = entry.view;
    if (!view) return [];
    return view.trials.map((t) => {
      const log = trialLog(entry.fsPath, view.run, t);
      const dto = deriveTrial(t, this.logs.state(log.path, view), path.relative(path.dirname(entry.fsPath), log.path), log.byRunId);
      const stop = this.stopping.order(entry.uri, t);
      if (stop && dto.status === 'running') dto.stop = stop;
      return dto;
    });
  }

  /** Metric names seen in the experiment's trial logs (for completing objective.metric). */
  metricNames(uri: string): string[] {
    const entry = this.index.get(uri);
    const view = entry?.view;
    if (!entry || !view) return [];
    const names = new Set<string>();
    for (const t of view.trials) {
      for (const n of this.logs.metricNames(trialLog(entry.fsPath, view.run, t).path)) names.add(n);
    }
    return [...names].sort();
  }

  listExperiments(): ExperimentSummary[] {
    return this.index.all().map((entry) => experimentSummary(entry, this.trials(entry)));
  }

  /** The history panel's data, the logs read first (the panel opens on what they show now). */
  async trialHistory(uri: string): Promise<TrialHistoryResult> {
    await this.refreshLogs();
    const entry = this.index.experiment(uri);
    return trialHistory(entry, this.trials(entry));
  }

  // ---- edits and runs --------------------------------------------------------------------------------

  /** How to run the trial: a new run (with a new run id) unless `attach` (re-attaching to its recorded job). */
  runPlan(uri: string, trialId: number, attach = false): RunPlan {
    const entry = this.index.experiment(uri);
    const view = entry.view;
    const trial = view.trials.find((t) => t.id === trialId);
    if (!trial) throw new UserError(`No trial ${trialId} in ${path.basename(entry.fsPath)}.`);
    if (!view.run || view.run.command.length === 0) {
      throw new UserError(`${path.basename(entry.fsPath)} has no run.command; add one, e.g. run: { command: [python, train.py, --lr, "\${learning_rate}"] }.`);
    }
    // A new run's log is its own: the path from run.log with the new run id, not the one an earlier run recorded.
    const run = attach ? trial.run : newRunId();
    const spec = trialRunSpec(entry.fsPath, view.run, attach ? trial : { id: trial.id, params: trial.params, ...(run !== undefined ? { run } : {}) });
    const plan: RunPlan = {
      trialId,
      command: spec.command,
      cwd: spec.cwd,
      logPath: spec.log.path,
      commandWritesLog: view.run.log !== undefined && !view.run.capture,
      parallel: view.run.parallel,
      scheduler: view.run.scheduler,
      sbatch: spec.sbatch,
      experiment: view.name,
      env: spec.env,
    };
    if (run !== undefined) plan.run = run;
    if (trial.job) plan.job = trial.job;
    return plan;
  }

  /** The value and status to write when a run ends: the log decides (a diverged log overrides 'completed'). */
  outcomeFromLog(uri: string, trialId: number, status: TrialDTO['status']): { status: TrialDTO['status']; value?: number; reason?: string } {
    const entry = this.index.experiment(uri);
    const view = entry.view;
    const trial = view.trials.find((t) => t.id === trialId);
    if (!trial) throw new UserError(`No trial ${trialId} in ${path.basename(entry.fsPath)}.`);
    if (status !== 'completed') return { status };
    const log = trialLog(entry.fsPath, view.run, trial);
    const state = this.logs.state(log.path, view);
    const own = state && logBelongsToRun({ ...trial, status: 'running' }, state, log.byRunId) ? state : undefined;
    return endedRunOutcome(own, shownPath(log.path, path.dirname(entry.fsPath)));
  }

  /** Re-reads one trial's log now, its last line included (the run ended; before an update edit). */
  async refreshTrialLog(uri: string, trialId: number): Promise<void> {
    const entry = this.index.experiment(uri);
    const trial = entry.view.trials.find((t) => t.id === trialId);
    const logPath = trial ? trialLog(entry.fsPath, entry.view.run, trial).path : undefined;
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
