// The one handle on the host: typed messages and the persisted panel state.
import type { FromWebview, WebviewState } from '../shared/webviewProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Outside VS Code (the preview page) messages go to `window.hyperboPreviewSink` when present. */
function acquire(): VsCodeApi {
  if (typeof acquireVsCodeApi === 'function') return acquireVsCodeApi();
  let state: unknown;
  const sink = (globalThis as { hyperboPreviewSink?: (m: unknown) => void }).hyperboPreviewSink;
  return { postMessage: (m) => sink?.(m), getState: () => state, setState: (s) => { state = s; } };
}

const api = acquire();

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
