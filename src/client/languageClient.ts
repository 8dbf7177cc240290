// The language client: started lazily (first experiment file, tree view or command), restarted when the
// server dies (and the user is told), with the server's custom notifications re-broadcast as events so
// features never hold a reference to a client that a restart replaced.
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeWatchedFilesNotification,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type { ProtocolRequestType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { ExperimentSummary } from '../shared/dto';
import { ExperimentsChangedNotification, ServerStatusNotification, TrialUpdatedNotification, WATCHED_FILE_GLOBS } from '../shared/protocol';
import { FileEventBatcher } from './fileEventBatcher';
import type { ServerHealth } from './statusModel';

/** Files whose changes the server needs: experiments, training logs and data files. */
export const watchedGlobs = WATCHED_FILE_GLOBS;
/** Crashes within this window count towards giving up on automatic restarts. */
const crashWindowMs = 3 * 60_000;
const maxRestarts = 4;

type AnyRequest<P, R> = RequestType<P, R, void> | ProtocolRequestType<P, R, never, void, void>;

export class ServerConnection implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private crashes: number[] = [];
  private stoppingOnPurpose = false;
  private readonly clientDisposables: vscode.Disposable[] = [];
  readonly serverOutput: vscode.LogOutputChannel;

  private readonly healthEmitter = new vscode.EventEmitter<{ health: ServerHealth; detail?: string }>();
  private readonly experimentsEmitter = new vscode.EventEmitter<ExperimentSummary[]>();
  private readonly trialEmitter = new vscode.EventEmitter<TrialUpdatedNotification.Params>();
  readonly onHealth = this.healthEmitter.event;
  readonly onExperimentsChanged = this.experimentsEmitter.event;
  readonly onTrialUpdated = this.trialEmitter.event;
  private currentHealth: { health: ServerHealth; detail?: string } = { health: 'stopped', detail: 'not started yet' };

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly mode: vscode.ExtensionMode,
  ) {
    this.serverOutput = vscode.window.createOutputChannel('HyperBO Language Server', { log: true });
  }

  get health(): { health: ServerHealth; detail?: string } {
    return this.currentHealth;
  }

  get isRunning(): boolean {
    return this.client?.state === State.Running;
  }

  /** The running client, starting it on first use. */
  start(): Promise<LanguageClient> {
    if (this.client && this.client.state === State.Running) return Promise.resolve(this.client);
    this.starting ??= this.createAndStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  async request<P, R>(type: AnyRequest<P, R>, params: P, token?: vscode.CancellationToken): Promise<R> {
    const client = await this.start();
    // Send by method name: one path for RequestType and ProtocolRequestType (the params are typed by the caller).
    // An absent token must not be passed: it would count as a second, positional parameter.
    return token ? client.sendRequest<R>(type.method, params, token) : client.sendRequest<R>(type.method, params);
  }

  async request0<R>(type: RequestType0<R, void>, token?: vscode.CancellationToken): Promise<R> {
    const client = await this.start();
    return client.sendRequest(type, token);
  }

  async restart(): Promise<void> {
    this.log.info('Restarting the HyperBO language server');
    this.crashes = [];
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    for (const d of this.clientDisposables.splice(0)) d.dispose();
    if (!client) return;
    this.stoppingOnPurpose = true;
    try {
      if (client.state !== State.Stopped) await client.stop(5000);
    } catch (error) {
      this.log.warn(`Stopping the language server: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.stoppingOnPurpose = false;
      this.setHealth('stopped', 'stopped');
    }
  }

  private setHealth(health: ServerHealth, detail?: string): void {
    this.currentHealth = detail === undefined ? { health } : { health, detail };
    this.healthEmitter.fire(this.currentHealth);
  }

  private async createAndStart(): Promise<LanguageClient> {
    const module = vscode.Uri.joinPath(this.extensionUri, 'dist', 'server.js').fsPath;
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
    };
    const watchers = watchedGlobs.map((glob) => vscode.workspace.createFileSystemWatcher(glob));
    this.clientDisposables.push(...watchers);
    // File events go out through our batcher, not the library's debounce (which a steadily written log starves).
    // None are sent while the client is down: a (re)started server lists the workspace again.
    const fileEvents = new FileEventBatcher(
      (changes) =>
        client.state === State.Stopped ? Promise.resolve() : client.sendNotification(DidChangeWatchedFilesNotification.type, { changes }),
      (error) => this.log.warn(`Sending file events to the language server: ${error instanceof Error ? error.message : String(error)}`),
    );
    this.clientDisposables.push(fileEvents);
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', pattern: '**/*.hyperbo.yaml' }],
      synchronize: { fileEvents: watchers },
      middleware: {
        workspace: {
          didChangeWatchedFile: (event) => {
            fileEvents.push(event);
            return Promise.resolve();
          },
        },
      },
      initializationOptions: { settings: JSON.parse(JSON.stringify(vscode.workspace.getConfiguration('hyperbo'))) as unknown },
      // Hovers and completion docs carry workspace strings (escaped by the server): never run commands or HTML.
      markdown: { isTrusted: false, supportHtml: false },
      outputChannel: this.serverOutput,
      revealOutputChannelOn: 4 /* RevealOutputChannelOn.Never */,
      errorHandler: {
        // Write errors (EPIPE) follow a crash; shutting down here would pre-empt the restart that the
        // close handler decides on, so keep going and let `closed` count the crashes.
        error: (error, _message, count): ErrorHandlerResult => {
          this.log.warn(`Connection to the language server: ${error.message} (${count ?? 1})`);
          return { action: ErrorAction.Continue, handled: true };
        },
        closed: (): CloseHandlerResult => this.onClosed(),
      },
      initializationFailedHandler: (error) => {
        this.log.error(`The language server failed to initialise: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        this.setHealth('stopped', 'it failed to start');
        void this.tell('error', 'The HyperBO language server failed to start.');
        return false;
      },
    };
    const client = new LanguageClient('hyperbo', 'HyperBO Language Server', serverOptions, clientOptions, this.mode === vscode.ExtensionMode.Development);
    this.client = client;
    this.clientDisposables.push(
      client.onNotification(ExperimentsChangedNotification.type, (summaries) => this.experimentsEmitter.fire(summaries)),
      client.onNotification(TrialUpdatedNotification.type, (params) => this.trialEmitter.fire(params)),
      client.onNotification(ServerStatusNotification.type, ({ state, message }) => {
        const health: ServerHealth = state === 'idle' ? 'ready' : state;
        this.setHealth(health, message);
        if (state === 'error' && message) this.log.warn(`Server: ${message}`);
      }),
      client.onDidChangeState(({ newState }) => {
        if (newState === State.Starting) this.setHealth('starting');
        else if (newState === State.Running) this.setHealth('ready');
        else if (!this.stoppingOnPurpose && this.client === client) this.setHealth('stopped', 'it stopped');
      }),
    );
    this.setHealth('starting');
    const started = Date.now();
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      for (const d of this.clientDisposables.splice(0)) d.dispose();
      this.setHealth('stopped', 'it failed to start');
      throw error;
    }
    this.log.info(`Language server started in ${Date.now() - started} ms (${module})`);
    return client;
  }

  /** The server's connection closed: restart unless it keeps crashing. */
  private onClosed(): CloseHandlerResult {
    if (this.stoppingOnPurpose) return { action: CloseAction.DoNotRestart, handled: true };
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < crashWindowMs), now];
    if (this.crashes.length <= maxRestarts) {
      this.log.warn(`The language server stopped unexpectedly; restarting it (${this.crashes.length} in the last 3 minutes).`);
      void this.tell('warning', 'The HyperBO language server stopped unexpectedly and was restarted.');
      return { action: CloseAction.Restart, handled: true };
    }
    this.log.error(`The language server stopped ${this.crashes.length} times in 3 minutes; not restarting it again.`);
    this.setHealth('stopped', `it crashed ${this.crashes.length} times in 3 minutes`);
    void this.tell('error', `The HyperBO language server crashed ${this.crashes.length} times in 3 minutes and was not restarted.`, true);
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  private async tell(kind: 'warning' | 'error', message: string, offerRestart = false): Promise<void> {
    const show = kind === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const choice = await show(message, 'Show Logs', ...(offerRestart ? ['Restart Server'] : []));
    if (choice === 'Show Logs') this.serverOutput.show(true);
    else if (choice === 'Restart Server') await this.restart();
  }

  dispose(): void {
    void this.stop();
    this.healthEmitter.dispose();
    this.experimentsEmitter.dispose();
    this.trialEmitter.dispose();
    this.serverOutput.dispose();
  }
}
