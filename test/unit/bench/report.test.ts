import { strict as assert } from 'node:assert';
import { SearchSpace, type Config } from '../../../src/engine';
import { runRegretBenchmark, type BenchSuite, type Comparison } from '../../../src/cli/bench/regret';
import { countSpreadText, markdownReport, pooledTable, summaryTable, svgReport } from '../../../src/cli/bench/report';
import { regretChart } from '../../../src/cli/bench/svg';

function suite(): BenchSuite {
  const space = new SearchSpace([
    { name: 'x', type: 'float', low: 0, high: 1 },
    { name: 'y', type: 'float', low: 0, high: 1 },
  ]);
  const configs: Config[] = [];
  for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) configs.push({ x: i / 5, y: j / 5 });
  const tasks = [0.2, 0.4, 0.6].map((c, t) => ({
    name: `t${t}`,
    configs,
    values: Float64Array.from(configs, (p) => 0.1 + ((p.x as number) - c) ** 2 + ((p.y as number) - 0.5) ** 2),
  }));
  return { label: 'tiny', metric: 'loss', goal: 'minimize', space, output: { goal: 'minimize', warp: 'none', normalization: 'standardize' }, tasks };
}

describe('bench report', () => {
  it('writes the table, the per-task headline against non-transfer and zero-shot, and per-task regret in metric units', async () => {
    const report = await runRegretBenchmark(suite(), {
      budget: 5,
      seeds: 2,
      methods: ['random', 'zeroshot', 'stbo', 'hyperbo-nll'],
      variants: { 'hyperbo-nll': { objective: 'nll', steps: 10 } },
    });
    const md = markdownReport(report, 'npx hyperbo bench regret ...');
    assert.match(md, /^### tiny: 3 tasks, budget 5, 2 seeds/);
    assert.match(md, /npx hyperbo bench regret \.\.\./);
    for (const m of ['random', 'zeroshot', 'stbo', 'hyperbo-nll']) assert.match(md, new RegExp(`^\\| (\\*\\*)?${m}(\\*\\*)? \\|`, 'm'));
    assert.match(md, /Best non-transfer method over all tasks: \*\*(random|stbo)\*\*/);
    assert.match(md, /the best non-transfer method's k=5 regret on the median task/);
    assert.match(md, /zero-shot's k=5 regret on the median task/);
    assert.match(md, /median task within 1 evaluations \(5×\): \*\*(yes|no)\*\*/);
    // Per-task table in metric units: best 0.11 for every task (the grid misses y = 0.5 by 0.1).
    assert.match(md, /^\| t0 \| 0\.11 \| [\d.]+ \| 0 \| /m);
    assert.match(md, /^\| t1 \| (random|stbo) \| /m);
    assert.doesNotMatch(md, /range/);
    assert.doesNotMatch(md, /NaN|undefined/);
    const json = JSON.parse(JSON.stringify(report)) as { budget: number; methods: Record<string, { median: number[]; p20: number[]; p80: number[] }> };
    assert.equal(json.budget, 5);
    assert.equal(json.methods.zeroshot!.median.length, 5);
  });

  it('says how firmly the median-task count is decided when the tasks are resampled, in the headline and the summary', async () => {
    const comparison = (counts: (number | null)[]): Comparison => ({
      methods: ['stbo'],
      perTask: Object.fromEntries(counts.map((evaluations, i) => [`t${i}`, { method: 'stbo', regret: 0, evaluations }])),
      medianEvaluations: null,
      speedup: 0,
      reached: counts.filter((c) => c !== null).length,
    });
    assert.equal(countSpreadText(comparison([4, 4, 4]), 30), '4; ≤ 6 in 100 %');
    assert.equal(countSpreadText(comparison([null, null]), 30), '> 30; ≤ 6 in 0 %');
    assert.match(countSpreadText(comparison([2, 3, 4, 5, 5, 7, 7, 7, 9, 16, 23, null]), 30), /^[2-6](\.5)?–(8|9|1\d)(\.5)?; ≤ 6 in [1-5]\d %$/);
    assert.equal(countSpreadText(null, 30), '—');

    const report = await runRegretBenchmark(suite(), {
      budget: 5,
      seeds: 1,
      methods: ['random', 'zeroshot', 'hyperbo-nll'],
      variants: { 'hyperbo-nll': { objective: 'nll', steps: 10 } },
    });
    const expected = countSpreadText(report.headline.nonTransfer, 5);
    assert.match(expected, /; ≤ 1 in \d+ %$/);
    assert.ok(markdownReport(report).includes(`(tasks resampled, 90 % of medians: ${expected})`));
    const row = summaryTable([{ name: 'tiny', report }]).split('\n')[2]!;
    assert.equal(row.split(' | ')[6], expected);
  });

  it('pools every suite into one table of median normalised regret at the checkpoints, with the mean over k', async () => {
    const report = await runRegretBenchmark(suite(), { budget: 4, seeds: 1, methods: ['zeroshot', 'random'] });
    report.methods.zeroshot!.normalized.median = [0.5, 0.25, 0, 0];
    const table = pooledTable([{ name: 'tiny', report }], [1, 2, 4, 30]);
    const rows = table.split('\n');
    assert.equal(rows[0], '| suite | method | k=1 | k=2 | k=4 | k=30 | mean k=1..B |');
    assert.equal(rows[2], '| [tiny](tiny.md) (3 tasks) | zeroshot | 0.500 | 0.250 | 0.000 | — | 0.1875 |');
    assert.match(rows[3]!, /^\| {2}\| random \| /);
    assert.equal(rows.length, 4);
  });

  it('draws one line per method, bands for the highlighted ones, a zero row, and no NaN coordinates', () => {
    const svg = regretChart({
      title: 'A & B <test>',
      yLabel: 'regret',
      series: [
        { name: 'peer', median: [0.5, 0.1, 0], p20: [0.3, 0.05, 0], p80: [0.9, 0.2, 0.01], highlight: true, dashed: true },
        { name: 'ours', median: [0.2, 0, 0], p20: [0.1, 0, 0], p80: [0.3, 0.01, 0] },
      ],
      marker: { level: 0, at: 2, label: 'ours reaches peer' },
    });
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>$/);
    assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
    assert.equal((svg.match(/<polygon /g) ?? []).length, 1);
    assert.match(svg, /A &amp; B &lt;test&gt;/);
    assert.match(svg, />0<\/text>/);
    assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
  });

  it('renders a report whose curves are all zero without NaN', async () => {
    const report = await runRegretBenchmark(suite(), { budget: 3, seeds: 1, methods: ['zeroshot'] });
    report.methods.zeroshot!.normalized = { median: [0, 0, 0], p20: [0, 0, 0], p80: [0, 0, 0] };
    assert.doesNotMatch(svgReport(report), /NaN|Infinity/);
  });
});
