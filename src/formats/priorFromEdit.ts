// The edit that adds entries to an experiment's `prior.from`, keeping the file's style: a flow list gains items
// before its `]`, a block list gains `- item` lines, a single pattern becomes a flow list, a `prior` without
// `from` gains a `from:` line, and a file without `prior` gains a `prior:` block at its end. Entries already
// listed are not added twice.
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { EditResult } from './edits';
import type { YamlStructure } from './structure';

// No spaces, commas, braces, quotes or a leading `*`/`&`/`!` (YAML aliases, anchors, tags): then a plain scalar.
const PLAIN = /^[A-Za-z0-9_.~/][A-Za-z0-9_.~/*?-]*$/;
/** A YAML scalar for a path or glob: plain when safe, else double-quoted. */
export function yamlPathScalar(text: string): string {
  return PLAIN.test(text) ? text : JSON.stringify(text);
}

const flowList = (items: string[]) => `[${items.map((e) => yamlPathScalar(e)).join(', ')}]`;

export function addPriorSourcesEdit(structure: YamlStructure, entries: readonly string[]): EditResult<{ added: string[] }> {
  const text = structure.text;
  if (structure.errors.length > 0) return { ok: false, message: 'The experiment file has YAML errors; fix them first.' };
  if (!structure.root) return { ok: false, message: 'The experiment file is not a YAML mapping.' };
  const prior = structure.get(['prior']);
  const fromPair = isMap(prior) ? structure.pair(prior, 'from') : undefined;
  const from = structure.deref(fromPair?.value) as Node | null;
  const existing = isSeq(from) ? from.items.map((i) => (isScalar(i) ? String(i.value) : '')) : isScalar(from) && from.value !== null ? [String(from.value)] : [];
  const added = [...new Set(entries)].filter((e) => e && !existing.includes(e));
  if (added.length === 0) return { ok: false, message: 'prior.from already lists every chosen source.' };
  const lineStart = (offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = (offset: number) => {
    const n = text.indexOf('\n', offset);
    return n < 0 ? text.length : n;
  };
  const indentAt = (offset: number) => /^[ \t]*/.exec(text.slice(lineStart(offset)))![0];

  if (isSeq(from) && from.range) {
    if (from.flow) {
      const close = text.lastIndexOf(']', from.range[1]);
      const sep = from.items.length > 0 ? ', ' : '';
      // Before a trailing comma's following space or the closing bracket.
      const before = text.slice(from.range[0], close).trimEnd();
      const at = from.range[0] + before.length;
      const lead = before.endsWith(',') ? ' ' : sep;
      return { ok: true, added, edit: { range: { start: at, end: at }, newText: `${lead}${added.map((e) => yamlPathScalar(e)).join(', ')}` } };
    }
    const last = from.items[from.items.length - 1] as Node | undefined;
    const anchor = last?.range ? last.range[1] : from.range[0];
    const end = lineEnd(Math.max(from.range[0], anchor - 1));
    const itemLine = text.slice(lineStart(from.range[0]), lineEnd(from.range[0]));
    const dash = /^([ \t]*)- /.exec(itemLine)?.[1] ?? indentAt(from.range[0]);
    return { ok: true, added, edit: { range: { start: end, end }, newText: added.map((e) => `\n${dash}- ${yamlPathScalar(e)}`).join('') } };
  }
  if (from && isScalar(from) && from.range) {
    return { ok: true, added, edit: { range: { start: from.range[0], end: from.range[1] }, newText: flowList([...existing, ...added]) } };
  }
  if (isMap(prior) && prior.range) {
    if (fromPair) {
      // `from:` with no value (null).
      const keyNode = fromPair.key as Node;
      const at = lineEnd(keyNode.range![0]);
      return { ok: true, added, edit: { range: { start: at, end: at }, newText: ` ${flowList(added)}` } };
    }
    if (prior.flow) {
      const open = text.indexOf('{', prior.range[0]);
      const empty = prior.items.length === 0;
      return { ok: true, added, edit: { range: { start: open + 1, end: open + 1 }, newText: ` from: ${flowList(added)}${empty ? ' ' : ','}` } };
    }
    const firstKey = (prior.items[0]?.key as Node | undefined)?.range?.[0] ?? prior.range[0];
    const indent = indentAt(firstKey);
    const priorKey = structure.pair(structure.root, 'prior')!.key as Node;
    const at = lineEnd(priorKey.range![0]);
    return { ok: true, added, edit: { range: { start: at, end: at }, newText: `\n${indent}from: ${flowList(added)}` } };
  }
  if (prior !== null && prior !== undefined && !(isScalar(prior) && prior.value === null)) {
    return { ok: false, message: '`prior` is not a mapping; write `prior: { from: [...] }` by hand.' };
  }
  const priorPair = structure.pair(structure.root, 'prior');
  if (priorPair) {
    const at = lineEnd((priorPair.key as Node).range![0]);
    return { ok: true, added, edit: { range: { start: at, end: at }, newText: `\n  from: ${flowList(added)}` } };
  }
  // No `prior` at all: a block before `trials:` (so appended trials stay last), else at the end.
  const trials = structure.pair(structure.root, 'trials');
  const block = `prior:\n  from: ${flowList(added)}\n`;
  if (trials) {
    const at = lineStart((trials.key as Node).range![0]);
    return { ok: true, added, edit: { range: { start: at, end: at }, newText: block } };
  }
  const needsNewline = text.length > 0 && !text.endsWith('\n');
  return { ok: true, added, edit: { range: { start: text.length, end: text.length }, newText: `${needsNewline ? '\n' : ''}${block}` } };
}
