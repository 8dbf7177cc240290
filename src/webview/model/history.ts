// Trial history view model: sortable rows, best-so-far curve, learning curves and parallel coordinates.
import type { Goal, ParamValue, ParameterInfo, TrialDTO, TrialHistoryResult } from '../../shared/dto';
import { maxOf, minOf } from '../../shared/extent';
import { formatNumber, formatParamValue } from '../../shared/numbers';
import { bestTrial } from '../../shared/trials';
import { statusText } from '../../shared/trialStatus';
import { formatDuration, isBetter, plotText } from './format';
import { valueColourScale, withAlpha, type Palette } from './palette';
import { axisStyle, baseLayout, lineWidth, type PlotSpec, type PlotTrace } from './plot';

export type SortDirection = 'ascending' | 'descending';
export interface SortState {
  column: string;
  direction: SortDirection;
}

export interface HistoryColumn {
  key: string;
  label: string;
  numeric: boolean;
}

export interface HistoryRow {
  id: number;
  cells: string[];
  status: TrialDTO['status'];
  isBest: boolean;
  hasLog: boolean;
  reason?: string;
}

/** Replaces (or adds) one trial, keeping trials ordered by id. Returns a new result; the input is not changed. */
export function mergeTrial(result: TrialHistoryResult, trial: TrialDTO): TrialHistoryResult {
  const trials = result.trials.filter((t) => t.id !== trial.id);
  trials.push(trial);
  trials.sort((a, b) => a.id - b.id);
  return { ...result, trials };
}

export function historyColumns(result: TrialHistoryResult): HistoryColumn[] {
  return [
    { key: 'id', label: 'Trial', numeric: true },
    { key: 'status', label: 'Status', numeric: false },
    { key: 'value', label: result.metric, numeric: true },
    ...result.parameters.map((p) => ({ key: `param:${p.name}`, label: p.name, numeric: p.type !== 'categorical' })),
    { key: 'duration', label: 'Duration', numeric: true },
  ];
}

function sortValue(trial: TrialDTO, column: string): number | string | undefined {
  if (column === 'id') return trial.id;
  if (column === 'status') return trial.status;
  if (column === 'value') return trial.value !== undefined && Number.isFinite(trial.value) ? trial.value : undefined;
  if (column === 'duration') {
    if (!trial.started || !trial.finished) return undefined;
    const ms = Date.parse(trial.finished) - Date.parse(trial.started);
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (column.startsWith('param:')) return trial.params[column.slice('param:'.length)];
  return undefined;
}

function compareValues(a: ParamValue | undefined, b: ParamValue | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

/** Rows sorted by `sort`; missing values always sort last, ties by trial id. */
export function historyRows(result: TrialHistoryResult, sort: SortState): HistoryRow[] {
  const best = bestTrial(result.trials, result.goal);
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const trials = [...result.trials].sort((a, b) => {
    const va = sortValue(a, sort.column);
    const vb = sortValue(b, sort.column);
    if (va === undefined || vb === undefined) return compareValues(va, vb) || a.id - b.id;
    return sign * compareValues(va, vb) || a.id - b.id;
  });
  return trials.map((t) => ({
    id: t.id,
    status: t.status,
    isBest: best !== undefined && t.id === best.id,
    hasLog: t.log !== undefined && t.log.length > 0,
    reason: t.reason,
    cells: [
      String(t.id),
      statusText(t),
      formatNumber(t.value),
      ...result.parameters.map((p) => formatParamValue(t.params[p.name])),
      formatDuration(t.started, t.finished),
    ],
  }));
}

/** The next sort state when a header is activated: a new column starts ascending (descending for "better is higher" values). */
export function nextSort(current: SortState, column: string, goal: Goal): SortState {
  if (current.column === column) {
    return { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  }
  const direction: SortDirection = column === 'value' && goal === 'maximize' ? 'descending' : 'ascending';
  return { column, direction };
}

/** Best value reached after each completed trial, in trial order. */
export function bestSoFar(trials: TrialDTO[], goal: Goal): { ids: number[]; values: number[]; best: number[] } {
  const ids: number[] = [];
  const values: number[] = [];
  const best: number[] = [];
  let current: number | undefined;
  for (const t of [...trials].sort((a, b) => a.id - b.id)) {
    if (t.status !== 'completed' || t.value === undefined || !Number.isFinite(t.value)) continue;
    if (current === undefined || isBetter(t.value, current, goal)) current = t.value;
    ids.push(t.id);
    values.push(t.value);
    best.push(current);
  }
  return { ids, values, best };
}

/** What the best-so-far chart shows before any trial has completed (instead of empty axes from −1 to 6). */
export const NO_COMPLETED_TRIAL = 'No completed trial yet';

export function bestSoFarSpec(result: TrialHistoryResult, palette: Palette): PlotSpec {
  const curve = bestSoFar(result.trials, result.goal);
  const width = lineWidth(palette);
  if (curve.ids.length === 0) {
    const bare = axisStyle(palette, { showticklabels: false, showgrid: false, zeroline: false, showline: false });
    return {
      data: [],
      layout: baseLayout(palette, {
        xaxis: bare,
        yaxis: bare,
        margin: { l: 16, r: 16, t: 12, b: 16 },
        annotations: [{
          text: `${NO_COMPLETED_TRIAL}<br>the best value so far appears here as trials complete`,
          xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, showarrow: false, font: { color: palette.foreground, size: palette.fontSize },
        }],
      }),
    };
  }
  return {
    data: [
      {
        type: 'scatter', mode: 'markers', name: 'trial value', x: curve.ids, y: curve.values,
        marker: { color: palette.mean, size: 8, opacity: 0.8 },
        hovertemplate: 'trial %{x}: %{y:.4g}<extra></extra>',
      },
      {
        type: 'scatter', mode: 'lines', name: 'best so far', x: curve.ids, y: curve.best,
        line: { color: palette.best, width, shape: 'hv' },
        hovertemplate: 'best after trial %{x}: %{y:.4g}<extra></extra>',
      },
    ],
    layout: baseLayout(palette, {
      showlegend: true,
      // Whole trial numbers, at most about eight labels (one per trial overlapped in a panel a tab wide).
      xaxis: axisStyle(palette, { title: { text: 'trial' }, dtick: trialTickStep(curve.ids), tickformat: 'd' }),
      yaxis: axisStyle(palette, { title: { text: plotText(result.metric) }, ...flatRange(curve.values) }),
      // Above the plot: below it the legend ran into the trial axis's title.
      legend: { orientation: 'h', x: 0, y: 1, yanchor: 'bottom', font: { color: palette.foreground } },
      margin: { l: 56, r: 16, t: 28, b: 44 },
    }),
  };
}

/**
 * A y range around the value when every value is the same (one completed trial): Plotly's autorange would span
 * value ± 1, putting an error rate of 0.035 on an axis from −1 to 1. Empty when the values differ.
 */
export function flatRange(values: readonly number[]): { range?: [number, number] } {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0 || finite.some((v) => v !== finite[0])) return {};
  const v = finite[0]!;
  const pad = v === 0 ? 1 : Math.abs(v) / 2;
  return { range: [v - pad, v + pad] };
}

/** A whole-number tick step for trial ids that gives at most about eight labels. */
export function trialTickStep(ids: readonly number[]): number {
  const span = ids.length > 1 ? maxOf(ids) - minOf(ids) : 1;
  const raw = Math.max(1, Math.ceil(span / 8));
  // 1, 2, 5, 10, 20, 50, …
  const decade = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * decade).find((step) => step >= raw)!;
}

export function learningCurvesSpec(result: TrialHistoryResult, palette: Palette): PlotSpec {
  const best = bestTrial(result.trials, result.goal);
  const width = lineWidth(palette);
  const data: PlotTrace[] = [];
  const withCurves = result.trials.filter((t) => t.curve && t.curve.length > 0);
  withCurves.forEach((t, i) => {
    const isBest = best?.id === t.id;
    const running = t.status === 'running';
    const colour = isBest ? palette.best : running ? palette.acquisition : palette.series[i % palette.series.length];
    data.push({
      type: 'scatter', mode: 'lines', name: `trial ${t.id}${running ? ' (running)' : ''}${isBest ? ' (best)' : ''}`,
      x: t.curve!.map((p) => p.step), y: t.curve!.map((p) => p.value),
      line: { color: isBest || running ? colour : withAlpha(colour, palette.highContrast ? 1 : 0.55), width: isBest || running ? width + 0.5 : Math.max(1, width - 0.5), dash: t.status === 'failed' || t.status === 'diverged' ? 'dot' : t.status === 'stopped' ? 'dash' : 'solid' },
      hovertemplate: `trial ${t.id} · step %{x}: %{y:.4g}<extra></extra>`,
    });
  });
  // Curves fall by orders of magnitude early on; a log axis keeps the end of training readable.
  const values = withCurves.flatMap((t) => t.curve!.map((p) => p.value)).filter(Number.isFinite);
  const logY = values.length > 0 && minOf(values) > 0 && maxOf(values) / minOf(values) > 10;
  return {
    data,
    layout: baseLayout(palette, {
      showlegend: data.length > 0 && data.length <= 8,
      legend: { orientation: 'v', x: 1.02, y: 1, font: { color: palette.foreground } },
      xaxis: axisStyle(palette, { title: { text: 'step' } }),
      yaxis: axisStyle(palette, { title: { text: plotText(result.metric) }, ...(logY ? logTicks(minOf(values), maxOf(values)) : {}) }),
      margin: { l: 56, r: 16, t: 12, b: 44 },
    }),
  };
}

/** A log axis labelled at 1, 2 and 5 × 10^k with full numbers (plotly's own minor labels show only the leading digit). */
export function logTicks(min: number, max: number): Record<string, unknown> {
  const tickvals: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min / 1.05 && v <= max * 1.05) tickvals.push(Number(v.toPrecision(12)));
    }
  }
  return { type: 'log', tickvals, ticktext: tickvals.map((v) => formatNumber(v)) };
}

/** Parallel coordinates: one axis per parameter (log parameters on a log10 axis, categoricals by index) and the objective last. */
export function parcoordsSpec(result: TrialHistoryResult, palette: Palette): PlotSpec | undefined {
  const done = result.trials.filter((t) => t.status === 'completed' && t.value !== undefined && Number.isFinite(t.value));
  if (done.length < 2) return undefined;
  const dimensions: Record<string, unknown>[] = [];
  for (const p of result.parameters) dimensions.push(parcoordsDimension(p, done));
  const values = done.map((t) => t.value!);
  dimensions.push({ label: plotText(result.metric), values });
  const lo = minOf(values);
  const hi = maxOf(values);
  return {
    data: [
      {
        type: 'parcoords',
        line: {
          color: values, colorscale: valueColourScale(palette), reversescale: result.goal === 'maximize',
          cmin: lo, cmax: hi > lo ? hi : lo + 1, showscale: false,
        },
        dimensions,
        labelfont: { color: palette.foreground, size: palette.fontSize - 1 },
        tickfont: { color: palette.foreground, size: palette.fontSize - 3 },
        rangefont: { color: palette.foreground, size: palette.fontSize - 4 },
        labelangle: dimensions.length > 6 ? -20 : 0,
      },
    ],
    layout: baseLayout(palette, { margin: { l: 64, r: 64, t: 56, b: 24 } }),
  };
}

function parcoordsDimension(p: ParameterInfo, trials: TrialDTO[]): Record<string, unknown> {
  const label = plotText(p.name);
  if (p.type === 'categorical') {
    const choices = p.choices ?? [...new Set(trials.map((t) => String(t.params[p.name])))];
    return {
      label,
      values: trials.map((t) => Math.max(0, choices.indexOf(String(t.params[p.name])))),
      tickvals: choices.map((_, i) => i),
      ticktext: choices.map(plotText),
      range: [0, Math.max(1, choices.length - 1)],
    };
  }
  const raw = trials.map((t) => (typeof t.params[p.name] === 'number' ? (t.params[p.name] as number) : Number.NaN));
  if (p.scale === 'log' && raw.every((v) => v > 0)) {
    const logs = raw.map(Math.log10);
    const lo = Math.floor(Math.min(minOf(logs), p.low !== undefined && p.low > 0 ? Math.log10(p.low) : Infinity));
    const hi = Math.ceil(Math.max(maxOf(logs), p.high !== undefined && p.high > 0 ? Math.log10(p.high) : -Infinity));
    const ticks: number[] = [];
    for (let e = lo; e <= hi; e++) ticks.push(e);
    return { label: `${label} (log)`, values: logs, tickvals: ticks, ticktext: ticks.map((e) => formatNumber(10 ** e)), range: [lo, hi] };
  }
  const dim: Record<string, unknown> = { label, values: raw };
  if (p.low !== undefined && p.high !== undefined && p.high > p.low) dim.range = [p.low, p.high];
  return dim;
}

/** A one-line summary under the heading: counts per status and the best value. */
export function historySummary(result: TrialHistoryResult): string {
  const counts = new Map<string, number>();
  for (const t of result.trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  const parts = [...counts.entries()].map(([status, n]) => `${n} ${status}`);
  const best = bestTrial(result.trials, result.goal);
  const total = `${result.trials.length} trial${result.trials.length === 1 ? '' : 's'}`;
  const bestText = best ? ` · best: trial ${best.id} with ${formatNumber(best.value)}` : '';
  return `${total}${parts.length ? ` (${parts.join(', ')})` : ''}${bestText}`;
}
