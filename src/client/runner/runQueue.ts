// Which trial runs start now and which wait: one queue per experiment, at most `parallel` running at once.
// Pure (no vscode, no processes) so it can be unit-tested.

export interface QueuedRun {
  /** The experiment the run belongs to; `parallel` applies per experiment. */
  group: string;
  /** Unique within the group, e.g. the trial id. */
  id: string;
  /** Starts the run; the promise settles when it has ended (either way). */
  start: () => Promise<void>;
}

export type EnqueueResult = 'started' | 'queued' | 'duplicate';

export class RunQueue {
  private readonly running = new Map<string, Set<string>>();
  private readonly waiting = new Map<string, { run: QueuedRun; limit: number }[]>();

  /** Starts the run now if fewer than `limit` of its group run, else queues it (first in, first out). */
  enqueue(run: QueuedRun, limit: number): EnqueueResult {
    if (this.isRunning(run.group, run.id) || this.isQueued(run.group, run.id)) return 'duplicate';
    const cap = Number.isInteger(limit) && limit >= 1 ? limit : 1;
    const queue = this.waiting.get(run.group) ?? [];
    queue.push({ run, limit: cap });
    this.waiting.set(run.group, queue);
    this.pump(run.group);
    return this.isRunning(run.group, run.id) ? 'started' : 'queued';
  }

  /** Removes a run that has not started yet; false when it was not waiting. */
  dequeue(group: string, id: string): boolean {
    const queue = this.waiting.get(group);
    const index = queue?.findIndex((q) => q.run.id === id) ?? -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    return true;
  }

  isRunning(group: string, id: string): boolean {
    return this.running.get(group)?.has(id) ?? false;
  }

  isQueued(group: string, id: string): boolean {
    return this.waiting.get(group)?.some((q) => q.run.id === id) ?? false;
  }

  runningCount(group: string): number {
    return this.running.get(group)?.size ?? 0;
  }

  queued(group: string): string[] {
    return (this.waiting.get(group) ?? []).map((q) => q.run.id);
  }

  private pump(group: string): void {
    const queue = this.waiting.get(group);
    if (!queue) return;
    const active = this.running.get(group) ?? new Set<string>();
    this.running.set(group, active);
    // The limit of the run at the head decides: a file's `parallel` may change between enqueues.
    while (queue.length > 0 && active.size < queue[0]!.limit) {
      const { run } = queue.shift()!;
      active.add(run.id);
      let ended: Promise<void>;
      try {
        ended = run.start();
      } catch (error) {
        ended = Promise.reject(error);
      }
      void ended
        .catch(() => undefined)
        .then(() => {
          active.delete(run.id);
          this.pump(group);
        });
    }
  }
}
