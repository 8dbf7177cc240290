// Trial logs, read incrementally by the one tail (formats/tail.ts: text logs, TensorBoard event files or folders,
// Lightning CSVLogger folders; only appended bytes are parsed; truncation and rotation restart the tail).
// One tail per log path; its state is summarised for the objective metric by session/outcome.ts, the rule
// `hyperbo tune` reads a finished log by.
import { LogTail } from '../../formats/tail';
import { logModifiedMs, logStateOf, type LogObjective, type TrialLogState } from '../../session/outcome';

export class LogWatcher {
  private readonly tails = new Map<string, LogTail>();
  private readonly missing = new Set<string>();
  /** Logs read at least once: a tail created by a read still under way knows nothing yet (not even whether it exists). */
  private readonly polled = new Set<string>();
  private readonly modified = new Map<string, number>();
  /** How many reads (each a stat or more of the log) were made: tests count the work an edit causes. */
  reads = 0;

  private tail(logPath: string, objective: LogObjective): LogTail {
    let tail = this.tails.get(logPath);
    if (!tail) {
      tail = new LogTail(logPath, { divergenceFactor: objective.divergenceFactor });
      this.tails.set(logPath, tail);
    }
    return tail;
  }

  /** Reads what was appended since the last read; true when something changed. */
  async read(logPath: string, objective: LogObjective): Promise<boolean> {
    this.reads++;
    const update = await this.tail(logPath, objective).poll();
    this.polled.add(logPath);
    const wasMissing = this.missing.has(logPath);
    if (update.missing) this.missing.add(logPath);
    else this.missing.delete(logPath);
    // A file's mtime tells which run wrote it (session/outcome logBelongsToRun); a folder's says nothing about its logs.
    const before = this.modified.get(logPath);
    const modified = update.missing ? undefined : await logModifiedMs(logPath);
    if (modified !== undefined) this.modified.set(logPath, modified);
    else this.modified.delete(logPath);
    return update.records > 0 || update.reset || wasMissing !== update.missing || before !== this.modified.get(logPath);
  }

  /** Treats a half-written last line as complete: the writer has exited. */
  flush(logPath: string): void {
    this.tails.get(logPath)?.flush();
  }

  state(logPath: string, objective: LogObjective): TrialLogState | undefined {
    const tail = this.tails.get(logPath);
    if (!tail || this.missing.has(logPath) || !this.polled.has(logPath)) return undefined;
    return logStateOf(tail, objective, this.modified.get(logPath));
  }

  /** The log was read at least once (its state is known until it changes on disk). */
  wasRead(logPath: string): boolean {
    return this.polled.has(logPath);
  }

  /** Metric names the log has written so far. */
  metricNames(logPath: string): string[] {
    return [...(this.tails.get(logPath)?.curves.keys() ?? [])];
  }

  /** Forgets a deleted file's state (a re-created file is read from its start). */
  invalidate(logPath: string, deleted: boolean): void {
    if (deleted) {
      this.tails.delete(logPath);
      this.polled.delete(logPath);
      this.modified.delete(logPath);
      this.missing.add(logPath);
    }
  }
}
