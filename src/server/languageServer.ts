// Connection wiring: LSP capabilities, document sync, file events, settings, and thin handlers that
// delegate to the connection-free HyperboService. Used by server.ts (IPC/stdio) and by tests (streams).
import * as path from 'node:path';
import {
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  MessageType,
  ResponseError,
  ShowMessageNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type WorkDoneProgressReporter,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  ExperimentsChangedNotification,
  ListExperimentsRequest,
  PosteriorRequest,
  PretrainRequest,
  ProvenanceRequest,
  RunPlanRequest,
  ServerStatusNotification,
  SuggestRequest,
  TrialHistoryRequest,
  TrialUpdatedNotification,
  WATCHED_FILE_GLOBS,
} from '../shared/protocol';
import { wasmLinalgAvailable } from '../engine';
import { registerEditorFeatures } from './handlers/editor';
import { registerEditRequests } from './handlers/edits';
import { registerHistoryRequests } from './handlers/history';
import { ListingCancelledError } from '../priors/listing';
import { JobCancelledError, JobError, type JobRunner } from './jobs/jobRunner';
import { parseExperimentFile } from './service/experimentAdapter';
import { UserError } from './service/errors';
import { HyperboService } from './service/hyperboService';
import { DEFAULT_SETTINGS, readSettings, type ServerSettings } from './service/settings';
import { isExperimentFile, uriToPath } from './service/workspaceIndex';

export interface LanguageServerOptions {
  /** Share a job runner (tests); by default the server owns one. */
  jobs?: JobRunner;
}

export interface LanguageServerHandle {
  /** Resolves once the workspace has been indexed after `initialized`. */
  ready: Promise<void>;
  service(): HyperboService | undefined;
  dispose(): Promise<void>;
}

/** Error codes clients can tell apart: input the user can fix vs a cancelled or failed job. */
export const ErrorCodes = { userError: -32001, cancelled: -32800, internal: -32603 } as const;

export function toResponseError(error: unknown): ResponseError<void> {
  if (error instanceof JobCancelledError || error instanceof ListingCancelledError) return new ResponseError(ErrorCodes.cancelled, error.message);
  if (error instanceof UserError) return new ResponseError(ErrorCodes.userError, error.message);
  if (error instanceof JobError && (error.originalName === 'EngineError' || error.originalName === 'DataError')) {
    return new ResponseError(ErrorCodes.userError, error.message);
  }
  if (error instanceof ResponseError) return error;
  return new ResponseError(ErrorCodes.internal, error instanceof Error ? error.message : String(error));
}

/** Bridges an LSP cancellation token to an AbortSignal for the job runner. */
export function abortSignal(token?: CancellationToken): AbortSignal | undefined {
  if (!token) return undefined;
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** A handler wrapper: typed errors become LSP response errors, never crashes. */
export function guarded<P, R>(handler: (params: P, token: CancellationToken) => Promise<R> | R) {
  return async (params: P, token: CancellationToken): Promise<R | ResponseError<void>> => {
    try {
      return await handler(params, token);
    } catch (error) {
      return toResponseError(error);
    }
  };
}

export function startLanguageServer(connection: Connection, options: LanguageServerOptions = {}): LanguageServerHandle {
  const documents = new TextDocuments(TextDocument);
  let service: HyperboService | undefined;
  let canPullConfiguration = false;
  let canRefreshLenses = false;
  let canRegisterWatchers = false;
  let initSettings: unknown;
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));

  const log = (message: string): void => connection.console.log(message);
  const onUncaught = (error: Error): void => connection.console.error(`Uncaught error in the HyperBO server: ${error.stack ?? error.message}`);
  const onRejection = (reason: unknown): void =>
    connection.console.error(`Unhandled rejection in the HyperBO server: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onRejection);

  async function settings(): Promise<ServerSettings> {
    if (canPullConfiguration) {
      try {
        return readSettings(await connection.workspace.getConfiguration('hyperbo'));
      } catch {
        // Fall through to the initialization options.
      }
    }
    return initSettings !== undefined ? readSettings(initSettings) : DEFAULT_SETTINGS;
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    canPullConfiguration = caps.workspace?.configuration === true;
    canRefreshLenses = caps.workspace?.codeLens?.refreshSupport === true;
    canRegisterWatchers = caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    initSettings = (params.initializationOptions as { settings?: unknown } | undefined)?.settings;
    const roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    if (roots.length === 0 && params.rootUri) roots.push(uriToPath(params.rootUri));
    service = new HyperboService({
      roots,
      parse: parseExperimentFile,
      jobs: options.jobs,
      settings,
      events: {
        diagnostics: (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }),
        experimentsChanged: (summaries) => void connection.sendNotification(ExperimentsChangedNotification.type, summaries),
        trialUpdated: (uri, trial) => void connection.sendNotification(TrialUpdatedNotification.type, { uri, trial }),
        status: (state, message) => void connection.sendNotification(ServerStatusNotification.type, { state, message }),
        lensesChanged: () => {
          if (canRefreshLenses) void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
        },
        log,
        // A notification (window/showMessage), not a request: nothing waits for the user to close it.
        warn: (message) => void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `HyperBO: ${message}` }),
      },
    });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        completionProvider: { triggerCharacters: [':', ' ', '-'] },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'HyperBO language server' },
    };
  });

  connection.onInitialized(() => {
    log(`HyperBO engine: ${wasmLinalgAvailable() ? 'WebAssembly SIMD linear algebra' : 'TypeScript linear algebra (this runtime lacks WebAssembly SIMD; suggestions are slower)'}.`);
    if (canPullConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'hyperbo' });
    if (canRegisterWatchers) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: WATCHED_FILE_GLOBS.map((globPattern) => ({ globPattern })),
      });
    }
    void service!
      .initialize()
      .catch((e: Error) => connection.console.error(`Indexing the workspace failed: ${e.message}`))
      .finally(resolveReady);
  });

  const isExperiment = (doc: TextDocument): boolean => isExperimentFile(uriToPath(doc.uri));

  // TextDocuments fires onDidChangeContent on open as well as on each change: one handler reads the text (with an
  // onDidOpen handler too, every opened file was parsed and its logs read twice).
  documents.onDidChangeContent(async ({ document }) => {
    if (!isExperiment(document)) return;
    await ready;
    await service?.openDocument(document.uri, document.getText(), document.version);
  });
  documents.onDidClose(async ({ document }) => {
    if (!isExperiment(document)) return;
    await service?.closeDocument(document.uri);
  });

  connection.onDidChangeWatchedFiles(async ({ changes }) => {
    await ready;
    for (const change of changes) {
      try {
        await service?.fileChanged(change.uri, change.type as 1 | 2 | 3);
      } catch (e) {
        log(`Handling a change of ${change.uri} failed: ${(e as Error).message}`);
      }
    }
  });

  // A changed hyperbo.logs.pollInterval applies from the next poll; polling switched off (0) and back on restarts;
  // hyperbo.prior.allowAbsolutePaths may allow more (prior.from is listed again).
  connection.onDidChangeConfiguration(() => {
    if (!service) return;
    service.settingsChanged();
    void service.trials.refresh();
    void service.trials.startPolling();
  });

  const svc = (): HyperboService => {
    if (!service) throw new ResponseError(ErrorCodes.internal, 'The server is not initialised yet.');
    return service;
  };

  // ---- custom requests -------------------------------------------------------------------------------
  connection.onRequest(
    SuggestRequest.type,
    guarded(async (params, token) => {
      await ready;
      return svc().queries.suggest(params.uri, Math.min(16, Math.max(1, Math.trunc(params.count ?? 1))), abortSignal(token));
    }),
  );
  connection.onRequest(
    PosteriorRequest.type,
    guarded(async (params) => {
      await ready;
      return svc().queries.posterior(params.uri, params);
    }),
  );
  connection.onRequest(
    TrialHistoryRequest.type,
    guarded(async (params) => {
      await ready;
      return svc().trialHistory(params.uri);
    }),
  );
  connection.onRequest(
    ProvenanceRequest.type,
    guarded(async (params) => {
      await ready;
      return svc().queries.provenance(params.uri);
    }),
  );
  connection.onRequest(ListExperimentsRequest.type, (token) =>
    guarded(async () => {
      await ready;
      return svc().listExperiments();
    })(undefined, token),
  );
  connection.onRequest(
    PretrainRequest.type,
    guarded(async (params, token) => {
      await ready;
      const progress: WorkDoneProgressReporter = await connection.window.attachWorkDoneProgress(params.workDoneToken);
      const name = path.basename(uriToPath(params.uri));
      progress.begin(`Pre-training the prior for ${name}`, 0, undefined, true);
      try {
        return await svc().queries.pretrain(params.uri, {
          force: params.force,
          signal: abortSignal(token),
          onProgress: (fraction, message) =>
            message === undefined ? progress.report(Math.round(fraction * 100)) : progress.report(Math.round(fraction * 100), message),
        });
      } finally {
        progress.done();
      }
    }),
  );
  connection.onRequest(
    RunPlanRequest.type,
    guarded(async (params) => {
      await ready;
      return svc().trials.runPlan(params.uri, params.trialId, params.attach === true);
    }),
  );
  registerEditRequests(connection, svc, ready);
  registerHistoryRequests(connection, svc, ready);
  registerEditorFeatures(connection, documents, svc, ready);

  documents.listen(connection);
  connection.listen();

  return {
    ready,
    service: () => service,
    async dispose() {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onRejection);
      await service?.dispose();
    },
  };
}
