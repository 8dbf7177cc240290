// Training-log parsers: JSON Lines, CSV with a header row, and free text with `key=value` / `key: value`
// pairs. The format is detected per file from its first non-blank line; parsers never throw. LineCodec is how the
// tail (tail.ts) cuts such a log into records.
import type { RecordCodec, RecordFrame } from './tail';

export type LogFormat = 'jsonl' | 'csv' | 'text';

/** One logged row: the step it belongs to (when the line names one) and its numeric metrics, names as written. */
export interface LogRecord {
  step?: number;
  /** NaN and ±Infinity are kept: they are how divergence shows up in a log. */
  metrics: Record<string, number>;
}

/** Keys that give a record its step, in order of preference (case-insensitive). */
export const STEP_KEYS: readonly string[] = ['step', 'global_step', '_step', 'iteration', 'iter', 'it', 'epoch', 'batch'];

const NUMBER_SOURCE = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf(?:inity)?)\b`;
const FULL_NUMBER = new RegExp(`^(?:${NUMBER_SOURCE})$`, 'i');

/** Reads a number as logs write it: decimals, exponents, and nan/inf/infinity in any case (→ NaN, ±Infinity). */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!FULL_NUMBER.test(t)) return undefined;
  const lower = t.toLowerCase().replace(/^\+/, '');
  if (lower.endsWith('nan')) return Number.NaN;
  if (lower.startsWith('-inf')) return -Infinity;
  if (lower.startsWith('inf')) return Infinity;
  return Number(t);
}

const STEP_RANK = new Map(STEP_KEYS.map((k, i) => [k, i]));

function stepOf(metrics: Record<string, number>): number | undefined {
  let best: string | undefined;
  let bestRank = Infinity;
  for (const key in metrics) {
    const rank = STEP_RANK.get(key.length <= 11 ? key.toLowerCase() : '');
    if (rank !== undefined && rank < bestRank && Number.isFinite(metrics[key])) {
      best = key;
      bestRank = rank;
    }
  }
  if (best === undefined) return undefined;
  const step = metrics[best]!;
  delete metrics[best];
  return step;
}

function record(metrics: Record<string, number>): LogRecord | undefined {
  const step = stepOf(metrics);
  if (step === undefined && Object.keys(metrics).length === 0) return undefined;
  return step === undefined ? { metrics } : { step, metrics };
}

// Python's json.dumps writes NaN, Infinity and -Infinity, which JSON.parse rejects; mark them outside strings.
// The markers are written as JSON escapes: JSON.parse rejects raw control characters inside strings.
const NON_FINITE_TOKENS: Record<string, string> = { NaN: '"\\u0000nan"', Infinity: '"\\u0000inf"', '-Infinity': '"\\u0000-inf"' };
const STRING_OR_NON_FINITE = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
function quoteNonFinite(line: string): string {
  if (!line.includes('NaN') && !line.includes('Infinity')) return line;
  return line.replace(STRING_OR_NON_FINITE, (token) => NON_FINITE_TOKENS[token] ?? token);
}

function flatten(value: unknown, prefix: string, out: Record<string, number>, depth: number): void {
  if (typeof value === 'number') out[prefix] = value;
  else if (typeof value === 'string') {
    const n = value === '\u0000nan' ? Number.NaN : value === '\u0000inf' ? Infinity : value === '\u0000-inf' ? -Infinity : parseNumber(value);
    if (n !== undefined) out[prefix] = n;
  } else if (value && typeof value === 'object' && !Array.isArray(value) && depth < 8) {
    // Nested objects become slash-joined names: {"valid": {"loss": 1}} → valid/loss.
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}/${k}` : k, out, depth + 1);
  }
}

/** Parses one JSON Lines row; undefined for blank, half-written or non-object lines. */
export function parseJsonLogLine(line: string): LogRecord | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoteNonFinite(trimmed));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const metrics: Record<string, number> = {};
  flatten(parsed, '', metrics, 0);
  return record(metrics);
}

// key=value or key: value, where keys are metric names as users write them (letters, digits, / . _ -).
const PAIR = new RegExp(String.raw`(?<![\w./-])([A-Za-z_][\w./-]*)\s*(?:=|:)\s*(${NUMBER_SOURCE})(?=$|[\s,;|)\]}%])`, 'gi');
// "step 100", "Epoch 3/10": a step word followed by a bare number.
const STEP_WORD = new RegExp(String.raw`(?<![\w./-])(${STEP_KEYS.filter((k) => k !== '_step').join('|')})\s+(\d+)(?:\s*/\s*\d+)?(?=$|[\s,;|:)\]}])`, 'gi');

/** Parses one free-text line such as `step 100 | loss=0.42 acc: 0.88` or `Epoch 3/10 loss: nan`. */
export function parseTextLogLine(line: string): LogRecord | undefined {
  if (line.trimStart().startsWith('{')) {
    const json = parseJsonLogLine(line);
    if (json) return json;
  }
  const metrics: Record<string, number> = {};
  for (const m of line.matchAll(STEP_WORD)) metrics[m[1]!] = Number(m[2]);
  for (const m of line.matchAll(PAIR)) {
    const n = parseNumber(m[2]!);
    if (n !== undefined) metrics[m[1]!] = n;
  }
  return record(metrics);
}

/** Splits one CSV (or TSV) line, honouring double quotes. */
export function splitCsvLine(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (c === delimiter) {
      cells.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

function csvHeader(line: string): { delimiter: string; columns: string[] } | undefined {
  for (const delimiter of [',', '\t', ';']) {
    if (!line.includes(delimiter)) continue;
    const columns = splitCsvLine(line.replace(/\r$/, ''), delimiter);
    const looksLikeNames = columns.every((c) => c !== '' && parseNumber(c) === undefined && !/[=]|:\s|\s/.test(c));
    if (columns.length >= 2 && looksLikeNames) return { delimiter, columns };
  }
  return undefined;
}

/** Guesses a log's format from its first non-blank line. */
export function detectLogFormat(firstLine: string): LogFormat {
  const t = firstLine.trim();
  if (t.startsWith('{')) return 'jsonl';
  if (csvHeader(t)) return 'csv';
  return 'text';
}

/**
 * A stateful line parser for one log file: detects the format from the first non-blank line (unless given),
 * remembers a CSV header, and turns each later line into a record.
 */
export class LogLineParser {
  private detected: LogFormat | undefined;
  private header: { delimiter: string; columns: string[] } | undefined;

  constructor(private readonly fixedFormat?: LogFormat) {
    this.detected = fixedFormat;
  }

  /** The file's format once a non-blank line has been seen (or the fixed one). */
  get format(): LogFormat | undefined {
    return this.detected;
  }

  /** Forget the detected format and CSV header (the file was truncated or replaced). */
  reset(): void {
    this.detected = this.fixedFormat;
    this.header = undefined;
  }

  /** Parses one complete line (without its line break); undefined when it holds no metric. */
  parseLine(line: string): LogRecord | undefined {
    const t = line.trim();
    if (t === '') return undefined;
    if (this.detected === undefined) this.detected = detectLogFormat(t);
    if (this.detected === 'csv') return this.parseCsv(t);
    return this.detected === 'jsonl' && t.startsWith('{') ? parseJsonLogLine(t) : parseTextLogLine(t);
  }

  private parseCsv(line: string): LogRecord | undefined {
    if (!this.header) {
      this.header = csvHeader(line);
      return undefined;
    }
    const cells = splitCsvLine(line, this.header.delimiter);
    const metrics: Record<string, number> = {};
    let numeric = 0;
    cells.forEach((cell, i) => {
      const name = this.header!.columns[i];
      const n = parseNumber(cell);
      if (name !== undefined && n !== undefined) {
        metrics[name] = n;
        numeric++;
      }
    });
    if (numeric === 0) {
      // A repeated or new header (a resumed run appending to the same file).
      const header = csvHeader(line);
      if (header) this.header = header;
      return undefined;
    }
    return record(metrics);
  }
}

const NEWLINE = 10;

/** A text log's records for the tail: one per line; a half-written last line waits for its line break. */
export class LineCodec implements RecordCodec {
  private readonly parser = new LogLineParser();

  get format(): LogFormat | undefined {
    return this.parser.format;
  }

  frame(bytes: Buffer, start: number): RecordFrame {
    const nl = bytes.indexOf(NEWLINE, start);
    return nl < 0 ? { kind: 'partial' } : { kind: 'record', end: nl + 1, body: bytes.subarray(start, nl) };
  }

  resync(bytes: Buffer, start: number): number {
    const nl = bytes.indexOf(NEWLINE, start);
    return nl < 0 ? -1 : nl + 1;
  }

  decode(body: Uint8Array): LogRecord | undefined {
    return this.parser.parseLine(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  }

  /** The writer has exited: its last line needs no line break. */
  finish(rest: Uint8Array): LogRecord | undefined {
    return this.decode(rest);
  }
}

/** Parses a whole log text. */
export function parseLog(text: string, format?: LogFormat): { format: LogFormat | undefined; records: LogRecord[] } {
  const parser = new LogLineParser(format);
  const records: LogRecord[] = [];
  for (const line of text.split(/\r?\n|\r/)) {
    const r = parser.parseLine(line);
    if (r) records.push(r);
  }
  return { format: parser.format, records };
}
