// Trial history panel: sortable table, best-so-far curve, live learning curves, parallel coordinates.
import type { TrialHistoryResult } from '../../shared/dto';
import type { ToWebview } from '../../shared/webviewProtocol';
import { el } from '../dom';
import {
  bestSoFarSpec, historyColumns, historyRows, historySummary, learningCurvesSpec, mergeTrial, nextSort, parcoordsSpec,
  type SortState,
} from '../model/history';
import { draw, webglAvailable } from '../plotting';
import type { Panel, PanelContext } from './context';

export class HistoryPanel implements Panel {
  private data?: TrialHistoryResult;
  private sort: SortState = { column: 'id', direction: 'ascending' };
  private built = false;
  private readonly summary = el('p', { className: 'subtle', attrs: { 'aria-live': 'polite' } });
  private readonly heading = el('h1');
  private readonly bestPlot = el('div', { className: 'plot', attrs: { role: 'img', 'aria-label': 'Best value so far over trials' } });
  private readonly curvesPlot = el('div', { className: 'plot', attrs: { role: 'img', 'aria-label': 'Learning curves from the trial logs' } });
  private readonly parcoordsHolder = el('div');
  private readonly parcoordsPlot = el('div', { className: 'plot plot-large', attrs: { role: 'img', 'aria-label': 'Parallel coordinates of parameters and value' } });
  private readonly table = el('table', { className: 'data-table trials-table' });
  private pendingFrame = 0;

  constructor(private readonly root: HTMLElement, private readonly ctx: PanelContext) {}

  receive(message: ToWebview): boolean {
    if (message.type === 'history') {
      this.data = message.data;
      this.render();
      return true;
    }
    if (message.type === 'trialUpdated') {
      if (!this.data) return true;
      this.data = mergeTrial(this.data, message.trial);
      // Logs can grow many times a second: draw at most once per frame.
      if (!this.pendingFrame) this.pendingFrame = requestAnimationFrame(() => { this.pendingFrame = 0; this.render(); });
      return true;
    }
    return false;
  }

  themeChanged(): void {
    if (this.data) this.render();
  }

  private build(): void {
    this.root.replaceChildren(
      el('header', { className: 'panel-header' }, this.heading, this.summary),
      el('div', { className: 'plot-grid two' },
        el('section', { className: 'card' }, el('h2', { text: 'Best so far' }), this.bestPlot),
        el('section', { className: 'card' }, el('h2', { text: 'Learning curves' }), this.curvesPlot),
      ),
      el('section', { className: 'card' }, el('h2', { text: 'Parameters vs value' }), this.parcoordsHolder),
      el('section', { className: 'card' }, el('h2', { text: 'Trials' }), el('div', { className: 'table-scroll' }, this.table)),
    );
    this.built = true;
  }

  private render(): void {
    const data = this.data!;
    if (!this.built) this.build();
    const palette = this.ctx.palette();
    this.heading.textContent = `Trials of ${data.experiment}`;
    this.summary.textContent = historySummary(data);
    draw(this.bestPlot, bestSoFarSpec(data, palette));
    const curves = learningCurvesSpec(data, palette);
    if (curves.data.length > 0) {
      draw(this.curvesPlot, curves);
    } else {
      this.curvesPlot.replaceChildren(el('p', { className: 'empty', text: 'No learning curves yet: they appear as trial logs are written.' }));
    }
    const parcoords = parcoordsSpec(data, palette);
    if (!parcoords) {
      this.parcoordsHolder.replaceChildren(el('p', { className: 'empty', text: 'Parallel coordinates appear once two trials have completed.' }));
    } else if (!webglAvailable()) {
      this.parcoordsHolder.replaceChildren(el('p', { className: 'empty', text: 'Parallel coordinates need WebGL, which this window does not provide.' }));
    } else {
      if (this.parcoordsPlot.parentElement !== this.parcoordsHolder) this.parcoordsHolder.replaceChildren(this.parcoordsPlot);
      draw(this.parcoordsPlot, parcoords);
    }
    this.renderTable(data);
  }

  private renderTable(data: TrialHistoryResult): void {
    const columns = historyColumns(data);
    const focusedKey = (document.activeElement as HTMLElement | null)?.dataset?.sortKey;
    const headerRow = el('tr');
    for (const column of columns) {
      const active = this.sort.column === column.key;
      const headerButton = el('button', {
        className: 'sort-button', text: column.label,
        attrs: { type: 'button', 'data-sort-key': column.key, title: `Sort by ${column.label}` },
        on: { click: () => { this.sort = nextSort(this.sort, column.key, data.goal); this.renderTable(data); } },
      });
      headerRow.append(el('th', {
        className: column.numeric ? 'num' : '',
        attrs: { scope: 'col', 'aria-sort': active ? this.sort.direction : 'none' },
      }, headerButton, el('span', { className: 'sort-indicator', text: active ? (this.sort.direction === 'ascending' ? ' ▲' : ' ▼') : '', attrs: { 'aria-hidden': 'true' } })));
    }
    headerRow.append(el('th', { attrs: { scope: 'col' } }, el('span', { className: 'visually-hidden', text: 'Actions' })));
    const body = el('tbody');
    for (const row of historyRows(data, this.sort)) {
      const tr = el('tr', { className: row.isBest ? 'best' : '', title: row.reason });
      row.cells.forEach((text, i) => {
        const column = columns[i];
        if (column.key === 'status') {
          tr.append(el('td', {}, el('span', { className: `status status-${row.status}`, text })));
        } else {
          tr.append(el('td', { className: column.numeric ? 'num' : '', text: row.isBest && column.key === 'value' ? `${text} ★` : text }));
        }
      });
      tr.append(el('td', { className: 'row-actions' },
        el('button', { className: 'link', text: 'Reveal', attrs: { type: 'button', title: `Show trial ${row.id} in the experiment file` }, on: { click: () => this.ctx.post({ type: 'revealTrial', trialId: row.id }) } }),
        el('button', { className: 'link', text: 'Compare', attrs: { type: 'button', title: row.isBest ? `Compare trial ${row.id}, the best, with the trial before it` : `Compare trial ${row.id} with the best trial` }, on: { click: () => this.ctx.post({ type: 'compareTrial', trialId: row.id }) } }),
        row.hasLog && el('button', { className: 'link', text: 'Log', attrs: { type: 'button', title: `Open the log of trial ${row.id}` }, on: { click: () => this.ctx.post({ type: 'openLog', trialId: row.id }) } }),
      ));
      body.append(tr);
    }
    this.table.replaceChildren(el('thead', {}, headerRow), body);
    if (focusedKey) this.table.querySelector<HTMLElement>(`[data-sort-key="${CSS.escape(focusedKey)}"]`)?.focus();
  }
}
