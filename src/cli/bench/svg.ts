// A small, dependency-free SVG line chart for regret curves (median line + 20–80 % band per method).

export interface Series {
  name: string;
  median: readonly number[];
  p20: readonly number[];
  p80: readonly number[];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Renders curves against evaluation number 1..B on a log y axis; zero regret is drawn at the floor. */
export function regretChart(title: string, yLabel: string, series: readonly Series[], width = 720, height = 420): string {
  const margin = { left: 70, right: 170, top: 40, bottom: 50 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = series.flatMap((s) => [...s.median, ...s.p20, ...s.p80]).filter((v) => Number.isFinite(v) && v > 0);
  const top = all.length ? Math.max(...all) : 1;
  const floor = Math.max(all.length ? Math.min(...all) : top / 1000, top / 1e4);
  const logTop = Math.log10(top) + 0.05;
  const logFloor = Math.log10(floor) - 0.05;
  const budget = Math.max(...series.map((s) => s.median.length), 2);
  const px = (t: number) => margin.left + ((t - 1) / (budget - 1)) * plotW;
  const py = (v: number) => {
    const clamped = Math.min(Math.max(Number.isFinite(v) && v > 0 ? Math.log10(v) : logFloor, logFloor), logTop);
    return margin.top + ((logTop - clamped) / (logTop - logFloor)) * plotH;
  };
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`);
  // Grid and ticks: one per decade.
  for (let e = Math.ceil(logFloor); e <= Math.floor(logTop); e++) {
    const y = py(10 ** e);
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y + 4}" text-anchor="end">1e${e}</text>`);
  }
  const step = Math.max(1, Math.round(budget / 10));
  for (let t = 1; t <= budget; t += step) {
    parts.push(`<text x="${px(t)}" y="${margin.top + plotH + 18}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">evaluations</text>`);
  parts.push(`<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`);
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const upper = s.p80.map((v, t) => `${px(t + 1).toFixed(1)},${py(v).toFixed(1)}`);
    const lower = s.p20.map((v, t) => `${px(t + 1).toFixed(1)},${py(v).toFixed(1)}`).reverse();
    parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${colour}" fill-opacity="0.12" stroke="none"/>`);
    const line = s.median.map((v, t) => `${px(t + 1).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${line}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    const ly = margin.top + 14 + i * 18;
    parts.push(`<line x1="${width - margin.right + 12}" x2="${width - margin.right + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="3"/>`);
    parts.push(`<text x="${width - margin.right + 38}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
