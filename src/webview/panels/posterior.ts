// Posterior panel: a slice per parameter through the best/suggested point, a 2-D contour, and the prior toggle.
import type { PosteriorResult } from '../../shared/dto';
import type { ToWebview } from '../../shared/webviewProtocol';
import { checkbox, el, select } from '../dom';
import { anchorText, contourParameters, contourSpec, defaultPair, sliceSpec, type ContourQuantity } from '../model/posterior';
import { draw, release } from '../plotting';
import type { Panel, PanelContext } from './context';

interface Options {
  anchor: 'best' | 'suggested';
  includePrior: boolean;
  pair?: [string, string];
}

export class PosteriorPanel implements Panel {
  private data?: PosteriorResult;
  private options?: Options;
  private quantity: ContourQuantity = 'mean';
  private plots: HTMLElement[] = [];
  /** The first answer carries no contour unless a pair was asked for; ask once for the default pair. */
  private contourRequested = false;

  constructor(private readonly root: HTMLElement, private readonly ctx: PanelContext) {}

  receive(message: ToWebview): boolean {
    if (message.type !== 'posterior') return false;
    this.data = message.data;
    const hasPrior = message.data.slices.some((s) => s.priorMean !== undefined);
    this.options = { anchor: message.data.anchorKind, includePrior: hasPrior, pair: defaultPair(message.data) };
    this.render();
    if (!message.data.contour && this.options.pair && !this.contourRequested) {
      this.contourRequested = true;
      this.requestUpdate({});
    }
    return true;
  }

  themeChanged(): void {
    if (this.data) this.render();
  }

  private requestUpdate(change: Partial<Options>): void {
    if (!this.options) return;
    this.options = { ...this.options, ...change };
    this.root.classList.add('updating');
    this.ctx.post({ type: 'posteriorOptions', anchor: this.options.anchor, includePrior: this.options.includePrior, pair: this.options.pair });
  }

  private render(): void {
    const data = this.data!;
    const options = this.options!;
    const palette = this.ctx.palette();
    for (const plot of this.plots) release(plot);
    this.plots = [];
    this.root.classList.remove('updating');

    const controls = el('div', { className: 'controls', attrs: { role: 'group', 'aria-label': 'Posterior options' } },
      select('Slices through', [{ value: 'best', label: 'best trial' }, { value: 'suggested', label: 'next suggestion' }], options.anchor,
        (v) => this.requestUpdate({ anchor: v === 'suggested' ? 'suggested' : 'best' })),
      checkbox('Show the prior before conditioning', options.includePrior, (checked) => this.requestUpdate({ includePrior: checked })),
    );

    const legend = el('p', { className: 'legend subtle' },
      swatch('mean', 'posterior mean ± 2 sd'),
      options.includePrior ? swatch('prior', 'prior mean ± 2 sd (before conditioning)') : undefined,
      swatch('observation', 'trials (faint = far from the slice in other parameters)'),
      swatch('acquisition', 'acquisition (right axis)'),
      swatch('anchor', data.anchorKind === 'best' ? 'best trial' : 'suggestion'),
    );

    const slices = el('div', { className: 'plot-grid' });
    for (const slice of data.slices) {
      const plot = el('div', { className: 'plot', attrs: { role: 'img', 'aria-label': `Posterior of ${data.metric} along ${slice.param}` } });
      slices.append(el('figure', { className: 'plot-figure' }, el('figcaption', { text: slice.param }), plot));
      this.plots.push(plot);
    }

    const names = contourParameters(data.parameters);
    const contourSection = el('section', { className: 'card' }, el('h2', { text: 'Two parameters at once' }));
    if (names.length >= 2 && options.pair) {
      const choices = names.map((n) => ({ value: n, label: n }));
      const [px, py] = options.pair;
      contourSection.append(el('div', { className: 'controls' },
        select('x axis', choices, px, (v) => this.requestUpdate({ pair: [v, v === py ? names.find((n) => n !== v)! : py] })),
        select('y axis', choices, py, (v) => this.requestUpdate({ pair: [v === px ? names.find((n) => n !== v)! : px, v] })),
        select('Colour', [{ value: 'mean', label: 'posterior mean' }, { value: 'sd', label: 'posterior sd' }, { value: 'acquisition', label: 'acquisition' }], this.quantity,
          (v) => { this.quantity = v as ContourQuantity; this.render(); }),
      ));
      if (data.contour) {
        const plot = el('div', { className: 'plot plot-large', attrs: { role: 'img', 'aria-label': `Posterior contour over ${data.contour.x} and ${data.contour.y}` } });
        contourSection.append(plot);
        this.plots.push(plot);
      } else {
        contourSection.append(el('p', { className: 'empty', text: this.contourRequested ? 'The server sent no contour for this pair.' : 'Computing the contour…' }));
      }
    } else {
      contourSection.append(el('p', { className: 'empty', text: 'A contour needs at least two numeric parameters.' }));
    }

    this.root.replaceChildren(
      el('header', { className: 'panel-header' },
        el('h1', { text: `Posterior of ${data.metric}` }),
        el('p', { className: 'subtle', text: anchorText(data) }),
        el('p', { className: 'subtle', text: `${data.observations.length} completed trial${data.observations.length === 1 ? '' : 's'} · ${data.goal}` }),
      ),
      controls,
      legend,
      el('section', { className: 'card' }, el('h2', { text: 'One parameter at a time' }), slices),
      contourSection,
    );

    data.slices.forEach((slice, i) => draw(this.plots[i], sliceSpec(slice, data, palette)));
    if (data.contour && this.plots.length > data.slices.length) draw(this.plots[data.slices.length], contourSpec(data.contour, data, this.quantity, palette));
  }
}

function swatch(kind: string, label: string): HTMLElement {
  return el('span', { className: 'legend-item' }, el('span', { className: `swatch swatch-${kind}`, attrs: { 'aria-hidden': 'true' } }), label);
}
