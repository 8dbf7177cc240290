// Markdown and SVG renderings of a regret report.
import { isHyperbo, type Comparison, type Headline, type RegretReport } from './regret';
import { evaluationsToReach, medianEvaluationsSpread } from './stats';
import { regretChart, type Series } from './svg';

const fmt = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || Number.isNaN(v)
    ? '—'
    : !Number.isFinite(v)
      ? '∞'
      : v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6)
        ? v.toFixed(digits)
        : v.toExponential(1);
/** A metric value or regret in the metric's units: 4 significant digits. */
const units = (v: number | null | undefined): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : !Number.isFinite(v) ? '∞' : v === 0 ? '0' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? String(Number(v.toPrecision(4))) : v.toExponential(2);

const PEER_COLOURS: Record<string, string> = { random: '#7f7f7f', zeroshot: '#2ca02c', 'optuna-tpe': '#1f77b4', stbo: '#ff7f0e' };
const HYPERBO_COLOURS = ['#9467bd', '#d62728', '#8c564b', '#e377c2', '#17becf'];

const mark = (ok: boolean | null | undefined): string => (ok === null || ok === undefined ? 'not run' : ok ? '**yes**' : '**no**');

/** The median task's count with the tasks resampled (stats.medianEvaluationsSpread), e.g. "4.5–9; ≤ 6 in 31 %". */
export function countSpreadText(c: Comparison | null, budget: number): string {
  const spread = c ? medianEvaluationsSpread(Object.values(c.perTask).map((t) => t.evaluations), Math.floor(budget / 5)) : null;
  if (!spread) return '—';
  const bound = (v: number | null): string => (v === null ? `> ${budget}` : fmt(v, 1).replace(/\.0$/, ''));
  const range = spread.low === spread.high ? bound(spread.low) : `${bound(spread.low)}–${bound(spread.high)}`;
  return `${range}; ≤ ${spread.limit} in ${Math.round(spread.shareWithin * 100)} %`;
}

function comparisonText(c: Comparison | null, against: string, budget: number): string {
  if (!c) return `${against}: not run`;
  const total = Object.keys(c.perTask).length;
  const when = c.medianEvaluations === null ? `**not within ${budget}** evaluations` : `after **${fmt(c.medianEvaluations, 1)}** evaluations (**${fmt(c.speedup, 1)}×** fewer than ${budget})`;
  return `reaches ${against}'s k=${budget} regret on the median task ${when} (tasks resampled, 90 % of medians: ${countSpreadText(c, budget)}); reached on ${c.reached}/${total} tasks`;
}

/** One line per HyperBO variant: per task against the best non-transfer method and against zero-shot, then issue 9's checks. */
export function headlineSentence(h: Headline, budget: number): string {
  const fifth = Math.floor(budget / 5);
  return (
    `**${h.hyperbo}**: ${comparisonText(h.nonTransfer, 'the best non-transfer method', budget)}; ` +
    `${comparisonText(h.zeroShot, 'zero-shot', budget)}. ` +
    `Checks — k=1 ≤ zero-shot: ${mark(h.checks.k1VsZeroShot?.ok)}` +
    (h.checks.k1VsZeroShot ? ` (${fmt(h.checks.k1VsZeroShot.hyperbo)} vs ${fmt(h.checks.k1VsZeroShot.zeroshot)})` : '') +
    `; k=${budget} ≤ best non-transfer (${h.bestNonTransfer || '—'}): ${mark(h.checks.budgetVsNonTransfer?.ok)}` +
    (h.checks.budgetVsNonTransfer ? ` (${fmt(h.checks.budgetVsNonTransfer.hyperbo, 4)} vs ${fmt(h.checks.budgetVsNonTransfer.peer, 4)})` : '') +
    `; median task within ${fifth} evaluations (5×): ${mark(h.checks.fiveFold)}.`
  );
}

/** Tables of median (p20–p80) normalised regret at a few checkpoints, per-task regret in metric units, and the headline. */
export function markdownReport(report: RegretReport, command?: string | readonly string[]): string {
  const B = report.budget;
  const checkpoints = [...new Set([1, 3, 5, 10, 20, B].filter((k) => k <= B))];
  const lines: string[] = [];
  lines.push(`### ${report.suite}: ${report.tasks.length} tasks, budget ${B}, ${report.seeds} seeds`);
  lines.push('');
  if (command) lines.push('```bash', ...(typeof command === 'string' ? [command] : command), '```', '');
  lines.push(
    `Median normalised simple regret (20th–80th percentile) over tasks × seeds after k evaluations; metric \`${report.metric}\` (${report.goal}). ` +
      `Normalised regret = regret / |median − best| of the task's pool (diverged values count as the worst): 0 is the pool's best, 1 a typical configuration.`,
  );
  lines.push('');
  lines.push(`| method | ${checkpoints.map((k) => `k=${k}`).join(' | ')} | mean over k=1..${B} | time (s) |`);
  lines.push(`|---|${checkpoints.map(() => '---').join('|')}|---|---|`);
  for (const [name, m] of Object.entries(report.methods)) {
    const cells = checkpoints.map((k) => `${fmt(m.normalized.median[k - 1])} (${fmt(m.normalized.p20[k - 1])}–${fmt(m.normalized.p80[k - 1])})`);
    const pre = m.pretrainSeconds;
    const time = pre !== undefined ? `${fmt(m.seconds + pre, 1)} (pre-training ${fmt(pre, 1)})` : fmt(m.seconds, 1);
    const mean = m.normalized.median.reduce((a, b) => a + b, 0) / m.normalized.median.length;
    const label = isHyperbo(name) ? `**${name}**` : name;
    lines.push(`| ${label} | ${cells.join(' | ')} | ${fmt(mean, 4)} | ${time} |`);
  }
  const h = report.headline;
  if (h.hyperbo) {
    lines.push('');
    lines.push(
      `**Headline** (per task, median over seeds; the target on each task is the reference group's best method on that task at k=${B}). ` +
        `Best non-transfer method over all tasks: **${h.bestNonTransfer || 'not run'}**.`,
    );
    lines.push('');
    for (const variant of Object.values(report.headlines ?? { [h.hyperbo]: h })) lines.push(`- ${headlineSentence(variant, B)}`);
  }
  lines.push('');
  lines.push(`Per task, in the metric's units: the pool's best and median, and each method's median (over seeds) regret at k=1 / k=${B}.`);
  lines.push('');
  const names = Object.keys(report.methods);
  lines.push(`| task | best | median | diverged | ${names.join(' | ')} |`);
  lines.push(`|---|---|---|---|${names.map(() => '---').join('|')}|`);
  for (const task of report.tasks) {
    const cells = names.map((m) => {
      const curve = report.methods[m]!.perTask[task.name];
      return curve ? `${units(curve[0])} / ${units(curve[B - 1])}` : '—';
    });
    lines.push(`| ${task.name} | ${units(task.best)} | ${units(task.median)} | ${task.nonFinite} | ${cells.join(' | ')} |`);
  }
  if (h.hyperbo && (h.nonTransfer || h.zeroShot)) {
    lines.push('');
    lines.push(`Per task (${h.hyperbo}): evaluations to reach the target at k=${B} (— : not within ${B}).`);
    lines.push('');
    lines.push('| task | best non-transfer at k=' + B + ' | its regret | evaluations | zero-shot regret at k=' + B + ' | evaluations |');
    lines.push('|---|---|---|---|---|---|');
    for (const task of report.tasks) {
      const nt = h.nonTransfer?.perTask[task.name];
      const zs = h.zeroShot?.perTask[task.name];
      lines.push(
        `| ${task.name} | ${nt?.method ?? '—'} | ${units(nt?.regret)} | ${nt?.evaluations ?? '—'} | ${units(zs?.regret)} | ${zs?.evaluations ?? '—'} |`,
      );
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
      highlight: name === h.hyperbo || name === h.bestNonTransfer,
      colour: ours ? HYPERBO_COLOURS[hyperboIndex++ % HYPERBO_COLOURS.length] : PEER_COLOURS[name],
    };
  });
  const peer = h.bestNonTransfer ? report.methods[h.bestNonTransfer]?.normalized.median : undefined;
  const ours = h.hyperbo ? report.methods[h.hyperbo]?.normalized.median : undefined;
  const peerFinal = peer?.at(-1);
  const nt = h.nonTransfer;
  const subtitle = h.hyperbo
    ? `per task: ${h.hyperbo} reaches the best non-transfer method's k=${report.budget} regret ` +
      (nt?.medianEvaluations ? `after ${fmt(nt.medianEvaluations, 1)} evaluations on the median task (${fmt(nt.speedup, 1)}×)` : 'not within the budget on the median task') +
      (h.zeroShot ? `; zero-shot's ${h.zeroShot.medianEvaluations ? `after ${fmt(h.zeroShot.medianEvaluations, 1)}` : 'not within the budget'}` : '')
    : undefined;
  return regretChart({
    title: `${report.suite}: median normalised regret over ${report.tasks.length} tasks × ${report.seeds} seeds`,
    subtitle,
    yLabel: "regret / |pool median − pool best| (log)",
    series,
    marker:
      peerFinal !== undefined && ours
        ? { level: peerFinal, at: evaluationsToReach(ours, peerFinal), label: `${h.hyperbo} reaches ${h.bestNonTransfer}'s k=${report.budget} level` }
        : undefined,
  });
}

/** One row per suite with results in bench/results: the best HyperBO variant against zero-shot and the best non-transfer method. */
export function summaryTable(reports: { name: string; report: RegretReport }[]): string {
  const lines = [
    '| suite | tasks | best HyperBO | k=1: HyperBO / zero-shot | k=B: HyperBO / best non-transfer | median task reaches best non-transfer k=B after | … with the tasks resampled (90 % of medians; share within B/5) | median task reaches zero-shot k=B after | issue 9 bar met |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { name, report } of reports) {
    const h = report.headline;
    const k1 = h.checks.k1VsZeroShot;
    const kb = h.checks.budgetVsNonTransfer;
    const evals = (c: typeof h.nonTransfer) => (c ? (c.medianEvaluations === null ? `not within ${report.budget}` : `${fmt(c.medianEvaluations, 1)} (${fmt(c.speedup, 1)}×)`) : '—');
    lines.push(
      `| [${name}](${name}.md) | ${report.tasks.length} | ${h.hyperbo || '—'} | ${k1 ? `${fmt(k1.hyperbo)} / ${fmt(k1.zeroshot)}` : '—'} | ` +
        `${kb ? `${fmt(kb.hyperbo, 4)} / ${fmt(kb.peer, 4)} (${h.bestNonTransfer})` : '—'} | ${evals(h.nonTransfer)} | ${countSpreadText(h.nonTransfer, report.budget)} | ${evals(h.zeroShot)} | ${h.goalMet ? 'yes' : 'no'} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Pooled median normalised regret of every method of every suite at a few checkpoints (and the mean over
 * k = 1..B): the Results table of bench/README.md, rows grouped by suite.
 */
export function pooledTable(reports: { name: string; report: RegretReport }[], ks: readonly number[] = [1, 5, 10, 30]): string {
  const lines = [`| suite | method | ${ks.map((k) => `k=${k}`).join(' | ')} | mean k=1..B |`, `|---|---|${ks.map(() => '---').join('|')}|---|`];
  for (const { name, report } of reports) {
    let first = true;
    for (const [method, m] of Object.entries(report.methods)) {
      const curve = m.normalized.median;
      const cells = ks.map((k) => (k <= curve.length ? fmt(curve[k - 1]) : '—'));
      const mean = curve.reduce((a, b) => a + b, 0) / curve.length;
      const suite = first ? `[${name}](${name}.md) (${report.tasks.length} tasks)` : '';
      first = false;
      lines.push(`| ${suite} | ${isHyperbo(method) ? `**${method}**` : method} | ${cells.join(' | ')} | ${fmt(mean, 4)} |`);
    }
  }
  return lines.join('\n');
}
