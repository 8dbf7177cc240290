// Trial logs, read incrementally (formats/tensorboard createLogTail: text logs, TensorBoard event files or folders,
// Lightning CSVLogger folders; only appended bytes are parsed; truncation and rotation restart the tail).
// One tail per log path; its state is summarised for the objective metric.
//
// A log shows that its run ended when a record carries `done`, `finished` or `final` equal to 1
// (e.g. `{"done": 1}` or `done=1`); otherwise the runner records the end in the experiment file.
import { stat } from 'node:fs/promises';
import { createLogTail, type TrialLogTail } from '../../formats/tensorboard';
import type { ExperimentView } from './experimentView';
import type { TrialLogState } from './trials';

const END_MARKERS = ['done', 'finished', 'final'];

export class LogWatcher {
  private readonly tails = new Map<string, TrialLogTail>();
  private readonly missing = new Set<string>();
  private readonly modified = new Map<string, number>();

  private tail(logPath: string, view: ExperimentView): TrialLogTail {
    let tail = this.tails.get(logPath);
    if (!tail) {
      tail = createLogTail(logPath, { divergenceFactor: view.divergenceFactor });
      this.tails.set(logPath, tail);
    }
    return tail;
  }

  /** Reads what was appended since the last read; true when something changed. */
  async read(logPath: string, view: ExperimentView): Promise<boolean> {
    const update = await this.tail(logPath, view).poll();
    const wasMissing = this.missing.has(logPath);
    if (update.missing) this.missing.add(logPath);
    else this.missing.delete(logPath);
    // A file's mtime tells which run wrote it (trials.ts logBelongsToRun); a folder's says nothing about its logs.
    const before = this.modified.get(logPath);
    const info = update.missing ? undefined : await stat(logPath).catch(() => undefined);
    if (info?.isFile()) this.modified.set(logPath, info.mtimeMs);
    else this.modified.delete(logPath);
    return update.records > 0 || update.reset || wasMissing !== update.missing || before !== this.modified.get(logPath);
  }

  /** Treats a half-written last line as complete: the writer has exited. */
  flush(logPath: string): void {
    this.tails.get(logPath)?.flush();
  }

  state(logPath: string, view: ExperimentView): TrialLogState | undefined {
    const tail = this.tails.get(logPath);
    if (!tail || this.missing.has(logPath)) return undefined;
    const outcome = tail.assess(view.metric, view.reduce);
    const curve = (tail.curve(view.metric)?.points() ?? []).filter((p) => Number.isFinite(p.value));
    const finished = END_MARKERS.some((name) => tail.curve(name)?.stats.last === 1);
    const modifiedMs = this.modified.get(logPath);
    return {
      exists: true,
      curve,
      ...(outcome.status === 'diverged' ? { diverged: outcome.reason } : {}),
      ...(outcome.status === 'completed' ? { value: outcome.value } : {}),
      ...(modifiedMs !== undefined ? { modifiedMs } : {}),
      finished,
    };
  }

  /** Metric names the log has written so far. */
  metricNames(logPath: string): string[] {
    return [...(this.tails.get(logPath)?.curves.keys() ?? [])];
  }

  /** Forgets a deleted file's state (a re-created file is read from its start). */
  invalidate(logPath: string, deleted: boolean): void {
    if (deleted) {
      this.tails.delete(logPath);
      this.modified.delete(logPath);
      this.missing.add(logPath);
    }
  }
}
