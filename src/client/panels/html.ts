// The panels' HTML shell and its Content-Security-Policy. Pure (no vscode import) so unit tests can check it.
import type { PanelKind } from '../../shared/webviewProtocol';

export interface PanelHtmlInput {
  kind: PanelKind;
  title: string;
  /** Per-load nonce: the only way a script runs. */
  nonce: string;
  /** `webview.cspSource`: where styles, images and fonts may come from. */
  cspSource: string;
  scriptUri: string;
  styleUris: string[];
}

/** Deny by default; scripts only by nonce; styles, images and fonts only from the extension's own resources. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

const attributeEscapes: Record<string, string> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&"'<>]/g, (c) => attributeEscapes[c]);
}

export function panelHtml(input: PanelHtmlInput): string {
  const styles = input.styleUris.map((uri) => `  <link rel="stylesheet" href="${escapeHtml(uri)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(input.cspSource, input.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
  <title>${escapeHtml(input.title)}</title>
</head>
<body data-panel="${escapeHtml(input.kind)}">
  <script nonce="${escapeHtml(input.nonce)}" src="${escapeHtml(input.scriptUri)}"></script>
</body>
</html>`;
}

export const viewTypes: Record<PanelKind, string> = {
  suggestions: 'hyperbo.suggestions',
  posterior: 'hyperbo.posterior',
  history: 'hyperbo.history',
  provenance: 'hyperbo.provenance',
};

export const panelTitles: Record<PanelKind, string> = {
  suggestions: 'Suggestions',
  posterior: 'Posterior',
  history: 'Trial History',
  provenance: 'Prior Provenance',
};

/** "Suggestions — digits-mlp.hyperbo.yaml" from a file URI string. */
export function panelTitle(kind: PanelKind, uri: string): string {
  const path = uri.split(/[?#]/)[0];
  const name = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || uri;
  return `${panelTitles[kind]} — ${name}`;
}

/** The persisted state of a panel, validated: restored panels get it back from VS Code as untyped JSON. */
export function isPanelState(value: unknown, kind: PanelKind): value is { panel: PanelKind; uri: string } {
  if (!value || typeof value !== 'object') return false;
  const state = value as Record<string, unknown>;
  return state.panel === kind && typeof state.uri === 'string' && state.uri.length > 0;
}
