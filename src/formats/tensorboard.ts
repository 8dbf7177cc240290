// Tailing TensorBoard logs: an event file (`events.out.tfevents.*`) or a folder holding them (a run's log dir,
// searched two levels deep), read incrementally like the text logs: each poll reads only appended bytes, a record
// still being written waits for the next poll, a shrunk or replaced file restarts that file, and the scalars land in
// the same bounded per-metric curves. A record whose data checksum fails is skipped and counted; a length checksum
// failure loses the framing, so the rest of that file is not read (reported through `corruption`).
//
// createLogTail picks the reader per poll: a folder or an event file → this tail; a folder with a Lightning
// CSVLogger metrics.csv (and no event file) → the text tail of that metrics.csv; anything else → LogTail.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { assessCurves, MetricCurve, type CurveOutcome } from './curve';
import type { ReduceRule } from './experiment';
import { DEFAULT_DIVERGENCE_FACTOR } from './experiment';
import { LogTail, type LogTailOptions, type TailUpdate } from './tail';
import type { LogFormat, LogRecord } from './logs';
import { decodeEvent, scanTfRecords } from './tfevents';

export const TFEVENTS_PREFIX = 'events.out.tfevents.';
export const isEventFileName = (file: string): boolean => path.basename(file).startsWith(TFEVENTS_PREFIX);

interface FileState {
  offset: number;
  inode?: number;
  pending: Buffer;
  corrupt?: string;
}

/** Event files under a folder (itself and two levels below), sorted by path; at most `limit`. */
export async function findEventFiles(dir: string, limit = 64, depth = 2): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, level: number): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (out.length >= limit) return;
      if (e.isFile() && e.name.startsWith(TFEVENTS_PREFIX)) out.push(path.join(d, e.name));
    }
    if (level < depth) for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) await walk(path.join(d, e.name), level + 1);
  };
  await walk(dir, 0);
  return out.sort();
}

export class TensorBoardTail {
  private readonly curveMap = new Map<string, MetricCurve>();
  private readonly files = new Map<string, FileState>();
  private records = 0;
  private lastStepSeen: number | undefined;
  private bad = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly maxPoints: number;
  private readonly maxMetrics: number;
  private readonly divergenceFactor: number;

  constructor(
    readonly path: string,
    private readonly options: LogTailOptions = {},
  ) {
    this.maxPoints = Math.max(2, options.maxPointsPerMetric ?? 1000);
    this.maxMetrics = Math.max(1, options.maxMetrics ?? 256);
    this.divergenceFactor = options.divergenceFactor ?? DEFAULT_DIVERGENCE_FACTOR;
  }

  get format(): 'tfevents' {
    return 'tfevents';
  }
  get offset(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.offset;
    return n;
  }
  get recordCount(): number {
    return this.records;
  }
  get lastStep(): number | undefined {
    return this.lastStepSeen;
  }
  /** Records skipped because their data checksum failed. */
  get badRecords(): number {
    return this.bad;
  }
  /** Files whose framing was lost (a length checksum failed), with where. */
  get corruption(): string[] {
    return [...this.files].flatMap(([f, s]) => (s.corrupt ? [`${path.basename(f)}: ${s.corrupt}`] : []));
  }
  get curves(): ReadonlyMap<string, MetricCurve> {
    return this.curveMap;
  }
  curve(metric: string): MetricCurve | undefined {
    return this.curveMap.get(metric);
  }
  assess(metric: string, rule: ReduceRule): CurveOutcome {
    return assessCurves(this.curveMap, metric, rule);
  }

  poll(): Promise<TailUpdate> {
    const next = this.queue.then(() => this.pollOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Event records are complete or absent; nothing is buffered as a half line would be. */
  flush(): number {
    return 0;
  }

  private resetState(): void {
    this.curveMap.clear();
    this.files.clear();
    this.records = 0;
    this.lastStepSeen = undefined;
    this.bad = 0;
  }

  private async pollOnce(): Promise<TailUpdate> {
    let stat;
    try {
      stat = await fs.stat(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const reset = this.records > 0 || this.files.size > 0;
      if (reset) this.resetState();
      return { reset, missing: true, bytesRead: 0, records: 0 };
    }
    const files = stat.isDirectory() ? await findEventFiles(this.path) : [this.path];
    let reset = [...this.files.keys()].some((f) => !files.includes(f));
    const before = this.records;
    let bytesRead = 0;
    for (const file of files) {
      const r = await this.readFile(file);
      if (r.reset) reset = true;
      bytesRead += r.bytesRead;
    }
    if (reset) {
      // A file shrank, was replaced or disappeared: rebuild everything from the files' starts.
      this.resetState();
      bytesRead = 0;
      for (const file of files) bytesRead += (await this.readFile(file)).bytesRead;
      return { reset: true, missing: false, bytesRead, records: this.records };
    }
    return { reset: false, missing: false, bytesRead, records: this.records - before };
  }

  private async readFile(file: string): Promise<{ reset: boolean; bytesRead: number }> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { reset: this.files.has(file), bytesRead: 0 };
      throw error;
    }
    try {
      const stat = await handle.stat();
      let state = this.files.get(file);
      if (state && (stat.ino !== state.inode || stat.size < state.offset)) return { reset: true, bytesRead: 0 };
      if (!state) this.files.set(file, (state = { offset: 0, inode: stat.ino, pending: Buffer.alloc(0) }));
      if (state.corrupt || stat.size <= state.offset) return { reset: false, bytesRead: 0 };
      const chunk = Buffer.alloc(Math.min(this.options.chunkBytes ?? 1 << 20, stat.size - state.offset));
      let total = 0;
      while (state.offset < stat.size && !state.corrupt) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, stat.size - state.offset), state.offset);
        if (bytesRead === 0) break;
        const base = state.offset - state.pending.length;
        state.offset += bytesRead;
        total += bytesRead;
        const bytes = state.pending.length ? Buffer.concat([state.pending, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        const scan = scanTfRecords(bytes);
        this.bad += scan.badRecords;
        for (const record of scan.records) {
          const event = decodeEvent(record);
          if (!event) this.bad++;
          else if (Object.keys(event.scalars).length > 0) this.handle({ step: event.step, metrics: event.scalars });
        }
        if (scan.corrupt) {
          state.corrupt = scan.corrupt.replace(/at byte (\d+)/, (_m, n: string) => `at byte ${base + Number(n)}`);
          state.pending = Buffer.alloc(0);
        } else state.pending = Buffer.from(bytes.subarray(scan.consumed));
      }
      return { reset: false, bytesRead: total };
    } finally {
      await handle.close();
    }
  }

  private handle(record: LogRecord): void {
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

/** What LogWatcher and the CLI need of a trial's log, whatever its kind. */
export interface TrialLogTail {
  readonly path: string;
  readonly format: LogFormat | 'tfevents' | undefined;
  readonly recordCount: number;
  readonly lastStep: number | undefined;
  readonly curves: ReadonlyMap<string, MetricCurve>;
  curve(metric: string): MetricCurve | undefined;
  assess(metric: string, rule: ReduceRule): CurveOutcome;
  poll(): Promise<TailUpdate>;
  flush(): number;
}

/**
 * A trial's log at `logPath`, whatever it turns out to be once it exists: a text log (JSON Lines, CSV, key=value),
 * a TensorBoard event file or folder, or a Lightning CSVLogger folder (its metrics.csv). The kind is decided again
 * at every poll, so a log path that does not exist yet may become a folder.
 */
export class AnyLogTail implements TrialLogTail {
  private inner: TrialLogTail | undefined;
  private kind: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly options: LogTailOptions = {},
  ) {}

  get format() {
    return this.inner?.format;
  }
  get recordCount() {
    return this.inner?.recordCount ?? 0;
  }
  get lastStep() {
    return this.inner?.lastStep;
  }
  get curves(): ReadonlyMap<string, MetricCurve> {
    return this.inner?.curves ?? new Map();
  }
  curve(metric: string) {
    return this.inner?.curve(metric);
  }
  assess(metric: string, rule: ReduceRule): CurveOutcome {
    return this.inner ? this.inner.assess(metric, rule) : assessCurves(new Map(), metric, rule);
  }
  flush(): number {
    return this.inner?.flush() ?? 0;
  }

  poll(): Promise<TailUpdate> {
    const next = this.queue.then(() => this.pollOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async pollOnce(): Promise<TailUpdate> {
    const kind = await this.kindNow();
    if (kind !== this.kind) {
      const had = (this.inner?.recordCount ?? 0) > 0;
      this.kind = kind;
      this.inner =
        kind === 'tfevents'
          ? new TensorBoardTail(this.path, this.options)
          : kind === 'lightning'
            ? new LogTail(path.join(this.path, 'metrics.csv'), this.options)
            : new LogTail(this.path, this.options);
      const update = await this.inner.poll();
      return had ? { ...update, reset: true } : update;
    }
    return this.inner!.poll();
  }

  private async kindNow(): Promise<'text' | 'tfevents' | 'lightning'> {
    if (isEventFileName(this.path)) return 'tfevents';
    const stat = await fs.stat(this.path).catch(() => undefined);
    if (!stat?.isDirectory()) return 'text';
    if ((await findEventFiles(this.path, 1)).length > 0) return 'tfevents';
    const csv = await fs.stat(path.join(this.path, 'metrics.csv')).catch(() => undefined);
    return csv?.isFile() ? 'lightning' : 'tfevents';
  }
}

/** The tail for a trial's log path (see AnyLogTail). */
export function createLogTail(logPath: string, options: LogTailOptions = {}): TrialLogTail {
  return new AnyLogTail(logPath, options);
}
