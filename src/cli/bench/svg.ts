// A small, dependency-free SVG line chart for regret curves: median lines for every method, the 20–80 %
// band for the highlighted ones, a log axis with a separate row for zero regret, and the headline marked.

export interface Series {
  name: string;
  median: readonly number[];
  p20: readonly number[];
  p80: readonly number[];
  /** Draw the 20–80 % band and a thicker line. */
  highlight?: boolean;
  /** Dashed line (peers are dashed, HyperBO variants solid). */
  dashed?: boolean;
  colour?: string;
}

export interface ChartMarker {
  /** A regret level drawn as a dotted horizontal line (e.g. the best peer's final regret). */
  level: number;
  /** The evaluation drawn as a dotted vertical line (e.g. when HyperBO reaches that level). */
  at: number | null;
  label: string;
}

export interface ChartOptions {
  title: string;
  subtitle?: string;
  yLabel: string;
  series: readonly Series[];
  marker?: ChartMarker;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const tickLabel = (e: number): string => (e >= -2 ? String(10 ** e) : `1e${e}`);

/** Renders curves against evaluation number 1..B on a log y axis; zero regret gets its own row at the bottom. */
export function regretChart(options: ChartOptions): string {
  const { title, subtitle, yLabel, series, marker } = options;
  const width = options.width ?? 900;
  const height = options.height ?? 520;
  const margin = { left: 78, right: 200, top: subtitle ? 62 : 44, bottom: 52 };
  const zeroRow = 26; // the strip below the log axis where zero regret is drawn
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom - zeroRow;
  const shown = series.flatMap((s) => [...s.median, ...(s.highlight ? [...s.p20, ...s.p80] : [])]);
  const positive = shown.filter((v) => Number.isFinite(v) && v > 0);
  // Bands may reach absurd values (a diverged pick at 1e160); the axis stops a decade above the highest median.
  const medians = series.flatMap((s) => s.median).filter((v) => Number.isFinite(v) && v > 0);
  const highest = positive.length ? positive.reduce((a, b) => Math.max(a, b)) : 1;
  const top = medians.length ? Math.min(highest, 10 * medians.reduce((a, b) => Math.max(a, b))) : highest;
  const low = positive.length ? positive.reduce((a, b) => Math.min(a, b)) : top / 100;
  const logTop = Math.ceil(Math.log10(top) - 1e-9);
  const logFloor = Math.min(logTop - 1, Math.max(Math.floor(Math.log10(low) + 1e-9), logTop - 5));
  const budget = Math.max(...series.map((s) => s.median.length), 2);
  const px = (t: number) => margin.left + ((t - 1) / (budget - 1)) * plotW;
  const zeroY = margin.top + plotH + zeroRow * 0.6;
  const py = (v: number) => {
    if (!(v > 0)) return zeroY; // zero regret (or below the axis) sits in its own row
    const clamped = Math.min(Math.max(Math.log10(v), logFloor), logTop);
    return margin.top + ((logTop - clamped) / (logTop - logFloor)) * plotH;
  };
  const pt = (v: number, t: number) => `${px(t + 1).toFixed(1)},${py(v).toFixed(1)}`;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`);
  if (subtitle) parts.push(`<text x="${margin.left + plotW / 2}" y="44" text-anchor="middle" fill="#333">${escapeXml(subtitle)}</text>`);
  // Horizontal grid: decades, with 2 and 5 as faint lines.
  for (let e = logFloor; e <= logTop; e++) {
    const y = py(10 ** e);
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" stroke="#ccc"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${y + 4}" text-anchor="end">${tickLabel(e)}</text>`);
    if (e < logTop) {
      for (const m of [2, 5]) {
        const ym = py(m * 10 ** e);
        parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${ym}" y2="${ym}" stroke="#eee"/>`);
      }
    }
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  // The zero row.
  parts.push(`<rect x="${margin.left}" y="${margin.top + plotH + 4}" width="${plotW}" height="${zeroRow - 4}" fill="#f4f4f4" stroke="#bbb"/>`);
  parts.push(`<text x="${margin.left - 8}" y="${zeroY + 4}" text-anchor="end">0</text>`);
  // Evaluation ticks: 1 and multiples of a round step.
  const step = budget <= 12 ? 1 : budget <= 40 ? 5 : budget <= 120 ? 10 : 25;
  const ticks = [1, ...Array.from({ length: Math.floor(budget / step) }, (_, i) => (i + 1) * step)].filter((t, i, a) => t <= budget && a.indexOf(t) === i);
  const axisY = margin.top + plotH + zeroRow;
  for (const t of ticks) {
    parts.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${axisY}" y2="${axisY + 5}" stroke="#333"/>`);
    parts.push(`<text x="${px(t)}" y="${axisY + 19}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">evaluations</text>`);
  parts.push(`<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  const colours = series.map((s, i) => s.colour ?? PALETTE[i % PALETTE.length]!);
  // Bands first, lines on top; highlighted lines last.
  series.forEach((s, i) => {
    if (!s.highlight) return;
    const upper = s.p80.map(pt);
    const lower = s.p20.map(pt).reverse();
    parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${colours[i]}" fill-opacity="0.14" stroke="none"/>`);
  });
  if (marker) {
    const y = py(marker.level);
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" stroke="#000" stroke-dasharray="2 3"/>`);
    if (marker.at !== null) {
      const x = px(marker.at);
      parts.push(`<line x1="${x}" x2="${x}" y1="${margin.top}" y2="${margin.top + plotH + zeroRow}" stroke="#000" stroke-dasharray="2 3"/>`);
      parts.push(`<text x="${x + 4}" y="${margin.top + 14}" font-size="12">${escapeXml(marker.label)}</text>`);
    }
  }
  const order = series.map((_, i) => i).sort((a, b) => Number(!!series[a]!.highlight) - Number(!!series[b]!.highlight));
  for (const i of order) {
    const s = series[i]!;
    const dash = s.dashed ? ' stroke-dasharray="7 4"' : '';
    parts.push(`<polyline points="${s.median.map(pt).join(' ')}" fill="none" stroke="${colours[i]}" stroke-width="${s.highlight ? 3 : 2}"${dash}/>`);
  }
  series.forEach((s, i) => {
    const ly = margin.top + 16 + i * 22;
    const lx = width - margin.right + 14;
    const dash = s.dashed ? ' stroke-dasharray="7 4"' : '';
    parts.push(`<line x1="${lx}" x2="${lx + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colours[i]}" stroke-width="${s.highlight ? 3 : 2}"${dash}/>`);
    parts.push(`<text x="${lx + 38}" y="${ly}"${s.highlight ? ' font-weight="bold"' : ''}>${escapeXml(s.name)}</text>`);
  });
  const noteY = margin.top + 16 + series.length * 22 + 10;
  parts.push(`<text x="${width - margin.right + 14}" y="${noteY}" font-size="11" fill="#555">bold: 20–80 % band shown</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
