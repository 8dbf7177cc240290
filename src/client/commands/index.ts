// The command table: every contributed command is registered once at activation. Handlers resolve their
// target (argument, active editor or a pick), start the server on demand, and report failures with one
// sentence and "Show Logs".
import * as vscode from 'vscode';
import type { PanelKind } from '../../shared/webviewProtocol';
import type { Ctx } from '../ctx';
import { reportError } from '../errors';
import type { TextEditDTO } from '../../shared/dto';
import { removeEmptyFlow, removeEmptyFlowCommand } from '../providers/inlineTrial';
import type { StopStrayArgs } from '../runner/strays';
import { resolveExperiment } from '../targets';
import { compareTrialWithBest, registerTrialDocuments, stepComparison } from './compareTrials';
import { importHistory } from './importHistory';
import { newExperiment, type NewExperimentArgs } from './newExperiment';
import { suggestionCommands } from './suggestions';
import { trialCommands } from './trials';
import { tune } from './tune';

const titles: Record<string, string> = {
  'hyperbo.newExperiment': 'New Experiment',
  'hyperbo.suggest': 'Suggest Next Configuration',
  'hyperbo.applySuggestion': 'Apply Suggestion',
  'hyperbo.applyAndRun': 'Apply and Run',
  'hyperbo.runTrial': 'Run Trial',
  'hyperbo.stopTrial': 'Stop Trial',
  'hyperbo.pretrain': 'Pre-train Prior',
  'hyperbo.showSuggestions': 'Show Suggestions',
  'hyperbo.showPosterior': 'Show Posterior',
  'hyperbo.showHistory': 'Show Trial History',
  'hyperbo.showProvenance': 'Show Prior Provenance',
  'hyperbo.openTrialLog': 'Open Trial Log',
  'hyperbo.revealTrial': 'Reveal Trial in File',
  'hyperbo.compareTrial': 'Compare Trial with Best',
  'hyperbo.compareNextTrial': 'Compare the Next Trial',
  'hyperbo.comparePreviousTrial': 'Compare the Previous Trial',
  'hyperbo.restartServer': 'Restart Server',
  'hyperbo.importHistory': 'Import Tuning History',
  'hyperbo.stopStrayRuns': 'Stop Stray Runs',
  'hyperbo.tune': 'Tune',
};

export function registerCommands(ctx: Ctx): void {
  registerTrialDocuments(ctx);
  const panel = (kind: PanelKind, purpose: string) => async (arg: unknown) => {
    const uri = await resolveExperiment(ctx, arg, purpose);
    if (uri) await ctx.panels.show(kind, uri);
  };
  const handlers: Record<string, (...args: unknown[]) => unknown> = {
    ...suggestionCommands(ctx),
    ...trialCommands(ctx),
    'hyperbo.newExperiment': (args) => newExperiment(ctx, typeof args === 'object' && args !== null && !(args instanceof vscode.Uri) ? (args as NewExperimentArgs) : undefined),
    'hyperbo.showSuggestions': panel('suggestions', 'Show Suggestions'),
    'hyperbo.showPosterior': panel('posterior', 'Show Posterior'),
    'hyperbo.showHistory': panel('history', 'Show Trial History'),
    'hyperbo.showProvenance': panel('provenance', 'Show Prior Provenance'),
    'hyperbo.importHistory': (arg) => importHistory(ctx, arg),
    // Tree: the trial's node; palette: a pick; tests pass (uri, trialId).
    'hyperbo.compareTrial': (arg, trialId) => compareTrialWithBest(ctx, arg, trialId),
    'hyperbo.compareNextTrial': () => stepComparison(ctx, 1),
    'hyperbo.comparePreviousTrial': () => stepComparison(ctx, -1),
    // Palette and tree: asks how many trials; tests pass (uri, trials).
    'hyperbo.tune': async (arg, trials) => {
      const uri = await resolveExperiment(ctx, arg, 'Tune');
      return uri && tune(ctx, uri, typeof trials === 'number' ? trials : undefined);
    },
    // Palette: every experiment, after a confirmation listing the runs; tests pass { uri, confirmed: true }.
    'hyperbo.stopStrayRuns': (arg) => ctx.strays.stop(typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) ? (arg as StopStrayArgs) : {}),
    'hyperbo.restartServer': async () => {
      await ctx.server.restart();
      vscode.window.setStatusBarMessage('HyperBO: language server restarted', 4000);
    },
    'hyperbo.refreshExperiments': () => ctx.tree.refresh(),
    'hyperbo.showOutput': () => ctx.log.show(true),
    [removeEmptyFlowCommand]: (uri, at) => removeEmptyFlow(uri as string, at as TextEditDTO['range']),
  };
  for (const [id, handler] of Object.entries(handlers)) {
    ctx.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (error) {
          void reportError(ctx.log, titles[id] ?? id, error);
          // Tests call commands directly and need to see the failure.
          if (ctx.extension.extensionMode === vscode.ExtensionMode.Test) throw error;
          return undefined;
        }
      }),
    );
  }
}
