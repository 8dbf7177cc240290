// How crowded the top of each task's pool is (bench/README.md, "Why the exact best is hard to reach"): per task, the
// other configurations within 2 % of |median − best| of the best, and how far apart they lie in the unit cube (a
// random pair in d dimensions is about √(d/6) apart). Usage:
//   npx tsx bench/robust/plateau.ts '<glob or YAHPO folder>' <metric> [pool] [tasks] [complement]
import { suiteFromArgs } from './suiteArgs';

async function main(): Promise<void> {
  const { suite } = await suiteFromArgs(process.argv.slice(2), 'plateau.ts');
  const sign = suite.goal === 'minimize' ? 1 : -1;
  const rivals: number[] = [];
  const spread: number[] = [];
  for (const t of suite.tasks) {
    const v = Array.from(t.values, (x) => (Number.isFinite(x) ? sign * x : Infinity));
    const finite = v.filter(Number.isFinite).sort((a, b) => a - b);
    const best = finite[0]!;
    const scale = Math.abs(finite[Math.floor(finite.length / 2)]! - best);
    const near = v.flatMap((x, i) => ((x - best) / scale <= 0.02 ? [suite.space.toUnit(t.configs[i]!)] : []));
    let total = 0;
    let pairs = 0;
    for (let a = 0; a < near.length; a++) {
      for (let b = a + 1; b < near.length; b++) {
        total += Math.hypot(...Array.from(near[a]!, (u, k) => u - near[b]![k]!));
        pairs++;
      }
    }
    rivals.push(near.length - 1);
    spread.push(pairs ? total / pairs : 0);
  }
  const median = (x: number[]) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;
  console.log(
    `${suite.tasks.length} tasks, dim ${suite.space.dim}: rivals within 2 % of the best, median ${median(rivals)} (per task ${rivals.join(' ')}); ` +
      `their mean distance apart, median ${median(spread).toFixed(2)} (a random pair: ${Math.sqrt(suite.space.dim / 6).toFixed(2)})`,
  );
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
