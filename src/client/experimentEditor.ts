// Writes trials into experiment files with the server's minimal edits, through a WorkspaceEdit so undo
// works and nothing else in the file changes.
//
// Save policy (setting hyperbo.runner.saveAfterStatusChange, default "ifClean"): the file is the source of
// truth — the CLI, other windows and a restarted server read it from disk — so after writing a trial the
// file is saved, but only if it had no unsaved changes before; the user's own half-done edits are never
// saved behind their back. Edits to one file are serialised: each is computed by the server on the text the
// previous one produced.
import * as vscode from 'vscode';
import type { Params, TextEditDTO } from '../shared/dto';
import { AddPriorSourcesEditRequest, AddTrialEditRequest, ApplySuggestionRequest, UpdateTrialEditRequest } from '../shared/protocol';
import type { Config } from './config';
import type { ServerConnection } from './languageClient';

export function toRange(range: TextEditDTO['range']): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

export class ExperimentEditor {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly server: ServerConnection,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Appends a pending trial with these parameters; resolves with its id. */
  async addTrial(uri: string, params: Params): Promise<number> {
    return this.serialised(uri, async () => {
      const result = await this.server.request(AddTrialEditRequest.type, { uri, params, status: 'pending' });
      await this.apply(uri, result.edits, `HyperBO: add trial ${result.trialId}`);
      this.log.info(`Added trial ${result.trialId} to ${vscode.Uri.parse(uri).fsPath}`);
      return result.trialId;
    });
  }

  /**
   * Appends suggestion #index (of the `count` the user was shown) as a pending trial: the server picks the
   * suggestion and computes the edit; this applies it. Resolves with the trial's id and parameters.
   */
  async applySuggestion(uri: string, index: number, count: number, token?: vscode.CancellationToken): Promise<ApplySuggestionRequest.Result> {
    return this.serialised(uri, async () => {
      const result = await this.server.request(ApplySuggestionRequest.type, { uri, index, count }, token);
      await this.apply(uri, result.edits, `HyperBO: add trial ${result.trialId}`);
      this.log.info(`Added trial ${result.trialId} (suggestion #${index + 1}) to ${vscode.Uri.parse(uri).fsPath}`);
      return result;
    });
  }

  /** Writes a trial's status (and timestamps); the server fills a completed trial's value from its log. */
  async updateTrial(params: UpdateTrialEditRequest.Params): Promise<UpdateTrialEditRequest.Result> {
    return this.serialised(params.uri, async () => {
      const result = await this.server.request(UpdateTrialEditRequest.type, params);
      await this.apply(params.uri, result.edits, `HyperBO: trial ${params.trialId} ${result.status}`);
      return result;
    });
  }

  /** Adds entries to the experiment's prior.from (Import Tuning History); the server computes the edit. */
  async addPriorSources(uri: string, entries: string[]): Promise<string[]> {
    return this.serialised(uri, async () => {
      const result = await this.server.request(AddPriorSourcesEditRequest.type, { uri, entries });
      await this.apply(uri, result.edits, 'HyperBO: import tuning history');
      this.log.info(`Added ${result.added.join(', ')} to prior.from of ${vscode.Uri.parse(uri).fsPath}`);
      return result.added;
    });
  }

  private serialised<T>(uri: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(uri) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(uri, next);
    void next.finally(() => {
      if (this.locks.get(uri) === next) this.locks.delete(uri);
    }).catch(() => undefined);
    return next;
  }

  private async apply(uri: string, edits: TextEditDTO[], label: string): Promise<void> {
    const target = vscode.Uri.parse(uri);
    const document = await vscode.workspace.openTextDocument(target);
    const wasDirty = document.isDirty;
    const edit = new vscode.WorkspaceEdit();
    edit.set(
      target,
      edits.map((e) => vscode.TextEdit.replace(toRange(e.range), e.newText)),
    );
    const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: false });
    if (!applied) throw new Error(`VS Code did not apply the edit "${label}" to ${target.fsPath} (the file may have changed meanwhile); try again.`);
    const policy = this.config.savePolicy(target);
    if (policy === 'always' || (policy === 'ifClean' && !wasDirty)) {
      const saved = await document.save();
      if (!saved) this.log.warn(`Could not save ${target.fsPath} after "${label}"; the change is in the editor, unsaved.`);
    }
  }
}
