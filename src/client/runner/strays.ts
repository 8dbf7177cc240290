// Stray runs: trials the file says are running, with the pid their runner recorded (the editor's runner and
// `hyperbo tune` both record it), that no run of this window follows. "HyperBO: Stop Stray Runs" does what
// `hyperbo tune --stop-stray` does, through the same code (src/files/trialProcesses.ts): a live run's process
// group is stopped and the trial recorded as failed (as stopped, with the step and reason, when run.stopping had
// ordered it stopped); a trial whose process has ended is recorded from its log
// (the language server reads it: completed with its value, diverged, or failed with the reason).
// A running trial with no pid whose `hyperbo tune` (its `runner`) is dead was left by a tune killed before it wrote
// the command's pid: settled as tune settles it (the log decides, else failed naming that tune); a live runner's is left.
// The window offers the command when it sees a running trial whose process (or pid-less trial's tune) has ended, or
// whose runner is gone (the process was re-parented to init). Only in a trusted workspace: the pids come from the file.
import * as vscode from 'vscode';
import { parentPidOf, processCommandLine } from '../../files/processInfo';
import { reconcileRunning, runnerDiedBeforePid, trialProcessAlive, type RunningTrial } from '../../files/trialProcesses';
import type { ExperimentSummary, TrialDTO } from '../../shared/dto';
import { ListExperimentsRequest, TrialHistoryRequest } from '../../shared/protocol';
import type { Config } from '../config';
import { messageOf } from '../errors';
import type { ExperimentEditor } from '../experimentEditor';
import type { ServerConnection } from '../languageClient';
import type { TrialRunner } from './trialRunner';
import { untrustedError } from './trialRunner';

export interface StrayRun {
  uri: string;
  /** pid undefined: a trial whose tune (`runner`, dead) was killed before it wrote the command's pid. */
  trial: TrialDTO;
  /** Its process is still running (else it has ended and the log decides). */
  alive: boolean;
}

export interface StopStrayArgs {
  /** Only this experiment (default: every experiment with running trials). */
  uri?: string;
  /** Skip the confirmation (tests, and the notification's button after it listed the runs). */
  confirmed?: boolean;
}

export interface StopStrayResult {
  /** status: failed, or stopped when run.stopping had ordered the run stopped. */
  stopped: { uri: string; trialId: number; pid: number; status: 'failed' | 'stopped' }[];
  recorded: { uri: string; trialId: number; status: string }[];
}

const BY = 'HyperBO: Stop Stray Runs';

/** Whether the run's runner is gone: its process was re-parented to init (Linux; elsewhere this cannot be told: false). */
export function runnerGone(pid: number): boolean {
  return parentPidOf(pid) === 1;
}

export class StrayRuns implements vscode.Disposable {
  private readonly offered = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private checking = false;

  constructor(
    private readonly server: ServerConnection,
    private readonly editor: ExperimentEditor,
    private readonly runner: TrialRunner,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      server.onExperimentsChanged((summaries: ExperimentSummary[]) => {
        if (summaries.some((s) => s.trials.running > 0)) void this.offer(summaries.filter((s) => s.trials.running > 0).map((s) => s.uri));
      }),
    );
  }

  /**
   * The running trials of these experiments (default: all) that no run of this window follows and that record a pid,
   * or record none and a dead tune as their runner.
   */
  async find(uris?: string[]): Promise<StrayRun[]> {
    const targets = uris ?? (await this.server.request0(ListExperimentsRequest.type)).filter((e) => e.trials.running > 0).map((e) => e.uri);
    const out: StrayRun[] = [];
    for (const uri of targets) {
      const history = await this.server.request(TrialHistoryRequest.type, { uri });
      for (const t of history.trials) {
        if (t.status !== 'running' || this.runner.state(uri, t.id) !== undefined) continue;
        if (t.pid !== undefined) out.push({ uri, trial: t, alive: trialProcessAlive(t.pid, t.started) });
        else if (runnerDiedBeforePid(t)) out.push({ uri, trial: t, alive: false });
      }
    }
    return out;
  }

  /** Stops the stray runs (after a confirmation listing them) and records every stray trial; see the file's header. */
  async stop(args: StopStrayArgs = {}): Promise<StopStrayResult | undefined> {
    if (!vscode.workspace.isTrusted) throw untrustedError();
    const strays = await this.find(args.uri ? [args.uri] : undefined);
    if (strays.length === 0) {
      void vscode.window.showInformationMessage('HyperBO: no stray runs — every running trial with a recorded process is followed by this window (or records no pid).');
      return { stopped: [], recorded: [] };
    }
    if (!args.confirmed) {
      const lines = strays.map(
        (s) =>
          `${this.where(s)}: ${
            s.trial.pid === undefined
              ? `its hyperbo tune (pid ${s.trial.runner}) was killed before recording its process: record it from its log, else as failed`
              : s.alive
                ? `stop pid ${s.trial.pid} (${processCommandLine(s.trial.pid)?.slice(0, 120) ?? 'its process group'})`
                : 'its process has ended: record it from its log'
          }`,
      );
      const choice = await vscode.window.showWarningMessage('HyperBO: Stop Stray Runs', { modal: true, detail: lines.join('\n') }, 'Stop and Record');
      if (choice !== 'Stop and Record') return undefined;
    }
    const result: StopStrayResult = { stopped: [], recorded: [] };
    for (const uri of new Set(strays.map((s) => s.uri))) {
      const mine = strays.filter((s) => s.uri === uri);
      const running: RunningTrial[] = mine.map((s) => ({
        id: s.trial.id,
        ...(s.trial.pid !== undefined ? { pid: s.trial.pid } : { runner: s.trial.runner }),
        ...(s.trial.started ? { started: s.trial.started } : {}),
      }));
      const settled = await reconcileRunning(running, undefined, { stop: true, graceMs: this.config.killGraceMs(), by: BY });
      const finished = new Date().toISOString();
      for (const r of settled) {
        try {
          if (r.action === 'stopped') {
            // A run run.stopping had ordered stopped is recorded as the rule would have (ruleStops.ts), else as failed.
            const order = mine.find((s) => s.trial.id === r.id)?.trial.stop;
            await this.editor.updateTrial(
              order
                ? { uri, trialId: r.id, status: 'stopped', step: order.step, value: order.value, reason: order.reason, finished, pid: null }
                : { uri, trialId: r.id, status: 'failed', reason: r.reason, finished, pid: null },
            );
            result.stopped.push({ uri, trialId: r.id, pid: r.pid, status: order ? 'stopped' : 'failed' });
            this.log.info(`${vscode.Uri.parse(uri).fsPath}: trial ${r.id}: ${r.reason}`);
          } else if (r.action === 'ended' || r.action === 'recorded' || r.action === 'failed') {
            // The log decides (the server reads it): completed with its value, diverged, or failed with the reason.
            const written = await this.editor.updateTrial({ uri, trialId: r.id, status: 'completed', finished, pid: null });
            result.recorded.push({ uri, trialId: r.id, status: written.status });
            this.log.info(`${vscode.Uri.parse(uri).fsPath}: trial ${r.id}'s process had ended with no runner watching; recorded as ${written.status} from its log.`);
          } else if (r.action === 'runner-gone') {
            // As tune settles it: the log decides; a failure's reason names the killed tune (the server words it).
            const written = await this.editor.updateTrial({ uri, trialId: r.id, status: 'completed', finished, pid: null, runnerGone: r.runner });
            result.recorded.push({ uri, trialId: r.id, status: written.status });
            this.log.info(`${vscode.Uri.parse(uri).fsPath}: trial ${r.id}'s hyperbo tune (pid ${r.runner}) was killed before recording its process; recorded as ${written.status}.`);
          }
        } catch (error) {
          this.log.warn(`${vscode.Uri.parse(uri).fsPath}: trial ${r.id}: could not record it: ${messageOf(error)}`);
          throw error;
        }
      }
    }
    const parts = [
      result.stopped.length ? `stopped ${result.stopped.length} stray run(s) and recorded them as ${result.stopped.some((s) => s.status === 'stopped') ? 'failed, or stopped where run.stopping had ordered it' : 'failed'}` : '',
      result.recorded.length ? `recorded ${result.recorded.length} trial(s) whose process had ended from their logs` : '',
    ].filter(Boolean);
    void vscode.window.showInformationMessage(`HyperBO: ${parts.join('; ')}.`);
    return result;
  }

  private where(s: StrayRun): string {
    return `${vscode.workspace.asRelativePath(vscode.Uri.parse(s.uri))} trial ${s.trial.id}`;
  }

  /**
   * Offers Stop Stray Runs once per stray: a trial whose process has ended (after a second look, so a runner about
   * to record it is not raced), or a live one whose runner is gone (re-parented to init). A live run of another
   * window or a running `hyperbo tune` is not offered (the palette command still stops it, after confirmation).
   */
  private async offer(uris: string[]): Promise<void> {
    if (!vscode.workspace.isTrusted || this.checking) return;
    this.checking = true;
    try {
      // A live orphan that run.stopping ordered stopped gets that offer instead (ruleStops.ts: recorded as stopped).
      const orphaned = (s: StrayRun) => !s.alive || (s.trial.pid !== undefined && runnerGone(s.trial.pid) && !s.trial.stop);
      const key = (s: StrayRun) => `${s.uri}#${s.trial.id}#${s.trial.pid ?? `runner ${s.trial.runner}`}`;
      let strays = (await this.find(uris)).filter(orphaned);
      if (strays.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const again = await this.find([...new Set(strays.map((s) => s.uri))]);
      strays = again.filter((s) => orphaned(s) && strays.some((o) => key(o) === key(s)));
      const fresh = strays.filter((s) => !this.offered.has(key(s)));
      if (fresh.length === 0) return;
      for (const s of fresh) this.offered.add(key(s));
      const names = fresh
        .map((s) => `${this.where(s)} (${s.trial.pid === undefined ? `no pid, its hyperbo tune ${s.trial.runner} killed` : `pid ${s.trial.pid}${s.alive ? ', still running' : ', ended'}`})`)
        .join(', ');
      const choice = await vscode.window.showWarningMessage(
        `HyperBO: ${fresh.length === 1 ? 'a trial is' : `${fresh.length} trials are`} marked running but no HyperBO session follows ${fresh.length === 1 ? 'it' : 'them'} (its runner was killed): ${names}.`,
        'Stop Stray Runs',
      );
      if (choice === 'Stop Stray Runs') await vscode.commands.executeCommand('hyperbo.stopStrayRuns');
    } catch (error) {
      this.log.warn(`Looking for stray runs: ${messageOf(error)}`);
    } finally {
      this.checking = false;
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
