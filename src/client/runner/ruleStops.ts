// run.stopping for runs this window does not run. The server orders a stop for every running trial whose log is worse
// than the median (server/service/stopping.ts); the window that started the run stops it (trialRunner.stopByRule), and
// so does `hyperbo tune` for its own runs. A run recorded in the file with a pid by another runner is:
// - left to its runner while that runner lives (the process's parent is alive): it applies the same rule to its runs.
//   Signalling its process from here would have it record a failure ("killed by SIGTERM") over the stop, two sessions
//   writing one trial. Said once in the HyperBO log.
// - offered for stopping once its runner is gone (the process was re-parented to init: a tune or window that was
//   killed), as nobody else will stop it: a notification names the trial, the rule's reason and the pid, with Stop.
//   Never without asking: the pid comes from the file (a file could name any long-running process), as with Stop
//   Stray Runs. Stop stops the process group and records the trial as stopped with the step, value and reason.
// Slurm jobs recorded in the file are re-attached by the runner, which then owns them (trialRunner.reattach).
// Trusted workspaces only.
import * as vscode from 'vscode';
import { stopGroup, trialProcessAlive } from '../../files/trialProcesses';
import type { ExperimentSummary, TrialDTO } from '../../shared/dto';
import { TrialHistoryRequest } from '../../shared/protocol';
import type { Config } from '../config';
import { messageOf } from '../errors';
import type { ExperimentEditor } from '../experimentEditor';
import type { ServerConnection } from '../languageClient';
import { runnerGone } from './strays';
import type { TrialRunner } from './trialRunner';

type StopOrder = NonNullable<TrialDTO['stop']>;

/** What the window made of a stop order for a run it does not run. */
export interface ForeignStop {
  uri: string;
  trialId: number;
  pid: number;
  order: StopOrder;
  /** `runner`: its runner lives and stops it; `offered`: its runner is gone, Stop was offered; `stopped`: stopped here. */
  state: 'runner' | 'offered' | 'stopped';
}

export class ForeignRuleStops implements vscode.Disposable {
  private readonly seen = new Map<string, ForeignStop>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly server: ServerConnection,
    private readonly editor: ExperimentEditor,
    private readonly runner: TrialRunner,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      server.onTrialUpdated(({ uri, trial }) => {
        if (trial.stop) void this.consider(uri, trial);
      }),
      // Orders already given when the window opened (the server reports changes, not the state it starts with).
      server.onExperimentsChanged((summaries: ExperimentSummary[]) => {
        for (const s of summaries) if (s.trials.running > 0) void this.scan(s.uri);
      }),
    );
  }

  /** The decisions so far (for tests and the log). */
  decisions(uri?: string): ForeignStop[] {
    return [...this.seen.values()].filter((d) => uri === undefined || d.uri === uri);
  }

  private async scan(uri: string): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    try {
      const history = await this.server.request(TrialHistoryRequest.type, { uri });
      for (const t of history.trials) if (t.stop) await this.consider(uri, t);
    } catch (error) {
      this.log.warn(`run.stopping: reading the trials of ${vscode.Uri.parse(uri).fsPath}: ${messageOf(error)}`);
    }
  }

  private async consider(uri: string, trial: TrialDTO): Promise<void> {
    const order = trial.stop;
    if (!vscode.workspace.isTrusted || !order || trial.status !== 'running' || trial.pid === undefined) return;
    // This window's runs (the runner stops them) and re-attached Slurm jobs (the runner owns them).
    if (this.runner.state(uri, trial.id) !== undefined || trial.job !== undefined) return;
    const key = `${uri}#${trial.id}#${trial.pid}`;
    const known = this.seen.get(key);
    if (known && known.state !== 'runner') return;
    // A process that has ended is Stop Stray Runs' business (its log decides the trial).
    if (!trialProcessAlive(trial.pid, trial.started)) return;
    const where = `${vscode.workspace.asRelativePath(vscode.Uri.parse(uri))} trial ${trial.id}`;
    if (!runnerGone(trial.pid)) {
      if (!known) {
        this.seen.set(key, { uri, trialId: trial.id, pid: trial.pid, order, state: 'runner' });
        this.log.info(`run.stopping: ${where} (pid ${trial.pid}) is to be stopped (${order.reason}); another HyperBO session runs it and stops it by the same rule.`);
      }
      return;
    }
    const decision: ForeignStop = { uri, trialId: trial.id, pid: trial.pid, order, state: 'offered' };
    this.seen.set(key, decision);
    this.log.info(`run.stopping: ${where} (pid ${trial.pid}) is to be stopped (${order.reason}), and the session that ran it is gone; offering to stop it.`);
    const choice = await vscode.window.showWarningMessage(
      `HyperBO: ${where} is worse than the completed trials (run.stopping: ${order.reason.replace(/^stopped /, '')}), but no HyperBO session runs it any more (pid ${trial.pid} was left running). Stop it and record it as stopped?`,
      'Stop',
      'Open Log',
    );
    if (choice === 'Open Log') void vscode.commands.executeCommand('hyperbo.openTrialLog', uri, trial.id);
    if (choice === 'Stop') await this.stop(uri, trial.id).catch((error: unknown) => void vscode.window.showErrorMessage(`HyperBO: stopping ${where}: ${messageOf(error)}`));
  }

  /**
   * Stops a run the rule ordered stopped whose runner is gone (the notification's Stop): its process group is stopped
   * and the trial recorded as stopped. False when there is nothing to stop (the trial ended, or its run changed).
   */
  async stop(uri: string, trialId: number): Promise<boolean> {
    if (!vscode.workspace.isTrusted) return false;
    // The file as it is now: the run may have ended or been restarted since the offer.
    const history = await this.server.request(TrialHistoryRequest.type, { uri });
    const trial = history.trials.find((t) => t.id === trialId);
    const decision = trial?.pid !== undefined ? this.seen.get(`${uri}#${trialId}#${trial.pid}`) : undefined;
    if (!trial || trial.status !== 'running' || trial.pid === undefined || !trial.stop || !decision || decision.state === 'runner') return false;
    if (!trialProcessAlive(trial.pid, trial.started) || !runnerGone(trial.pid)) return false;
    const order = trial.stop;
    await stopGroup(trial.pid, this.config.killGraceMs());
    await this.editor.updateTrial({ uri, trialId, status: 'stopped', finished: new Date().toISOString(), pid: null, step: order.step, value: order.value, reason: order.reason });
    decision.state = 'stopped';
    this.log.info(`run.stopping: stopped ${vscode.workspace.asRelativePath(vscode.Uri.parse(uri))} trial ${trialId} (pid ${trial.pid}) and recorded it as stopped: ${order.reason}`);
    return true;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
