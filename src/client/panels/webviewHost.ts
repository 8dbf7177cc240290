// One webview panel's plumbing: HTML with a fresh nonce, typed messages, and the `ready` handshake.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { FromWebview, PanelKind, ToWebview } from '../../shared/webviewProtocol';
import { panelHtml, panelTitle } from './html';

/** Where the panels' script and styles live; also the only roots the webview may load from. */
export function resourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: resourceRoots(extensionUri) };
}

const fromWebviewTypes = new Set<FromWebview['type']>(['ready', 'refresh', 'apply', 'applyAndRun', 'tune', 'posteriorOptions', 'openLog', 'revealTrial', 'compareTrial']);

/** Checks an incoming message's shape: the webview is ours, but its messages still cross a process boundary. */
export function asFromWebview(value: unknown): FromWebview | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const m = value as Record<string, unknown>;
  if (!fromWebviewTypes.has(m.type as FromWebview['type'])) return undefined;
  const integer = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  switch (m.type) {
    case 'apply':
    case 'applyAndRun':
      return integer(m.index) ? (m as unknown as FromWebview) : undefined;
    case 'openLog':
    case 'revealTrial':
    case 'compareTrial':
      return integer(m.trialId) ? (m as unknown as FromWebview) : undefined;
    case 'posteriorOptions': {
      const pairOk = m.pair === undefined || (Array.isArray(m.pair) && m.pair.length === 2 && m.pair.every((p) => typeof p === 'string'));
      return pairOk && typeof m.includePrior === 'boolean' && (m.anchor === 'best' || m.anchor === 'suggested') ? (m as unknown as FromWebview) : undefined;
    }
    default:
      return m as unknown as FromWebview;
  }
}

export class WebviewHost implements vscode.Disposable {
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly kind: PanelKind,
    readonly uri: string,
    extensionUri: vscode.Uri,
    private readonly onMessage: (message: FromWebview) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const webview = panel.webview;
    webview.options = webviewOptions(extensionUri);
    panel.title = panelTitle(kind, uri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'hyperbo.svg');
    const asset = (...path: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
    webview.html = panelHtml({
      kind,
      title: panel.title,
      nonce: randomBytes(16).toString('base64'),
      cspSource: webview.cspSource,
      scriptUri: asset('dist', 'webview', 'main.js'),
      styleUris: [asset('media', 'plotly.css'), asset('media', 'panels.css')],
    });
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => {
        const message = asFromWebview(raw);
        if (!message) {
          this.log.warn(`HyperBO ${kind} panel sent an unexpected message: ${JSON.stringify(raw)?.slice(0, 200)}`);
          return;
        }
        if (message.type === 'ready') this.ready = true;
        this.onMessage(message);
      }),
      // A hidden webview (no retainContextWhenHidden) is torn down; it says `ready` again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
    );
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Sends a message if the page has said `ready`; otherwise drops it (the page asks for fresh data when it comes back). */
  post(message: ToWebview): boolean {
    if (!this.ready) return false;
    void this.panel.webview.postMessage(message).then(
      (delivered) => {
        if (!delivered) this.log.debug(`HyperBO ${this.kind} panel did not take a '${message.type}' message (hidden)`);
      },
      (error: unknown) => this.log.warn(`HyperBO ${this.kind} panel: postMessage failed: ${String(error)}`),
    );
    return true;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
