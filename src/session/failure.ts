// How a failed trial explains itself, the same in `hyperbo tune` and the editor: what ended the command, then its
// last output lines, so "exited with code 1" comes with the error the program printed.

/** Lines of output kept in a reason, and characters at most (a reason is one YAML scalar in the experiment file). */
export const REASON_OUTPUT_LINES = 5;
export const REASON_MAX_CHARS = 600;

/** Keeps the last `maxChars` characters of a command's stdout and stderr as they stream. */
export class OutputTail {
  private text = '';
  constructor(private readonly maxChars = 8000) {}
  add(chunk: string | Buffer): void {
    this.text = (this.text + String(chunk)).slice(-this.maxChars);
  }
  /** The last `n` non-blank lines, trimmed at the end. */
  lastLines(n = REASON_OUTPUT_LINES): string[] {
    return this.text
      .split(/\r?\n|\r/)
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== '')
      .slice(-n);
  }
}

/**
 * A failed command's reason: `how` it ended (a sentence, e.g. "The command exited with code 1."), then its last
 * output lines joined by " ⏎ ", the oldest ones dropped first when the whole would exceed REASON_MAX_CHARS.
 */
export function failureReason(how: string, lastLines: readonly string[]): string {
  if (lastLines.length === 0) return `${how} It printed nothing.`;
  const head = `${how} Last output: `;
  const lines = [...lastLines];
  let joined = lines.join(' ⏎ ');
  while (lines.length > 1 && head.length + joined.length > REASON_MAX_CHARS) {
    lines.shift();
    joined = lines.join(' ⏎ ');
  }
  if (head.length + joined.length > REASON_MAX_CHARS) joined = '…' + joined.slice(-(REASON_MAX_CHARS - head.length - 1));
  return head + joined;
}

/** Why a process ended, in words, or undefined for a clean exit. */
export function exitReason(code: number | null, signal: NodeJS.Signals | null, stopped: boolean): string | undefined {
  if (stopped) return 'Stopped by the user.';
  if (signal) return `The command was killed by ${signal}.`;
  if (code !== 0) return `The command exited with code ${code ?? 'unknown'}.`;
  return undefined;
}

/** A spawn error (e.g. ENOENT) as an actionable sentence. */
export function spawnErrorReason(error: NodeJS.ErrnoException, file: string, cwd: string): string {
  if (error.code === 'ENOENT') return `Could not start "${file}": no such program on the PATH, or the working directory ${cwd} does not exist.`;
  if (error.code === 'EACCES') return `Could not start "${file}": permission denied (is it executable?).`;
  return `Could not start "${file}": ${error.message}`;
}

/** Consecutive failed trials after which `hyperbo tune` stops: the command is most likely broken, not the configurations. */
export const MAX_CONSECUTIVE_FAILURES = 3;

/** What a run section needs at least, for the messages that refuse to launch without run.command (editor and tune). */
export const RUN_COMMAND_EXAMPLE = 'run: { command: [python, train.py, --lr, "${learning_rate}"] }';
