// How far a task's pool best sits in each other task's ordering of the same pool (bench/EXPERIMENTS.md, "Weighting the
// training tasks"): the best single training task's rank is what a perfect choice of similar task would need, the
// mean-rank one what zero-shot needs. Usage (shared configurations only: HPOBench, the YAHPO suites):
//   npx tsx bench/robust/oracle.ts '<glob or YAHPO folder>' <metric> [pool] [tasks]
import { suiteFromArgs } from './suiteArgs';
async function main() {
const { suite } = await suiteFromArgs(process.argv.slice(2), 'oracle.ts');
const sign = suite.goal === 'minimize' ? 1 : -1;
const key = (c: unknown) => JSON.stringify(c);
const maps = suite.tasks.map((t) => new Map(t.configs.map((c, i) => [key(c), sign * t.values[i]!] as const)));
for (const [ti, t] of suite.tasks.entries()) {
  const fin = (v: number) => (Number.isFinite(v) ? v : Infinity);
  let bi = 0;
  for (let i = 0; i < t.configs.length; i++) if (fin(sign * t.values[i]!) < fin(sign * t.values[bi]!)) bi = i;
  const ranks: number[] = [];
  const meanRank = new Float64Array(t.configs.length);
  for (const [oi, m] of maps.entries()) {
    if (oi === ti) continue;
    const vals = t.configs.map((c) => fin(m.get(key(c)) ?? NaN));
    const order = vals.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    order.forEach(([, i], r) => (meanRank[i]! += r));
    ranks.push(order.findIndex(([, i]) => i === bi) + 1);
  }
  const zs = Array.from(meanRank, (v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]).findIndex(([, i]) => i === bi) + 1;
  console.log(`${t.name}: best's rank per training task ${ranks.join(' ')} | min ${Math.min(...ranks)} | mean-rank zero-shot ${zs}`);
}
}
main();
