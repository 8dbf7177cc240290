// The one handle on the host: typed messages and the persisted panel state.
import type { FromWebview, WebviewState } from '../shared/webviewProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// May be called once per page; the preview page (test/webview-preview) defines a stand-in before the script runs.
const api = acquireVsCodeApi();

export function post(message: FromWebview): void {
  api.postMessage(message);
}

export function savedState(): WebviewState | undefined {
  const state = api.getState() as Partial<WebviewState> | undefined;
  return state && typeof state.panel === 'string' && typeof state.uri === 'string' ? (state as WebviewState) : undefined;
}

export function saveState(state: WebviewState): void {
  api.setState(state);
}
