// Incremental re-parse of an experiment file's `trials:` list: after an edit that stays inside the top-level block
// sequence of trials (a trial appended, a value changed, a trial deleted), only the edited items' text goes through
// the yaml lexer and parser; the other items' concrete syntax tree (CST) tokens are reused, those after the edit with
// their offsets moved. The result is the CST a full parse of the new text gives (test/unit/formats/yamlIncremental
// checks this on random edits), so composing it gives the same Document, errors and ranges.
//
// It answers only where that holds by construction, and returns undefined (parse everything) otherwise:
// - the old text parsed with no error (the caller checks: the parser's error recovery can move item boundaries);
// - the old CST is one document whose root is a block map holding a plain `trials` key with a block sequence;
// - the re-parsed span runs from the start of an item's `-` line to the start of a later item's `-` line (or to the
//   end of the sequence when what follows is a line starting at column 0 with a key, or the end of the text), so the
//   parser is in the same state at both ends whatever the edit did;
// - every line of the span is indented at least as far as the sequence (or blank), so nothing in it can close the
//   outer mapping; and the span alone parses and composes with no error (no unclosed quote or bracket, no alias to
//   an anchor outside it) into one block sequence at the same indent.
import { Composer, isCollection, isMap, isPair, isSeq, Pair, Parser, type CST, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';

type Token = CST.Token;
type SeqItem = CST.BlockSequence['items'][number];
type MapItem = CST.BlockMap['items'][number];

/** Tokens that may stand outside the document in a stream (before it). */
const TRIVIA = new Set(['space', 'newline', 'comment']);

/** The common prefix and suffix lengths of two texts (the suffix never overlaps the prefix). */
export function commonEnds(a: string, b: string): { prefix: number; suffix: number } {
  const n = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < n && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < n - prefix && a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix)) suffix++;
  return { prefix, suffix };
}

/** A deep copy of a CST node with every token's offset moved by `delta` (offsets are the only absolute positions). */
function shifted<T>(node: T, delta: number): T {
  if (Array.isArray(node)) return node.map((n: unknown) => shifted(n, delta)) as T;
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'offset' && typeof v === 'number' ? v + delta : shifted(v, delta);
  return out as T;
}

const seqItemStart = (item: SeqItem): number | undefined => item.start[0]?.offset ?? item.value?.offset;
const mapItemStart = (item: MapItem): number | undefined => item.start[0]?.offset ?? item.key?.offset ?? item.sep?.[0]?.offset ?? item.value?.offset;

/** The item starts right at its `-` line: the indent as one space token (none at indent 0), then the `-`. */
function startsAtDash(item: SeqItem, indent: number): boolean {
  const s = item.start;
  if (indent === 0) return s[0]?.type === 'seq-item-ind';
  return s[0]?.type === 'space' && s[0].source.length === indent && s[1]?.type === 'seq-item-ind';
}

/** Token types that end a value for good (a block scalar's chomping looks past it; a comment is placed by what follows). */
const ENDS_VALUE = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'flow-map-end', 'flow-seq-end']);

/** The last two source tokens (those with text) in text order. */
function lastTwoTokens(tokens: readonly Token[]): [CST.SourceToken | undefined, CST.SourceToken | undefined] {
  let last: CST.SourceToken | undefined;
  let before: CST.SourceToken | undefined;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const t = node as CST.SourceToken;
    if (typeof t.source === 'string' && typeof t.offset === 'number') {
      if (!last || t.offset > last.offset) [before, last] = [last, t];
      else if (!before || t.offset > before.offset) before = t;
    }
    for (const v of Object.values(node)) if (v && typeof v === 'object') visit(v);
  };
  visit(tokens);
  return [before, last];
}

function hasError(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasError);
  if (!node || typeof node !== 'object') return false;
  if ((node as { type?: string }).type === 'error') return true;
  for (const v of Object.values(node)) if (v && typeof v === 'object' && hasError(v)) return true;
  return false;
}

/**
 * An edit of `text` inside `trials:`: items first..last of the old sequence (old text [spanStart, oldSpanEnd)) replaced
 * by `count` re-parsed items, and `tokens`, the CST of the new text.
 */
export interface TrialsEdit {
  tokens: Token[];
  first: number;
  last: number;
  count: number;
  spanStart: number;
  oldSpanEnd: number;
  delta: number;
}

/**
 * The CST of `text`, built from `old` (the CST of `oldText`, which composed with no error) by re-parsing only the
 * edited trials, with where the edit lies (for composeTrialsEdit); undefined when the edit is not one this can do
 * exactly (the caller then parses the whole text).
 */
export function reparseTrialsEdit(oldText: string, old: readonly Token[], text: string): TrialsEdit | undefined {
  const docIndex = old.findIndex((t) => t.type === 'document');
  if (docIndex < 0 || old.slice(0, docIndex).some((t) => !TRIVIA.has(t.type)) || docIndex !== old.length - 1) return undefined;
  const doc = old[docIndex] as CST.Document;
  const root = doc.value;
  if (!root || root.type !== 'block-map' || root.indent !== 0) return undefined;
  const pairIndex = root.items.findIndex((p) => p.key?.type === 'scalar' && p.key.source === 'trials');
  const pair = root.items[pairIndex];
  const seq = pair?.value;
  if (!pair || !seq || seq.type !== 'block-seq' || seq.items.length < 2) return undefined;

  const { prefix, suffix } = commonEnds(oldText, text);
  const delta = text.length - oldText.length;
  const editStart = prefix;
  const editEnd = oldText.length - suffix;
  // Where each item starts; the sequence ends where the next thing in the document starts.
  const starts = seq.items.map(seqItemStart);
  if (starts.some((s) => s === undefined)) return undefined;
  const nextPair = root.items[pairIndex + 1];
  const seqEnd = (nextPair && mapItemStart(nextPair)) ?? doc.end?.[0]?.offset ?? oldText.length;
  const end = (i: number) => (i + 1 < starts.length ? starts[i + 1]! : seqEnd);
  // The edit must lie inside the items, after the first one's `-` (what precedes it belongs to the `trials:` key).
  if (editStart <= starts[0]! || editEnd > seqEnd) return undefined;

  // The first and last items the edit touches (touching an item's end counts: an insertion there may extend it).
  let first = 0;
  while (first + 1 < starts.length && end(first) < editStart) first++;
  let last = first;
  while (last + 1 < starts.length && starts[last + 1]! <= editEnd) last++;
  // Widen to boundaries where the parser's state is known: an item's `-` line.
  while (first > 0 && !startsAtDash(seq.items[first]!, seq.indent)) first--;
  if (first === 0) return undefined;
  while (last + 1 < starts.length && !startsAtDash(seq.items[last + 1]!, seq.indent)) last++;
  const spanStart = starts[first]!;
  const oldSpanEnd = end(last);
  if (last + 1 === starts.length) {
    // The span ends the sequence: what follows must start a new top-level key at column 0 (or be the end).
    const next = oldText.charAt(seqEnd);
    if (seqEnd < oldText.length && (next === ' ' || next === '\t' || next === '#' || next === '\n' || next === '\r' || next === '-' || next === '.')) return undefined;
  }
  const spanEnd = oldSpanEnd + delta;
  const chunk = text.slice(spanStart, spanEnd);
  if (!chunk.endsWith('\n') || oldText.charAt(spanStart - 1) !== '\n') return undefined;
  // Every line indented at least as far as the sequence, or blank.
  const lead = ' '.repeat(seq.indent);
  const lines = chunk.slice(0, -1).split('\n');
  for (const line of lines) {
    if (!line.startsWith(lead) && line.trim() !== '') return undefined;
    if (line.includes('\r') || line.includes('\t')) return undefined;
  }
  // A blank or comment line at the end would open the next item in the file, but close the span's last one alone.
  const lastLine = lines[lines.length - 1]!.trim();
  if (lastLine === '' || lastLine.startsWith('#')) return undefined;

  const tokens = [...new Parser().parse(chunk)];
  const chunkDoc = tokens[tokens.length - 1];
  if (tokens.length !== 1 || chunkDoc?.type !== 'document' || (chunkDoc.end?.length ?? 0) > 0 || hasError(tokens)) return undefined;
  const chunkSeq = chunkDoc.value;
  if (!chunkSeq || chunkSeq.type !== 'block-seq' || chunkSeq.indent !== seq.indent || !chunkSeq.items[chunkSeq.items.length - 1]?.value) return undefined;
  // The span must end with a value and its line break: a comment or an empty value there is placed by what follows.
  const [beforeLast, lastToken] = lastTwoTokens(tokens);
  if (lastToken?.type !== 'newline' || !ENDS_VALUE.has(beforeLast?.type ?? '')) return undefined;
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false, strict: false });
  for (const d of composer.compose(tokens, true, chunk.length)) if (d.errors.length > 0) return undefined;
  // The indent before the first `-` opens the document in the chunk; in the file it opens the item.
  const items = shifted(chunkSeq.items, spanStart);
  items[0] = { ...items[0]!, start: [...shifted(chunkDoc.start, spanStart), ...items[0]!.start] };

  const newSeq: CST.BlockSequence = {
    ...seq,
    items: [...seq.items.slice(0, first), ...items, ...shifted(seq.items.slice(last + 1), delta)],
  };
  const newRoot: CST.BlockMap = {
    ...root,
    items: [...root.items.slice(0, pairIndex), { ...pair, value: newSeq }, ...shifted(root.items.slice(pairIndex + 1), delta)],
  };
  const newDoc: CST.Document = { ...doc, value: newRoot, ...(doc.end ? { end: shifted(doc.end, delta) } : {}) };
  return { tokens: [...old.slice(0, docIndex), newDoc], first, last, count: items.length, spanStart, oldSpanEnd, delta };
}

/** A copy of a node, document or collection sharing its fields (items, ranges and all) with the original. */
function shallowCopy<T extends object>(x: T): T {
  return Object.create(Object.getPrototypeOf(x) as object, Object.getOwnPropertyDescriptors(x)) as T;
}

/** A deep copy of composed nodes with every range moved by `delta` (ranges are their only absolute positions). */
function shiftedNode<T extends Node | Pair>(node: T, delta: number): T {
  const copy = node.clone() as T;
  const visit = (n: unknown): void => {
    if (isPair(n)) {
      visit(n.key);
      visit(n.value);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const r = (n as Node).range;
    if (r) (n as Node).range = [r[0] + delta, r[1] + delta, r[2] + delta];
    if (isCollection(n)) for (const it of n.items) visit(it);
  };
  visit(copy);
  return copy;
}

/**
 * The Document composing `edit.tokens` gives, built from `old` (the Document of the text before the edit, with no
 * error or warning) by composing only the re-parsed items: those before the edit are reused, those after it copied
 * with their ranges moved, and the ranges of the sequence, the root mapping and the document recomputed as the yaml
 * composer computes them. Undefined (compose everything) when that is not exact by construction: the new items
 * compose with an error or warning alone, or a collection holds a comment-only entry (which moves a range's end).
 * The old Document is not modified (it stays valid for its text).
 */
export function composeTrialsEdit(old: Document, edit: TrialsEdit, textLength: number): Document | undefined {
  if (old.errors.length > 0 || old.warnings.length > 0) return undefined;
  const docCst = edit.tokens[edit.tokens.length - 1] as CST.Document;
  const rootCst = docCst.value as CST.BlockMap;
  const pairIndex = rootCst.items.findIndex((p) => p.key?.type === 'scalar' && p.key.source === 'trials');
  const pairCst = rootCst.items[pairIndex]!;
  const seqCst = pairCst.value as CST.BlockSequence;
  // Comment-only entries (no `-`, no key) end a collection's range at the comment: not recomputed here.
  if (seqCst.items.some((it) => !it.value) || rootCst.items.some((it) => !it.key || !it.sep)) return undefined;
  const oldRoot = old.contents;
  if (!isMap(oldRoot) || oldRoot.items.length !== rootCst.items.length || !oldRoot.range || oldRoot.range[1] !== oldRoot.range[2]) return undefined;
  const oldPair = oldRoot.items[pairIndex];
  const oldSeq = oldPair?.value;
  if (!isPair(oldPair) || !isSeq(oldSeq) || !oldSeq.range || !old.range) return undefined;
  if (oldSeq.items.length - (edit.last - edit.first + 1) + edit.count !== seqCst.items.length) return undefined;

  // The new items, composed under the same mapping and sequence tokens (the composer's state between items is
  // only the previous item's end, which positions errors on an item without `-`: every item here has one).
  const newItems = seqCst.items.slice(edit.first, edit.first + edit.count);
  const newSeq: CST.BlockSequence = { ...seqCst, items: newItems };
  const synthetic: CST.Document = { ...docCst, value: { ...rootCst, items: [{ ...pairCst, value: newSeq } as MapItem] } };
  delete synthetic.end;
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false, strict: false });
  const docs = [...composer.compose([synthetic], true, textLength)];
  const part = docs[0];
  if (docs.length !== 1 || !part || part.errors.length > 0 || part.warnings.length > 0) return undefined;
  const partSeq = isMap(part.contents) && isPair(part.contents.items[0]) ? part.contents.items[0].value : undefined;
  if (!isSeq(partSeq) || partSeq.items.length !== edit.count) return undefined;

  const seq = shallowCopy(oldSeq as YAMLSeq);
  seq.items = [
    ...oldSeq.items.slice(0, edit.first),
    ...partSeq.items,
    ...oldSeq.items.slice(edit.last + 1).map((n) => shiftedNode(n as Node, edit.delta)),
  ];
  const lastItem = seq.items[seq.items.length - 1] as Node | undefined;
  if (!lastItem?.range) return undefined;
  // resolveBlockSeq: from the sequence's start to its last item's end.
  seq.range = [oldSeq.range[0], lastItem.range[2], lastItem.range[2]];
  const root = shallowCopy(oldRoot as YAMLMap);
  root.items = [...oldRoot.items.slice(0, pairIndex), new Pair(oldPair.key, seq), ...oldRoot.items.slice(pairIndex + 1).map((p) => shiftedNode(p, edit.delta))];
  // resolveBlockMap: to the end of its last value (the sequence's when `trials` is the last key).
  const rootEnd = pairIndex === oldRoot.items.length - 1 ? seq.range[2] : oldRoot.range[1] + edit.delta;
  root.range = [oldRoot.range[0], rootEnd, rootEnd];
  const doc = shallowCopy(old);
  doc.contents = root;
  doc.errors = [];
  doc.warnings = [];
  // composeDoc: the contents' end, then the end of the document's end tokens (`...`, comments) when it has any.
  doc.range = [old.range[0], rootEnd, (docCst.end?.length ?? 0) > 0 ? old.range[2] + edit.delta : rootEnd];
  return doc;
}
