// Run Trial, Stop Trial, Open Trial Log, Reveal Trial in File.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { announceRun } from '../runner/announce';
import { RunPlanRequest, TrialLocationRequest } from '../../shared/protocol';
import type { Ctx } from '../ctx';
import { UserFacingError } from '../errors';
import { untrustedError } from '../runner/trialRunner';
import { resolveTrial, type TrialTarget } from '../targets';

/** Absolute path of a trial's log: its own `log` (relative to the file) or the run plan's. */
async function logPathOf(ctx: Ctx, target: TrialTarget): Promise<string> {
  const file = vscode.Uri.parse(target.uri).fsPath;
  if (target.trial.log) return path.resolve(path.dirname(file), target.trial.log);
  const plan = await ctx.server.request(RunPlanRequest.type, { uri: target.uri, trialId: target.trial.id });
  return plan.logPath;
}

/** Where a trial's entry is in its file; the server says (the client never reads the YAML). */
async function trialRange(ctx: Ctx, uri: string, trialId: number): Promise<vscode.Range | undefined> {
  const location = await ctx.server.request(TrialLocationRequest.type, { uri, trialId });
  if (!location) return undefined;
  const { start, end } = location.range;
  return new vscode.Range(start.line, start.character, end.line, end.character);
}

/** Shows a trial's entry in its file, the cursor at its start. */
export async function revealTrial(ctx: Ctx, uri: string, trialId: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  const found = await trialRange(ctx, uri, trialId);
  if (!found) throw new UserFacingError(`Trial ${trialId} is not in ${vscode.workspace.asRelativePath(document.uri)} (it may have been removed).`);
  const range = new vscode.Range(found.start, found.start);
  await vscode.window.showTextDocument(document, { selection: range, preview: false });
  vscode.window.activeTextEditor?.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** Scrolls every visible editor of the file to the trial, leaving the cursor and focus where they are. */
export async function revealTrialInVisibleEditors(ctx: Ctx, uri: string, trialId: number): Promise<void> {
  const editors = vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === uri);
  if (editors.length === 0) return;
  const range = await trialRange(ctx, uri, trialId);
  if (!range) return;
  for (const editor of editors) editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

export async function openTrialLog(ctx: Ctx, uri: string, trialId: number): Promise<void> {
  const target = await resolveTrial(ctx, uri, trialId, 'Open Trial Log');
  if (target) await openLogOf(ctx, target);
}

async function openLogOf(ctx: Ctx, target: TrialTarget): Promise<void> {
  const logPath = await logPathOf(ctx, target);
  if (!existsSync(logPath)) {
    throw new UserFacingError(`Trial ${target.trial.id} has no log yet: ${logPath} does not exist (it appears when the run writes it).`);
  }
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(logPath));
  await vscode.window.showTextDocument(document, { preview: false });
}

export function trialCommands(ctx: Ctx): Record<string, (...args: unknown[]) => unknown> {
  return {
    'hyperbo.runTrial': async (arg, trialId) => {
      if (!vscode.workspace.isTrusted) throw untrustedError();
      const target = await resolveTrial(ctx, arg, trialId, 'Run Trial', ['pending', 'failed', 'diverged', 'stopped']);
      if (!target) return undefined;
      const state = await ctx.runner.run(target.uri, target.trial.id);
      announceRun((text) => vscode.window.setStatusBarMessage(text, 5000), target.trial.id, state, ctx.runner.whenEnded(target.uri, target.trial.id));
      return state;
    },
    'hyperbo.stopTrial': async (arg, trialId) => {
      const target = await resolveTrial(ctx, arg, trialId, 'Stop Trial', ['running']);
      if (!target) return undefined;
      const stopped = await ctx.runner.stop(target.uri, target.trial.id);
      if (stopped) return true;
      // The file says running, but no process of this window runs it (another window, the CLI, or a reload).
      const choice = await vscode.window.showWarningMessage(
        `HyperBO: trial ${target.trial.id} is not running in this window (it was started elsewhere or before a reload), so there is no process to stop here. Mark it failed?`,
        'Mark Failed',
      );
      if (choice === 'Mark Failed') {
        await ctx.editor.updateTrial({ uri: target.uri, trialId: target.trial.id, status: 'failed', finished: new Date().toISOString(), reason: 'marked failed by the user' });
      }
      return false;
    },
    'hyperbo.openTrialLog': async (arg, trialId) => {
      const target = await resolveTrial(ctx, arg, trialId, 'Open Trial Log');
      if (target) await openLogOf(ctx, target);
    },
    'hyperbo.revealTrial': async (arg, trialId) => {
      const target = await resolveTrial(ctx, arg, trialId, 'Reveal Trial in File');
      if (target) await revealTrial(ctx, target.uri, target.trial.id);
    },
  };
}
