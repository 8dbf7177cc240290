// Posterior panel view model: 1-D slices (mean ± 2 sd, prior, projected observations, acquisition) and a 2-D contour.
import type { Contour2D, ParamValue, ParameterInfo, PosteriorResult, Slice1D } from '../../shared/dto';
import { maxOf, minOf } from '../../shared/extent';
import { formatParamValue } from '../../shared/numbers';
import { plotText } from './format';
import { withAlpha, type Palette } from './palette';
import { axisStyle, baseLayout, lineWidth, type PlotSpec, type PlotTrace } from './plot';

export type ContourQuantity = 'mean' | 'sd' | 'acquisition';

/** Log axes label decades as powers of ten (the default SI labels like "100µ" read badly); every other decade over a wide range. */
export function logAxis(low: number, high: number): Record<string, unknown> {
  const decades = low > 0 && high > low ? Math.log10(high / low) : 1;
  return { type: 'log', dtick: decades > 5 ? 2 : 1, exponentformat: 'power' };
}

/** Position of a value in the unit interval of its parameter (log-aware); undefined when it cannot be placed. */
export function unitPosition(value: ParamValue | undefined, info: ParameterInfo): number | undefined {
  if (value === undefined) return undefined;
  if (info.type === 'categorical') {
    const choices = info.choices ?? [];
    const index = choices.indexOf(String(value));
    if (index < 0) return undefined;
    return choices.length > 1 ? index / (choices.length - 1) : 0;
  }
  if (typeof value !== 'number' || info.low === undefined || info.high === undefined) return undefined;
  const log = info.scale === 'log' && info.low > 0 && value > 0;
  const lo = log ? Math.log(info.low) : info.low;
  const hi = log ? Math.log(info.high) : info.high;
  const v = log ? Math.log(value) : value;
  if (!(hi > lo)) return 0;
  return (v - lo) / (hi - lo);
}

/**
 * How close each observation lies to the slice, as a marker opacity in [0.15, 1]: observations far from the
 * anchor in the other parameters are drawn faint, since the slice says little about them.
 */
export function projectionOpacity(
  params: Record<string, ParamValue>,
  anchor: Record<string, ParamValue>,
  parameters: ParameterInfo[],
  sliceParam: string,
): number {
  let sum = 0;
  let count = 0;
  for (const info of parameters) {
    if (info.name === sliceParam) continue;
    const a = unitPosition(anchor[info.name], info);
    const b = unitPosition(params[info.name], info);
    if (a === undefined || b === undefined) continue;
    sum += (a - b) ** 2;
    count += 1;
  }
  if (count === 0) return 1;
  const rms = Math.sqrt(sum / count);
  return 0.15 + 0.85 * Math.exp(-((rms / 0.25) ** 2));
}

/** x coordinate of a parameter value on a slice: categorical values map to their index. */
function sliceX(slice: Slice1D, value: ParamValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (slice.categorical) {
    const index = slice.categorical.indexOf(String(value));
    return index < 0 ? undefined : index;
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Where the metric's values can lie, as far as the view can tell: a rate, accuracy or similar whose trials and
 * predictions all lie in [0, 1] stays in [0, 1]; a metric whose trials are all ≥ 0 and whose name says loss or error
 * stays ≥ 0. Bands are cut to it (the server's bands already follow the output warp; this covers the rest).
 */
export function metricDomain(metric: string, values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  const rateLike = /(error|err\b|acc|accuracy|rate|precision|recall|auc|f1|iou|dice)/i.test(metric);
  if (rateLike && finite.every((v) => v >= 0 && v <= 1)) return [0, 1];
  if ((rateLike || /(loss|mse|rmse|mae|perplexity|nll|time|latency)/i.test(metric)) && finite.every((v) => v >= 0)) return [0, Infinity];
  return [-Infinity, Infinity];
}

/**
 * The y-range of a slice: it follows the trials and the predicted means (not a band that is wide where nothing was
 * tried), padded, inside the metric's domain. Undefined when there is nothing finite to follow.
 */
export function sliceYRange(follow: readonly number[], domain: [number, number]): [number, number] | undefined {
  const finite = follow.filter(Number.isFinite);
  if (finite.length === 0) return undefined;
  let lo = minOf(finite);
  let hi = maxOf(finite);
  const pad = hi > lo ? 0.12 * (hi - lo) : Math.max(Math.abs(hi) * 0.1, 1e-3);
  lo = Math.max(domain[0], lo - pad);
  hi = Math.min(domain[1], hi + pad);
  return hi > lo ? [lo, hi] : undefined;
}

export function sliceSpec(slice: Slice1D, result: PosteriorResult, palette: Palette): PlotSpec {
  const data: PlotTrace[] = [];
  const width = lineWidth(palette);
  const categorical = slice.categorical !== undefined;
  const xs = categorical ? slice.xs.map((_, i) => i) : slice.xs;
  const bandAlpha = palette.highContrast ? 0.35 : 0.2;
  const observed = result.observations.map((o) => o.value);
  const domain = metricDomain(result.metric, [...observed, ...slice.mean, ...(slice.priorMean ?? [])]);
  const clip = (v: number) => Math.min(domain[1], Math.max(domain[0], v));
  // What the y-range follows: the trials and the means drawn.
  const follow: number[] = [...slice.mean];

  const band = (mean: number[], sd: number[], lowerIn: number[] | undefined, upperIn: number[] | undefined, colour: string, name: string, dash: string): void => {
    // The server's warped band when it sent one, else mean ± 2 sd; either way inside the domain.
    const lower = mean.map((m, i) => clip(lowerIn?.[i] ?? m - 2 * sd[i]));
    const upper = mean.map((m, i) => clip(upperIn?.[i] ?? m + 2 * sd[i]));
    const range = `%{customdata[0]:.4g} … %{customdata[1]:.4g}`;
    const customdata = lower.map((l, i) => [l, upper[i]]);
    if (categorical) {
      data.push({
        type: 'scatter', mode: 'markers', name, x: xs, y: mean, customdata,
        marker: { color: colour, size: 9, symbol: dash === 'solid' ? 'circle' : 'diamond-open' },
        error_y: { type: 'data', symmetric: false, array: upper.map((u, i) => Math.max(0, u - mean[i])), arrayminus: lower.map((l, i) => Math.max(0, mean[i] - l)), color: colour, thickness: width, width: 6 },
        hovertemplate: `%{y:.4g} (95%: ${range})<extra>${name}</extra>`,
      });
      return;
    }
    data.push({ type: 'scatter', mode: 'lines', x: xs, y: upper, line: { width: 0 }, hoverinfo: 'skip', showlegend: false });
    data.push({
      type: 'scatter', mode: 'lines', x: xs, y: lower, line: { width: 0 },
      fill: 'tonexty', fillcolor: withAlpha(colour, bandAlpha), hoverinfo: 'skip', name: `${name} ± 2 sd`, showlegend: false,
    });
    data.push({
      type: 'scatter', mode: 'lines', name, x: xs, y: mean, line: { color: colour, width, dash },
      customdata,
      hovertemplate: `%{y:.4g} (95%: ${range})<extra>${name}</extra>`,
    });
  };

  if (slice.priorMean && slice.priorSd) {
    band(slice.priorMean, slice.priorSd, slice.priorLower, slice.priorUpper, palette.prior, 'prior', 'dash');
    follow.push(...slice.priorMean);
  }
  band(slice.mean, slice.sd, slice.lower, slice.upper, palette.mean, 'posterior', 'solid');

  const obsX: number[] = [];
  const obsY: number[] = [];
  const obsOpacity: number[] = [];
  const obsText: string[] = [];
  for (const o of result.observations) {
    const x = sliceX(slice, o.params[slice.param]);
    if (x === undefined || !Number.isFinite(o.value)) continue;
    obsX.push(x);
    obsY.push(o.value);
    obsOpacity.push(projectionOpacity(o.params, result.anchor, result.parameters, slice.param));
    obsText.push(`trial ${o.trialId}`);
    follow.push(o.value);
  }
  if (obsX.length > 0) {
    data.push({
      type: 'scatter', mode: 'markers', name: 'trials', x: obsX, y: obsY, text: obsText,
      marker: { color: palette.observation, size: 7, opacity: obsOpacity, line: { color: palette.background, width: 1 } },
      hovertemplate: '%{text}: %{y:.4g}<extra></extra>',
    });
  }

  const yRange = sliceYRange(follow, domain);
  const anchorX = sliceX(slice, result.anchor[slice.param]);
  if (anchorX !== undefined && yRange) {
    data.push({
      type: 'scatter', mode: 'lines', name: result.anchorKind === 'best' ? 'best trial' : 'suggestion',
      x: [anchorX, anchorX], y: yRange,
      line: { color: palette.anchor, width: 1.5, dash: 'dot' }, hoverinfo: 'skip',
    });
  }

  if (slice.acquisition.length === xs.length && slice.acquisition.some(Number.isFinite)) {
    data.push({
      type: 'scatter', mode: categorical ? 'markers' : 'lines', name: 'acquisition', x: xs, y: slice.acquisition, yaxis: 'y2',
      line: { color: palette.acquisition, width: Math.max(1, width - 1), dash: 'dot' },
      marker: { color: palette.acquisition, symbol: 'x', size: 8 },
      hovertemplate: 'acquisition %{y:.3g}<extra></extra>',
    });
  }

  const xaxis: Record<string, unknown> = axisStyle(palette, { title: { text: plotText(slice.param) } });
  if (categorical) {
    xaxis.tickvals = xs;
    xaxis.ticktext = slice.categorical!.map(plotText);
    xaxis.range = [-0.5, xs.length - 0.5];
  } else if (slice.scale === 'log') {
    Object.assign(xaxis, logAxis(minOf(slice.xs), maxOf(slice.xs)));
  }
  return {
    data,
    layout: baseLayout(palette, {
      xaxis,
      yaxis: axisStyle(palette, { title: { text: plotText(result.metric) }, nticks: 6, ...(yRange ? { range: yRange } : {}) }),
      // Acquisition values are tiny or huge numbers in model units: two significant digits, no SI prefixes ("120µ").
      // tickmode 'auto': plotly 4 syncs an overlaying axis to the left one's grid, which labelled it 0.02, 0.041, 0.062.
      yaxis2: axisStyle(palette, {
        overlaying: 'y', side: 'right', showgrid: false, zeroline: false, tickmode: 'auto',
        title: { text: 'acquisition', font: { color: palette.acquisition } }, nticks: 4, tickformat: '.2~g',
        tickfont: { color: palette.acquisition },
      }),
      margin: { l: 56, r: 60, t: 12, b: 44 },
      hovermode: 'x unified',
    }),
  };
}

/** Parameters a contour can use: numeric ones (categoricals have no meaningful 2-D surface here). */
export function contourParameters(parameters: ParameterInfo[]): string[] {
  return parameters.filter((p) => p.type !== 'categorical').map((p) => p.name);
}

/** The pair to request by default: the current contour's, else the first two numeric parameters. */
export function defaultPair(result: PosteriorResult): [string, string] | undefined {
  if (result.contour) return [result.contour.x, result.contour.y];
  const names = contourParameters(result.parameters);
  return names.length >= 2 ? [names[0], names[1]] : undefined;
}

export function contourSpec(contour: Contour2D, result: PosteriorResult, quantity: ContourQuantity, palette: Palette): PlotSpec {
  const z = contour[quantity];
  const info = (name: string): ParameterInfo | undefined => result.parameters.find((p) => p.name === name);
  const axisType = (name: string): Record<string, unknown> => {
    if (info(name)?.scale !== 'log') return {};
    const values = name === contour.x ? contour.xs : contour.ys;
    return logAxis(minOf(values), maxOf(values));
  };
  const title = quantity === 'mean' ? result.metric : quantity === 'sd' ? `sd of ${result.metric}` : 'acquisition';
  // For the mean, put the good end of the scale at the bright colour.
  const reverse = quantity === 'mean' ? result.goal === 'minimize' : quantity === 'sd';
  const data: PlotTrace[] = [
    {
      type: 'contour', x: contour.xs, y: contour.ys, z, colorscale: 'Viridis', reversescale: reverse,
      contours: { coloring: 'heatmap', showlabels: true, labelfont: { color: '#ffffff', size: palette.fontSize - 3 } },
      line: { width: 0.5, color: 'rgba(255,255,255,0.35)' },
      colorbar: { title: { text: plotText(title), side: 'right' }, tickfont: { color: palette.foreground }, outlinewidth: 0, thickness: 12 },
      hovertemplate: `%{x:.4g}, %{y:.4g}: %{z:.4g}<extra></extra>`,
    },
  ];
  const ox: number[] = [];
  const oy: number[] = [];
  const text: string[] = [];
  for (const o of result.observations) {
    const x = o.params[contour.x];
    const y = o.params[contour.y];
    if (typeof x !== 'number' || typeof y !== 'number') continue;
    ox.push(x);
    oy.push(y);
    text.push(`trial ${o.trialId}: ${formatParamValue(o.value)}`);
  }
  if (ox.length > 0) {
    data.push({
      type: 'scatter', mode: 'markers', name: 'trials', x: ox, y: oy, text,
      marker: { color: '#ffffff', size: 7, line: { color: '#000000', width: 1 } },
      hovertemplate: '%{text}<extra></extra>',
    });
  }
  const ax = result.anchor[contour.x];
  const ay = result.anchor[contour.y];
  if (typeof ax === 'number' && typeof ay === 'number') {
    data.push({
      type: 'scatter', mode: 'markers', name: result.anchorKind === 'best' ? 'best trial' : 'suggestion', x: [ax], y: [ay],
      marker: { color: palette.anchor, size: 14, symbol: 'star', line: { color: '#000000', width: 1 } },
      hovertemplate: `${result.anchorKind === 'best' ? 'best trial' : 'suggestion'}<extra></extra>`,
    });
  }
  return {
    data,
    layout: baseLayout(palette, {
      xaxis: axisStyle(palette, { title: { text: plotText(contour.x) }, ...axisType(contour.x) }),
      yaxis: axisStyle(palette, { title: { text: plotText(contour.y) }, ...axisType(contour.y) }),
      margin: { l: 64, r: 24, t: 12, b: 48 },
    }),
  };
}

/** "learning_rate=0.01, momentum=0.9" for the anchor line under the heading. */
export function anchorText(result: PosteriorResult): string {
  const what = result.anchorKind === 'best' ? 'best trial' : 'next suggestion';
  const values = Object.entries(result.anchor).map(([k, v]) => `${k}=${formatParamValue(v)}`);
  return `Slices through the ${what}: ${values.join(', ')}`;
}
