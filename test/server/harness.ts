// Starts the real language server in-process over a pair of streams and talks to it with a plain
// JSON-RPC client (no VS Code), recording notifications so tests can wait for them.
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { LineIndex } from '../../src/formats/text';
import { COMPUTING_SUGGESTION_TITLE } from '../../src/server/service/editorFeatures';
import { startLanguageServer, type LanguageServerHandle } from '../../src/server/languageServer';
import type { TextEditDTO } from '../../src/shared/dto';

/** Applies LSP edits (computed on `text`) the way VS Code's WorkspaceEdit does. */
export function applyLspEdits(text: string, edits: readonly TextEditDTO[]): string {
  const lines = new LineIndex(text);
  const offsets = edits.map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), newText: e.newText })).sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of offsets) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

export interface Recorded {
  method: string;
  params: unknown;
}

export interface TestServer {
  client: MessageConnection;
  handle: LanguageServerHandle;
  notifications: Recorded[];
  /** Resolves with the first notification (already received or future) that matches. */
  waitFor<T = unknown>(method: string, match?: (params: T) => boolean, timeoutMs?: number): Promise<T>;
  open(file: string, text: string, version?: number): Promise<void>;
  change(file: string, text: string, version: number): Promise<void>;
  dispose(): Promise<void>;
}

export const uriOf = (file: string): string => pathToFileURL(file).toString();

export async function tempWorkspace(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'hyperbo-server-'));
}

export async function removeWorkspace(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

/**
 * The code lenses once the suggestion is in them: a lens request answers with a 'computing' lens when the
 * suggestion takes longer than the lens waits, and asks the client to refresh when it is ready; this requests again
 * after each refresh, as VS Code does.
 */
export async function settledCodeLenses<T extends { command?: { title: string } }>(server: TestServer, uri: string, timeoutMs = 120_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const refreshes = server.notifications.filter((n) => n.method === 'workspace/codeLens/refresh').length;
    const lenses = (await server.client.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as T[];
    if (!lenses.some((l) => l.command?.title === COMPUTING_SUGGESTION_TITLE)) return lenses;
    let seen = 0;
    await server.waitFor('workspace/codeLens/refresh', () => ++seen > refreshes, Math.max(1, deadline - Date.now()));
  }
}

export async function startTestServer(root: string, settings: unknown = {}): Promise<TestServer> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(
    ProposedFeatures.all,
    new StreamMessageReader(toServer),
    new StreamMessageWriter(toClient),
  );
  const handle = startLanguageServer(serverConnection);
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const notifications: Recorded[] = [];
  const waiters: { method: string; match: (p: unknown) => boolean; resolve: (p: unknown) => void }[] = [];
  const record = (method: string, params: unknown): void => {
    notifications.push({ method, params });
    for (const w of [...waiters]) {
      if (w.method === method && w.match(params)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(params);
      }
    }
  };
  client.onNotification((method: string, params: unknown) => record(method, params));
  // vscode-jsonrpc routes $/progress to token handlers, not the catch-all handler.
  client.onNotification('$/progress', (params: unknown) => record('$/progress', params));
  client.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
    params.items.map((item) => (item.section === 'hyperbo' ? settings : null)),
  );
  client.onRequest('client/registerCapability', () => null);
  client.onRequest('workspace/codeLens/refresh', () => {
    record('workspace/codeLens/refresh', null);
    return null;
  });
  client.onRequest('window/workDoneProgress/create', () => null);
  client.listen();
  await client.sendRequest('initialize', {
    processId: null,
    rootUri: uriOf(root),
    workspaceFolders: [{ uri: uriOf(root), name: path.basename(root) }],
    capabilities: {
      workspace: { configuration: true, codeLens: { refreshSupport: true }, didChangeWatchedFiles: { dynamicRegistration: true } },
      window: { workDoneProgress: true },
    },
  });
  await client.sendNotification('initialized', {});
  await handle.ready;

  const server: TestServer = {
    client,
    handle,
    notifications,
    waitFor<T>(method: string, match: (params: T) => boolean = () => true, timeoutMs = 20_000): Promise<T> {
      const seen = notifications.find((n) => n.method === method && match(n.params as T));
      if (seen) return Promise.resolve(seen.params as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${method}; got ${JSON.stringify(notifications.map((n) => n.method === method ? n.params : n.method)).slice(-1500)}`)), timeoutMs);
        waiters.push({
          method,
          match: (p) => match(p as T),
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p as T);
          },
        });
      });
    },
    async open(file, text, version = 1) {
      await client.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(file), languageId: 'yaml', version, text } });
    },
    async change(file, text, version) {
      await client.sendNotification('textDocument/didChange', { textDocument: { uri: uriOf(file), version }, contentChanges: [{ text }] });
    },
    async dispose() {
      await handle.dispose();
      client.dispose();
      serverConnection.dispose();
      toServer.end();
      toClient.end();
    },
  };
  return server;
}
