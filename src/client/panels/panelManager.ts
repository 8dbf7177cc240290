// One panel per (kind, experiment): created or revealed on demand, fed by server requests, restored after a reload.
import * as vscode from 'vscode';
import type { ProtocolRequestType, RequestType } from 'vscode-languageserver-protocol';
import { PosteriorRequest, ProvenanceRequest, SuggestRequest, TrialHistoryRequest } from '../../shared/protocol';
import type { TrialDTO } from '../../shared/dto';
import type { FromWebview, PanelKind, ToWebview } from '../../shared/webviewProtocol';
import { isPanelState, panelTitle, viewTypes } from './html';
import { WebviewHost, webviewOptions } from './webviewHost';

export interface PanelDeps {
  request<P, R>(type: RequestType<P, R, void> | ProtocolRequestType<P, R, never, void, void>, params: P): Promise<R>;
  /** Appends suggestion #index (as listed in the Suggestions panel) as a trial; `run` also starts it. */
  apply(uri: string, index: number, run: boolean): Promise<void>;
  /** Tune… on the experiment (asks how many trials, then runs them). */
  tune(uri: string): Promise<void>;
  openLog(uri: string, trialId: number): Promise<void>;
  revealTrial(uri: string, trialId: number): Promise<void>;
  /** Compare Trial with Best on trial `trialId`. */
  compareTrial(uri: string, trialId: number): Promise<void>;
  log: vscode.LogOutputChannel;
}

export interface Panels {
  show(kind: PanelKind, uri: string): Promise<void>;
  /** The experiment of the HyperBO panel that has focus, if one has. */
  activeExperiment(): string | undefined;
  trialUpdated(uri: string, trial: TrialDTO): void;
  refresh(uri?: string): void;
  dispose(): void;
}

/** How many configurations the Suggestions panel asks for; `apply(uri, index)` indexes into this list. */
export const suggestionCount = 3;
/** Grid resolution of the posterior contour. */
export const contourResolution = 40;

interface PosteriorOptions {
  anchor: 'best' | 'suggested';
  includePrior: boolean;
  pair?: [string, string];
}

class PanelController implements vscode.Disposable {
  readonly host: WebviewHost;
  posteriorOptions: PosteriorOptions = { anchor: 'best', includePrior: false };
  /** Each load gets a number; a slower, older answer never overwrites a newer one. */
  private generation = 0;
  /** Resolvers waiting for the next data (or error) message to be posted; used by tests and by `show`. */
  private waiters: ((message: ToWebview) => void)[] = [];

  constructor(
    readonly kind: PanelKind,
    readonly uri: string,
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly deps: PanelDeps,
    onDispose: () => void,
  ) {
    this.host = new WebviewHost(panel, kind, uri, extensionUri, (m) => this.onMessage(m), deps.log);
    panel.onDidDispose(() => {
      this.host.dispose();
      onDispose();
    });
  }

  get panel(): vscode.WebviewPanel {
    return this.host.panel;
  }

  nextDelivery(): Promise<ToWebview> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  post(message: ToWebview): void {
    if (!this.host.post(message)) return;
    if (message.type === 'loading' || message.type === 'trialUpdated') return;
    for (const resolve of this.waiters.splice(0)) resolve(message);
  }

  async load(): Promise<void> {
    if (!this.host.isReady) return;
    const generation = ++this.generation;
    this.post({ type: 'loading', message: loadingText[this.kind] });
    try {
      const message = await this.fetch();
      if (generation === this.generation) this.post(message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.deps.log.error(`HyperBO ${this.kind} panel for ${this.uri}: ${text}`);
      if (generation === this.generation) this.post({ type: 'error', message: `Could not load the ${this.kind} data: ${text}` });
    }
  }

  private async fetch(): Promise<ToWebview> {
    const uri = this.uri;
    switch (this.kind) {
      case 'suggestions':
        return { type: 'suggestions', data: await this.deps.request(SuggestRequest.type, { uri, count: suggestionCount }) };
      case 'posterior': {
        const o = this.posteriorOptions;
        const params: PosteriorRequest.Params = { uri, anchor: o.anchor, includePrior: o.includePrior, resolution: contourResolution };
        if (o.pair) params.pair = o.pair;
        return { type: 'posterior', data: await this.deps.request(PosteriorRequest.type, params) };
      }
      case 'history':
        return { type: 'history', data: await this.deps.request(TrialHistoryRequest.type, { uri }) };
      case 'provenance':
        return {
          type: 'provenance',
          data: await this.deps.request(ProvenanceRequest.type, { uri }),
          file: vscode.workspace.asRelativePath(vscode.Uri.parse(uri)),
        };
    }
  }

  private onMessage(message: FromWebview): void {
    const { deps, uri } = this;
    const report = (what: string) => (error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      deps.log.error(`HyperBO: ${what} failed: ${text}`);
      void vscode.window.showErrorMessage(`HyperBO: ${what} failed: ${text}`, 'Show Logs').then((choice) => {
        if (choice) deps.log.show(true);
      });
    };
    switch (message.type) {
      case 'ready':
      case 'refresh':
        void this.load();
        return;
      case 'apply':
        void deps.apply(uri, message.index, false).catch(report('Apply suggestion'));
        return;
      case 'applyAndRun':
        void deps.apply(uri, message.index, true).catch(report('Apply and run'));
        return;
      case 'tune':
        void deps.tune(uri).catch(report('Tune'));
        return;
      case 'posteriorOptions':
        this.posteriorOptions = { anchor: message.anchor, includePrior: message.includePrior, pair: message.pair };
        void this.load();
        return;
      case 'openLog':
        void deps.openLog(uri, message.trialId).catch(report(`Opening the log of trial ${message.trialId}`));
        return;
      case 'revealTrial':
        void deps.revealTrial(uri, message.trialId).catch(report(`Revealing trial ${message.trialId}`));
        return;
      case 'compareTrial':
        void deps.compareTrial(uri, message.trialId).catch(report(`Comparing trial ${message.trialId} with the best`));
        return;
    }
  }

  dispose(): void {
    this.panel.dispose();
  }
}

const loadingText: Record<PanelKind, string> = {
  suggestions: 'Computing the next configuration…',
  posterior: 'Computing the posterior…',
  history: 'Reading trials and logs…',
  provenance: 'Reading the prior…',
};

export interface PanelManagerOptions {
  /** Register the WebviewPanelSerializers (off only where another instance already did, e.g. a test beside the extension). */
  serializers?: boolean;
}

export class PanelManager implements Panels {
  private readonly controllers = new Map<string, PanelController>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: PanelDeps,
    options: PanelManagerOptions = {},
  ) {
    if (options.serializers !== false) {
      for (const kind of Object.keys(viewTypes) as PanelKind[]) {
        this.disposables.push(
          vscode.window.registerWebviewPanelSerializer(viewTypes[kind], {
            deserializeWebviewPanel: async (panel, state) => this.restore(kind, panel, state),
          }),
        );
      }
    }
  }

  activeExperiment(): string | undefined {
    for (const controller of this.controllers.values()) if (controller.panel.active) return controller.uri;
    return undefined;
  }

  async show(kind: PanelKind, uri: string): Promise<void> {
    const existing = this.controllers.get(key(kind, uri));
    if (existing) {
      existing.panel.reveal(undefined, false);
      await existing.load();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      viewTypes[kind],
      panelTitle(kind, uri),
      { viewColumn: this.panelColumn(), preserveFocus: false },
      webviewOptions(this.extensionUri),
    );
    this.adopt(kind, uri, panel);
  }

  /**
   * Every HyperBO panel opens as a tab in one group: the group of a panel already open, else the group beside the
   * file. (Beside alone, asked from a focused panel, made a new column per panel: five columns after four panels.)
   */
  private panelColumn(): vscode.ViewColumn {
    for (const controller of this.controllers.values()) {
      const column = controller.panel.viewColumn;
      if (column !== undefined) return column;
    }
    return vscode.ViewColumn.Beside;
  }

  /** Called by VS Code after a reload for a panel that was open: rebuild it from its saved state. */
  async restore(kind: PanelKind, panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    if (!isPanelState(state, kind)) {
      this.deps.log.warn(`HyperBO: closing a restored ${kind} panel without a usable saved state`);
      panel.dispose();
      return;
    }
    const existing = this.controllers.get(key(kind, state.uri));
    if (existing) {
      panel.dispose();
      existing.panel.reveal(undefined, true);
      return;
    }
    this.adopt(kind, state.uri, panel);
  }

  trialUpdated(uri: string, trial: TrialDTO): void {
    this.controllers.get(key('history', uri))?.post({ type: 'trialUpdated', trial });
  }

  refresh(uri?: string): void {
    for (const controller of this.controllers.values()) {
      if (uri === undefined || controller.uri === uri) void controller.load();
    }
  }

  /** Resolves with the next data or error message posted to the panel (kind, uri); for tests and callers that must wait. */
  nextDelivery(kind: PanelKind, uri: string): Promise<ToWebview> | undefined {
    return this.controllers.get(key(kind, uri))?.nextDelivery();
  }

  /** The open panel for (kind, uri), if any. */
  panel(kind: PanelKind, uri: string): vscode.WebviewPanel | undefined {
    return this.controllers.get(key(kind, uri))?.panel;
  }

  dispose(): void {
    for (const controller of [...this.controllers.values()]) controller.dispose();
    this.controllers.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private adopt(kind: PanelKind, uri: string, panel: vscode.WebviewPanel): void {
    const k = key(kind, uri);
    const controller = new PanelController(kind, uri, panel, this.extensionUri, this.deps, () => {
      if (this.controllers.get(k) === controller) this.controllers.delete(k);
    });
    this.controllers.set(k, controller);
  }
}

function key(kind: PanelKind, uri: string): string {
  return `${kind}\u0000${uri}`;
}
