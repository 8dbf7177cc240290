// The server's trial state and runs: each experiment's trials as its file records them, refined by their logs
// (tailed on file events and polled every hyperbo.logs.pollInterval), run.stopping's stop orders, how to run a trial
// and what a finished run's log says. Placeholders, log paths and outcomes come from src/session, the rules
// `hyperbo tune` runs by. Connection-free: what changed is reported through plain callbacks.
import * as path from 'node:path';
import { launchSpec } from '../../formats/experiment';
import type { RunPlan, TrialDTO } from '../../shared/dto';
import { experimentName } from '../../priors/experiment';
import { RUN_COMMAND_EXAMPLE } from '../../session/failure';
import { endedRunOutcome, logBelongsToRun, shownPath } from '../../session/outcome';
import { commandWritesLog, newRunId, trialLog, trialRunSpec } from '../../session/trialRun';
import { UserError } from './errors';
import { LogWatcher } from './logWatcher';
import type { ServerSettings } from './settings';
import { StoppingMonitor } from './stopping';
import { deriveTrial } from './trials';
import type { ExperimentEntry, WorkspaceIndex } from './workspaceIndex';

export interface TrialStateEvents {
  /** A trial's state changed since the last read of the logs (not sent for an experiment's first read). */
  trialUpdated?(uri: string, trial: TrialDTO): void;
  /** Some experiment's trials changed (summaries and code lenses are stale). */
  changed?(): void;
  log?(message: string): void;
}

export interface TrialStateOptions {
  index: WorkspaceIndex;
  /** hyperbo.logs.pollInterval is read before each poll (0: no polling). */
  settings: () => Promise<ServerSettings>;
  events?: TrialStateEvents;
}

/** A run's end as the file should record it. */
export interface RunOutcome {
  status: TrialDTO['status'];
  value?: number;
  reason?: string;
}

export class TrialState {
  private readonly logs = new LogWatcher();
  /** run.stopping: stop orders for running trials, checked after each read of the logs. */
  private readonly stopping = new StoppingMonitor();
  /** Per experiment, each trial's last reported state (JSON), to report only what changed. */
  private readonly reported = new Map<string, Map<number, string>>();
  private readonly index: WorkspaceIndex;
  private readonly events: TrialStateEvents;
  private pollTimer: NodeJS.Timeout | undefined;
  /** A poll is scheduled or under way (set before the settings are read, so two callers never start two chains). */
  private polling = false;
  private disposed = false;

  constructor(private readonly options: TrialStateOptions) {
    this.index = options.index;
    this.events = options.events ?? {};
  }

  /**
   * Each parsed trial's log and its path as shown, for the file and run spec it was computed with: `of` runs several
   * times per request at thousands of trials, and filling in run.log's placeholders was most of its cost.
   */
  private readonly logPaths = new WeakMap<object, { fsPath: string; run: unknown; log: ReturnType<typeof trialLog>; shown: string }>();

  private logOf(fsPath: string, run: Parameters<typeof trialLog>[1], t: Parameters<typeof trialLog>[2]) {
    const hit = this.logPaths.get(t);
    if (hit && hit.fsPath === fsPath && hit.run === run) return hit;
    const log = trialLog(fsPath, run, t);
    const made = { fsPath, run, log, shown: path.relative(path.dirname(fsPath), log.path) };
    this.logPaths.set(t, made);
    return made;
  }

  /** The experiment's trials: the file's state refined by their logs, a running trial's stop order included. */
  of(entry: ExperimentEntry): TrialDTO[] {
    const experiment = entry.experiment;
    if (!experiment) return [];
    return experiment.trials.map((t) => {
      const { log, shown } = this.logOf(entry.fsPath, experiment.run, t);
      const dto = deriveTrial(t, this.logs.state(log.path, experiment.objective), shown, log.byRunId);
      const stop = this.stopping.order(entry.uri, t);
      if (stop && dto.status === 'running') dto.stop = stop;
      return dto;
    });
  }

  /** Per log path, the trial (JSON) whose log was last read there: an edit re-reads only logs of trials it changed. */
  private readonly readFor = new Map<string, string>();

  /** How many log reads were made (each stats the log at least): tests count what an edit costs. */
  get logReads(): number {
    return this.logs.reads;
  }

  /**
   * Reads appended log bytes of every experiment's trials, checks run.stopping and reports trials that changed. With
   * `edited` (an experiment file changed, its logs did not), only the logs of trials that are new or whose fields
   * changed, or that were never read, are read: the others are as current as the last poll or file event left them,
   * and reading a thousand logs on each keystroke held the server's main thread.
   */
  async refresh(edited = false): Promise<void> {
    let anyChanged = false;
    for (const entry of this.index.all()) {
      const experiment = entry.experiment;
      if (!experiment) continue;
      const { run, objective } = experiment;
      for (const t of experiment.trials) {
        const logPath = this.logOf(entry.fsPath, run, t).log.path;
        const fields = JSON.stringify(t);
        if (edited && this.readFor.get(logPath) === fields && this.logs.wasRead(logPath)) continue;
        this.readFor.set(logPath, fields);
        await this.logs.read(logPath, objective);
      }
      this.stopping.update(entry.uri, experiment, (t) => {
        const { log } = this.logOf(entry.fsPath, run, t);
        return { log: this.logs.state(log.path, objective), byRunId: log.byRunId };
      });
      const first = !this.reported.has(entry.uri);
      const seen = this.reported.get(entry.uri) ?? new Map<number, string>();
      const next = new Map<number, string>();
      for (const t of this.of(entry)) {
        const key = JSON.stringify(t);
        next.set(t.id, key);
        if (seen.get(t.id) === key) continue;
        anyChanged = true;
        if (!first) this.events.trialUpdated?.(entry.uri, t);
      }
      this.reported.set(entry.uri, next);
    }
    if (anyChanged) this.events.changed?.();
  }

  /** A log (or a file that may be one) changed on disk: re-read the logs, a deleted file's from its start next time. */
  async logChanged(fsPath: string, deleted: boolean): Promise<void> {
    this.logs.invalidate(fsPath, deleted);
    await this.refresh();
  }

  /** Reads the logs every hyperbo.logs.pollInterval until disposed (file events miss logs on network file systems). */
  async startPolling(): Promise<void> {
    if (this.disposed || this.polling) return;
    this.polling = true;
    await this.schedulePoll();
  }

  private async schedulePoll(): Promise<void> {
    const { logs } = await this.options.settings();
    if (this.disposed || logs.pollInterval <= 0) {
      this.pollTimer = undefined;
      this.polling = false;
      return;
    }
    this.pollTimer = setTimeout(() => {
      void this.refresh()
        .catch((e: Error) => this.events.log?.(`Reading trial logs failed: ${e.message}`))
        .finally(() => void this.schedulePoll());
    }, logs.pollInterval);
    this.pollTimer.unref?.();
  }

  /** Metric names seen in the experiment's trial logs (for completing objective.metric). */
  metricNames(uri: string): string[] {
    const entry = this.index.get(uri);
    const experiment = entry?.experiment;
    if (!entry || !experiment) return [];
    const names = new Set<string>();
    for (const t of experiment.trials) {
      for (const n of this.logs.metricNames(trialLog(entry.fsPath, experiment.run, t).path)) names.add(n);
    }
    return [...names].sort();
  }

  /** How to run the trial: a new run (with a new run id) unless `attach` (re-attaching to its recorded job). */
  runPlan(uri: string, trialId: number, attach = false): RunPlan {
    const { entry, trial } = this.trial(uri, trialId);
    const runSpec = launchSpec(entry.experiment);
    if (!runSpec) {
      throw new UserError(`${path.basename(entry.fsPath)} has no run.command; add one, e.g. ${RUN_COMMAND_EXAMPLE}.`);
    }
    // A new run's log is its own: the path from run.log with the new run id, not the one an earlier run recorded.
    const run = attach ? trial.run : newRunId();
    const spec = trialRunSpec(entry.fsPath, runSpec, attach ? trial : { id: trial.id, params: trial.params, ...(run !== undefined ? { run } : {}) });
    const plan: RunPlan = {
      trialId,
      command: spec.command,
      cwd: spec.cwd,
      logPath: spec.log.path,
      commandWritesLog: commandWritesLog(runSpec),
      parallel: runSpec.parallel,
      scheduler: runSpec.scheduler,
      sbatch: spec.sbatch,
      experiment: experimentName(entry.experiment),
      env: spec.env,
    };
    if (run !== undefined) plan.run = run;
    if (trial.job) plan.job = trial.job;
    return plan;
  }

  /** Re-reads one trial's log now, its last line included: the run ended (before its update edit). */
  async readEndedLog(uri: string, trialId: number): Promise<void> {
    const entry = this.index.experiment(uri);
    const trial = entry.experiment.trials.find((t) => t.id === trialId);
    if (!trial) return;
    const logPath = trialLog(entry.fsPath, entry.experiment.run, trial).path;
    await this.logs.read(logPath, entry.experiment.objective);
    // The writer has exited: a last line without its newline is complete.
    this.logs.flush(logPath);
  }

  /** The value and status to record when a run ends: its own log decides (a diverged log overrides 'completed'). */
  outcome(uri: string, trialId: number, status: TrialDTO['status']): RunOutcome {
    const { entry, trial } = this.trial(uri, trialId);
    if (status !== 'completed') return { status };
    const log = trialLog(entry.fsPath, entry.experiment.run, trial);
    const state = this.logs.state(log.path, entry.experiment.objective);
    const own = state && logBelongsToRun({ ...trial, status: 'running' }, state, log.byRunId) ? state : undefined;
    return endedRunOutcome(own, shownPath(log.path, path.dirname(entry.fsPath)));
  }

  private trial(uri: string, trialId: number) {
    const entry = this.index.experiment(uri);
    const trial = entry.experiment.trials.find((t) => t.id === trialId);
    if (!trial) throw new UserError(`No trial ${trialId} in ${path.basename(entry.fsPath)}.`);
    return { entry, trial };
  }

  dispose(): void {
    this.disposed = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }
}
