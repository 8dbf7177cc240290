// Minimal text edits to an experiment file: append a trial under `trials:` and update one trial in place.
// Everything outside the edited span stays byte-for-byte, so comments, quoting and layout survive.
import { isMap, isPair, isScalar, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { ParamValue, Trial, TrialStatus } from './experiment';
import { structureOf, type YamlStructure } from './structure';
import { LineIndex, type OffsetRange, type Range } from './text';

/** Replace text[range.start, range.end) with newText (an insertion when start === end). */
export interface OffsetEdit {
  range: OffsetRange;
  newText: string;
}

/** The same edit in LSP coordinates (0-based line/character), e.g. for a WorkspaceEdit. */
export interface LspTextEdit {
  range: Range;
  newText: string;
}

export type EditResult<T = object> = ({ ok: true; edit: OffsetEdit } & T) | { ok: false; message: string };

/**
 * A trial to append: the model's Trial (experiment.ts) with every field optional but its parameters. `id` defaults to
 * one more than the largest id in the file, `status` to pending; `outsideSpace` is the parser's, never written.
 */
export type NewTrial = Partial<Omit<Trial, 'params' | 'outsideSpace'>> & { params: Readonly<Trial['params']> };

/** Fields to change on an existing trial (the model's Trial fields but its identity); `null` removes the key. */
export type TrialChanges = { status?: TrialStatus } & {
  [K in keyof Omit<Trial, 'id' | 'params' | 'status' | 'outsideSpace'>]?: Trial[K] | null;
};

const KEY_ORDER = ['id', 'params', 'status', 'value', 'step', 'log', 'run', 'job', 'started', 'pid', 'runner', 'finished', 'reason'] as const satisfies readonly Exclude<keyof Trial, 'outsideSpace'>[];
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;

/** A YAML scalar that reads back as the same value in YAML 1.2 and 1.1 (PyYAML) parsers. */
export function formatScalar(value: ParamValue | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    const s = String(value);
    // YAML 1.1 reads 1e-05 as a string; 1.0e-05 is a float everywhere.
    return /e/.test(s) && !/\./.test(s) ? s.replace('e', '.0e') : s;
  }
  return /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
}

/** Applies one offset edit to a text. */
export function applyEdit(text: string, edit: OffsetEdit): string {
  return text.slice(0, edit.range.start) + edit.newText + text.slice(edit.range.end);
}

/** Converts an offset edit to LSP line/character coordinates of the same (unedited) text. */
export function toLspEdit(text: string, edit: OffsetEdit, lines: LineIndex = new LineIndex(text)): LspTextEdit {
  return { range: lines.rangeAt(edit.range), newText: edit.newText };
}

const lineStartOf = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;
function lineEndOf(text: string, offset: number): number {
  const n = text.indexOf('\n', offset);
  const end = n < 0 ? text.length : n;
  return end > 0 && text[end - 1] === '\r' ? end - 1 : end;
}
const columnOf = (text: string, offset: number): number => offset - lineStartOf(text, offset);
const eolOf = (text: string): string => (text.includes('\r\n') ? '\r\n' : '\n');

function parseForEdit(input: string | YamlStructure): { structure: YamlStructure; root: YAMLMap | undefined } | { message: string } {
  const structure = typeof input === 'string' ? structureOf(input) : input;
  if (structure.errors.length) return { message: `The experiment file has YAML errors (${structure.errors[0]!.message}); fix them before HyperBO edits it.` };
  const contents = structure.doc.contents;
  if (contents === null) return { structure, root: undefined };
  if (!isMap(contents)) return { message: 'The experiment file is not a YAML mapping.' };
  return { structure, root: contents };
}

const findPair = (map: YAMLMap | undefined, key: string): Pair | undefined =>
  map?.items.find((p): p is Pair => isPair(p) && isScalar(p.key) && String(p.key.value) === key);

/** Indentation unit of the file's block mappings (the first nested key's column), default 2. */
function indentUnit(text: string, root: YAMLMap | undefined): number {
  for (const pair of root?.items ?? []) {
    const v = (pair as Pair).value as Node | null;
    if (isMap(v) && !v.flow && v.items[0]) {
      const col = columnOf(text, (v.items[0] as Pair<Node>).key!.range![0]);
      if (col > 0) return col;
    }
  }
  return 2;
}

interface ItemStyle {
  flow: boolean;
  /** Column of the `- ` marker. */
  dash: number;
  /** Column of the item's keys (block style). */
  keys: number;
  /** Params as a flow mapping `{ a: 1 }` (else block lines). */
  flowParams: boolean;
  /** Spaces inside flow braces: `{ a: 1 }` vs `{a: 1}`. */
  padded: boolean;
}

function renderFlowMap(entries: [string, string][], padded: boolean): string {
  const body = entries.map(([k, v]) => `${k}: ${v}`).join(', ');
  return padded ? `{ ${body} }` : `{${body}}`;
}

function trialEntries(trial: NewTrial & { id: number }): [string, ParamValue | Readonly<Record<string, ParamValue>>][] {
  const out: [string, ParamValue | Readonly<Record<string, ParamValue>>][] = [];
  for (const key of KEY_ORDER) {
    const v = key === 'status' ? (trial.status ?? 'pending') : trial[key];
    if (v !== undefined) out.push([key, v]);
  }
  return out;
}

function renderTrial(trial: NewTrial & { id: number }, style: ItemStyle, unit: number, eol: string): string {
  const entries = trialEntries(trial);
  const paramsFlow = (p: Readonly<Record<string, ParamValue>>) =>
    renderFlowMap(Object.entries(p).map(([k, v]) => [formatScalar(k), formatScalar(v)]), style.padded);
  const dashPad = ' '.repeat(style.dash);
  if (style.flow) {
    return `${dashPad}- ${renderFlowMap(entries.map(([k, v]) => [k, typeof v === 'object' ? paramsFlow(v) : formatScalar(v)]), style.padded)}`;
  }
  const keyPad = ' '.repeat(style.keys);
  const lines: string[] = [];
  entries.forEach(([k, v], i) => {
    const prefix = i === 0 ? `${dashPad}- ${' '.repeat(Math.max(0, style.keys - style.dash - 2))}` : keyPad;
    if (typeof v === 'object') {
      if (style.flowParams || Object.keys(v).length === 0) lines.push(`${prefix}${k}: ${paramsFlow(v)}`);
      else {
        lines.push(`${prefix}${k}:`);
        for (const [pk, pv] of Object.entries(v)) lines.push(`${' '.repeat(style.keys + unit)}${formatScalar(pk)}: ${formatScalar(pv)}`);
      }
    } else lines.push(`${prefix}${k}: ${formatScalar(v)}`);
  });
  return lines.join(eol);
}

/** The style of an existing trial item, to make a new one look like it. */
function styleOf(text: string, item: Node, seq: YAMLSeq): ItemStyle {
  const start = item.range![0];
  // The `-` marker precedes the item on its line.
  const dashOffset = text.lastIndexOf('-', start);
  const dash = dashOffset >= lineStartOf(text, start) ? columnOf(text, dashOffset) : columnOf(text, seq.range![0]);
  if (isMap(item) && item.flow) {
    return { flow: true, dash, keys: dash + 2, flowParams: true, padded: text[start + 1] === ' ' };
  }
  const params = isMap(item) ? (findPair(item, 'params')?.value as Node | null | undefined) : undefined;
  const flowParams = !isMap(params) || Boolean(params.flow);
  const padded = isMap(params) && params.flow ? text[params.range![0] + 1] === ' ' : true;
  return { flow: false, dash, keys: columnOf(text, start), flowParams, padded };
}

/**
 * The edit that appends a trial under `trials:` (creating the key at the end of the file if absent). The new
 * item copies the style of the last trial: flow `- { id: 4, ... }` or block lines, same indentation.
 */
export function appendTrialEdit(input: string | YamlStructure, trial: NewTrial): EditResult<{ trialId: number }> {
  const parsed = parseForEdit(input);
  if ('message' in parsed) return { ok: false, message: parsed.message };
  const { root, structure } = parsed;
  const text = structure.text;
  const eol = eolOf(text);
  const unit = indentUnit(text, root);
  const pair = findPair(root, 'trials');
  const value = pair?.value as Node | null | undefined;
  const seq = isSeq(value) ? value : undefined;
  const id = trial.id ?? structure.maxTrialId + 1;
  if (!Number.isInteger(id) || id < 0) return { ok: false, message: `Trial id must be a whole number ≥ 0, not ${id}.` };
  if (structure.trial(id)) {
    return { ok: false, message: `A trial with id ${id} already exists.` };
  }
  const full = { ...trial, id };
  const blockStyle = (dash: number): ItemStyle => ({ flow: false, dash, keys: dash + 2, flowParams: true, padded: true });

  if (!pair) {
    if (root && root.flow) return { ok: false, message: 'The experiment is one flow mapping ({ ... }); add trials by hand.' };
    const needsBreak = text.length > 0 && !text.endsWith('\n');
    const newText = `${needsBreak ? eol : ''}trials:${eol}${renderTrial(full, blockStyle(unit), unit, eol)}${eol}`;
    return { ok: true, trialId: id, edit: { range: { start: text.length, end: text.length }, newText } };
  }
  const keyNode = pair.key as Node;
  const keyColumn = columnOf(text, keyNode.range![0]);
  if (seq && seq.items.length > 0) {
    const last = seq.items[seq.items.length - 1] as Node;
    if (seq.flow) {
      // Insert before the closing bracket: `[a, b]` → `[a, b, c]`, keeping multi-line layouts multi-line.
      const close = text.lastIndexOf(']', seq.range![1]);
      const lastEnd = last.range![1];
      const multiLine = text.slice(seq.range![0], close).includes('\n');
      const itemText = renderFlowMap(
        trialEntries(full).map(([k, v]) => [k, typeof v === 'object' ? renderFlowMap(Object.entries(v).map(([pk, pv]) => [formatScalar(pk), formatScalar(pv)]), true) : formatScalar(v)]),
        true,
      );
      const sep = multiLine ? `,${eol}${' '.repeat(columnOf(text, last.range![0]))}` : ', ';
      return { ok: true, trialId: id, edit: { range: { start: lastEnd, end: lastEnd }, newText: `${sep}${itemText}` } };
    }
    const style = styleOf(text, last, seq);
    const at = lineEndOf(text, Math.max(last.range![0], last.range![1] - 1));
    return { ok: true, trialId: id, edit: { range: { start: at, end: at }, newText: `${eol}${renderTrial(full, style, unit, eol)}` } };
  }
  // `trials:` with no items: empty, null, ~ or []. Write a block list under the key, keeping any comment.
  const colon = text.indexOf(':', keyNode.range![1]);
  const lineEnd = lineEndOf(text, colon);
  let rest = text.slice(colon + 1, lineEnd);
  if (value && value.range && value.range[1] > value.range[0] && value.range[1] <= lineEnd) {
    rest = text.slice(colon + 1, value.range[0]) + text.slice(value.range[1], lineEnd);
  }
  rest = rest.replace(/^\s+(?=#)/, ' ').replace(/^\s+$/, '');
  const items = renderTrial(full, blockStyle(keyColumn + unit), unit, eol);
  return { ok: true, trialId: id, edit: { range: { start: colon + 1, end: lineEnd }, newText: `${rest}${eol}${items}` } };
}

/**
 * The edit that updates one trial's status/value/log/timestamps in place. Existing values are replaced where
 * they stand; new keys go after the trial's last key in its own style; `null` removes a key. Returns a single
 * edit spanning just the changed part of that trial.
 */
export function updateTrialEdit(input: string | YamlStructure, trialId: number, changes: TrialChanges): EditResult {
  const parsed = parseForEdit(input);
  if ('message' in parsed) return { ok: false, message: parsed.message };
  const text = parsed.structure.text;
  const item = parsed.structure.trial(trialId)?.node as YAMLMap | undefined;
  if (!item) return { ok: false, message: `No trial with id ${trialId} in the experiment file.` };
  const eol = eolOf(text);
  const edits: OffsetEdit[] = [];
  const pairs = item.items.filter(isPair) as Pair<Node, Node | null>[];
  const removed = new Set<Pair>();
  const additions: [string, string][] = [];
  for (const key of KEY_ORDER) {
    if (!(key in changes) || key === 'id' || key === 'params') continue;
    const raw = changes[key as keyof TrialChanges];
    if (raw === undefined) continue;
    const existing = pairs.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (raw === null) {
      if (existing) {
        edits.push(removalOf(text, item, existing, pairs));
        removed.add(existing);
      }
      continue;
    }
    const formatted = formatScalar(raw);
    if (existing) {
      const v = existing.value;
      if (v?.range && v.range[1] > v.range[0]) edits.push({ range: { start: v.range[0], end: v.range[1] }, newText: formatted });
      else {
        // `key:` with no value: write it right after the colon.
        const colon = text.indexOf(':', existing.key.range![1]);
        edits.push({ range: { start: colon + 1, end: colon + 1 }, newText: ` ${formatted}` });
      }
    } else additions.push([key, formatted]);
  }
  if (additions.length) {
    if (item.flow) {
      const close = text.lastIndexOf('}', item.range![1]);
      const beforeClose = text.slice(0, close).replace(/\s+$/, '').length;
      const lead = pairs.length ? ', ' : item.range && text[item.range[0] + 1] === ' ' ? ' ' : '';
      edits.push({ range: { start: beforeClose, end: beforeClose }, newText: lead + additions.map(([k, v]) => `${k}: ${v}`).join(', ') });
    } else {
      const keyColumn = columnOf(text, pairs[0]!.key.range![0]);
      // New keys follow the last key that stays, so they never land inside a removed line.
      const lastPair = [...pairs].reverse().find((p) => !removed.has(p)) ?? pairs[0]!;
      const anchor = lastPair.value?.range ? Math.max(lastPair.value.range[0], lastPair.value.range[1] - 1) : lastPair.key.range![1];
      const at = lineEndOf(text, anchor);
      edits.push({ range: { start: at, end: at }, newText: additions.map(([k, v]) => `${eol}${' '.repeat(keyColumn)}${k}: ${v}`).join('') });
    }
  }
  if (edits.length === 0) return { ok: true, edit: { range: { start: item.range![0], end: item.range![0] }, newText: '' } };
  return { ok: true, edit: combine(text, edits) };
}

/** The edit removing one key of a trial (its whole line in block style; `, key: v` in flow style). */
function removalOf(text: string, item: YAMLMap, pair: Pair<Node, Node | null>, pairs: Pair<Node, Node | null>[]): OffsetEdit {
  const start = pair.key.range![0];
  const end = pair.value?.range ? pair.value.range[1] : pair.key.range![1] + 1;
  if (item.flow) {
    const index = pairs.indexOf(pair);
    if (index > 0) {
      const prevEnd = pairs[index - 1]!.value?.range?.[1] ?? pairs[index - 1]!.key.range![1];
      return { range: { start: prevEnd, end }, newText: '' };
    }
    const next = pairs[index + 1];
    return { range: { start, end: next ? next.key.range![0] : end }, newText: '' };
  }
  if (pairs[0] === pair) {
    // The first key shares its line with the `- ` marker; blank just the pair (rare: id is never removed).
    return { range: { start, end }, newText: '' };
  }
  const from = lineStartOf(text, start);
  const to = lineEndOf(text, Math.max(start, end - 1));
  const withBreak = text.startsWith('\r\n', to) ? to + 2 : text[to] === '\n' ? to + 1 : to;
  return { range: { start: from, end: withBreak }, newText: '' };
}

/** Merges non-overlapping edits into one edit spanning them all. */
function combine(text: string, edits: OffsetEdit[]): OffsetEdit {
  edits.sort((a, b) => a.range.start - b.range.start);
  const start = edits[0]!.range.start;
  const end = Math.max(...edits.map((e) => e.range.end));
  let out = '';
  let cursor = start;
  for (const e of edits) {
    out += text.slice(cursor, e.range.start) + e.newText;
    cursor = Math.max(cursor, e.range.end);
  }
  out += text.slice(cursor, end);
  return { range: { start, end }, newText: out };
}

/** Ghost text for the next trial on the cursor's line (see `inlineTrialPlacement`). */
export interface InlinePlacement {
  /** The cursor's line (only whitespace), replaced by `insertText`. */
  range: OffsetRange;
  insertText: string;
  /** The `[]` after `trials:`, which must go once a block item is inserted below it. */
  removeEmptyFlow?: OffsetRange;
}

const isBlank = (line: string | undefined): boolean => line !== undefined && line.trim() === '';

/** True when `line` is a line inside the `trials` block: after the key, before the next top-level key. */
export function isInTrialsBlock(structure: YamlStructure, line: number): boolean {
  const block = structure.trialsBlock;
  if (!block || structure.root?.flow) return false;
  const { lines, text } = structure;
  if (line <= lines.positionAt(block.keyRange.start).line || line >= lines.lineCount) return false;
  const start = lines.offsetAt({ line, character: 0 });
  return start < block.span.end || block.span.end === text.length;
}

/**
 * Where the ghost text of the next trial goes. The append edit (`appendTrialEdit` on the same text) targets
 * the end of the trials list, or the `trials:` line when the list is empty; an inline completion must replace
 * text on the cursor's line. This maps one onto the other when the cursor sits on a blank line inside the
 * trials block with only blank lines between it and where the trial would go; else undefined.
 */
export function inlineTrialPlacement(structure: YamlStructure, cursorLine: number, edit: OffsetEdit): InlinePlacement | undefined {
  const { lines, text } = structure;
  const textLines = text.split(/\r\n|\r|\n/);
  const current = textLines[cursorLine];
  if (!isBlank(current) || !isInTrialsBlock(structure, cursorLine)) return undefined;
  const start = lines.positionAt(edit.range.start);
  const end = lines.positionAt(edit.range.end);
  const newText = edit.newText.replace(/\r\n/g, '\n');
  if (start.line !== end.line || cursorLine <= start.line) return undefined;
  const editLine = textLines[start.line] ?? '';
  const replaced = editLine.slice(start.character, end.character);
  // Only blank lines may sit between the edit's line and the cursor's.
  for (let i = start.line + 1; i < cursorLine; i++) if (!isBlank(textLines[i])) return undefined;
  // The edit must only touch the end of its line: append after the last block trial, or replace an empty
  // (or `[]`) value after `trials:`, keeping a trailing comment.
  if (end.character < editLine.trimEnd().length && !/^\s*#/.test(editLine.slice(end.character))) return undefined;
  const firstBreak = newText.indexOf('\n');
  if (firstBreak < 0) return undefined;
  const flow = /^(\s*)\[\s*\]/.exec(replaced);
  const replacedKept = flow ? replaced.slice(flow[0].length) : replaced;
  if (newText.slice(0, firstBreak).trim() !== replacedKept.trim()) return undefined;
  const lineStart = lines.offsetAt({ line: cursorLine, character: 0 });
  const placement: InlinePlacement = {
    range: { start: lineStart, end: lineStart + current!.length },
    insertText: newText.slice(firstBreak + 1).replace(/\n$/, ''),
  };
  if (flow) placement.removeEmptyFlow = { start: edit.range.start + flow[1]!.length, end: edit.range.start + flow[0].length };
  return placement;
}

/** The mapping of a search_space parameter (block or flow), or why the edit cannot be made. */
function parameterMap(input: string | YamlStructure, name: string): { structure: YamlStructure; map: YAMLMap } | { message: string } {
  const parsed = parseForEdit(input);
  if ('message' in parsed) return parsed;
  const space = parsed.structure.deref(findPair(parsed.root, 'search_space')?.value);
  const map = isMap(space) ? parsed.structure.deref(findPair(space, name)?.value) : null;
  if (!isMap(map)) return { message: `search_space has no parameter "${name}" written as a mapping.` };
  return { structure: parsed.structure, map };
}

/** A bound as people write one: exponent form for small and large magnitudes (1.0e-5, not 0.00001). */
function formatBound(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude === 0 || (magnitude >= 1e-3 && magnitude < 1e5)) return formatScalar(value);
  // toExponential writes 1e-5; YAML 1.1 reads that as a string, 1.0e-5 as a float everywhere.
  const [mantissa, exponent] = value.toExponential().split('e');
  return `${mantissa!.includes('.') ? mantissa : `${mantissa}.0`}e${exponent}`;
}

/** The edits that set a numeric parameter's low and/or high, each written over its current value (comments kept). */
export function parameterBoundsEdits(input: string | YamlStructure, name: string, bounds: { low?: number; high?: number }): OffsetEdit[] | { message: string } {
  const found = parameterMap(input, name);
  if ('message' in found) return found;
  const edits: OffsetEdit[] = [];
  for (const key of ['low', 'high'] as const) {
    const value = bounds[key];
    if (value === undefined) continue;
    const node = findPair(found.map, key)?.value as Node | null | undefined;
    if (!isScalar(node) || !node.range) return { message: `"${name}" has no ${key} value to change.` };
    edits.push({ range: { start: node.range[0], end: node.range[1] }, newText: formatBound(value) });
  }
  return edits;
}

/** The edit that sets a categorical parameter's choices, when they are written as a flow list (`[a, b, c]`). */
export function parameterChoicesEdit(input: string | YamlStructure, name: string, choices: readonly ParamValue[]): OffsetEdit | { message: string } {
  const found = parameterMap(input, name);
  if ('message' in found) return found;
  const node = found.structure.deref(findPair(found.map, 'choices')?.value);
  if (!isSeq(node) || !node.flow || !node.range) return { message: `"${name}" has no choices written as [a, b, …].` };
  const padded = found.structure.text[node.range[0] + 1] === ' ';
  const body = choices.map(formatScalar).join(', ');
  return { range: { start: node.range[0], end: node.range[1] }, newText: padded ? `[ ${body} ]` : `[${body}]` };
}
