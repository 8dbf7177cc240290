// Markdown and SVG renderings of a regret report.
import type { RegretReport } from './regret';
import { regretChart } from './svg';

const fmt = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(digits) : v.toExponential(1);

/** A table of median (p20–p80) normalised regret at a few checkpoints, plus the headline ratio. */
export function markdownReport(report: RegretReport): string {
  const B = report.budget;
  const checkpoints = [...new Set([1, 5, 10, 20, B].filter((k) => k <= B))];
  const lines: string[] = [];
  lines.push(`### ${report.suite}: ${report.tasks.length} tasks, budget ${B}, ${report.seeds} seeds`);
  lines.push('');
  lines.push(`Median normalised simple regret (20th–80th percentile) over tasks × seeds, after k evaluations; metric \`${report.metric}\` (${report.goal}).`);
  lines.push('');
  lines.push(`| method | ${checkpoints.map((k) => `k=${k}`).join(' | ')} | mean over k=1..${B} | regret at k=${B} (metric units) | time (s) |`);
  lines.push(`|---|${checkpoints.map(() => '---').join('|')}|---|---|---|`);
  for (const [name, m] of Object.entries(report.methods)) {
    const cells = checkpoints.map((k) => `${fmt(m.normalized.median[k - 1])} (${fmt(m.normalized.p20[k - 1])}–${fmt(m.normalized.p80[k - 1])})`);
    const pre = report.pretrainSeconds[name];
    const time = pre !== undefined ? `${fmt(m.seconds + pre, 1)} (pre-training ${fmt(pre, 1)})` : fmt(m.seconds, 1);
    const mean = m.normalized.median.reduce((a, b) => a + b, 0) / m.normalized.median.length;
    lines.push(`| ${name} | ${cells.join(' | ')} | ${fmt(mean)} | ${fmt(m.median[B - 1], 4)} | ${time} |`);
  }
  const h = report.headline;
  lines.push('');
  if (h.hyperbo && h.bestPeer) {
    lines.push(
      `Best peer at k=${B}: **${h.bestPeer}**. ${h.hyperbo} reaches that median regret after ` +
        (h.hyperboEvaluationsToPeerFinal ? `**${h.hyperboEvaluationsToPeerFinal}** evaluations (speed-up ${fmt(h.speedup, 1)}×)` : `**no** evaluation within the budget`) +
        `; per-task median speed-up ${fmt(h.medianTaskSpeedup, 1)}× (the paper's claim is ≥ 3×).`,
    );
  }
  return lines.join('\n');
}

export function svgReport(report: RegretReport): string {
  return regretChart(
    `${report.suite}: median normalised regret (20–80 % band)`,
    'normalised simple regret',
    Object.entries(report.methods).map(([name, m]) => ({ name, ...m.normalized })),
  );
}
