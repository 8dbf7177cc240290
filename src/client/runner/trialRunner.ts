// Runs trials: asks the server for the run plan, launches argv with spawn (never a shell), captures output
// into the trial's log when the command does not write one, respects `parallel`, and records the status in
// the file (running → completed/diverged/failed). Only in a trusted workspace.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { RunPlan, TrialStatus } from '../../shared/dto';
import { RunPlanRequest } from '../../shared/protocol';
import type { Config } from '../config';
import { UserFacingError } from '../errors';
import type { ExperimentEditor } from '../experimentEditor';
import type { ServerConnection } from '../languageClient';
import { failureReason, OutputTail } from '../../session/failure';
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
  stopped: boolean;
  ended: Promise<RunEvent>;
}

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

  constructor(
    private readonly server: ServerConnection,
    private readonly editor: ExperimentEditor,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.output = vscode.window.createOutputChannel('HyperBO Runs');
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
  async run(uri: string, trialId: number): Promise<'started' | 'queued'> {
    if (!vscode.workspace.isTrusted) throw untrustedError();
    const k = key(uri, trialId);
    if (this.runs.has(k)) throw new UserFacingError(`Trial ${trialId} is already ${this.state(uri, trialId) ?? 'running'} in this window.`);
    const plan = await this.server.request(RunPlanRequest.type, { uri, trialId });
    const spec = spawnSpec(plan, process.env);
    let resolveEnded!: (event: RunEvent) => void;
    const run: ActiveRun = { uri, trialId, plan, stopped: false, ended: new Promise((resolve) => (resolveEnded = resolve)) };
    this.runs.set(k, run);
    const result = this.queue.enqueue(
      {
        group: uri,
        id: String(trialId),
        start: async () => {
          const event = await this.execute(run, spec).catch((error: unknown): RunEvent => {
            const reason = error instanceof Error ? error.message : String(error);
            this.log.error(`Trial ${trialId} of ${vscode.Uri.parse(uri).fsPath}: ${reason}`);
            return { uri, trialId, state: 'ended', reason };
          });
          this.runs.delete(k);
          resolveEnded(event);
          this.emitter.fire(event);
        },
      },
      plan.parallel,
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
    await run.ended;
    return true;
  }

  private say(run: ActiveRun, text: string): void {
    this.output.appendLine(`[${vscode.workspace.asRelativePath(vscode.Uri.parse(run.uri))} #${run.trialId}] ${text}`);
  }

  private async execute(run: ActiveRun, spec: ReturnType<typeof spawnSpec>): Promise<RunEvent> {
    const { uri, trialId, plan } = run;
    if (run.stopped) return { uri, trialId, state: 'ended', reason: 'Stopped before it started.' };
    const started = new Date().toISOString();
    await this.editor.updateTrial({ uri, trialId, status: 'running', started });
    this.emitter.fire({ uri, trialId, state: 'running' });
    mkdirSync(dirname(plan.logPath), { recursive: true });
    const capture: WriteStream | undefined = plan.commandWritesLog ? undefined : createWriteStream(plan.logPath, { flags: 'w' });
    this.say(run, `$ ${displayCommand(plan.command)}   (in ${plan.cwd})`);
    this.say(run, plan.commandWritesLog ? `the command writes its log to ${plan.logPath}` : `output captured to ${plan.logPath}`);
    this.log.info(`Trial ${trialId}: starting ${displayCommand(plan.command)} in ${plan.cwd}`);

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
      // A failure's reason ends with the command's last output lines (what it printed before exiting).
      const tail = new OutputTail();
      const pipe = (stream: NodeJS.ReadableStream | null) => {
        let partial = '';
        stream?.on('data', (chunk: Buffer) => {
          capture?.write(chunk);
          tail.add(chunk);
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
        settle(how && !run.stopped ? failureReason(how, tail.lastLines()) : how);
      });
    });
    if (capture) await new Promise<void>((resolve) => capture.end(resolve));

    const finished = new Date().toISOString();
    const status: TrialStatus = outcome.reason ? 'failed' : 'completed';
    const written = await this.editor.updateTrial({ uri, trialId, status, finished, ...(outcome.reason ? { reason: outcome.reason } : {}) });
    const reason = outcome.reason ?? (written.status !== 'completed' ? `recorded as ${written.status} from its log` : undefined);
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

  dispose(): void {
    for (const run of this.runs.values()) {
      run.stopped = true;
      if (run.child) void killTree(run.child, 0);
    }
    this.emitter.dispose();
    this.output.dispose();
  }
}
