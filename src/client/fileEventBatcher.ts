// Batches watched-file events for the language server. vscode-languageclient's own delivery is a pure trailing
// debounce (250 ms, re-armed by every event): while a training run appends to a log more often than that, it never
// sends anything, and an experiment file created meanwhile is not indexed until the writing stops. Here a batch goes
// out after a quiet spell or, under a steady stream, at most maxDelayMs after its first event.
import type { FileEvent } from 'vscode-languageserver-protocol';

export interface BatchTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: BatchTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  now: () => Date.now(),
};

export interface FileEventBatcherOptions {
  /** Send once no event came for this long (as the client library does). */
  quietMs: number;
  /** Send no later than this after a batch's first event, however steady the stream. */
  maxDelayMs: number;
}

export const DEFAULT_FILE_EVENT_BATCHING: FileEventBatcherOptions = { quietMs: 250, maxDelayMs: 1000 };

export class FileEventBatcher {
  private pending: FileEvent[] = [];
  private firstAt = 0;
  private timer: unknown;
  private disposed = false;

  constructor(
    private readonly send: (changes: FileEvent[]) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly options: FileEventBatcherOptions = DEFAULT_FILE_EVENT_BATCHING,
    private readonly timers: BatchTimers = realTimers,
  ) {}

  push(event: FileEvent): void {
    if (this.disposed) return;
    const now = this.timers.now();
    if (this.pending.length === 0) this.firstAt = now;
    this.pending.push(event);
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    const delay = Math.max(0, Math.min(this.options.quietMs, this.firstAt + this.options.maxDelayMs - now));
    this.timer = this.timers.setTimeout(() => this.flush(), delay);
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const changes = dedupe(this.pending.splice(0));
    if (changes.length === 0 || this.disposed) return;
    this.send(changes).catch(this.onError);
  }

  /** Drops what is pending (a restarted server lists the workspace again). */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}

/**
 * Each watcher reports a change (and VS Code may report one twice): one event per file and kind is kept, at its last
 * place, so a file's last event stays last (created then deleted reads as deleted).
 */
export function dedupe(events: readonly FileEvent[]): FileEvent[] {
  const last = new Map<string, number>();
  events.forEach((e, i) => last.set(`${e.type} ${e.uri}`, i));
  return events.filter((e, i) => last.get(`${e.type} ${e.uri}`) === i);
}
