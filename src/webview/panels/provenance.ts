// Provenance panel: the tasks and points the prior learned from, its objective, loss and hyperparameters.
import type { ToWebview } from '../../shared/webviewProtocol';
import { button, el } from '../dom';
import { provenanceView, type KeyValue } from '../model/provenance';
import type { Panel, PanelContext } from './context';

export class ProvenancePanel implements Panel {
  constructor(private readonly root: HTMLElement, private readonly ctx: PanelContext) {}

  receive(message: ToWebview): boolean {
    if (message.type !== 'provenance') return false;
    const view = provenanceView(message.data);
    const sections: HTMLElement[] = [
      el('header', { className: 'panel-header' },
        el('h1', { text: view.heading }),
        el('p', { className: 'subtle', text: message.file ?? message.data.uri }),
        el('div', { className: 'actions' }, button('Refresh', () => this.ctx.post({ type: 'refresh' }), 'button secondary')),
      ),
      el('section', { className: 'card' }, el('h2', { text: 'Model' }), keyValues(view.summary)),
    ];
    if (view.note) sections.push(el('p', { className: 'note', text: view.note }));
    if (view.tasks.length > 0) {
      sections.push(el('section', { className: 'card' },
        el('h2', { text: `Training tasks (${view.tasks.length}, ${view.totalPoints} points)` }),
        // Scrolls sideways in a narrow panel instead of being cut off.
        el('div', { className: 'table-scroll' }, el('table', { className: 'data-table' },
          el('thead', {}, el('tr', {},
            el('th', { text: 'Task', attrs: { scope: 'col' } }),
            el('th', { text: 'Source', attrs: { scope: 'col' } }),
            el('th', { text: 'Points', attrs: { scope: 'col' }, className: 'num' }),
            el('th', { text: 'Share', attrs: { scope: 'col' } }),
            ...(view.agreement ? [el('th', { text: 'Orders this experiment\'s trials alike', attrs: { scope: 'col', title: 'Pairs of completed trials this task ranks the same way (its values, or the prior conditioned on them)' } })] : []),
          )),
          el('tbody', {}, ...view.tasks.map((t) => {
            const bar = el('span', { className: 'share-bar' });
            bar.style.width = `${Math.round(t.share * 100)}%`;
            return el('tr', {},
              el('th', { text: t.name, attrs: { scope: 'row' } }),
              el('td', { text: t.source, className: 'subtle path' }),
              el('td', { text: t.points, className: 'num' }),
              el('td', {}, el('span', { className: 'share' }, el('span', { className: 'share-track', attrs: { 'aria-hidden': 'true' } }, bar), el('span', { text: `${(t.share * 100).toFixed(1)}%` }))),
              ...(view.agreement ? [el('td', { text: t.agreement ?? '—', className: 'num' })] : []),
            );
          })),
        )),
      ));
    }
    if (view.coverage) {
      const { rows, gaps } = view.coverage;
      sections.push(el('section', { className: 'card' },
        el('h2', { text: 'Training data coverage' }),
        el('div', { className: 'table-scroll' }, el('table', { className: 'data-table' },
          el('thead', {}, el('tr', {},
            el('th', { text: 'Parameter', attrs: { scope: 'col' } }),
            el('th', { text: 'Search space', attrs: { scope: 'col' } }),
            el('th', { text: 'Training data', attrs: { scope: 'col' } }),
          )),
          el('tbody', {}, ...rows.map((r) => el('tr', r.gap ? { className: 'coverage-gap' } : {},
            el('th', { text: r.name, attrs: { scope: 'row' } }),
            el('td', { text: r.space }),
            el('td', { text: r.gap ? `${r.measured} (the prior extrapolates beyond)` : r.measured }),
          ))),
        )),
        ...gaps.map((g) => el('p', { className: 'note', text: g })),
      ));
    }
    sections.push(el('section', { className: 'card' }, el('h2', { text: 'Hyperparameters' }), keyValues(view.hyperparameters)));
    if (view.heldOut) sections.push(el('section', { className: 'card' }, el('h2', { text: 'Fit on this experiment (held out)' }), keyValues(view.heldOut)));
    this.root.replaceChildren(...sections);
    return true;
  }

  themeChanged(): void {}
}

function keyValues(rows: KeyValue[]): HTMLDListElement {
  return el('dl', { className: 'key-values' }, ...rows.flatMap((r) => [el('dt', { text: r.key }), el('dd', { text: r.value })]));
}
