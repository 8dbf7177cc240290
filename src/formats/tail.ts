// Incremental tailing of a growing training log: each poll reads only the bytes appended since the last one,
// buffers a half-written last line, restarts on truncation or rotation, and keeps only bounded per-metric
// curves (never the raw text), so a 1 GB log costs no more memory than a small one.
import { promises as fs } from 'node:fs';
import { assessCurves, MetricCurve, type CurveOutcome } from './curve';
import type { ReduceRule } from './experiment';
import { DEFAULT_DIVERGENCE_FACTOR } from './experiment';
import { LogLineParser, type LogFormat, type LogRecord } from './logs';

export interface LogTailOptions {
  /** Force a format instead of detecting it from the first line. */
  format?: LogFormat;
  /** Points kept per metric curve (default 1000); statistics stay exact. */
  maxPointsPerMetric?: number;
  /** Distinct metrics tracked (default 256); later new names are ignored. */
  maxMetrics?: number;
  /** Bytes read per system call (default 1 MiB). */
  chunkBytes?: number;
  /** Longer lines are skipped (default 1 MiB): a log line that long is not a metrics row. */
  maxLineBytes?: number;
  /** See curve.ts; default 1e6. */
  divergenceFactor?: number;
  /** Called for every parsed record, in file order. */
  onRecord?: (record: LogRecord) => void;
}

export interface TailUpdate {
  /** The file shrank, was replaced or rewritten: all state was rebuilt from its start. */
  reset: boolean;
  /** The file does not exist (yet). */
  missing: boolean;
  bytesRead: number;
  /** Records parsed during this poll. */
  records: number;
}

const HEAD_BYTES = 64;
const NEWLINE = 10;

export class LogTail {
  private readonly parser: LogLineParser;
  private readonly curveMap = new Map<string, MetricCurve>();
  private position = 0;
  private inode: number | undefined;
  private head: Buffer | undefined;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private skippingLongLine = false;
  private records = 0;
  private lastStepSeen: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly maxPoints: number;
  private readonly maxMetrics: number;
  private readonly chunkBytes: number;
  private readonly maxLineBytes: number;
  private readonly divergenceFactor: number;

  constructor(
    readonly path: string,
    private readonly options: LogTailOptions = {},
  ) {
    this.parser = new LogLineParser(options.format);
    this.maxPoints = Math.max(2, options.maxPointsPerMetric ?? 1000);
    this.maxMetrics = Math.max(1, options.maxMetrics ?? 256);
    this.chunkBytes = Math.max(1024, options.chunkBytes ?? 1 << 20);
    this.maxLineBytes = Math.max(256, options.maxLineBytes ?? 1 << 20);
    this.divergenceFactor = options.divergenceFactor ?? DEFAULT_DIVERGENCE_FACTOR;
  }

  /** The detected (or forced) format, once a non-blank line was read. */
  get format(): LogFormat | undefined {
    return this.parser.format;
  }

  /** Bytes of the file consumed so far. */
  get offset(): number {
    return this.position;
  }

  get recordCount(): number {
    return this.records;
  }

  get lastStep(): number | undefined {
    return this.lastStepSeen;
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

  /** Reads whatever was appended since the last poll. Polls never overlap; errors other than a missing file reject. */
  poll(): Promise<TailUpdate> {
    const next = this.queue.then(() => this.pollOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Treats a buffered, unterminated last line as complete (call once the writer has exited: a log whose last
   * line has no line break). Returns the number of records it yielded.
   */
  flush(): number {
    const before = this.records;
    if (this.partialBytes && !this.skippingLongLine) this.handleLine(Buffer.concat(this.partial).toString('utf8'));
    this.partial = [];
    this.partialBytes = 0;
    return this.records - before;
  }

  private resetState(): void {
    this.curveMap.clear();
    this.parser.reset();
    this.position = 0;
    this.inode = undefined;
    this.head = undefined;
    this.partial = [];
    this.partialBytes = 0;
    this.skippingLongLine = false;
    this.records = 0;
    this.lastStepSeen = undefined;
  }

  private async pollOnce(): Promise<TailUpdate> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const reset = this.position > 0 || this.records > 0;
      if (reset) this.resetState();
      return { reset, missing: true, bytesRead: 0, records: 0 };
    }
    try {
      const stat = await handle.stat();
      let reset = false;
      const replaced = this.inode !== undefined && stat.ino !== this.inode;
      const shrank = stat.size < this.position;
      let rewritten = false;
      if (!replaced && !shrank && this.head && this.head.length > 0) {
        // Same inode and not shorter, yet the first bytes differ: truncated and rewritten between polls.
        const now = Buffer.alloc(this.head.length);
        const { bytesRead } = await handle.read(now, 0, now.length, 0);
        rewritten = bytesRead < this.head.length || !now.equals(this.head);
      }
      if (replaced || shrank || rewritten) {
        this.resetState();
        reset = true;
      }
      this.inode = stat.ino;
      const before = this.records;
      let bytesRead = 0;
      const buffer = Buffer.alloc(Math.min(this.chunkBytes, Math.max(1, stat.size - this.position)));
      while (this.position < stat.size) {
        const want = Math.min(buffer.length, stat.size - this.position);
        const { bytesRead: n } = await handle.read(buffer, 0, want, this.position);
        if (n === 0) break;
        const chunk = buffer.subarray(0, n);
        if (this.position < HEAD_BYTES) {
          const prefix = chunk.subarray(0, HEAD_BYTES - this.position);
          this.head = Buffer.concat([this.head ?? Buffer.alloc(0), prefix]);
        }
        this.consume(chunk);
        this.position += n;
        bytesRead += n;
      }
      return { reset, missing: false, bytesRead, records: this.records - before };
    } finally {
      await handle.close();
    }
  }

  /** Splits a chunk into complete lines; the unterminated tail waits for the next chunk. */
  private consume(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl);
      if (this.skippingLongLine) this.skippingLongLine = false;
      else if (this.partialBytes + piece.length <= this.maxLineBytes) {
        const line = this.partialBytes ? Buffer.concat([...this.partial, piece]) : piece;
        this.handleLine(line.toString('utf8'));
      }
      this.partial = [];
      this.partialBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length && !this.skippingLongLine) {
      const rest = chunk.subarray(start);
      if (this.partialBytes + rest.length > this.maxLineBytes) {
        this.partial = [];
        this.partialBytes = 0;
        this.skippingLongLine = true;
      } else {
        // Copy: the read buffer is reused for the next chunk.
        this.partial.push(Buffer.from(rest));
        this.partialBytes += rest.length;
      }
    }
  }

  private handleLine(line: string): void {
    const record = this.parser.parseLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (!record) return;
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
    this.options.onRecord?.(record);
  }
}
