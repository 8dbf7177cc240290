// Completion and hover for experiment-file keys, enum values, parameters and placeholders, from the formats
// module (offsets) on the text's structure index, converted to LSP shapes (line/character).
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver';
import { completeAt, type CompletionKind } from '../../formats/completion';
import { hoverAt } from '../../formats/hover';
import { structureOf } from '../../formats/structure';

const KIND: Record<CompletionKind, CompletionItemKind> = {
  key: CompletionItemKind.Property,
  value: CompletionItemKind.EnumMember,
  parameter: CompletionItemKind.Variable,
  placeholder: CompletionItemKind.Variable,
};

export function formatCompletions(
  text: string,
  position: { line: number; character: number },
  metricNames: readonly string[] = [],
): CompletionItem[] {
  const structure = structureOf(text);
  const lines = structure.lines;
  return completeAt(structure, lines.offsetAt(position), { metricNames }).map((item, i) => {
    const out: CompletionItem = {
      label: item.label,
      kind: KIND[item.kind],
      insertTextFormat: InsertTextFormat.PlainText,
      textEdit: { range: { start: lines.positionAt(item.range.start), end: lines.positionAt(item.range.end) }, newText: item.insertText },
      sortText: String(i).padStart(4, '0'),
    };
    if (item.detail) out.detail = item.detail;
    if (item.documentation) out.documentation = { kind: 'markdown', value: item.documentation };
    return out;
  });
}

export function formatHover(text: string, position: { line: number; character: number }): string | undefined {
  const structure = structureOf(text);
  return hoverAt(structure, structure.lines.offsetAt(position))?.markdown;
}
