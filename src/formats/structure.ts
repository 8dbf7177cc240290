// The YAML structure index of an experiment file: one parse of one text (a version of a document), with
// source offsets, shared by everything that reads the file's structure — the parser and validation
// (experiment.ts), hover, completion, the minimal edits (edits.ts) and the server's trial locations and
// code lenses. Build it with `structureOf(text)`: the same text gives the same index (a small cache), so a
// request that needs the parse, the hover target and an edit pays for one parse.
//
// Malformed YAML keeps what parses: the yaml package recovers (an unclosed bracket, a bad indent) and the
// index holds whatever nodes it produced, with the errors beside them.
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Parser, YAMLParseError, type CST, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { LineIndex, type OffsetRange } from './text';
import { composeTrialsEdit, reparseTrialsEdit } from './yamlIncremental';

export type YamlPath = (string | number)[];

export interface YamlProblem {
  range: OffsetRange;
  message: string;
  /** Set when the text was not parsed at all for its size (MAX_EXPERIMENT_CHARS). */
  tooLarge?: true;
}

/**
 * The largest text parsed as an experiment file. The YAML parse costs about 2–5 s and 100 MB of memory per MB of
 * text (a 22 MB file took 96 s and 2 GB), and the server parses a file whole on open: a larger file gets one error
 * instead of a parse that would freeze the editor or run `hyperbo tune` out of memory.
 */
export const MAX_EXPERIMENT_CHARS = 8 * 1024 * 1024;

/** What sits at an offset: a mapping key or a scalar value, with its path from the root. */
export interface YamlTarget {
  kind: 'key' | 'value';
  /** Keys by name, sequence items as '*' (the schema's notation). */
  path: YamlPath;
  node: Node;
  range: OffsetRange;
  value?: unknown;
  /** Of a key: the mapping it is a key of. */
  map?: YAMLMap;
}

/** One item of the top-level `trials` sequence. */
export interface TrialItem {
  /** The item's `id` when it is a number. */
  id?: number;
  /** The item's node range: from its first key (after `- `) to the end of its last value (its line break included in block style). */
  range: OffsetRange;
  /** The item is a flow mapping `{ id: 1, ... }`. */
  flow: boolean;
  node: Node;
}

/** The top-level `trials` key and its list. */
export interface TrialsBlock {
  keyRange: OffsetRange;
  /** The value's range; absent for `trials:` with nothing after it. */
  valueRange?: OffsetRange;
  /** The sequence, when the value is one (`[]` is an empty flow sequence). */
  seq?: YAMLSeq;
  /**
   * The span the block occupies in the text: from the key to the start of the next top-level key (or the end
   * of the text), so blank lines and comments after the last trial belong to it.
   */
  span: OffsetRange;
}

const rangeOf = (node: Node | null | undefined): OffsetRange | undefined =>
  node?.range ? { start: node.range[0], end: Math.max(node.range[0], node.range[1]) } : undefined;

const keyName = (pair: Pair): string => {
  const k = pair.key;
  if (isScalar(k)) return String(k.value);
  return k === null || k === undefined ? '' : String(k);
};

const contains = (node: Node | null | undefined, offset: number): boolean =>
  Boolean(node?.range && offset >= node.range[0] && offset <= node.range[1] && node.range[1] > node.range[0]);

export class YamlStructure {
  readonly lines: LineIndex;
  readonly doc: Document;
  /** The root node with aliases resolved, when it is a mapping. */
  readonly root: YAMLMap | undefined;
  readonly errors: YamlProblem[];
  readonly warnings: YamlProblem[];
  /** Every comment (`# …` to the end of its line), in text order. */
  readonly comments: OffsetRange[];
  readonly trialsBlock: TrialsBlock | undefined;
  /** The items of `trials`, in file order (items that are not mappings left out). */
  readonly trials: TrialItem[];
  private readonly byId = new Map<number, TrialItem>();
  /** The concrete syntax tree, kept so the next version of the text can reuse its unchanged trials. */
  readonly tokens: readonly CST.Token[];
  /** True when the tokens came from `base` with only the edited trials re-parsed (yamlIncremental.ts). */
  readonly incremental: boolean;
  /** True when, besides, the Document was built from `base`'s with only the edited trials composed. */
  readonly composedIncrementally: boolean;

  /** With `base` (an index of an earlier version of the text), an edit inside `trials:` re-parses only what it touched. */
  constructor(
    readonly text: string,
    base?: YamlStructure,
  ) {
    this.lines = new LineIndex(text);
    const tooLarge = text.length > MAX_EXPERIMENT_CHARS;
    // Only from a version that parsed with no error: error recovery is not local, so its item boundaries may not be.
    const edit = !tooLarge && base && base.errors.length === 0 ? reparseTrialsEdit(base.text, base.tokens, text) : undefined;
    // Too large: an empty document with one error, so every feature (parse, hover, completion, edits) declines at once.
    const tokens = edit?.tokens ?? [...new Parser().parse(tooLarge ? '' : text)];
    this.tokens = tokens;
    this.incremental = edit !== undefined;
    let doc = edit && base ? composeTrialsEdit(base.doc, edit, text.length) : undefined;
    this.composedIncrementally = doc !== undefined;
    if (!doc) {
      const composer = new Composer({ uniqueKeys: false, prettyErrors: false, strict: false });
      for (const d of composer.compose(tokens, true, text.length)) {
        if (!doc) doc = d as Document;
        else {
          doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; an experiment file holds one'));
          break;
        }
      }
    }
    this.doc = doc!;
    // The yaml package may point one past the end of the text (e.g. a missing closing bracket).
    const clamp = (n: number) => Math.max(0, Math.min(n, text.length));
    const problem = (e: { pos: [number, number]; message: string }): YamlProblem => ({
      range: { start: clamp(e.pos[0]), end: clamp(Math.max(e.pos[0], e.pos[1])) },
      // The yaml package appends a source excerpt after the first line; the editor shows the location itself.
      message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
    });
    this.errors = this.doc.errors.map(problem);
    if (tooLarge) {
      const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
      this.errors.push({
        range: { start: 0, end: 0 },
        message:
          `The file is ${mb(text.length)} MB, more than the ${mb(MAX_EXPERIMENT_CHARS)} MB HyperBO reads as an experiment file (MAX_EXPERIMENT_CHARS); ` +
          'it is not parsed. Move finished trials to another experiment file and name it in prior.from.',
        tooLarge: true,
      });
    }
    this.warnings = this.doc.warnings.map(problem);
    // After an incremental parse only the re-parsed span's comments are collected; the others are the base's, moved.
    this.comments =
      edit && base
        ? [
            ...base.comments.filter((c) => c.start < edit.spanStart),
            ...collectComments(edit.tokens, text, edit.spanStart, edit.oldSpanEnd + edit.delta),
            ...base.comments.filter((c) => c.start >= edit.oldSpanEnd).map((c) => ({ start: c.start + edit.delta, end: c.end + edit.delta })),
          ]
        : collectComments(tokens, text);
    const root = this.deref(this.doc.contents as Node | null);
    this.root = isMap(root) ? root : undefined;
    const { block, items } = this.indexTrials();
    this.trialsBlock = block;
    this.trials = items;
    for (const t of items) if (t.id !== undefined && !this.byId.has(t.id)) this.byId.set(t.id, t);
  }

  /** Resolves an alias to its anchor's node (null when it cannot be). */
  deref(node: unknown): Node | null {
    if (isAlias(node)) {
      try {
        return (node.resolve(this.doc) as Node | undefined) ?? null;
      } catch {
        return null;
      }
    }
    return (node as Node | null | undefined) ?? null;
  }

  /** The first pair of `map` with this key. */
  pair(map: YAMLMap | null | undefined, key: string): Pair<Node, Node | null> | undefined {
    if (!map) return undefined;
    for (const p of map.items) if (isPair(p) && keyName(p) === key) return p as Pair<Node, Node | null>;
    return undefined;
  }

  /** The value node at a path of keys and item indices from the root (aliases resolved). */
  get(path: YamlPath): Node | null {
    let node: Node | null = this.root ?? null;
    for (const step of path) {
      if (typeof step === 'number') node = isSeq(node) ? this.deref(node.items[step]) : null;
      else node = isMap(node) ? this.deref(this.pair(node, step)?.value) : null;
      if (!node) return null;
    }
    return node;
  }

  /** The key or scalar value at `offset`, with its path; undefined between nodes and inside comments. */
  at(offset: number): YamlTarget | undefined {
    const locate = (node: Node | null | undefined, path: YamlPath): YamlTarget | undefined => {
      if (!node) return undefined;
      if (isMap(node)) {
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const key = pair.key as Node | null;
          const name = isScalar(key) ? String(key.value) : '';
          if (contains(key, offset)) return { kind: 'key', path: [...path, name], node: key!, range: rangeOf(key)!, map: node };
          if (contains(pair.value as Node | null, offset)) return locate(pair.value as Node, [...path, name]);
        }
        return undefined;
      }
      if (isSeq(node)) {
        const item = itemAt(node, offset);
        return item ? locate(item, [...path, '*']) : undefined;
      }
      if (isScalar(node)) return { kind: 'value', path, node, range: rangeOf(node)!, value: node.value };
      return undefined;
    };
    return locate(this.doc.contents as Node | null, []);
  }

  /** True when `offset` is inside a comment: after its `#`, up to the end of its line. */
  inComment(offset: number): boolean {
    let lo = 0;
    let hi = this.comments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.comments[mid]!;
      // After the `#` up to the end of the line (a cursor before the `#` is not in the comment).
      if (offset <= c.start) hi = mid - 1;
      else if (offset > c.end) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** The trial item with this id (the first one when an id repeats). */
  trial(id: number): TrialItem | undefined {
    return this.byId.get(id);
  }

  /** The trial item whose range contains `offset`. */
  trialAt(offset: number): TrialItem | undefined {
    let lo = 0;
    let hi = this.trials.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = this.trials[mid]!;
      if (offset < t.range.start) hi = mid - 1;
      else if (offset > t.range.end) lo = mid + 1;
      else return t;
    }
    return undefined;
  }

  /** The largest numeric trial id, or 0. */
  get maxTrialId(): number {
    let max = 0;
    for (const t of this.trials) if (t.id !== undefined && Number.isFinite(t.id)) max = Math.max(max, t.id);
    return max;
  }

  private indexTrials(): { block?: TrialsBlock; items: TrialItem[] } {
    const items: TrialItem[] = [];
    const root = this.root;
    const pair = this.pair(root, 'trials');
    if (!root || !pair) return { items };
    const keyRange = rangeOf(pair.key)!;
    const value = this.deref(pair.value);
    const seq = isSeq(value) ? value : undefined;
    // The block ends where the next top-level key starts.
    const index = root.items.indexOf(pair);
    const next = root.items.slice(index + 1).find((p) => isPair(p) && (p.key as Node | null)?.range) as Pair<Node> | undefined;
    let end = next ? this.lines.offsetAt({ line: this.lines.positionAt(next.key.range![0]).line, character: 0 }) : this.text.length;
    if (root.flow) end = Math.max(keyRange.end, next ? next.key.range![0] : rangeOf(root)!.end);
    const block: TrialsBlock = { keyRange, span: { start: keyRange.start, end: Math.max(keyRange.end, end) } };
    const valueRange = rangeOf(pair.value);
    if (valueRange && valueRange.end > valueRange.start) block.valueRange = valueRange;
    if (seq) block.seq = seq;
    for (const raw of seq?.items ?? []) {
      // An alias (`- *t1`) is another item's text, not a place of its own: edits and locations skip it.
      const item = isAlias(raw) ? null : (raw as Node | null);
      if (!isMap(item) || !item.range) continue;
      const idNode = this.deref(this.pair(item, 'id')?.value);
      const id = isScalar(idNode) && typeof idNode.value === 'number' ? idNode.value : undefined;
      items.push({ ...(id !== undefined ? { id } : {}), range: rangeOf(item)!, flow: Boolean(item.flow), node: item });
    }
    return { block, items };
  }
}

/** The item of a sequence containing `offset`: a binary search over the items' ranges (in text order). */
function itemAt(seq: YAMLSeq, offset: number): Node | undefined {
  const items = seq.items as (Node | null)[];
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const range = items[mid]?.range;
    // An item without a range breaks the order: look at every item instead.
    if (!range) return items.find((item) => contains(item, offset)) ?? undefined;
    if (offset < range[0]) hi = mid - 1;
    else if (offset > range[1]) lo = mid + 1;
    else return contains(items[mid], offset) ? items[mid]! : undefined;
  }
  return undefined;
}

/** The fields of CST tokens that hold other tokens (the rest are strings and numbers). */
const CHILDREN = ['start', 'key', 'sep', 'value', 'end', 'items', 'props'] as const;

/**
 * Comment ranges from the parser's tokens (linear in their number; the CST is a tree); with `from` and `to`, only
 * those starting in [from, to), skipping sequence and mapping items that end before `from` or start at `to` or later.
 */
function collectComments(tokens: readonly unknown[], text: string, from = 0, to = Infinity): OffsetRange[] {
  const out: OffsetRange[] = [];
  const bounded = from > 0 || to < Infinity;
  const visit = (t: unknown): void => {
    if (Array.isArray(t)) {
      if (bounded && t.length > 8) {
        // Items of a collection are in text order: look only at those that may overlap [from, to).
        const first = firstOffset(t[0]);
        if (first !== undefined) {
          let lo = 0;
          let hi = t.length;
          // The last item starting at or before `from` may hold it; those after start later.
          while (hi - lo > 1) {
            const mid = (lo + hi) >> 1;
            const o = firstOffset(t[mid]);
            if (o === undefined) return visitAll(t);
            if (o <= from) lo = mid;
            else hi = mid;
          }
          for (let i = lo; i < t.length; i++) {
            const o = firstOffset(t[i]);
            if (o !== undefined && o >= to) break;
            visit(t[i]);
          }
          return;
        }
      }
      for (const x of t) visit(x);
      return;
    }
    if (!t || typeof t !== 'object') return;
    const token = t as Record<string, unknown> & { type?: string; offset?: number; source?: string };
    if (token.type === 'comment' && typeof token.offset === 'number' && typeof token.source === 'string') {
      if (token.offset < from || token.offset >= to) return;
      out.push({ start: token.offset, end: Math.min(text.length, token.offset + token.source.length) });
      return;
    }
    for (const k of CHILDREN) if (token[k] && typeof token[k] === 'object') visit(token[k]);
  };
  const visitAll = (t: unknown[]): void => {
    for (const x of t) visit(x);
  };
  visit(tokens);
  return out.sort((a, b) => a.start - b.start);
}

/** The offset of the first source token of a CST item or token (its text starts there), when it has one. */
function firstOffset(t: unknown): number | undefined {
  if (!t || typeof t !== 'object') return undefined;
  const token = t as Record<string, unknown> & { offset?: number; source?: string };
  if (typeof token.offset === 'number' && typeof token.source === 'string') return token.offset;
  // A collection item: its start tokens, else its key, separator or value (in text order).
  for (const k of ['start', 'key', 'sep', 'value'] as const) {
    const v = token[k];
    if (Array.isArray(v)) {
      if (v.length > 0) return firstOffset(v[0]);
    } else if (v && typeof v === 'object') {
      const o = (v as { offset?: number }).offset;
      if (typeof o === 'number') return o;
    }
  }
  return typeof token.offset === 'number' ? token.offset : undefined;
}

const CACHE_SIZE = 8;
const cache = new Map<string, YamlStructure>();

/**
 * The structure index of `text`; the same text returns the same index while it is among the last few used. With
 * `previous` (the text this one was edited from), an edit inside `trials:` re-parses only the trials it touched;
 * without it (a completion or hover on an editor text the index has not seen yet), the last index used is tried as
 * the text it was edited from (another file's simply gives a full parse).
 */
export function structureOf(text: string, previous?: string): YamlStructure {
  const hit = cache.get(text);
  if (hit) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  let base = previous === undefined ? undefined : cache.get(previous);
  if (!base) for (const s of cache.values()) base = s;
  const built = new YamlStructure(text, base);
  cache.set(text, built);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return built;
}
