// Suggest, Apply, Apply & Run, Pre-train.
import * as vscode from 'vscode';
import { announceRun } from '../runner/announce';
import { revealTrialInVisibleEditors } from './trials';
import { WorkDoneProgress, type WorkDoneProgressBegin, type WorkDoneProgressEnd, type WorkDoneProgressReport } from 'vscode-languageclient';
import { PretrainRequest, SuggestRequest } from '../../shared/protocol';
import type { SuggestResult } from '../../shared/dto';
import type { Ctx } from '../ctx';
import { UserFacingError } from '../errors';
import { untrustedError } from '../runner/trialRunner';
import { resolveExperiment } from '../targets';
import { formatMeanSd, formatNumber, formatParams } from '../../shared/numbers';
import { suggestionCount as panelSuggestionCount } from '../panels';

async function suggestWithProgress(ctx: Ctx, uri: string, count: number): Promise<SuggestResult> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'HyperBO: computing the next configuration…', cancellable: true },
    (_progress, token) => ctx.server.request(SuggestRequest.type, { uri, count }, token),
  );
}

/**
 * Appends suggestion #index as a pending trial and, with `run`, starts it. `count` is how many suggestions
 * the caller was shown (the code lens asks for the configured count, the Suggestions panel for its own),
 * so the same cached batch answers and #index is the configuration the user saw.
 */
export async function applySuggestion(ctx: Ctx, uri: string, index: number, run: boolean, count: number): Promise<number> {
  if (run && !vscode.workspace.isTrusted) {
    const error = untrustedError();
    error.actions.unshift({ title: 'Apply Only', run: () => applySuggestion(ctx, uri, index, false, count) });
    throw error;
  }
  if (!Number.isInteger(index) || index < 0) throw new UserFacingError(`There is no suggestion #${index}.`);
  // The server picks suggestion #index from the batch the user saw and computes the edit; the editor applies it.
  const { trialId, params } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'HyperBO: computing the next configuration…', cancellable: true },
    (_progress, token) => ctx.editor.applySuggestion(uri, index, Math.max(count, index + 1), token),
  );
  vscode.window.setStatusBarMessage(`HyperBO: added trial ${trialId} (${formatParams(params)})`, 5000);
  // The trial goes at the end of the file, often below what the user sees: show it.
  await revealTrialInVisibleEditors(ctx, uri, trialId);
  if (run) {
    const state = await ctx.runner.run(uri, trialId);
    announceRun((text) => vscode.window.setStatusBarMessage(text, 5000), trialId, state, ctx.runner.whenEnded(uri, trialId));
  }
  return trialId;
}

/** Arguments from a code lens are (uri, index); from the palette none; from the tree a node. */
function indexArgument(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

export function suggestionCommands(ctx: Ctx): Record<string, (...args: unknown[]) => unknown> {
  const lensCount = (uri: string) => ctx.config.suggestionCount(vscode.Uri.parse(uri));
  return {
    'hyperbo.suggest': async (arg) => {
      const uri = await resolveExperiment(ctx, arg, 'Suggest Next Configuration');
      if (!uri) return undefined;
      const result = await suggestWithProgress(ctx, uri, lensCount(uri));
      const s = result.suggestions[0];
      if (!s) throw new UserFacingError(`No suggestion for ${result.experiment}.`);
      const basis = result.model === 'pretrained' ? 'pre-trained prior' : 'GP fitted to this experiment';
      const choice = await vscode.window.showInformationMessage(
        `HyperBO — next for ${result.experiment}: ${formatParams(s.params)}; predicted ${result.metric} ${formatMeanSd(s.predictedMean, s.predictedSd)} (${basis}, ${result.acquisition}).`,
        'Apply',
        'Apply & Run',
        'Details',
      );
      if (choice === 'Apply') await applySuggestion(ctx, uri, 0, false, lensCount(uri));
      else if (choice === 'Apply & Run') await applySuggestion(ctx, uri, 0, true, lensCount(uri));
      else if (choice === 'Details') await ctx.panels.show('suggestions', uri);
      return result;
    },
    'hyperbo.applySuggestion': async (arg, index) => {
      const uri = await resolveExperiment(ctx, arg, 'Apply Suggestion');
      return uri && applySuggestion(ctx, uri, indexArgument(index), false, lensCount(uri));
    },
    'hyperbo.applyAndRun': async (arg, index) => {
      const uri = await resolveExperiment(ctx, arg, 'Apply and Run');
      return uri && applySuggestion(ctx, uri, indexArgument(index), true, lensCount(uri));
    },
    'hyperbo.pretrain': async (arg, force) => {
      const uri = await resolveExperiment(ctx, arg, 'Pre-train Prior');
      if (!uri) return undefined;
      const name = vscode.workspace.asRelativePath(vscode.Uri.parse(uri));
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `HyperBO: pre-training the prior for ${name}`, cancellable: true },
        async (progress, token) => {
          const client = await ctx.server.start();
          const workDoneToken = `hyperbo-pretrain-${Date.now()}-${Math.random().toString(36).slice(2)}`;
          let reported = 0;
          const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
            if (value.kind === 'end') return;
            const percentage = value.percentage ?? reported;
            progress.report({ increment: Math.max(0, percentage - reported), ...(value.message ? { message: value.message } : {}) });
            reported = Math.max(reported, percentage);
          });
          try {
            return await ctx.server.request(PretrainRequest.type, { uri, workDoneToken, ...(force === true ? { force: true } : {}) }, token);
          } finally {
            listener.dispose();
          }
        },
      );
      const loss = result.finalLoss !== undefined ? `, final loss ${formatNumber(result.finalLoss)}` : '';
      const message =
        result.model === 'pretrained'
          ? `HyperBO: prior ready for ${name} — learned from ${result.tasks.length} task(s) (${result.objective ?? 'nll'})${loss}.`
          : `HyperBO: ${name} has no related data (prior.from), so suggestions use a GP fitted to its own trials.`;
      void vscode.window.showInformationMessage(message, 'Show Provenance').then((c) => c && ctx.panels.show('provenance', uri));
      return result;
    },
  };
}

export { panelSuggestionCount };
