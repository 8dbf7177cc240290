/*! HyperBO webview panels. Bundles plotly.js (strict build), MIT licence, Copyright 2012-2026 Plotly, Inc. */
// One bundle for every panel: the host names the panel in <body data-panel>, the data arrives by message.
import type { PanelKind, ToWebview } from '../shared/webviewProtocol';
import { button, el } from './dom';
import type { Panel, PanelContext } from './panels/context';
import { HistoryPanel } from './panels/history';
import { PosteriorPanel } from './panels/posterior';
import { ProvenancePanel } from './panels/provenance';
import { SuggestionsPanel } from './panels/suggestions';
import { readPalette, watchTheme } from './theme';
import { post, savedState, saveState } from './vscodeApi';

const kinds: readonly PanelKind[] = ['suggestions', 'posterior', 'history', 'provenance'];

function panelKind(): PanelKind {
  const fromBody = document.body.dataset.panel;
  if (kinds.includes(fromBody as PanelKind)) return fromBody as PanelKind;
  return savedState()?.panel ?? 'suggestions';
}

function start(): void {
  const kind = panelKind();
  const status = el('div', { className: 'status-line', attrs: { role: 'status', 'aria-live': 'polite' } });
  const content = el('main', { className: `panel panel-${kind}` });
  document.body.replaceChildren(status, content);

  let palette = readPalette();
  const ctx: PanelContext = { palette: () => palette, post };
  const panels: Record<PanelKind, () => Panel> = {
    suggestions: () => new SuggestionsPanel(content, ctx),
    posterior: () => new PosteriorPanel(content, ctx),
    history: () => new HistoryPanel(content, ctx),
    provenance: () => new ProvenancePanel(content, ctx),
  };
  const panel = panels[kind]();
  let hasData = false;

  const showStatus = (text: string, kindClass: 'loading' | 'error' | 'hidden', retry = false): void => {
    status.className = `status-line ${kindClass}`;
    status.replaceChildren(
      kindClass === 'loading' ? el('span', { className: 'spinner', attrs: { 'aria-hidden': 'true' } }) : '',
      el('span', { text }),
      retry ? button('Retry', () => post({ type: 'refresh' }), 'button secondary') : '',
    );
  };
  showStatus('Loading…', 'loading');

  window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
    const message = event.data;
    if (!message || typeof message !== 'object' || typeof message.type !== 'string') return;
    if (message.type === 'loading') {
      showStatus(message.message || 'Loading…', 'loading');
      return;
    }
    if (message.type === 'error') {
      content.classList.remove('updating');
      showStatus(message.message, 'error', true);
      if (!hasData) content.replaceChildren();
      return;
    }
    try {
      if (panel.receive(message)) {
        if (message.type !== 'trialUpdated') {
          hasData = true;
          showStatus('', 'hidden');
          saveState({ panel: kind, uri: message.data.uri });
        }
      }
    } catch (error) {
      showStatus(`Could not show this data: ${error instanceof Error ? error.message : String(error)}`, 'error', true);
    }
  });

  let frame = 0;
  watchTheme(() => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      palette = readPalette();
      panel.themeChanged();
    });
  });

  post({ type: 'ready' });
}

start();
