// When to start the language server: at once if the workspace has an experiment file or one is open,
// otherwise when one is opened or the experiments view is shown. Commands start it on their own.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { isExperimentUri } from './targets';

/** Resolves with why the server is needed now, or undefined when nothing needs it yet (it starts later on demand). */
export async function whenServerNeeded(ctx: Ctx): Promise<string | undefined> {
  if (vscode.workspace.textDocuments.some((d) => isExperimentUri(d.uri))) return 'an experiment file is open';
  const found = await vscode.workspace.findFiles('**/*.hyperbo.yaml', '**/node_modules/**', 1);
  if (found.length > 0) return 'the workspace has experiment files';
  const later = (reason: string) => () => {
    if (!ctx.server.isRunning) {
      ctx.log.info(`Starting the language server (${reason})`);
      ctx.status.render();
      void ctx.server.start().catch((error: unknown) => ctx.log.error(`Starting the language server failed: ${String(error)}`));
    }
  };
  const opened = vscode.workspace.onDidOpenTextDocument((d) => {
    if (isExperimentUri(d.uri)) {
      opened.dispose();
      later('an experiment file was opened')();
    }
  });
  ctx.push(opened);
  return undefined;
}
