// Where the ghost text of the next trial goes. The server's append edit targets the end of the trials list
// (or the `trials:` line when the list is empty); an inline completion must replace text on the cursor's
// line. This maps one onto the other when the cursor sits on a blank line right where the trial would go.
import type { TextEditDTO } from '../../shared/dto';

export interface InlinePlacement {
  line: number;
  /** Replace the whole cursor line (only whitespace) with `insertText`. */
  startCharacter: number;
  endCharacter: number;
  insertText: string;
  /** Set when the trials line ends in `[]`, which must go once the block item is inserted. */
  removeEmptyFlowOn?: { line: number; start: number; end: number };
}

const isBlank = (line: string | undefined): boolean => line !== undefined && line.trim() === '';

/** The line of a top-level `trials:` key, if any. */
export function trialsKeyLine(lines: readonly string[]): number | undefined {
  const index = lines.findIndex((l) => /^trials\s*:/.test(l));
  return index < 0 ? undefined : index;
}

/** True when `line` is inside the `trials:` block: after the key, before the next top-level key. */
export function isUnderTrials(lines: readonly string[], line: number): boolean {
  const key = trialsKeyLine(lines);
  if (key === undefined || line <= key) return false;
  // Any top-level key (not indented, not a comment or a `- ` item) between ends the block.
  for (let i = key + 1; i <= line && i < lines.length; i++) if (/^[^\s#-]/.test(lines[i]!)) return false;
  return true;
}

export function inlinePlacement(lines: readonly string[], cursor: { line: number; character: number }, edit: TextEditDTO): InlinePlacement | undefined {
  const current = lines[cursor.line];
  if (!isBlank(current) || !isUnderTrials(lines, cursor.line)) return undefined;
  const { start, end } = edit.range;
  const newText = edit.newText.replace(/\r\n/g, '\n');
  if (start.line !== end.line) return undefined;
  const editLine = lines[start.line] ?? '';
  const replaced = editLine.slice(start.character, end.character);
  // Only blank lines may sit between the edit's line and the cursor's.
  for (let i = start.line + 1; i < cursor.line; i++) if (!isBlank(lines[i])) return undefined;
  if (cursor.line <= start.line) return undefined;
  // The edit must only touch the end of its line: append after the last block trial, or replace an empty
  // (or `[]`) value after `trials:`, keeping a trailing comment.
  if (end.character < editLine.trimEnd().length && !/^\s*#/.test(editLine.slice(end.character))) return undefined;
  const firstBreak = newText.indexOf('\n');
  if (firstBreak < 0) return undefined;
  const flow = /^(\s*)\[\s*\]/.exec(replaced);
  const replacedKept = flow ? replaced.slice(flow[0].length) : replaced;
  if (newText.slice(0, firstBreak).trim() !== replacedKept.trim()) return undefined;
  const removeEmptyFlowOn = flow ? { line: start.line, start: start.character + flow[1]!.length, end: start.character + flow[0].length } : undefined;
  const block = newText.slice(firstBreak + 1).replace(/\n$/, '');
  return {
    line: cursor.line,
    startCharacter: 0,
    endCharacter: current!.length,
    insertText: block,
    ...(removeEmptyFlowOn ? { removeEmptyFlowOn } : {}),
  };
}
