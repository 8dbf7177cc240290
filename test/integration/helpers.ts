// Helpers for tests that run inside VS Code: find and activate the extension, poll until a
// condition holds (readiness is awaited, never slept on).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HyperboApi } from '../../src/extension';
import type { ExperimentSummary } from '../../src/shared/dto';
import { ListExperimentsRequest } from '../../src/shared/protocol';

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

/** The activated extension's API, once it is ready and its language server has started. */
export async function hyperboApi(): Promise<HyperboApi> {
  const extension = await activateExtension();
  const exports = extension.exports as HyperboApi;
  await exports.ready;
  await exports.ctx.server.start();
  return exports;
}

/** Waits until the language server lists the experiment file (it reached the server through the file watchers). */
export async function experimentListed(hyperbo: HyperboApi, uri: vscode.Uri, timeoutMs = 30_000): Promise<ExperimentSummary> {
  return waitFor(`the server to index ${uri.fsPath}`, async () => {
    const list = await hyperbo.ctx.server.request0(ListExperimentsRequest.type);
    return list.find((e) => vscode.Uri.parse(e.uri).fsPath === uri.fsPath);
  }, timeoutMs, 250);
}
