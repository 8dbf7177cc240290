// Ghost text under `trials:`: the next suggested trial, formatted by the server exactly as Apply would
// write it. The server decides whether the cursor's line is a blank line inside the trials block and where
// the text goes (the client never reads the YAML), so accepting it is the same as applying the suggestion.
import * as vscode from 'vscode';
import type { TextEditDTO } from '../../shared/dto';
import { InlineTrialRequest } from '../../shared/protocol';
import type { Ctx } from '../ctx';
import { toRange } from '../experimentEditor';
import { isExperimentUri } from '../targets';

export const removeEmptyFlowCommand = 'hyperbo.inlineTrialAccepted';

export class NextTrialInlineProvider implements vscode.InlineCompletionItemProvider {
  constructor(private readonly ctx: Ctx) {}

  async provideInlineCompletionItems(document: vscode.TextDocument, position: vscode.Position, _context: vscode.InlineCompletionContext, token: vscode.CancellationToken): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (!isExperimentUri(document.uri) || !this.ctx.config.inlineSuggestions(document.uri)) return undefined;
    // Only on a blank line, and only once the server runs; the server checks the rest.
    if (!document.lineAt(position.line).isEmptyOrWhitespace || !this.ctx.server.isRunning) return undefined;
    const uri = document.uri.toString();
    const version = document.version;
    try {
      const placement = await this.ctx.server.request(
        InlineTrialRequest.type,
        { uri, position: { line: position.line, character: position.character }, version, count: this.ctx.config.suggestionCount(document.uri) },
        token,
      );
      if (!placement || document.version !== version || token.isCancellationRequested) return undefined;
      const item = new vscode.InlineCompletionItem(placement.insertText, toRange(placement.range));
      if (placement.removeEmptyFlow) item.command = { command: removeEmptyFlowCommand, title: 'Remove []', arguments: [uri, placement.removeEmptyFlow] };
      return [item];
    } catch (error) {
      // No ghost text is the right answer when there is no suggestion; the code lens says why.
      this.ctx.log.debug(`Inline trial suggestion: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}

/** After accepting the ghost text under `trials: []`, the `[]` the server pointed at must go (it and a block list cannot coexist). */
export async function removeEmptyFlow(uri: string, at: TextEditDTO['range']): Promise<void> {
  const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri);
  if (!editor) return;
  const range = toRange(at);
  if (editor.document.getText(range) !== '[]') return;
  // Also drop the space before `[]` so the key line reads `trials:`.
  const before = at.start.character > 0 && editor.document.lineAt(at.start.line).text[at.start.character - 1] === ' ' ? range.start.translate(0, -1) : range.start;
  await editor.edit((b) => b.delete(new vscode.Range(before, range.end)), { undoStopBefore: false, undoStopAfter: true });
}
