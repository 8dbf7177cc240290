// The connection-free core of the language server, a composition of units that each own one part of its state: the
// workspace index (experiment files), trial state and runs (trialState.ts), priors (priorService.ts) and model queries
// (modelQueries.ts), with editor features, trial edits and history import on top. It turns workspace events into
// calls on them.
// Everything is derived from files plus the cache, so a restarted server rebuilds the same state.
import type { CodeAction, Diagnostic, Range } from 'vscode-languageserver-types';
import type { ExperimentSummary, TrialDTO, TrialHistoryResult } from '../../shared/dto';
import { JobRunner } from '../jobs/jobRunner';
import { EditorFeatures } from './editorFeatures';
import { experimentSummary, trialHistory } from './experimentSummary';
import { HistoryImport } from './historyImport';
import { ModelQueries } from './modelQueries';
import { PriorService } from './priorService';
import { DEFAULT_SETTINGS, type ServerSettings } from './settings';
import { TrialEdits } from './trialEdits';
import { TrialState } from './trialState';
import { isExperimentFile, normalizeUri, uriToPath, WorkspaceIndex, type ExperimentEntry, type ExperimentParser } from './workspaceIndex';

export interface ServiceEvents {
  diagnostics?(uri: string, diagnostics: Diagnostic[]): void;
  experimentsChanged?(summaries: ExperimentSummary[]): void;
  trialUpdated?(uri: string, trial: TrialDTO): void;
  status?(state: 'idle' | 'pretraining' | 'suggesting' | 'error', message?: string): void;
  /** Code lenses should be requested again (a suggestion or prior became ready). */
  lensesChanged?(): void;
  log?(message: string): void;
  /** Something the user should see once (a window warning), e.g. the workspace scan stopped at a bound. */
  warn?(message: string): void;
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
  readonly trials: TrialState;
  readonly jobs: JobRunner;
  private readonly ownsJobs: boolean;
  readonly priors: PriorService;
  readonly queries: ModelQueries;
  readonly editor: EditorFeatures;
  readonly edits: TrialEdits;
  readonly history: HistoryImport;
  private readonly events: ServiceEvents;
  private readonly settingsSource: () => Promise<ServerSettings>;
  private lastSummaries = '';
  /** Cancels the workspace scan when the server stops. */
  private readonly scanAbort = new AbortController();

  constructor(options: ServiceOptions) {
    this.index = new WorkspaceIndex(options.roots, options.parse);
    this.jobs = options.jobs ?? new JobRunner();
    this.ownsJobs = !options.jobs;
    this.events = options.events ?? {};
    this.settingsSource = options.settings ?? (async () => DEFAULT_SETTINGS);
    this.trials = new TrialState({
      index: this.index,
      settings: () => this.settings(),
      events: {
        trialUpdated: (uri, trial) => this.events.trialUpdated?.(uri, trial),
        changed: () => {
          this.notifyChanged();
          this.events.lensesChanged?.();
        },
        log: (message) => this.events.log?.(message),
      },
    });
    const trials = (entry: ExperimentEntry): TrialDTO[] => this.trials.of(entry);
    this.priors = new PriorService({
      root: options.roots[0] ?? process.cwd(),
      roots: options.roots.length > 0 ? options.roots : [process.cwd()],
      index: this.index,
      trials,
      jobs: this.jobs,
      settings: () => this.settings(),
      events: {
        status: (state, message) => this.events.status?.(state, message),
        log: (message) => this.events.log?.(message),
        trained: () => {
          this.queries.clearSuggestions();
          this.events.lensesChanged?.();
        },
        listed: (uri) => {
          this.publishDiagnostics(uri);
          this.events.lensesChanged?.();
        },
        coverageChanged: (uri) => this.publishDiagnostics(uri),
      },
    });
    this.queries = new ModelQueries({
      index: this.index,
      trials,
      priors: this.priors,
      jobs: this.jobs,
      settings: () => this.settings(),
      status: (state) => this.events.status?.(state),
    });
    this.editor = new EditorFeatures({
      index: this.index,
      queries: this.queries,
      trials,
      metricNames: (uri) => this.trials.metricNames(uri),
      lensesChanged: () => this.events.lensesChanged?.(),
    });
    this.edits = new TrialEdits({ index: this.index, queries: this.queries, trials: this.trials });
    this.history = new HistoryImport(this.index);
  }

  private async settings(): Promise<ServerSettings> {
    try {
      return await this.settingsSource();
    } catch {
      return DEFAULT_SETTINGS;
    }
  }

  /** Loads every experiment on disk, reads their trials' logs and starts polling them. */
  async initialize(): Promise<void> {
    this.jobs.warm();
    const uris = await this.index.scan(this.scanAbort.signal);
    // stderr reaches the language client's output channel (stdout is the LSP stream).
    if (this.index.limitHit) {
      process.stderr.write(`HyperBO: ${this.index.limitHit}\n`);
      // Experiment files past the bound get no diagnostics or lenses until opened: the user is told once per start.
      this.events.warn?.(this.index.limitHit);
    }
    for (const uri of uris) {
      this.publishDiagnostics(uri);
      this.listSources(uri);
    }
    await this.trials.refresh();
    this.notifyChanged();
    await this.trials.startPolling();
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
    // What prior.from lists may differ (in the background).
    if (type !== 2) this.priors.filesChanged();
    if (isExperimentFile(fsPath)) {
      if (type === 3) this.index.delete(uri);
      else await this.index.reloadFromDisk(uri);
      await this.afterExperimentChange(uri);
      return;
    }
    // A log or a data file: re-read logs (appended bytes only); data changes alter prior cache keys.
    if (LOG_FILE.test(fsPath) || DATA_FILE.test(fsPath)) {
      await this.trials.logChanged(fsPath, type === 3);
      if (DATA_FILE.test(fsPath)) this.events.lensesChanged?.();
    }
  }

  /** The settings changed: hyperbo.prior.allowAbsolutePaths may allow more (prior.from is listed again). */
  settingsChanged(): void {
    this.priors.filesChanged();
  }

  /** Lists the experiment's prior.from in the background when it changed. */
  private listSources(uri: string): void {
    const entry = this.index.get(uri);
    this.priors.sourcesChanged(uriToPath(normalizeUri(uri)), entry?.experiment);
  }

  private async afterExperimentChange(uri: string): Promise<void> {
    this.listSources(uri);
    this.publishDiagnostics(uri);
    // The experiment changed, not its logs: only new or edited trials' logs are read (polls and file events do the rest).
    await this.trials.refresh(true);
    this.notifyChanged();
    this.events.lensesChanged?.();
  }

  private publishDiagnostics(uri: string): void {
    const entry = this.index.get(uri);
    // The parser's diagnostics plus what the last listing of prior.from found (on the current text's entries), and
    // where the search space reaches past the data of the prior the experiment uses.
    const listed = entry ? this.priors.diagnostics(entry.uri, entry.text, entry.experiment) : [];
    this.events.diagnostics?.(normalizeUri(uri), [...(entry?.diagnostics ?? []), ...listed]);
  }

  private notifyChanged(): void {
    const summaries = this.listExperiments();
    const text = JSON.stringify(summaries);
    if (text === this.lastSummaries) return;
    this.lastSummaries = text;
    this.events.experimentsChanged?.(summaries);
  }

  /**
   * Quick fixes on the lines of `range`: for a parameter reaching past the prior's data, narrow it (or keep the choices
   * tried). The edit names the document version it was computed on, so the editor refuses it on a text since changed.
   */
  codeActions(uri: string, range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
    const entry = this.index.get(normalizeUri(uri));
    if (!entry) return [];
    return this.priors
      .coverageFixes(entry.uri, entry.text, entry.experiment)
      .filter((f) => f.range.start.line <= range.end.line && range.start.line <= f.range.end.line)
      .map((f) => ({
        title: f.title,
        kind: 'quickfix',
        diagnostics: diagnostics.filter((d) => d.code === 'prior-coverage' && d.range.start.line === f.range.start.line),
        edit:
          entry.version === undefined
            ? { changes: { [uri]: f.edits } }
            : { documentChanges: [{ textDocument: { uri, version: entry.version }, edits: f.edits }] },
      }));
  }

  listExperiments(): ExperimentSummary[] {
    return this.index.all().map((entry) => experimentSummary(entry, this.trials.of(entry)));
  }

  /** The history panel's data, the logs read first (the panel opens on what they show now). */
  async trialHistory(uri: string): Promise<TrialHistoryResult> {
    await this.trials.refresh();
    const entry = this.index.experiment(uri);
    return trialHistory(entry, this.trials.of(entry));
  }

  async dispose(): Promise<void> {
    this.scanAbort.abort();
    this.priors.dispose();
    this.trials.dispose();
    if (this.ownsJobs) await this.jobs.dispose();
  }
}
