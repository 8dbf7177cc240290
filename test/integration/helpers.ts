// Helpers for tests that run inside VS Code: find and activate the extension, poll until a
// condition holds (readiness is awaited, never slept on).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const extensionId = 'hyperbo-dev.hyperbo';

/** The HyperBO extension, activated. Fails clearly if VS Code does not know it. */
export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(extensionId);
  assert.ok(extension, `VS Code does not know the extension ${extensionId}`);
  await extension.activate();
  return extension;
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  description: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, intervalMs));
  }
}

/** The workspace folder the suite was opened on (a fresh copy of examples/). */
export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the integration suite expects a workspace folder to be open');
  return folder;
}
