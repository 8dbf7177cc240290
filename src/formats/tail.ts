// The one tail of a trial's log, whatever the log is: a text log (JSON Lines, CSV, key=value lines), a TensorBoard event
// file or a folder of them, or a Lightning CSVLogger folder (its metrics.csv). The kind is decided at each poll (a
// log path that does not exist yet may become a folder). Formats differ only in their RecordCodec — how bytes are
// cut into records and a record becomes a (step, metric → value) point set: LineCodec (logs.ts), EventCodec
// (tensorboard.ts). Everything else lives here, once:
// - each poll reads only the bytes appended since the last one; a record still being written waits for its rest;
// - a file that shrank, was replaced (new inode) or rewritten (its first bytes changed) restarts the whole tail;
// - memory is bounded whatever the log's size: bounded per-metric curves (curve.ts; exact statistics), at most
//   `maxMetrics` metrics and 64 event files per folder, reads of `chunkBytes`, at most `maxRecordBytes` held of a
//   record being written (a longer record is passed over and counted), so a 1 GB log costs no more than a small one;
// - a damaged record (a failed checksum) is skipped and counted; lost framing stops that file (`corruption`).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { assessCurves, MetricCurve, type CurveOutcome } from './curve';
import type { ReduceRule } from './experiment';
import { DEFAULT_DIVERGENCE_FACTOR } from './experiment';
import { LineCodec, type LogFormat, type LogRecord } from './logs';
import { EventCodec, findEventFiles, isEventFileName } from './tensorboard';

/** Where a codec found the record starting at a position. */
export type RecordFrame =
  /** A whole record ending before `end`; no body when it is damaged (e.g. its checksum failed). */
  | { kind: 'record'; end: number; body: Uint8Array | undefined }
  /** Cut off: more bytes are needed; `length` is the record's full length when its header says. */
  | { kind: 'partial'; length?: number }
  /** Nothing from here on can be framed. */
  | { kind: 'lost'; reason: string };

/** How one log format turns a file's bytes into records; one instance per file (it may keep state, e.g. a CSV header). */
export interface RecordCodec {
  readonly format: LogFormat | 'tfevents' | undefined;
  frame(bytes: Buffer, start: number): RecordFrame;
  /** After an over-long record of unknown length: where the next record starts at or after `start`, or -1. */
  resync(bytes: Buffer, start: number): number;
  /** A record's points; undefined when it holds none, 'bad' when it cannot be read. */
  decode(body: Uint8Array): LogRecord | 'bad' | undefined;
  /** The writer has exited: a cut-off last record, when the format can read it as whole (a last line without its break). */
  finish?(rest: Uint8Array): LogRecord | 'bad' | undefined;
}

export interface LogTailOptions {
  /** Points kept per metric curve (default 1000); statistics stay exact. */
  maxPointsPerMetric?: number;
  /** Distinct metrics tracked (default 256); later new names are ignored. */
  maxMetrics?: number;
  /** Bytes read per system call (default 1 MiB). */
  chunkBytes?: number;
  /** Longer records are passed over (default 1 MiB): a log line or event that long holds no training metrics. */
  maxRecordBytes?: number;
  /** See curve.ts; default 1e6. */
  divergenceFactor?: number;
}

export interface TailUpdate {
  /** A file shrank, was replaced or rewritten, or the log changed kind: all state was rebuilt from the start. */
  reset: boolean;
  /** The log does not exist (yet). */
  missing: boolean;
  bytesRead: number;
  /** Records read during this poll. */
  records: number;
}

export type LogKind = 'text' | 'tfevents' | 'lightning';

/** One file's reading position. */
interface Cursor {
  readonly codec: RecordCodec;
  readonly inode: number;
  offset: number;
  /** The file's first bytes, to notice a rewrite that left it no shorter. */
  head: Buffer;
  /** The start of a record still being written (at most maxRecordBytes). */
  pending: Buffer;
  /** Bytes of an over-long record still to pass over, or 'resync' when its length is unknown. */
  skip: number | 'resync';
  lost?: string;
}

const HEAD_BYTES = 64;
const EMPTY = Buffer.alloc(0);

/** Which kind of log `logPath` is now, and its files; undefined when it does not exist. */
async function logFiles(logPath: string): Promise<{ kind: LogKind; files: string[] } | undefined> {
  let info;
  try {
    info = await fs.stat(logPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!info.isDirectory()) return { kind: isEventFileName(logPath) ? 'tfevents' : 'text', files: [logPath] };
  const events = await findEventFiles(logPath);
  if (events.length > 0) return { kind: 'tfevents', files: events };
  const csv = path.join(logPath, 'metrics.csv');
  const csvInfo = await fs.stat(csv).catch(() => undefined);
  return csvInfo?.isFile() ? { kind: 'lightning', files: [csv] } : { kind: 'tfevents', files: [] };
}

export class LogTail {
  private kind: LogKind | undefined;
  private readonly cursors = new Map<string, Cursor>();
  private readonly curveMap = new Map<string, MetricCurve>();
  private records = 0;
  private lastStepSeen: number | undefined;
  private bad = 0;
  private skipped = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly maxPoints: number;
  private readonly maxMetrics: number;
  private readonly chunkBytes: number;
  private readonly maxRecordBytes: number;
  private readonly divergenceFactor: number;

  constructor(
    readonly path: string,
    options: LogTailOptions = {},
  ) {
    this.maxPoints = Math.max(2, options.maxPointsPerMetric ?? 1000);
    this.maxMetrics = Math.max(1, options.maxMetrics ?? 256);
    this.chunkBytes = Math.max(1024, options.chunkBytes ?? 1 << 20);
    this.maxRecordBytes = Math.max(256, options.maxRecordBytes ?? 1 << 20);
    this.divergenceFactor = options.divergenceFactor ?? DEFAULT_DIVERGENCE_FACTOR;
  }

  /** 'tfevents', or a text log's format once a non-blank line was read. */
  get format(): LogFormat | 'tfevents' | undefined {
    if (this.kind === 'tfevents') return 'tfevents';
    for (const c of this.cursors.values()) return c.codec.format;
    return undefined;
  }

  /** Bytes of the log's files consumed so far. */
  get offset(): number {
    let n = 0;
    for (const c of this.cursors.values()) n += c.offset;
    return n;
  }

  get recordCount(): number {
    return this.records;
  }

  get lastStep(): number | undefined {
    return this.lastStepSeen;
  }

  /** Records that could not be read (a failed checksum, an undecodable event). */
  get badRecords(): number {
    return this.bad;
  }

  /** Records passed over for being longer than maxRecordBytes. */
  get skippedRecords(): number {
    return this.skipped;
  }

  /** Files whose framing was lost, with where; nothing after that point of them is read. */
  get corruption(): string[] {
    return [...this.cursors].flatMap(([f, c]) => (c.lost ? [`${path.basename(f)}: ${c.lost}`] : []));
  }

  /** Per-metric curves, keyed by metric name as written in the log. */
  get curves(): ReadonlyMap<string, MetricCurve> {
    return this.curveMap;
  }

  curve(metric: string): MetricCurve | undefined {
    return this.curveMap.get(metric);
  }

  /** The trial's outcome so far for this objective (see curve.ts for the divergence rule). */
  assess(metric: string, rule: ReduceRule): CurveOutcome {
    return assessCurves(this.curveMap, metric, rule);
  }

  /** Reads whatever was appended since the last poll. Polls never overlap; errors other than a missing log reject. */
  poll(): Promise<TailUpdate> {
    const next = this.queue.then(() => this.pollOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * The writer has exited: a cut-off last record the format can read as whole (a last line without its line
   * break) is read. Returns the number of records it yielded.
   */
  flush(): number {
    const before = this.records;
    for (const c of this.cursors.values()) {
      if (!c.codec.finish || c.skip !== 0 || c.lost || c.pending.length === 0) continue;
      this.take(c.codec.finish(c.pending));
      c.pending = EMPTY;
    }
    return this.records - before;
  }

  private resetState(): void {
    this.cursors.clear();
    this.curveMap.clear();
    this.records = 0;
    this.lastStepSeen = undefined;
    this.bad = 0;
    this.skipped = 0;
  }

  private async pollOnce(): Promise<TailUpdate> {
    const source = await logFiles(this.path);
    if (!source) {
      const reset = this.cursors.size > 0 || this.records > 0;
      this.resetState();
      this.kind = undefined;
      return { reset, missing: true, bytesRead: 0, records: 0 };
    }
    let reset = false;
    if (source.kind !== this.kind || [...this.cursors.keys()].some((f) => !source.files.includes(f))) {
      reset = this.records > 0 || this.cursors.size > 0;
      this.resetState();
      this.kind = source.kind;
    }
    const before = this.records;
    let bytesRead = await this.readFiles(source.files);
    if (bytesRead === undefined) {
      // A file shrank, was replaced or rewritten: curves cannot be taken apart by file, so all are rebuilt.
      this.resetState();
      reset = true;
      bytesRead = (await this.readFiles(source.files)) ?? 0;
    }
    return { reset, missing: false, bytesRead, records: reset ? this.records : this.records - before };
  }

  /** Reads each file's new bytes; undefined as soon as one must be read again from its start. */
  private async readFiles(files: string[]): Promise<number | undefined> {
    let total = 0;
    for (const file of files) {
      const n = await this.readFile(file);
      if (n === undefined) return undefined;
      total += n;
    }
    return total;
  }

  private async readFile(file: string): Promise<number | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.cursors.has(file) ? undefined : 0;
      throw error;
    }
    try {
      const stat = await handle.stat();
      let c = this.cursors.get(file);
      if (c && (stat.ino !== c.inode || stat.size < c.offset || !(await startsWith(handle, c.head)))) return undefined;
      if (!c) {
        c = { codec: this.kind === 'tfevents' ? new EventCodec() : new LineCodec(), inode: stat.ino, offset: 0, head: EMPTY, pending: EMPTY, skip: 0 };
        this.cursors.set(file, c);
      }
      if (c.lost || stat.size <= c.offset) return 0;
      // A record cut off at the end of one read is completed in place: the next read lands right after it.
      const remaining = stat.size - c.offset;
      const buffer = Buffer.alloc(Math.min(this.chunkBytes, remaining) + Math.min(this.maxRecordBytes, c.pending.length + remaining));
      let total = 0;
      while (c.offset < stat.size && !c.lost) {
        const held = c.pending.copy(buffer, 0);
        const { bytesRead: n } = await handle.read(buffer, held, Math.min(this.chunkBytes, stat.size - c.offset), c.offset);
        if (n === 0) break;
        if (c.head.length < HEAD_BYTES) c.head = Buffer.concat([c.head, buffer.subarray(held, held + Math.min(n, HEAD_BYTES - c.head.length))]);
        this.consume(c, buffer.subarray(0, held + n), c.offset - held);
        c.offset += n;
        total += n;
      }
      return total;
    } finally {
      await handle.close();
    }
  }

  /** Frames and reads the records in `bytes` (the pending bytes and a new read; bytes[0] is at `base` in the file). */
  private consume(c: Cursor, bytes: Buffer, base: number): void {
    c.pending = EMPTY;
    let pos = 0;
    if (c.skip === 'resync') {
      pos = c.codec.resync(bytes, 0);
      if (pos < 0) return;
      c.skip = 0;
    } else if (c.skip > 0) {
      pos = Math.min(c.skip, bytes.length);
      c.skip -= pos;
      if (c.skip > 0) return;
    }
    for (;;) {
      const frame = c.codec.frame(bytes, pos);
      if (frame.kind === 'record') {
        if (frame.end - pos > this.maxRecordBytes) this.skipped++;
        else this.take(frame.body ? c.codec.decode(frame.body) : 'bad');
        pos = frame.end;
      } else if (frame.kind === 'lost') {
        c.lost = `${frame.reason} at byte ${base + pos}`;
        return;
      } else {
        const rest = bytes.length - pos;
        if (frame.length !== undefined && frame.length > this.maxRecordBytes) {
          this.skipped++;
          c.skip = frame.length - rest;
        } else if (rest > this.maxRecordBytes) {
          this.skipped++;
          c.skip = 'resync';
        } else if (rest > 0) {
          // Copy: the read buffer is reused for the next read.
          c.pending = Buffer.from(bytes.subarray(pos));
        }
        return;
      }
    }
  }

  private take(record: LogRecord | 'bad' | undefined): void {
    if (record === 'bad') this.bad++;
    if (!record || record === 'bad') return;
    this.records++;
    if (record.step !== undefined) this.lastStepSeen = record.step;
    for (const [name, value] of Object.entries(record.metrics)) {
      let curve = this.curveMap.get(name);
      if (!curve) {
        if (this.curveMap.size >= this.maxMetrics) continue;
        curve = new MetricCurve(this.maxPoints, this.divergenceFactor);
        this.curveMap.set(name, curve);
      }
      curve.add(value, record.step);
    }
  }
}

/** Whether the file still starts with `head` (a file truncated and rewritten between polls does not). */
async function startsWith(handle: fs.FileHandle, head: Buffer): Promise<boolean> {
  if (head.length === 0) return true;
  const now = Buffer.alloc(head.length);
  const { bytesRead } = await handle.read(now, 0, now.length, 0);
  return bytesRead === head.length && now.equals(head);
}
