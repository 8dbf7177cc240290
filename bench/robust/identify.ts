// How far identifying the similar training task gets without a GP (bench/README.md, "Why the exact best is hard to
// reach in 6"): on a shared pool, leave one task out and pick, at each step, the untried member with the best
// weighted mean of the other tasks' normal scores; the weights come from how each task orders the results so far.
// Prints the evaluations until the pool's best, per task and for the median task. Usage (shared pools only):
//   npx tsx bench/robust/identify.ts '<glob or YAHPO folder>' <metric> [pool] [tasks] [complement]
import { normalCdf } from '../../src/engine/acquisition';
import { normalScores } from '../../src/engine/transfer';
import { suiteFromArgs } from './suiteArgs';

type Weights = (zs: number[][], chosen: number[], y: number[]) => number[];
/** Equal weights: zero-shot's mean score. */
const equal: Weights = (zs) => zs.map(() => 1);
/** A task's weight is the probit likelihood of the results' pairwise order under its scores (noise tau). */
const probit = (tau: number): Weights => (zs, chosen, y) => {
  const ll = zs.map((z) => {
    let l = 0;
    for (let a = 0; a < chosen.length; a++) {
      for (let b = 0; b < chosen.length; b++) if (y[a]! > y[b]!) l += Math.log(Math.max(1e-300, normalCdf((z[chosen[a]!]! - z[chosen[b]!]!) / tau)));
    }
    return l;
  });
  const top = Math.max(...ll);
  return ll.map((l) => Math.exp(l - top));
};
/** All weight on the tasks with the fewest misordered pairs. */
const fewestMisordered: Weights = (zs, chosen, y) => {
  const wrong = zs.map((z) => {
    let c = 0;
    for (let a = 0; a < chosen.length; a++) for (let b = 0; b < chosen.length; b++) if (y[a]! > y[b]! && z[chosen[a]!]! < z[chosen[b]!]!) c++;
    return c;
  });
  const least = Math.min(...wrong);
  return wrong.map((c) => (c === least ? 1 : 0));
};

async function main(): Promise<void> {
  const suite = await suiteFromArgs(process.argv.slice(2), 'identify.ts');
  const sign = suite.goal === 'minimize' ? -1 : 1;
  const key = (c: unknown) => JSON.stringify(c);
  const shared = suite.tasks[0]!.configs.map(key);
  if (!suite.tasks.every((t) => t.configs.length === shared.length && t.configs.every((c, i) => key(c) === shared[i]))) {
    throw new Error('identify.ts needs one pool shared by every task (HPOBench, NAS-Bench-201, the YAHPO suites).');
  }
  // Normal scores (centre 0, spread 1) of the values as maximised, diverged runs last.
  const scores = suite.tasks.map((t) => Array.from(normalScores(Float64Array.from(t.values, (x) => (Number.isFinite(x) ? sign * x : -Infinity)), 0, 1)));
  const rules: [string, Weights][] = [['zero-shot (equal)', equal], ['probit τ 0.3', probit(0.3)], ['probit τ 1', probit(1)], ['fewest misordered', fewestMisordered]];
  for (const [name, weights] of rules) {
    const counts = suite.tasks.map((_, t) => {
      const zs = scores.filter((__, i) => i !== t);
      const truth = scores[t]!;
      const best = truth.indexOf(Math.max(...truth));
      const chosen: number[] = [];
      const y: number[] = [];
      for (let k = 1; k <= 30; k++) {
        const w = weights(zs, chosen, y);
        let pick = -1;
        let pickScore = -Infinity;
        for (let j = 0; j < truth.length; j++) {
          if (chosen.includes(j)) continue;
          const s = zs.reduce((acc, z, i) => acc + w[i]! * z[j]!, 0);
          if (pick < 0 || s > pickScore) [pick, pickScore] = [j, s];
        }
        if (pick === best) return k;
        chosen.push(pick);
        y.push(truth[pick]!);
      }
      return Infinity;
    });
    const sorted = [...counts].sort((a, b) => a - b);
    const n = sorted.length;
    const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
    console.log(`${name}: median task ${Number.isFinite(median) ? median : '> 30'} (per task ${counts.map((c) => (Number.isFinite(c) ? c : '-')).join(' ')})`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
