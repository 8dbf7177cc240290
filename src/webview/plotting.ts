// Draws plot specs with the locally bundled plotly (strict build: no eval, so the CSP needs no 'unsafe-eval').
import Plotly from 'plotly.js-strict-dist-min';
import { el } from './dom';
import type { PlotSpec } from './model/plot';

const config = { displayModeBar: false, displaylogo: false, responsive: false, showTips: false, scrollZoom: false };

const observed = new WeakSet<HTMLElement>();
const resizeObserver = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const target = entry.target as HTMLElement;
    if (target.isConnected && target.classList.contains('js-plotly-plot')) void Plotly.Plots.resize(target);
  }
});

/** Renders (or updates in place) a plot into `root`. */
export function draw(root: HTMLElement, spec: PlotSpec): void {
  void Plotly.react(root, spec.data, { ...spec.layout, autosize: true }, config).catch((error: unknown) => {
    root.replaceChildren(el('p', { className: 'error', text: `Could not draw this plot: ${String(error)}` }));
  });
  if (!observed.has(root)) {
    observed.add(root);
    resizeObserver.observe(root);
  }
}

export function release(root: HTMLElement): void {
  if (observed.has(root)) resizeObserver.unobserve(root);
  Plotly.purge(root);
}

/** Parallel coordinates draw with WebGL; say so instead of showing an empty box where it is missing. */
export function webglAvailable(): boolean {
  try {
    const canvas = document.createElement('canvas');
    return canvas.getContext('webgl') !== null || canvas.getContext('experimental-webgl') !== null;
  } catch {
    return false;
  }
}
