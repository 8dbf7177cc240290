// Errors shown to the user: one sentence and a "Show Logs" action, never a raw stack.
import * as vscode from 'vscode';

/** A failure whose message is written for the user (bad input, untrusted workspace, …). */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
  constructor(
    message: string,
    readonly actions: { title: string; run: () => unknown }[] = [],
  ) {
    super(message);
  }
}

/** The LSP "request cancelled" code, also what the server answers for a cancelled job. */
const requestCancelled = -32800;

export function isCancellation(error: unknown): boolean {
  if (error instanceof vscode.CancellationError) return true;
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === requestCancelled;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Logs the error (with its stack) and shows a short message with "Show Logs" and any actions of a UserFacingError. */
export async function reportError(log: vscode.LogOutputChannel, what: string, error: unknown): Promise<void> {
  if (isCancellation(error)) {
    log.info(`${what}: cancelled`);
    return;
  }
  const message = messageOf(error);
  if (error instanceof Error && !(error instanceof UserFacingError)) log.error(`${what}: ${error.stack ?? message}`);
  else log.warn(`${what}: ${message}`);
  const actions = error instanceof UserFacingError ? error.actions : [];
  const choice = await vscode.window.showErrorMessage(`HyperBO: ${what} — ${message}`, ...actions.map((a) => a.title), 'Show Logs');
  if (choice === 'Show Logs') log.show(true);
  else actions.find((a) => a.title === choice)?.run();
}
