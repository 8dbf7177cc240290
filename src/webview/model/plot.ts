// Plot specifications handed to plotly: plain data, built by pure functions and checked in unit tests.
import type { Palette } from './palette';

export interface PlotTrace {
  type: string;
  [key: string]: unknown;
}

export interface PlotLayout {
  [key: string]: unknown;
}

export interface PlotSpec {
  data: PlotTrace[];
  layout: PlotLayout;
}

export function axisStyle(palette: Palette, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    color: palette.foreground,
    gridcolor: palette.grid,
    linecolor: palette.grid,
    zerolinecolor: palette.grid,
    automargin: true,
    ...extra,
  };
}

/** Transparent backgrounds so the panel's own background shows; fonts and colours from the theme. */
export function baseLayout(palette: Palette, extra: PlotLayout = {}): PlotLayout {
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: palette.fontFamily, size: palette.fontSize - 1, color: palette.foreground },
    margin: { l: 56, r: 56, t: 28, b: 44 },
    showlegend: false,
    // The paper is transparent, so hover boxes need an explicit background to stay readable.
    hoverlabel: { bgcolor: palette.background, bordercolor: palette.grid, font: { family: palette.fontFamily, color: palette.foreground } },
    legend: { orientation: 'h', y: -0.25, font: { color: palette.foreground } },
    ...extra,
  };
}

export function lineWidth(palette: Palette, base = 2): number {
  return palette.highContrast ? base + 1 : base;
}
