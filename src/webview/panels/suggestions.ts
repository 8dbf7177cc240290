// Suggestions panel: the next configuration(s), what they predict, and buttons to apply them.
import type { SuggestResult } from '../../shared/dto';
import type { ToWebview } from '../../shared/webviewProtocol';
import { button, el } from '../dom';
import { suggestionsView, type ParamDeltaRow } from '../model/suggestions';
import type { Panel, PanelContext } from './context';

export class SuggestionsPanel implements Panel {
  constructor(private readonly root: HTMLElement, private readonly ctx: PanelContext) {}

  receive(message: ToWebview): boolean {
    if (message.type !== 'suggestions') return false;
    this.render(message.data);
    return true;
  }

  themeChanged(): void {
    // No plots: CSS variables restyle everything.
  }

  private render(data: SuggestResult): void {
    const view = suggestionsView(data);
    const header = el('header', { className: 'panel-header' },
      el('h1', { text: view.heading }),
      el('p', { className: 'subtle', text: view.subheading }),
      el('p', { className: 'badge-line' }, el('span', { className: `badge ${data.model}`, text: data.model === 'pretrained' ? 'HyperBO prior' : 'single-task GP' }), ' ', view.modelNote),
      view.best !== undefined && el('p', { className: 'subtle', text: view.best }),
      el('div', { className: 'actions' },
        button('Tune…', () => this.ctx.post({ type: 'tune' }), 'button secondary', 'Run several trials in a row: each is suggested, run and recorded before the next'),
      ),
    );
    const cards = view.cards.map((card) => {
      const table = el('table', { className: 'data-table params-table' },
        el('thead', {}, el('tr', {},
          el('th', { text: 'Parameter', attrs: { scope: 'col' } }),
          el('th', { text: 'Suggested', attrs: { scope: 'col' }, className: 'num' }),
          el('th', { text: 'Best trial', attrs: { scope: 'col' }, className: 'num' }),
          el('th', { className: 'two-line', attrs: { scope: 'col' } }, 'Δ from best', el('br'), el('span', { className: 'subtle', text: '(unit-cube distance)' })),
        )),
        el('tbody', {}, ...card.rows.map(paramRow)),
      );
      return el('section', { className: 'card', attrs: { 'aria-label': card.title } },
        el('h2', { text: card.title }),
        ...(card.note ? [el('p', { className: 'note', text: card.note })] : []),
        el('div', { className: 'metrics' },
          metric(`Predicted ${data.metric}`, card.predicted),
          metric(card.acquisitionLabel, card.acquisition),
        ),
        el('p', { className: 'subtle acquisition-words', text: card.acquisitionWords }),
        el('div', { className: 'table-scroll' }, table),
        view.best !== undefined && el('p', { className: 'subtle delta-words', text: DELTA_WORDS }),
        el('div', { className: 'actions' },
          button('Apply', () => this.ctx.post({ type: 'apply', index: card.index }), 'button secondary', 'Add this configuration as a pending trial in the experiment file'),
          button('Apply & Run', () => this.ctx.post({ type: 'applyAndRun', index: card.index }), 'button', 'Add this configuration as a trial and start the training run'),
        ),
      );
    });
    const body = view.empty !== undefined ? [el('p', { className: 'empty', text: view.empty })] : cards;
    this.root.replaceChildren(header, el('div', { className: 'cards' }, ...body));
  }
}

const DELTA_WORDS =
  'Δ from best: how far each value moves from the best trial, with every parameter scaled to 0…1 over its range (log parameters on a log scale); −1…+1, "same" when unchanged.';

function metric(label: string, value: string): HTMLElement {
  return el('div', { className: 'metric' }, el('span', { className: 'metric-label', text: label }), el('span', { className: 'metric-value', text: value }));
}

/** The name with a line-break opportunity after each _ . - /: "lr_decay_steps_factor" wraps in a narrow panel, not the table. */
function breakableName(name: string): (string | HTMLElement)[] {
  return name.split(/(?<=[_.\-/])/).flatMap((part, i) => (i === 0 ? [part] : [el('wbr'), part]));
}

function paramRow(row: ParamDeltaRow): HTMLTableRowElement {
  const bar = el('span', { className: `delta-bar ${row.delta !== undefined && row.delta < 0 ? 'negative' : 'positive'}` });
  // Setting style through the CSSOM is allowed by the CSP (no inline style attribute).
  bar.style.width = `${row.deltaPercent / 2}%`;
  const track = el('span', { className: 'delta-track', attrs: { 'aria-hidden': 'true' } }, el('span', { className: 'delta-centre' }), bar);
  return el('tr', {},
    el('th', { attrs: { scope: 'row' }, className: 'param-name' }, ...breakableName(row.name)),
    el('td', { text: row.value, className: 'num' }),
    el('td', { text: row.bestValue, className: 'num subtle' }),
    el('td', {}, el('span', { className: 'delta' }, track, el('span', { className: 'delta-text', text: row.deltaText }))),
  );
}
