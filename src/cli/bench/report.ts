// Markdown and SVG renderings of a regret report.
import { isHyperbo, type Headline, type RegretReport } from './regret';
import { regretChart, type Series } from './svg';

const fmt = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(digits) : v.toExponential(1);

const PEER_COLOURS: Record<string, string> = { random: '#7f7f7f', zeroshot: '#2ca02c', 'optuna-tpe': '#1f77b4', stbo: '#ff7f0e' };
const HYPERBO_COLOURS = ['#9467bd', '#d62728', '#8c564b', '#e377c2', '#17becf'];

/** One sentence per HyperBO variant: the goal of issue 4 on the median task, and the pooled-curve version. */
export function headlineSentence(h: Headline, budget: number): string {
  const perTask = Object.values(h.perTaskSpeedup);
  const reached = perTask.filter((s) => s > 0).length;
  const median =
    `on the median task it reaches the best peer's regret at k=${budget} ${h.medianTaskSpeedup ? `**${fmt(h.medianTaskSpeedup, 1)}×** faster` : '**not** within the budget'}` +
    ` (reached on ${reached}/${perTask.length} tasks; goal ≥ 3×: **${h.goalMet ? 'met' : 'not met'}**)`;
  const pooled = h.hyperboEvaluationsToPeerFinal
    ? `the pooled median curve reaches the best peer's (${h.bestPeer}) final median after ${h.hyperboEvaluationsToPeerFinal} evaluations (${fmt(h.speedup, 1)}×)`
    : `the pooled median curve does not reach the best peer's (${h.bestPeer}) final median`;
  return `**${h.hyperbo}**: ${median}; ${pooled}.`;
}

/** Tables of median (p20–p80) normalised regret at a few checkpoints, the headline ratio and the goal statement. */
export function markdownReport(report: RegretReport, command?: string): string {
  const B = report.budget;
  const checkpoints = [...new Set([1, 3, 5, 10, 20, B].filter((k) => k <= B))];
  const lines: string[] = [];
  lines.push(`### ${report.suite}: ${report.tasks.length} tasks, budget ${B}, ${report.seeds} seeds`);
  lines.push('');
  if (command) lines.push('```bash', command, '```', '');
  lines.push(
    `Median normalised simple regret (20th–80th percentile) over tasks × seeds after k evaluations; metric \`${report.metric}\` (${report.goal}). ` +
      `Normalised regret = (best in the task's pool − best found) / (best − worst in the pool); 0 means the pool's best was found.`,
  );
  lines.push('');
  lines.push(`| method | ${checkpoints.map((k) => `k=${k}`).join(' | ')} | mean over k=1..${B} | median regret at k=${B} (metric units) | time (s) |`);
  lines.push(`|---|${checkpoints.map(() => '---').join('|')}|---|---|---|`);
  for (const [name, m] of Object.entries(report.methods)) {
    const cells = checkpoints.map((k) => `${fmt(m.normalized.median[k - 1])} (${fmt(m.normalized.p20[k - 1])}–${fmt(m.normalized.p80[k - 1])})`);
    const pre = m.pretrainSeconds;
    const time = pre !== undefined ? `${fmt(m.seconds + pre, 1)} (pre-training ${fmt(pre, 1)})` : fmt(m.seconds, 1);
    const mean = m.normalized.median.reduce((a, b) => a + b, 0) / m.normalized.median.length;
    const label = isHyperbo(name) ? `**${name}**` : name;
    lines.push(`| ${label} | ${cells.join(' | ')} | ${fmt(mean, 4)} | ${fmt(m.median[B - 1], 4)} | ${time} |`);
  }
  const h = report.headline;
  if (h.hyperbo && h.bestPeer) {
    lines.push('');
    lines.push(`**Headline.** Best peer at k=${B}: **${h.bestPeer}** (median normalised regret ${fmt(report.methods[h.bestPeer]!.normalized.median[B - 1])}).`);
    lines.push('');
    for (const variant of Object.values(report.headlines ?? { [h.hyperbo]: h })) lines.push(`- ${headlineSentence(variant, B)}`);
    lines.push('');
    lines.push(`Evaluations the best non-HyperBO method needs to reach the median regret ${h.hyperbo} has after k evaluations (— : not within ${B}):`);
    lines.push('');
    lines.push(`| k | ${checkpoints.join(' | ')} |`);
    lines.push(`|---|${checkpoints.map(() => '---').join('|')}|`);
    lines.push(`| ${h.hyperbo} regret | ${checkpoints.map((k) => fmt(report.methods[h.hyperbo]!.normalized.median[k - 1])).join(' | ')} |`);
    lines.push(`| peer evaluations | ${checkpoints.map((k) => (h.peerEvaluationsToMatch[k - 1] ?? '—').toString()).join(' | ')} |`);
    lines.push('');
    const perTask = Object.entries(h.perTaskSpeedup);
    if (perTask.length) {
      lines.push(`Per task (${h.hyperbo}): budget / evaluations needed to reach the best peer's median regret at k=${B} on that task (0: not reached).`);
      lines.push('');
      lines.push('| task | speed-up |');
      lines.push('|---|---|');
      for (const [task, s] of perTask) lines.push(`| ${task} | ${fmt(s, 1)} |`);
    }
  }
  return lines.join('\n');
}

export function svgReport(report: RegretReport): string {
  const h = report.headline;
  let hyperboIndex = 0;
  const series: Series[] = Object.entries(report.methods).map(([name, m]) => {
    const ours = isHyperbo(name);
    return {
      name,
      ...m.normalized,
      dashed: !ours,
      highlight: name === h.hyperbo || name === h.bestPeer,
      colour: ours ? HYPERBO_COLOURS[hyperboIndex++ % HYPERBO_COLOURS.length] : PEER_COLOURS[name],
    };
  });
  const peerFinal = h.bestPeer ? report.methods[h.bestPeer]?.normalized.median[report.budget - 1] : undefined;
  const subtitle = h.hyperbo
    ? `median task: ${h.hyperbo} reaches the best peer's final regret ${h.medianTaskSpeedup ? `${fmt(h.medianTaskSpeedup, 1)}× faster` : 'not within the budget'} (goal ≥ 3×)`
    : undefined;
  return regretChart({
    title: `${report.suite}: median normalised regret over ${report.tasks.length} tasks × ${report.seeds} seeds`,
    subtitle,
    yLabel: 'normalised simple regret (log)',
    series,
    marker:
      peerFinal !== undefined && h.hyperbo
        ? { level: peerFinal, at: h.hyperboEvaluationsToPeerFinal, label: `${h.hyperbo} reaches ${h.bestPeer}'s k=${report.budget} level` }
        : undefined,
  });
}
