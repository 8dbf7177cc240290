// Writes trials into experiment files with the server's minimal edits: only the trial's own lines change.
//
// The file is shared with other writers (`hyperbo tune`, a second window, scripts), so a write that goes to disk
// holds the file's advisory lock (src/files/lock.ts: pid + start token, stale locks broken), reads the file from
// disk under it, has the server compute the edit on that text (so a trial another writer appended meanwhile is
// kept and a new trial's id is free in the file as it is now), writes the result atomically (temp file + rename)
// and waits until VS Code has reloaded the clean document from disk (a reload is an undoable edit in VS Code).
// It does not save through VS Code: a save right after another process rewrote the file fails VS Code's
// "file is newer" check and leaves the edit unsaved in the editor (seen with `hyperbo tune` appending trials).
// A lock that cannot be had in time fails the write with a message saying who holds it (nothing is written
// from a stale copy, nothing is lost silently; a run's result offers Retry).
//
// Save policy (setting hyperbo.runner.saveAfterStatusChange, default "ifClean"): after writing a trial the file
// is saved, but only if it had no unsaved changes; the user's own half-done edits are never saved behind their
// back — such a document (and every document under "never") gets the edit as an unsaved change, computed on its
// own text. Under "always" a dirty document is edited and saved under the lock (VS Code refuses to save over a
// newer file on disk). Edits to one file from this window are also serialised.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../files/atomicWrite';
import { LockTimeoutError, withFileLock } from '../files/lock';
import type { Params, TextEditDTO } from '../shared/dto';
import { AddPriorSourcesEditRequest, AddTrialEditRequest, ApplySuggestionRequest, UpdateTrialEditRequest } from '../shared/protocol';
import { applyTextEdits } from '../shared/textEdits';
import type { Config } from './config';
import { UserFacingError } from './errors';
import type { ServerConnection } from './languageClient';

export function toRange(range: TextEditDTO['range']): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

const BOM = '\uFEFF';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ExperimentEditor {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** How long a write waits for the file's lock (another writer's edit) before it fails with a message. */
  lockTimeoutMs = 15_000;
  /** How long to wait for VS Code to show a change written to disk before going on (the file is written either way). */
  reloadTimeoutMs = 10_000;

  constructor(
    private readonly server: ServerConnection,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Appends a pending trial with these parameters; resolves with its id. */
  async addTrial(uri: string, params: Params): Promise<number> {
    return this.serialised(uri, async () => {
      const result = await this.write(uri, 'add a trial', (text) => this.server.request(AddTrialEditRequest.type, { uri, params, status: 'pending', ...(text === undefined ? {} : { text }) }));
      this.log.info(`Added trial ${result.trialId} to ${vscode.Uri.parse(uri).fsPath}`);
      return result.trialId;
    });
  }

  /**
   * Appends suggestion #index (of the `count` the user was shown) as a pending trial: the server picks the
   * suggestion (outside the file's lock: it may take a while) and computes the edit; this applies it. Resolves with
   * the trial's id and parameters.
   */
  async applySuggestion(uri: string, index: number, count: number, token?: vscode.CancellationToken): Promise<ApplySuggestionRequest.Result> {
    return this.serialised(uri, async () => {
      const picked = await this.server.request(ApplySuggestionRequest.type, { uri, index, count }, token);
      const result = await this.write(uri, 'add a trial', async (text) =>
        text === undefined ? picked : { ...(await this.server.request(AddTrialEditRequest.type, { uri, params: picked.params, status: 'pending', text })), params: picked.params },
      );
      this.log.info(`Added trial ${result.trialId} (suggestion #${index + 1}) to ${vscode.Uri.parse(uri).fsPath}`);
      return result;
    });
  }

  /** Writes a trial's status (and timestamps); the server fills a completed trial's value from its log. */
  async updateTrial(params: UpdateTrialEditRequest.Params): Promise<UpdateTrialEditRequest.Result> {
    return this.serialised(params.uri, () =>
      this.write(params.uri, `record trial ${params.trialId} as ${params.status}`, (text) => this.server.request(UpdateTrialEditRequest.type, { ...params, ...(text === undefined ? {} : { text }) })),
    );
  }

  /** Adds entries to the experiment's prior.from (Import Tuning History); the server computes the edit. */
  async addPriorSources(uri: string, entries: string[]): Promise<string[]> {
    return this.serialised(uri, async () => {
      const result = await this.write(uri, 'import tuning history', (text) => this.server.request(AddPriorSourcesEditRequest.type, { uri, entries, ...(text === undefined ? {} : { text }) }));
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

  private openDocument(target: vscode.Uri): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
  }

  /**
   * Computes an edit (`compute` gets the file's text as read from disk under the lock, or undefined when the edit
   * stays in the editor and the server's copy of the document is the text) and writes it; see the file's header.
   */
  private async write<R extends { edits: TextEditDTO[] }>(uri: string, what: string, compute: (text: string | undefined) => Promise<R>): Promise<R> {
    const target = vscode.Uri.parse(uri);
    const policy = this.config.savePolicy(target);
    const unsavedOnly = () => policy === 'never' || (policy === 'ifClean' && this.openDocument(target)?.isDirty === true);
    const label = `HyperBO: ${what}`;
    if (target.scheme !== 'file' || unsavedOnly()) {
      const save = !unsavedOnly();
      const result = await compute(undefined);
      await this.applyInEditor(target, result.edits, label, save);
      return result;
    }
    let written: { result: R; text?: string };
    try {
      written = await withFileLock(
        target.fsPath,
        async () => {
          const document = this.openDocument(target);
          if (unsavedOnly() || document?.isDirty) {
            // The user's unsaved text is the document: edit it (and save it under "always").
            const save = !unsavedOnly();
            const result = await compute(undefined);
            await this.applyInEditor(target, result.edits, label, save);
            return { result };
          }
          const raw = await readFile(target.fsPath, 'utf8');
          const bom = raw.startsWith(BOM) ? BOM : '';
          const disk = raw.slice(bom.length);
          const result = await compute(disk);
          const text = applyTextEdits(disk, result.edits);
          if (text !== disk) await writeFileAtomic(target.fsPath, bom + text);
          return { result, text };
        },
        { timeoutMs: this.lockTimeoutMs },
      );
    } catch (error) {
      if (!(error instanceof LockTimeoutError)) throw error;
      this.log.warn(`${label}: ${error.message}`);
      throw new UserFacingError(`could not ${what}: another process kept ${target.fsPath} locked for ${Math.round(this.lockTimeoutMs / 1000)} s, so nothing was written. ${error.message}`);
    }
    // Outside the lock (other writers go on meanwhile): the server's next answer should be about this text.
    if (written.text !== undefined) await this.reloaded(target, written.text);
    return written.result;
  }

  /** Waits until VS Code shows the text written to disk (or a newer one another writer wrote since). */
  private async reloaded(target: vscode.Uri, written: string): Promise<void> {
    const document = await vscode.workspace.openTextDocument(target);
    const deadline = Date.now() + this.reloadTimeoutMs;
    for (;;) {
      const shown = document.getText();
      if (shown === written || document.isDirty) return;
      const disk = await readFile(target.fsPath, 'utf8').then((t) => (t.startsWith(BOM) ? t.slice(1) : t), () => undefined);
      if (disk !== written && shown === disk) return;
      if (Date.now() > deadline) {
        this.log.warn(`${target.fsPath} was written, but VS Code has not shown the change after ${this.reloadTimeoutMs / 1000} s.`);
        return;
      }
      await sleep(50);
    }
  }

  private async applyInEditor(target: vscode.Uri, edits: TextEditDTO[], label: string, save: boolean): Promise<void> {
    const document = await vscode.workspace.openTextDocument(target);
    const edit = new vscode.WorkspaceEdit();
    edit.set(
      target,
      edits.map((e) => vscode.TextEdit.replace(toRange(e.range), e.newText)),
    );
    const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: false });
    if (!applied) throw new Error(`VS Code did not apply the edit "${label}" to ${target.fsPath} (the file may have changed meanwhile); try again.`);
    if (save) {
      const saved = await document.save();
      if (!saved) this.log.warn(`Could not save ${target.fsPath} after "${label}"; the change is in the editor, unsaved.`);
    }
  }
}
