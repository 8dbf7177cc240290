// Entry point of the HyperBO extension: build the context, register the features, start the language
// client when there is something to serve. Everything else lives in src/client/.
// The e2e harness waits for the "HyperBO <version> activated" log line (test/e2e/harness.ts).
import * as vscode from 'vscode';
import { registerCommands } from './client/commands';
import { Config } from './client/config';
import type { Ctx } from './client/ctx';
import { messageOf } from './client/errors';
import { ExperimentEditor } from './client/experimentEditor';
import { ServerConnection } from './client/languageClient';
import type { ServerHealth } from './client/statusModel';
import { registerPanels } from './client/panels';
import { compareTrialWithBest } from './client/commands/compareTrials';
import { openTrialLog, revealTrial } from './client/commands/trials';
import { applySuggestion } from './client/commands/suggestions';
import { suggestionCount } from './client/panels';
import { NextTrialInlineProvider } from './client/providers/inlineTrial';
import { ForeignRuleStops } from './client/runner/ruleStops';
import { StrayRuns } from './client/runner/strays';
import { TrialRunner } from './client/runner/trialRunner';
import { StatusItem } from './client/status';
import { ExperimentsTree } from './client/tree/experimentsTree';
import { whenServerNeeded } from './client/startup';

/** What activate returns: for tests and other extensions. */
export interface HyperboApi {
  /** Resolves once activation is done and, when the workspace has experiments, the language server runs. */
  ready: Promise<void>;
  ctx: Ctx;
}

let current: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): HyperboApi {
  try {
    const log = vscode.window.createOutputChannel('HyperBO', { log: true });
    context.subscriptions.push(log);
    const config = new Config();
    const server = new ServerConnection(context.extensionUri, log, context.extensionMode);
    const editor = new ExperimentEditor(server, config, log);
    const runner = new TrialRunner(server, editor, config, log);
    const strays = new StrayRuns(server, editor, runner, config, log);
    const ruleStops = new ForeignRuleStops(server, editor, runner, config, log);
    const push = (...d: vscode.Disposable[]) => void context.subscriptions.push(...d);
    const ctx: Ctx = {
      extension: context, log, config, server, editor, runner, strays, ruleStops, push,
      tree: new ExperimentsTree(server, runner, log),
      status: new StatusItem(server),
      panels: registerPanels(context, {
        log,
        request: (type, params) => server.request(type, params),
        apply: async (uri, index, run) => void (await applySuggestion(ctx, uri, index, run, suggestionCount)),
        // Through the command, so its errors (budget used up, no run.command) are reported like the palette's.
        tune: async (uri) => void (await vscode.commands.executeCommand('hyperbo.tune', uri)),
        openLog: (uri, trialId) => openTrialLog(ctx, uri, trialId),
        revealTrial: (uri, trialId) => revealTrial(ctx, uri, trialId),
        compareTrial: async (uri, trialId) => void (await compareTrialWithBest(ctx, uri, trialId)),
      }),
    };
    current = ctx;
    push(server, runner, strays, ruleStops, ctx.tree, ctx.status);
    push(
      vscode.window.registerTreeDataProvider('hyperbo.experiments', ctx.tree),
      vscode.languages.registerInlineCompletionItemProvider({ scheme: 'file', pattern: '**/*.hyperbo.yaml' }, new NextTrialInlineProvider(ctx)),
      server.onExperimentsChanged(() => ctx.panels.refresh()),
      // A pre-training that ends changes what the model is: open panels (Provenance, Suggestions) ask again.
      onPretrainingEnded(server, () => ctx.panels.refresh()),
      server.onTrialUpdated(({ uri, trial }) => ctx.panels.trialUpdated(uri, trial)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('Workspace trusted: Run Trial and Apply and Run are enabled')),
    );
    registerCommands(ctx);
    log.info(`HyperBO ${String(context.extension.packageJSON.version)} activated`);
    log.info(`Settings: ${config.describe()}; workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted (trial runs disabled)'}`);
    const ready = whenServerNeeded(ctx).then(async (reason) => {
      if (!reason) return;
      log.info(`Starting the language server (${reason})`);
      ctx.status.render();
      await server.start();
    });
    ready.catch((error: unknown) => log.error(`Starting the language server failed: ${messageOf(error)}`));
    return { ready, ctx };
  } catch (error) {
    // VS Code stays silent when activation throws; say it.
    void vscode.window.showErrorMessage(`HyperBO failed to activate: ${messageOf(error)}`);
    throw error;
  }
}

export async function deactivate(): Promise<void> {
  await current?.server.stop();
  current = undefined;
}

/** Calls `ended` each time the server's health leaves 'pretraining' (the prior is cached, or it failed). */
function onPretrainingEnded(server: ServerConnection, ended: () => void): vscode.Disposable {
  let last: ServerHealth | undefined;
  return server.onHealth(({ health }) => {
    if (last === 'pretraining' && health !== 'pretraining') ended();
    last = health;
  });
}
