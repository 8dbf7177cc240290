// Tune: the editor's `hyperbo tune` — suggest → apply → run → record, N times, within the file's budget, at most
// run.parallel trials at once, with a cancellable progress notification. Each suggestion is computed after the results
// before it are in the file (trials still running count as pending), so nothing is queued ahead on stale information.
import * as vscode from 'vscode';
import type { ExperimentSummary } from '../../shared/dto';
import { formatNumber, formatParams } from '../../shared/numbers';
import { ListExperimentsRequest } from '../../shared/protocol';
import { budgetLeft, budgetUsedUp, defaultSessionTrials } from '../../session/budget';
import { MAX_CONSECUTIVE_FAILURES, RUN_COMMAND_EXAMPLE } from '../../session/failure';
import type { Ctx } from '../ctx';
import { isCancellation, UserFacingError } from '../errors';
import type { RunEvent } from '../runner/trialRunner';
import { untrustedError } from '../runner/trialRunner';

export interface TuneResult {
  /** Trials this session added and started, in order. */
  trials: number[];
  completed: number;
  /** Failed or diverged (a run that could not start counts as failed). */
  failed: number;
  /** Stopped early by run.stopping (recorded with their value at the step they reached). */
  stopped: number;
  /** Trials of this session still running when it ended (it was cancelled): they are recorded when they end. */
  stillRunning: number[];
  cancelled: boolean;
  /** Set when MAX_CONSECUTIVE_FAILURES trials failed in a row: the last one's reason. */
  stoppedBy?: string;
  /** The experiment's best trial afterwards (any session's). */
  best?: ExperimentSummary['best'];
}

interface Progress {
  report(value: { message?: string; increment?: number }): void;
}

async function summaryOf(ctx: Ctx, uri: string): Promise<ExperimentSummary> {
  const summary = (await ctx.server.request0(ListExperimentsRequest.type)).find((e) => e.uri === uri);
  if (!summary) throw new UserFacingError(`${vscode.workspace.asRelativePath(vscode.Uri.parse(uri))} is not an experiment the server knows.`);
  return summary;
}

const openFile = (uri: string) => ({ title: 'Open File', run: () => vscode.window.showTextDocument(vscode.Uri.parse(uri)) });

/** How many trials the budget leaves; throws when the file cannot be tuned (errors, no run.command, budget used up). */
export function tunableTrials(summary: ExperimentSummary): number | undefined {
  const file = vscode.workspace.asRelativePath(vscode.Uri.parse(summary.uri));
  if (summary.errors) throw new UserFacingError(`${file} has ${summary.errors} error(s); fix them (see Problems) before tuning.`, [openFile(summary.uri)]);
  if (summary.parallel === undefined) {
    throw new UserFacingError(`${file} has no run.command, so trials cannot be launched; add one, e.g. ${RUN_COMMAND_EXAMPLE}.`, [openFile(summary.uri)]);
  }
  const left = budgetLeft(summary.budget, summary.trials.total);
  if (left !== undefined && left <= 0) throw new UserFacingError(budgetUsedUp(summary.budget!, summary.trials.total, file), [openFile(summary.uri)]);
  return left;
}

/** Asks how many trials to run (at most the budget's remainder); undefined when the user dismisses the box. */
async function askTrials(summary: ExperimentSummary, left: number | undefined): Promise<number | undefined> {
  const answer = await vscode.window.showInputBox({
    title: `HyperBO: Tune ${summary.name}`,
    prompt:
      left === undefined
        ? 'How many trials to run? Each is suggested, run and recorded in the file before the next.'
        : `How many trials to run? ${left} left in the budget of ${summary.budget}.`,
    value: String(defaultSessionTrials(left)),
    validateInput: (text) => {
      const n = Number(text.trim());
      if (!/^\d+$/.test(text.trim()) || n < 1) return 'A whole number of trials, at least 1.';
      if (left !== undefined && n > left) return `At most ${left}: the budget of ${summary.budget} has ${left} trial(s) left (raise budget: in the file to run more).`;
      return undefined;
    },
  });
  return answer === undefined ? undefined : Number(answer.trim());
}

/**
 * Runs up to `count` new trials of the experiment (fewer if the budget has fewer left). Cancelling stops launching
 * new trials; the ones running go on and are recorded when they end.
 */
export async function tuneSession(ctx: Ctx, uri: string, count: number, progress: Progress, token: vscode.CancellationToken): Promise<TuneResult> {
  if (!vscode.workspace.isTrusted) throw untrustedError();
  // Read again, not taken from the caller: the question may have stayed open while trials were added elsewhere.
  const summary = await summaryOf(ctx, uri);
  const left = tunableTrials(summary);
  const total = Math.min(count, left ?? count);
  const slots = summary.parallel ?? 1;
  const result: TuneResult = { trials: [], completed: 0, failed: 0, stopped: 0, stillRunning: [], cancelled: false };
  const inFlight = new Map<number, Promise<RunEvent | undefined>>();
  let onCancel: vscode.Disposable | undefined;
  const cancelled = new Promise<'cancelled'>((resolve) => (onCancel = token.onCancellationRequested(() => resolve('cancelled'))));
  try {
    await launchAndFollow();
  } finally {
    onCancel?.dispose();
  }
  result.cancelled = token.isCancellationRequested;
  result.stillRunning = [...inFlight.keys()];
  result.best = (await summaryOf(ctx, uri)).best;
  return result;

  async function launchAndFollow(): Promise<void> {
    let failedInRow = 0;
    let best = summary.best;
    const say = (what: string) => {
      const bestText = best ? ` · best ${summary.metric} ${formatNumber(best.value)} (trial ${best.trialId})` : '';
      progress.report({ message: `${what} · ${result.trials.length - inFlight.size} of ${total} done${bestText}` });
    };
    while (!token.isCancellationRequested && result.stoppedBy === undefined) {
      while (inFlight.size < slots && result.trials.length < total && !token.isCancellationRequested) {
        say(`suggesting trial ${result.trials.length + 1} of ${total}`);
        let applied;
        try {
          applied = await ctx.editor.applySuggestion(uri, 0, 1, token);
        } catch (error) {
          if (token.isCancellationRequested && isCancellation(error)) break;
          throw error;
        }
        const { trialId, params } = applied;
        result.trials.push(trialId);
        await ctx.runner.run(uri, trialId);
        inFlight.set(trialId, ctx.runner.whenEnded(uri, trialId));
        say(`running trial ${trialId} (${formatParams(params)})`);
      }
      if (inFlight.size === 0) break;
      const ended = await Promise.race([cancelled, ...[...inFlight].map(([id, end]) => end.then((event) => ({ id, event })))]);
      if (ended === 'cancelled') break;
      inFlight.delete(ended.id);
      const status = ended.event?.status;
      if (status === 'completed') result.completed++;
      else if (status === 'stopped') result.stopped++;
      else result.failed++;
      failedInRow = status === 'failed' || status === undefined ? failedInRow + 1 : 0;
      // Only when more trials were to come: a session whose last trials failed just ends.
      if (failedInRow >= MAX_CONSECUTIVE_FAILURES && result.trials.length < total) result.stoppedBy = ended.event?.reason ?? 'the run did not start';
      best = (await summaryOf(ctx, uri)).best;
      say(`trial ${ended.id} ${status ?? 'ended'}${ended.event?.value !== undefined ? ` (${formatNumber(ended.event.value)})` : ''}`);
    }
  }
}

/** Experiments this window is tuning: a second Tune of the same one would race the first for the budget. */
const tuning = new Set<string>();

/** The command: target and count from the arguments (tests, the tree) or asked, then the session under a progress notification. */
export async function tune(ctx: Ctx, uri: string, trials: number | undefined): Promise<TuneResult | undefined> {
  if (!vscode.workspace.isTrusted) throw untrustedError();
  const summary = await summaryOf(ctx, uri);
  if (tuning.has(uri)) throw new UserFacingError(`${summary.name} is already being tuned in this window; cancel that session from its notification first.`);
  const left = tunableTrials(summary);
  const count = trials ?? (await askTrials(summary, left));
  if (count === undefined) return undefined;
  if (!Number.isInteger(count) || count < 1) throw new UserFacingError(`Tune needs a whole number of trials, at least 1, not ${count}.`);
  tuning.add(uri);
  let result: TuneResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `HyperBO: tuning ${summary.name}`, cancellable: true },
      (progress, token) => tuneSession(ctx, uri, count, progress, token),
    );
  } finally {
    tuning.delete(uri);
  }
  void report(ctx, uri, summary, result, left !== undefined && count > left ? left : undefined);
  return result;
}

async function report(ctx: Ctx, uri: string, summary: ExperimentSummary, result: TuneResult, clampedTo: number | undefined): Promise<void> {
  const outcomes = [
    `${result.completed} completed`,
    ...(result.stopped > 0 ? [`${result.stopped} stopped early by run.stopping`] : []),
    ...(result.failed > 0 ? [`${result.failed} failed or diverged`] : []),
  ];
  const parts = [`${result.trials.length} trial(s) run (${outcomes.join(', ')})`];
  if (clampedTo !== undefined) parts.push(`the budget of ${summary.budget} had ${clampedTo} left`);
  if (result.best) parts.push(`best ${summary.metric} ${formatNumber(result.best.value)} (trial ${result.best.trialId})`);
  const actions: { title: string; run: () => unknown }[] = [{ title: 'Show History', run: () => ctx.panels.show('history', uri) }];
  if (result.stillRunning.length > 0) {
    parts.push(`trial(s) ${result.stillRunning.join(', ')} still running, recorded when they end`);
    actions.unshift({ title: 'Stop Them', run: () => Promise.all(result.stillRunning.map((id) => ctx.runner.stop(uri, id))) });
  }
  const message = `HyperBO: tuning ${summary.name} ${result.stoppedBy ? 'stopped' : result.cancelled ? 'cancelled' : 'done'} — ${parts.join('; ')}.`;
  const choice = result.stoppedBy
    ? await vscode.window.showWarningMessage(
        `${message} ${MAX_CONSECUTIVE_FAILURES} trials failed in a row, so the command is likely broken: ${result.stoppedBy}`,
        'Open Trial Log',
        ...actions.map((a) => a.title),
      )
    : await vscode.window.showInformationMessage(message, ...actions.map((a) => a.title));
  if (choice === 'Open Trial Log') await vscode.commands.executeCommand('hyperbo.openTrialLog', uri, result.trials.at(-1));
  else await actions.find((a) => a.title === choice)?.run();
}
