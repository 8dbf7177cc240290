// Ghost text under `trials:`: the next suggested trial, formatted by the server exactly as Apply would
// write it (the AddTrialEdit text), so accepting it is the same as applying the suggestion.
import * as vscode from 'vscode';
import { AddTrialEditRequest, SuggestRequest } from '../../shared/protocol';
import type { Ctx } from '../ctx';
import { isExperimentUri } from '../targets';
import { inlinePlacement, isUnderTrials } from './inlinePlacement';

export const removeEmptyFlowCommand = 'hyperbo.inlineTrialAccepted';

export class NextTrialInlineProvider implements vscode.InlineCompletionItemProvider {
  constructor(private readonly ctx: Ctx) {}

  async provideInlineCompletionItems(document: vscode.TextDocument, position: vscode.Position, _context: vscode.InlineCompletionContext, token: vscode.CancellationToken): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (!isExperimentUri(document.uri) || !this.ctx.config.inlineSuggestions(document.uri)) return undefined;
    const lines = document.getText().split(/\r?\n/);
    // Cheap checks first: only on a blank line inside the trials block, and only once the server runs.
    if (lines[position.line]?.trim() !== '' || !isUnderTrials(lines, position.line) || !this.ctx.server.isRunning) return undefined;
    const uri = document.uri.toString();
    const version = document.version;
    try {
      const result = await this.ctx.server.request(SuggestRequest.type, { uri, count: this.ctx.config.suggestionCount(document.uri) }, token);
      const suggestion = result.suggestions[0];
      if (!suggestion || token.isCancellationRequested) return undefined;
      const add = await this.ctx.server.request(AddTrialEditRequest.type, { uri, params: suggestion.params, status: 'pending' }, token);
      if (add.edits.length !== 1 || document.version !== version || token.isCancellationRequested) return undefined;
      const placement = inlinePlacement(lines, position, add.edits[0]!);
      if (!placement) return undefined;
      const item = new vscode.InlineCompletionItem(placement.insertText, new vscode.Range(placement.line, placement.startCharacter, placement.line, placement.endCharacter));
      if (placement.removeEmptyFlowOn) item.command = { command: removeEmptyFlowCommand, title: 'Remove []', arguments: [uri, placement.removeEmptyFlowOn] };
      return [item];
    } catch (error) {
      // No ghost text is the right answer when there is no suggestion; the code lens says why.
      this.ctx.log.debug(`Inline trial suggestion: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}

/** After accepting the ghost text under `trials: []`, the `[]` must go (it and a block list cannot coexist). */
export async function removeEmptyFlow(uri: string, at: { line: number; start: number; end: number }): Promise<void> {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri);
  if (!editor) return;
  const range = new vscode.Range(at.line, at.start, at.line, at.end);
  if (editor.document.getText(range).replace(/\s/g, '') !== '[]') return;
  // Also drop the space before `[]` so the key line reads `trials:`.
  const before = at.start > 0 && editor.document.lineAt(at.line).text[at.start - 1] === ' ' ? at.start - 1 : at.start;
  await editor.edit((b) => b.delete(new vscode.Range(at.line, before, at.line, at.end)), { undoStopBefore: false, undoStopAfter: true });
}
