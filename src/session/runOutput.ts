// A run's stdout and stderr as both runners keep them (the editor's and `hyperbo tune`'s): the last lines for a
// failure's reason, and, when the trial's log is the captured output, every byte in that file.
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream';
import { OutputTail } from './failure';

export class RunOutput {
  readonly tail = new OutputTail();
  private readonly log: WriteStream | undefined;

  /**
   * `logPath`: the file the output is captured to, truncated first. A log that cannot be written loses the log, not
   * the run: `onLogError` hears why, once, and the run goes on (its trial then fails for want of a value).
   */
  constructor(logPath: string | undefined, onLogError: (error: Error) => void) {
    let told = false;
    this.log = logPath === undefined
      ? undefined
      : createWriteStream(logPath, { flags: 'w' }).on('error', (error) => {
          if (!told) onLogError(error);
          told = true;
        });
  }

  add(chunk: Buffer): void {
    this.tail.add(chunk);
    if (this.log && !this.log.destroyed) this.log.write(chunk);
  }

  /** Flushes and closes the log; resolves however it ends. */
  close(): Promise<void> {
    const log = this.log;
    if (!log) return Promise.resolve();
    return new Promise((resolve) => {
      finished(log, () => resolve());
      if (!log.destroyed) log.end();
    });
  }
}
