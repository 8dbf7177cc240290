// Applying LSP text edits (line/character ranges) to a string: what VS Code does to a document, done on a file's
// text read from disk (the editor's locked writes, src/client/experimentEditor.ts). Pure, so the client can use it
// without reading YAML.
import type { TextEditDTO } from './dto';

type Position = TextEditDTO['range']['start'];

/** Offsets of the first character of each line; \r\n, \n and a lone \r end a line, as in LSP. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

function offsetOf(text: string, starts: number[], p: Position): number {
  if (p.line < 0) return 0;
  if (p.line >= starts.length) return text.length;
  const start = starts[p.line]!;
  let end = p.line + 1 < starts.length ? starts[p.line + 1]! : text.length;
  // A character past the line's end means its end (before the line break), as in LSP.
  while (end > start && (text.charCodeAt(end - 1) === 10 || text.charCodeAt(end - 1) === 13)) end--;
  return Math.min(start + Math.max(0, p.character), end);
}

/**
 * The text with the edits applied. Their ranges refer to the original text and must not overlap (as in an LSP
 * WorkspaceEdit); edits at one position apply in the order given.
 */
export function applyTextEdits(text: string, edits: readonly TextEditDTO[]): string {
  const starts = lineStarts(text);
  const spans = edits
    .map((e, order) => ({ start: offsetOf(text, starts, e.range.start), end: offsetOf(text, starts, e.range.end), newText: e.newText, order }))
    .sort((a, b) => a.start - b.start || a.order - b.order);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.start < spans[i - 1]!.end) throw new Error('applyTextEdits: overlapping edits');
  }
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + s.newText;
    at = Math.max(at, s.end);
  }
  return out + text.slice(at);
}
