// HyperBO: Import Tuning History… — the server finds other tools' tuning history under the experiment's folder and
// says how each study maps onto the search space; this shows it in a quick pick and applies the server's edit to
// prior.from (a WorkspaceEdit, so undo works). Prior Provenance then lists each study with its source.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FindHistoryRequest } from '../../shared/protocol';
import type { Ctx } from '../ctx';
import { UserFacingError } from '../errors';
import { resolveExperiment } from '../targets';
import { describeSource } from './describeHistory';

export interface ImportHistoryArgs {
  uri?: string;
  /** Entries to add without asking (tests, other commands). */
  entries?: string[];
}

export async function importHistory(ctx: Ctx, arg: unknown): Promise<string[] | undefined> {
  const args = (typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) ? arg : {}) as ImportHistoryArgs;
  const uri = await resolveExperiment(ctx, args.uri ?? arg, 'Import Tuning History');
  if (!uri) return undefined;
  // Cancel on the notification cancels the request, which stops the server's scan of the folder.
  const found = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'HyperBO: looking for tuning history…', cancellable: true },
    (_progress, token) => ctx.server.request(FindHistoryRequest.type, { uri }, token),
  );
  if (found.sources.length === 0) {
    throw new UserFacingError(
      'No tuning history found next to the experiment file (Optuna .db or journal, MLflow mlflow.db or mlruns/, Ray Tune, Lightning CSVLogger, Keras Tuner, CSV) that sets any of its parameters.',
    );
  }
  let entries = args.entries;
  if (!entries) {
    const items = found.sources.map((s) => ({
      label: s.entry,
      description: `${s.format}${s.listed ? ' · already in prior.from' : ''}`,
      detail: describeSource(s),
      picked: false,
      source: s,
    }));
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      matchOnDetail: true,
      title: `Import Tuning History into ${path.basename(vscode.Uri.parse(uri).fsPath)}${found.truncated ? ' (scan stopped at its bound; name deeper sources by hand)' : ''}`,
      placeHolder: 'Sources to add to prior.from',
    });
    if (!picked || picked.length === 0) return undefined;
    entries = picked.map((p) => p.source.entry);
  }
  const added = await ctx.editor.addPriorSources(uri, entries);
  vscode.window.setStatusBarMessage(`HyperBO: prior.from += ${added.join(', ')}`, 5000);
  return added;
}
