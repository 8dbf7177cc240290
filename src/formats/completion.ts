// Completion for experiment files: keys and enum values from the JSON Schema, parameter names under a
// trial's params, categorical choices, and `${...}` placeholders in run. The search space and comments come
// from the file's structure index (structure.ts), and so does the path at the cursor: the line being typed
// (`  go|`, `- `) is not yet the YAML it will become, so it is read as the key it will be (blockPlace); flow brackets
// opened on the line itself are followed by a scan of that line.
import { structureParameters, type Parameter } from './experiment';
import { isMap, isPair, isScalar } from 'yaml';
import { structureOf, YamlStructure } from './structure';
import { enumDescription, formatPath, schemaAtPath, schemaTypes, type SchemaNode } from './experimentSchema';
import { markdownCode } from '../shared/markdown';
import type { OffsetRange } from './text';

export type CompletionKind = 'key' | 'value' | 'parameter' | 'placeholder';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** Text replacing `range`. */
  insertText: string;
  /** The span the completion replaces (the partial word around the cursor). */
  range: OffsetRange;
  /** Short type information, e.g. "string: minimize | maximize". */
  detail?: string;
  /** Markdown documentation from the schema. */
  documentation?: string;
}

export interface CompletionOptions {
  /** Metric names seen in this experiment's logs, offered for objective.metric. */
  metricNames?: readonly string[];
}

type Path = (string | number)[];

interface LineShape {
  /** The column after the indentation and any `- ` markers: where the line's key starts. */
  keyColumn: number;
  /** The line's key when it has one (`key:`), unquoted. */
  key?: string;
}

function shapeOf(line: string): LineShape {
  const m = /^(\s*(?:-(?:\s+|$))*)(.*)$/.exec(line)!;
  const km = /^("[^"]*"|'[^']*'|[^\s#:"'][^:#]*?)\s*:(?:\s+|$)/.exec(m[2]!);
  return { keyColumn: m[1]!.length, ...(km ? { key: km[1]!.replace(/^["']|["']$/g, '') } : {}) };
}

/** The key the line being typed is replaced with to read where it stands (a name no experiment file uses). */
const CURSOR_KEY = '__hyperbo_cursor__';

/**
 * Where a block line stands in the document: the path of the mapping its key will belong to (sequence items as
 * `*`, one per `- ` on the line) and the keys that mapping already has. The line being typed (`  go|`, `- `) is not
 * yet the YAML it will become, so it is replaced by what it will be, `<indent><dashes>__hyperbo_cursor__: 0`, and
 * that text's structure index (structure.ts: comments, blank lines, flow collections, the end of the file all as
 * the YAML parser reads them) says where the key is. Undefined when the document around it does not parse into
 * a place for a key.
 */
function blockPlace(text: string, lineStart: number, head: string): { path: Path; siblings: Set<string> } | undefined {
  const nl = text.indexOf('\n', lineStart);
  const lineEnd = nl < 0 ? text.length : text[nl - 1] === '\r' ? nl - 1 : nl;
  const probe = new YamlStructure(text.slice(0, lineStart) + `${head}${CURSOR_KEY}: 0` + text.slice(lineEnd));
  const at = probe.at(lineStart + head.length);
  if (at?.kind !== 'key' || at.path[at.path.length - 1] !== CURSOR_KEY) return undefined;
  const siblings = new Set<string>();
  for (const pair of at.map?.items ?? []) {
    const key = isPair(pair) && isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key !== undefined && key !== CURSOR_KEY) siblings.add(key);
  }
  return { path: at.path.slice(0, -1), siblings };
}

interface FlowFrame {
  bracket: '{' | '[';
  key?: string;
  keys: Set<string>;
}

/** Scans a line prefix for unclosed flow brackets; returns where the block part ends and the open frames. */
function scanFlow(prefix: string): { blockEnd: number; frames: FlowFrame[]; segment: string; inComment: boolean } {
  const frames: FlowFrame[] = [];
  let blockEnd = -1;
  let segmentStart = 0;
  let quote: string | undefined;
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(prefix[i - 1]!))) return { blockEnd, frames, segment: '', inComment: true };
    else if (ch === '{' || ch === '[') {
      const before = prefix.slice(segmentStart, i);
      const key = /([^\s,{}[\]:"']+|"[^"]*"|'[^']*')\s*:\s*$/.exec(before)?.[1]?.replace(/^["']|["']$/g, '');
      if (frames.length === 0) blockEnd = i;
      frames.push({ bracket: ch, key: frames.length === 0 ? undefined : key, keys: new Set() });
      segmentStart = i + 1;
    } else if (ch === '}' || ch === ']') {
      frames.pop();
      if (frames.length === 0) blockEnd = -1;
      segmentStart = i + 1;
    } else if (ch === ',' && frames.length) {
      const seg = prefix.slice(segmentStart, i);
      const k = /^\s*([^\s:{}[\],]+)\s*:/.exec(seg)?.[1];
      if (k) frames[frames.length - 1]!.keys.add(k);
      segmentStart = i + 1;
    }
  }
  return { blockEnd, frames, segment: prefix.slice(segmentStart), inComment: false };
}

const WORD_AFTER = /^[\w./-]*/;

function detailOf(schema: SchemaNode | undefined): string | undefined {
  if (!schema) return undefined;
  const types = schemaTypes(schema).join(' | ');
  return schema.enum ? `${types}: ${schema.enum.join(' | ')}` : types || undefined;
}

function paramDetail(p: Parameter): string {
  return p.type === 'categorical' ? `categorical: ${p.choices.join(' | ')}` : `${p.type} in [${p.low}, ${p.high}]${p.scale === 'log' ? ', log scale' : ''}`;
}

/** Parameters of the search space, read leniently (the file may be mid-edit). */
function parametersOf(structure: YamlStructure): Parameter[] {
  const parsed = structureParameters(structure);
  return parsed.length ? parsed : lenientParameters(structure);
}

function lenientParameters(structure: YamlStructure): Parameter[] {
  // Fall back to the parameter names under `search_space` (as far as the file parses) when the rest is broken.
  const space = structure.get(['search_space']);
  if (!isMap(space)) return [];
  return space.items.flatMap((pair) =>
    isPair(pair) && isScalar(pair.key) ? [{ name: String(pair.key.value), type: 'categorical' as const, choices: [], range: { start: 0, end: 0 } }] : [],
  );
}

/** Completion items at `offset` in an experiment file's text. */
export function completeAt(input: string | YamlStructure, offset: number, options: CompletionOptions = {}): CompletionItem[] {
  const structure = typeof input === 'string' ? structureOf(input) : input;
  try {
    return complete(structure, Math.max(0, Math.min(offset, structure.text.length)), options);
  } catch {
    return [];
  }
}

function complete(structure: YamlStructure, offset: number, options: CompletionOptions): CompletionItem[] {
  const text = structure.text;
  if (structure.inComment(offset)) return [];
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const prefix = text.slice(lineStart, offset).replace(/\r$/, '');
  const lineEndIdx = text.indexOf('\n', offset);
  const suffix = text.slice(offset, lineEndIdx < 0 ? text.length : lineEndIdx).replace(/\r$/, '');

  const placeholder = /\$\{([\w.-]*)$/.exec(prefix);
  if (placeholder) {
    const start = offset - placeholder[1]!.length;
    const after = WORD_AFTER.exec(suffix)![0];
    const close = suffix.slice(after.length).startsWith('}') ? '' : '}';
    const range = { start, end: offset + after.length };
    const params = parametersOf(structure);
    return [
      { label: 'trial', kind: 'placeholder', insertText: `trial${close}`, range, detail: 'the trial id', documentation: 'Expands to the trial\'s id.' },
      { label: 'run', kind: 'placeholder', insertText: `run${close}`, range, detail: 'the run id', documentation: 'Expands to the id of the trial\'s run, new each time it runs: `runs/${trial}-${run}/metrics.jsonl` gives each run its own log.' },
      ...params.map((p): CompletionItem => ({ label: p.name, kind: 'placeholder', insertText: `${p.name}${close}`, range, detail: paramDetail(p), documentation: `Expands to the trial's value of ${markdownCode(p.name)}.` })),
    ];
  }

  const flow = scanFlow(prefix);
  if (flow.inComment) return [];
  const blockPart = flow.frames.length ? prefix.slice(0, flow.blockEnd) : prefix;
  const shape = shapeOf(blockPart);
  const column = shape.keyColumn;
  const place = blockPlace(text, lineStart, blockPart.slice(0, column));
  if (!place) return [];
  const path: Path = place.path;

  let mode: 'key' | 'value';
  let key: string | undefined;
  let partial: string;
  let present: Set<string>;
  if (flow.frames.length) {
    if (shape.key !== undefined) path.push(shape.key);
    flow.frames.forEach((frame, i) => {
      if (i > 0 && frame.key !== undefined) path.push(frame.key);
      if (frame.bracket === '[') path.push('*');
    });
    const inner = flow.frames[flow.frames.length - 1]!;
    const kv = /^\s*([^\s:{}[\],]+)\s*:\s*(.*)$/.exec(flow.segment);
    if (inner.bracket === '[') {
      mode = 'value';
      partial = flow.segment.trimStart();
    } else if (kv) {
      mode = 'value';
      key = kv[1]!;
      partial = kv[2]!;
    } else {
      mode = 'key';
      partial = flow.segment.trimStart();
    }
    present = new Set(inner.keys);
    // Keys later on the same line inside the same mapping.
    for (const m of suffix.matchAll(/[{,]\s*([^\s:{}[\],]+)\s*:/g)) present.add(m[1]!);
  } else {
    const rest = blockPart.slice(column);
    const kv = /^("[^"]*"|'[^']*'|[^\s#:"'][^:#]*?)\s*:\s+(.*)$/.exec(rest);
    if (kv) {
      mode = 'value';
      key = kv[1]!.replace(/^["']|["']$/g, '');
      partial = kv[2]!;
    } else if (/^[\w./-]*$/.test(rest)) {
      mode = 'key';
      partial = rest;
    } else return [];
    present = place.siblings;
  }
  if (!/^[\w./"'-]*$/.test(partial)) return [];
  const after = WORD_AFTER.exec(suffix)![0];
  const range = { start: offset - partial.length, end: offset + after.length };
  const hasColon = /^[\w./-]*\s*:/.test(suffix);

  if (mode === 'key') {
    const parent = schemaAtPath(path);
    if (path.length === 3 && path[0] === 'trials' && path[2] === 'params') {
      return parametersOf(structure)
        .filter((p) => !present.has(p.name))
        .map((p) => ({ label: p.name, kind: 'parameter', insertText: hasColon ? p.name : `${p.name}: `, range, detail: paramDetail(p) }));
    }
    if (!parent || !schemaTypes(parent).includes('object') || !parent.properties) {
      // A sequence of mappings whose `- ` is not typed yet has no key suggestions; neither has search_space.
      return [];
    }
    return Object.entries(parent.properties)
      .filter(([name]) => !present.has(name) || name === partial)
      .map(([name, sub]) => {
        const s = schemaAtPath([...path, name]);
        return {
          label: name,
          kind: 'key' as const,
          insertText: hasColon ? name : `${name}: `,
          range,
          detail: detailOf(s ?? sub),
          documentation: (s ?? sub).description,
        };
      });
  }
  const fullPath = key === undefined ? path : [...path, key];
  if (fullPath.length === 4 && fullPath[0] === 'trials' && fullPath[2] === 'params') {
    const p = parametersOf(structure).find((q) => q.name === fullPath[3]);
    if (p?.type !== 'categorical') return [];
    return p.choices.map((c) => ({ label: String(c), kind: 'value', insertText: String(c), range, detail: paramDetail(p) }));
  }
  if (fullPath.length === 2 && fullPath[0] === 'objective' && fullPath[1] === 'metric') {
    return (options.metricNames ?? []).map((m) => ({ label: m, kind: 'value', insertText: /^[\w./-]+$/.test(m) ? m : JSON.stringify(m), range, detail: 'metric in the logs' }));
  }
  const schema = schemaAtPath(fullPath);
  if (!schema) return [];
  const values = schema.enum ?? (schemaTypes(schema).includes('boolean') ? [true, false] : []);
  return values.map((v) => ({
    label: String(v),
    kind: 'value',
    insertText: String(v),
    range,
    detail: formatPath(fullPath),
    documentation: enumDescription(schema, v),
  }));
}
