// Runs trials: asks the server for the run plan, launches argv with spawn (never a shell), captures output
// into the trial's log when the command does not write one, respects `parallel`, and records the status in
// the file (running → completed/diverged/failed). Only in a trusted workspace.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { Scheduler } from '../../scheduler/scheduler';
import { SlurmScheduler } from '../../scheduler/slurm';
import { followJob, jobOutputPath, lastLine, trialJobRequest } from '../../scheduler/trialJob';
import type { ExperimentSummary, RunPlan, TrialDTO, TrialStatus } from '../../shared/dto';
import { RunPlanRequest, TrialHistoryRequest, type UpdateTrialEditRequest } from '../../shared/protocol';
import type { Config } from '../config';
import { messageOf, UserFacingError } from '../errors';
import type { ExperimentEditor } from '../experimentEditor';
import type { ServerConnection } from '../languageClient';
import { failureReason } from '../../session/failure';
import { RunOutput } from '../../session/runOutput';
import { displayCommand, exitReason, spawnErrorReason, spawnSpec } from './commandLine';
import { killTree, processGroupOptions } from './processTree';
import { RunQueue } from './runQueue';

export interface RunEvent {
  uri: string;
  trialId: number;
  state: 'queued' | 'running' | 'ended';
  /** Set when ended: the status written to the file. */
  status?: TrialStatus;
  value?: number;
  reason?: string;
}

interface ActiveRun {
  uri: string;
  trialId: number;
  plan: RunPlan;
  child?: ChildProcess;
  /** The scheduler's job (run.scheduler: slurm), once submitted or re-attached. */
  job?: string;
  /** Stops following the job without cancelling it (the window closes; the job goes on and is re-attached later). */
  detach?: AbortController;
  stopped: boolean;
  /** Set when run.stopping stopped the run (the server's order): the trial is recorded as stopped with these. */
  stoppedByRule?: NonNullable<TrialDTO['stop']>;
  ended: Promise<RunEvent>;
}

/** A run that stopped following its job without an outcome (the window is closing). */
class Detached extends Error {}

export function untrustedError(): UserFacingError {
  return new UserFacingError(
    'Running trials is disabled in an untrusted workspace, because it executes the command written in the experiment file. Trust this workspace to run trials; suggestions, panels and diagnostics work without it.',
    [{ title: 'Manage Workspace Trust', run: () => vscode.commands.executeCommand('workbench.trust.manage') }],
  );
}

const key = (uri: string, trialId: number): string => `${uri}#${trialId}`;

export class TrialRunner implements vscode.Disposable {
  private readonly queue = new RunQueue();
  private readonly runs = new Map<string, ActiveRun>();
  private readonly emitter = new vscode.EventEmitter<RunEvent>();
  readonly onDidChange = this.emitter.event;
  readonly output: vscode.OutputChannel;
  private slurm?: Scheduler;
  /** uri#trial#job already re-attached (or tried) in this window. */
  private readonly attached = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly server: ServerConnection,
    private readonly editor: ExperimentEditor,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.output = vscode.window.createOutputChannel('HyperBO Runs');
    // Jobs keep running on the cluster while no window follows them: re-attach to running trials' recorded jobs.
    this.subscriptions.push(
      server.onExperimentsChanged((summaries: ExperimentSummary[]) => {
        for (const s of summaries) if (s.trials.running > 0) void this.reattach(s.uri);
      }),
      // run.stopping: the server tails the logs and says when a running trial is to be stopped; this window stops the
      // runs it owns.
      server.onTrialUpdated(({ uri, trial }) => {
        if (trial.stop) void this.stopByRule(uri, trial.id, trial.stop);
      }),
    );
  }

  private scheduler(): Scheduler {
    return (this.slurm ??= new SlurmScheduler());
  }

  /** Follows the jobs of the experiment's running trials that record a job id and that no run of this window follows. */
  async reattach(uri: string): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    try {
      const history = await this.server.request(TrialHistoryRequest.type, { uri });
      for (const t of history.trials) {
        if (t.status !== 'running' || !t.job || this.runs.has(key(uri, t.id))) continue;
        const seen = `${uri}#${t.id}#${t.job}`;
        if (this.attached.has(seen)) continue;
        this.attached.add(seen);
        const attached = await this.run(uri, t.id, t.job).then(
          () => true,
          (error: unknown) => void this.log.warn(`Trial ${t.id}: could not re-attach to job ${t.job}: ${error instanceof Error ? error.message : String(error)}`),
        );
        // run.stopping ordered it stopped before this window followed it (the server sends an order once, on change).
        if (attached && t.stop) void this.stopByRule(uri, t.id, t.stop);
      }
    } catch (error) {
      this.log.warn(`Re-attaching to running jobs of ${vscode.Uri.parse(uri).fsPath}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  state(uri: string, trialId: number): 'queued' | 'running' | undefined {
    if (this.queue.isRunning(uri, String(trialId))) return 'running';
    if (this.queue.isQueued(uri, String(trialId))) return 'queued';
    return undefined;
  }

  /** Resolves when the trial's current run has ended (or at once when it is not running here). */
  whenEnded(uri: string, trialId: number): Promise<RunEvent | undefined> {
    return this.runs.get(key(uri, trialId))?.ended ?? Promise.resolve(undefined);
  }

  /** Starts the trial or queues it behind running ones; throws a UserFacingError when it cannot run. */
  async run(uri: string, trialId: number, attachTo?: string): Promise<'started' | 'queued'> {
    if (!vscode.workspace.isTrusted) throw untrustedError();
    const k = key(uri, trialId);
    if (this.runs.has(k)) throw new UserFacingError(`Trial ${trialId} is already ${this.state(uri, trialId) ?? 'running'} in this window.`);
    const plan = await this.server.request(RunPlanRequest.type, { uri, trialId, ...(attachTo !== undefined ? { attach: true } : {}) });
    if (attachTo !== undefined && plan.scheduler !== 'slurm') return 'started';
    if (this.runs.has(k)) throw new UserFacingError(`Trial ${trialId} is already ${this.state(uri, trialId) ?? 'running'} in this window.`);
    const spec = spawnSpec(plan, process.env);
    let resolveEnded!: (event: RunEvent) => void;
    const run: ActiveRun = { uri, trialId, plan, stopped: false, ended: new Promise((resolve) => (resolveEnded = resolve)) };
    this.runs.set(k, run);
    const result = this.queue.enqueue(
      {
        group: uri,
        id: String(trialId),
        start: async () => {
          const event = await this.execute(run, spec, attachTo).catch((error: unknown): RunEvent => {
            const reason = error instanceof Error ? error.message : String(error);
            if (error instanceof Detached) return { uri, trialId, state: 'ended', reason };
            this.log.error(`Trial ${trialId} of ${vscode.Uri.parse(uri).fsPath}: ${reason}`);
            return { uri, trialId, state: 'ended', reason };
          });
          this.runs.delete(k);
          resolveEnded(event);
          this.emitter.fire(event);
        },
      },
      // A re-attached job is already on the cluster: it is followed at once and counts towards parallel.
      attachTo !== undefined ? Number.MAX_SAFE_INTEGER : plan.parallel,
    );
    if (result === 'queued') {
      this.say(run, `queued (parallel: ${plan.parallel}; ${this.queue.runningCount(uri)} running)`);
      this.emitter.fire({ uri, trialId, state: 'queued' });
    }
    return result === 'started' ? 'started' : 'queued';
  }

  /** Stops a running trial (its whole process tree) or removes a queued one; false when this window does not run it. */
  async stop(uri: string, trialId: number): Promise<boolean> {
    const run = this.runs.get(key(uri, trialId));
    if (!run) return false;
    run.stopped = true;
    if (this.queue.dequeue(uri, String(trialId))) {
      this.runs.delete(key(uri, trialId));
      this.say(run, 'removed from the queue');
      const event: RunEvent = { uri, trialId, state: 'ended', reason: 'Removed from the queue.' };
      this.emitter.fire(event);
      return true;
    }
    if (run.child) {
      this.say(run, 'stopping (SIGTERM to the process tree)…');
      await killTree(run.child, this.config.killGraceMs());
    }
    if (run.job) {
      this.say(run, `stopping: scancel ${run.job}`);
      await this.scheduler()
        .cancel(run.job)
        .catch((error: Error) => this.say(run, error.message));
    }
    await run.ended;
    return true;
  }

  /** Stops a run this window owns because run.stopping says so; it is then recorded as stopped, not failed. */
  private async stopByRule(uri: string, trialId: number, order: NonNullable<TrialDTO['stop']>): Promise<void> {
    const run = this.runs.get(key(uri, trialId));
    if (!run || run.stopped || run.stoppedByRule) return;
    run.stoppedByRule = order;
    this.say(run, `${order.reason} (run.stopping): stopping it`);
    await this.stop(uri, trialId).catch((error: unknown) => this.log.warn(`Trial ${trialId}: ${error instanceof Error ? error.message : String(error)}`));
  }

  private say(run: ActiveRun, text: string): void {
    this.output.appendLine(`[${vscode.workspace.asRelativePath(vscode.Uri.parse(run.uri))} #${run.trialId}] ${text}`);
  }

  private async execute(run: ActiveRun, spec: ReturnType<typeof spawnSpec>, attachTo?: string): Promise<RunEvent> {
    const { uri, trialId, plan } = run;
    if (run.stopped) return { uri, trialId, state: 'ended', reason: 'Stopped before it started.' };
    if (attachTo === undefined) {
      const started = new Date().toISOString();
      await this.editor.updateTrial({ uri, trialId, status: 'running', started, ...(plan.run !== undefined ? { run: plan.run } : {}) });
    }
    this.emitter.fire({ uri, trialId, state: 'running' });
    mkdirSync(dirname(plan.logPath), { recursive: true });
    const outcome = plan.scheduler === 'slurm' ? await this.runJob(run, spec, attachTo) : await this.runLocal(run, spec);
    return this.finish(run, outcome);
  }

  /** Submits the trial as a Slurm job (or re-attaches to its recorded one), records the job id and follows it to its end. */
  private async runJob(run: ActiveRun, spec: ReturnType<typeof spawnSpec>, attachTo?: string): Promise<{ reason?: string }> {
    const { uri, trialId, plan } = run;
    const slurm = this.scheduler();
    let output: string | undefined;
    let id = attachTo;
    if (id === undefined) {
      const request = trialJobRequest({
        experiment: plan.experiment,
        trialId,
        command: plan.command,
        cwd: plan.cwd,
        env: spec.env,
        logPath: plan.logPath,
        capture: !plan.commandWritesLog,
        options: plan.sbatch,
      });
      this.say(run, `$ sbatch ${displayCommand(plan.sbatch)} … ${displayCommand(plan.command)}   (in ${plan.cwd})`);
      try {
        id = await slurm.submit(request);
      } catch (error) {
        return { reason: error instanceof Error ? error.message : String(error) };
      }
      output = jobOutputPath(request, id);
      run.job = id;
      this.say(run, `submitted Slurm job ${id}; its output goes to ${output}`);
      await this.editor.updateTrial({ uri, trialId, status: 'running', job: id });
      if (run.stopped) await slurm.cancel(id).catch((error: Error) => this.say(run, error.message));
    } else {
      run.job = id;
      this.say(run, `re-attached to Slurm job ${id}`);
      this.log.info(`Trial ${trialId} of ${vscode.workspace.asRelativePath(vscode.Uri.parse(uri))}: re-attached to Slurm job ${id}`);
    }
    run.detach = new AbortController();
    let end;
    try {
      end = await followJob(slurm, id, output, {
        intervalMs: this.config.jobPollMs(),
        signal: run.detach.signal,
        onStatus: (s) => this.say(run, `Slurm job ${id}: ${s.state}${s.reason ? ` (${s.reason})` : ''}`),
        onPollError: (e) => this.say(run, `${e.message} (still polling)`),
      });
    } catch (error) {
      if (run.detach.signal.aborted) throw new Detached(`Stopped following Slurm job ${id}; it goes on and is re-attached when the experiment is open again.`);
      return { reason: error instanceof Error ? error.message : String(error) };
    }
    for (const line of end.outputTail.trimEnd().split('\n').slice(-20)) if (line) this.say(run, line);
    if (run.stopped) return { reason: 'Stopped by the user.' };
    if (end.unknown) this.say(run, `${end.status.reason}; the log decides.`);
    const failure = end.failure;
    if (!failure) return {};
    const last = lastLine(end.outputTail);
    return { reason: last ? `${failure} ${last}` : failure };
  }

  private async runLocal(run: ActiveRun, spec: ReturnType<typeof spawnSpec>): Promise<{ reason?: string }> {
    const { plan, trialId } = run;
    const output = new RunOutput(plan.commandWritesLog ? undefined : plan.logPath, (error) => this.say(run, `cannot write the captured log ${plan.logPath}: ${error.message}`));
    this.say(run, `$ ${displayCommand(plan.command)}   (in ${plan.cwd})`);
    this.say(run, plan.commandWritesLog ? `the command writes its log to ${plan.logPath}` : `output captured to ${plan.logPath}`);
    this.log.info(`Trial ${trialId}: starting ${displayCommand(plan.command)} in ${plan.cwd}`);

    let pidRecorded: Promise<void> = Promise.resolve();
    const outcome = await new Promise<{ reason?: string }>((resolve) => {
      // Stop Trial may arrive while the running status is being written, before there is a process.
      if (run.stopped) {
        resolve({ reason: exitReason(null, null, true)! });
        return;
      }
      let settled = false;
      const settle = (reason?: string) => {
        if (settled) return;
        settled = true;
        resolve(reason === undefined ? {} : { reason });
      };
      let child: ChildProcess;
      try {
        child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, ...processGroupOptions });
      } catch (error) {
        settle(spawnErrorReason(error as NodeJS.ErrnoException, spec.file, spec.cwd));
        return;
      }
      run.child = child;
      if (run.stopped) void killTree(child, this.config.killGraceMs());
      // The pid (its process group) and the time right after the start, as hyperbo tune records them: a later session
      // (Stop Stray Runs, tune's reconcile) can then tell whether this run outlived the window (src/files/trialProcesses).
      child.once('spawn', () => {
        if (child.pid === undefined) return;
        pidRecorded = this.editor.updateTrial({ uri: run.uri, trialId, status: 'running', pid: child.pid, started: new Date().toISOString() }).then(
          () => undefined,
          (error: unknown) => this.say(run, `could not record the run's pid: ${messageOf(error)}`),
        );
      });
      // A failure's reason ends with the command's last output lines (what it printed before exiting).
      const pipe = (stream: NodeJS.ReadableStream | null) => {
        let partial = '';
        stream?.on('data', (chunk: Buffer) => {
          output.add(chunk);
          const text = partial + chunk.toString('utf8');
          const lines = text.split(/\r?\n/);
          partial = lines.pop() ?? '';
          for (const line of lines) this.say(run, line);
        });
        stream?.on('end', () => partial && this.say(run, partial));
      };
      pipe(child.stdout);
      pipe(child.stderr);
      child.on('error', (error: NodeJS.ErrnoException) => {
        const reason = spawnErrorReason(error, spec.file, spec.cwd);
        // A spawn failure has no process; 'close' may not follow.
        if (child.pid === undefined) settle(reason);
        else this.say(run, reason);
      });
      child.on('close', (code, signal) => {
        const how = exitReason(code, signal, run.stopped);
        settle(how && !run.stopped ? failureReason(how, output.tail.lastLines()) : how);
      });
    });
    await output.close();
    await pidRecorded;
    return outcome;
  }

  private async finish(run: ActiveRun, outcome: { reason?: string }): Promise<RunEvent> {
    const { uri, trialId } = run;
    const finished = new Date().toISOString();
    const rule = run.stoppedByRule;
    const status: TrialStatus = rule ? 'stopped' : outcome.reason ? 'failed' : 'completed';
    const update: UpdateTrialEditRequest.Params = rule
      ? { uri, trialId, status, finished, pid: null, step: rule.step, value: rule.value, reason: rule.reason }
      : { uri, trialId, status, finished, pid: null, ...(outcome.reason ? { reason: outcome.reason } : {}) };
    let written: UpdateTrialEditRequest.Result;
    try {
      written = await this.editor.updateTrial(update);
    } catch (error) {
      // Not written (the file stayed locked by another writer, the server failed): say so and offer to write it again.
      this.offerRetry(run, update, error);
      return { uri, trialId, state: 'ended', reason: `its result was not recorded: ${messageOf(error)}` };
    }
    const reason = rule ? rule.reason : outcome.reason ?? (written.status !== 'completed' ? `recorded as ${written.status} from its log` : undefined);
    this.say(run, written.value !== undefined ? `${written.status}: value ${written.value}` : `${written.status}${reason ? ` — ${reason}` : ''}`);
    if (written.status === 'failed' && !run.stopped) {
      this.log.warn(`Trial ${trialId} failed: ${reason ?? 'no value in its log'}`);
      void vscode.window.showWarningMessage(`HyperBO: trial ${trialId} failed — ${reason ?? 'its log has no value for the metric'}`, 'Show Output', 'Open Log').then((choice) => {
        if (choice === 'Show Output') this.output.show(true);
        else if (choice === 'Open Log') void vscode.commands.executeCommand('hyperbo.openTrialLog', uri, trialId);
      });
    }
    return { uri, trialId, state: 'ended', status: written.status, ...(written.value !== undefined ? { value: written.value } : {}), ...(reason ? { reason } : {}) };
  }

  /** Tells the user a run's result could not be written, with Retry until it is (or they dismiss it). */
  private offerRetry(run: ActiveRun, update: UpdateTrialEditRequest.Params, error: unknown): void {
    const message = messageOf(error);
    this.say(run, `could not record the result: ${message}`);
    this.log.warn(`Trial ${run.trialId}: could not record ${update.status}: ${message}`);
    void vscode.window.showErrorMessage(`HyperBO: trial ${run.trialId} ended (${update.status}) but this could not be written to the file — ${message}`, 'Retry').then(async (choice) => {
      if (choice !== 'Retry') return;
      try {
        const written = await this.editor.updateTrial(update);
        this.say(run, `recorded: ${written.status}${written.value !== undefined ? `, value ${written.value}` : ''}`);
      } catch (again) {
        this.offerRetry(run, update, again);
      }
    });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const run of this.runs.values()) {
      // A job is left running on the cluster: the trial stays running in the file and is re-attached later.
      if (run.detach) {
        run.detach.abort();
        continue;
      }
      run.stopped = true;
      if (run.child) void killTree(run.child, 0);
    }
    this.emitter.dispose();
    this.output.dispose();
  }
}
