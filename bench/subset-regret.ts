// Regret cost of conditioning on a subset of the observations (engine/subset.ts), not a speed test:
// `npm run bench:subset [-- trials seeds]`.
//
// A study with a frozen GP prior (Matérn 5/2, lengthscale 0.2, standardised output, UCB β = 1) minimises Branin
// (2-D) and Hartmann (6-D) for `trials` evaluations (default 150) from 10 random starts; it is run exactly and with
// the GP limited to 48 and 24 observations (3× and 6× fewer than the final trial count, the ratios 1,500 and 3,000
// trials have to the default limit of 512). Prints the median simple regret (best value found − the function's
// minimum) after 50, 100 and `trials` evaluations over the seeds.
import { paramsFromValues } from '../src/engine/model';
import { simpleSpec } from '../src/engine/pretrain';
import { createRng } from '../src/engine/rng';
import { SearchSpace } from '../src/engine/space';
import { Study } from '../src/engine/study';

const branin = (u: Float64Array): number => {
  const x = 15 * u[0]! - 5;
  const y = 15 * u[1]!;
  return (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
};
const H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]];
const H6_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]];
const hartmann6 = (u: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H6_A[i]![j]! * (u[j]! - H6_P[i]![j]! * 1e-4) ** 2;
    s -= [1, 1.2, 3, 3.2][i]! * Math.exp(-inner);
  }
  return s;
};
const problems = [
  { name: 'Branin (2-D)', dim: 2, f: branin, min: 0.397887 },
  { name: 'Hartmann (6-D)', dim: 6, f: hartmann6, min: -3.32237 },
];

const trials = Number(process.argv[2] ?? 150);
const seeds = Number(process.argv[3] ?? 3);
const checkpoints = [50, 100, trials].filter((k, i, a) => k <= trials && a.indexOf(k) === i);
const limits: (number | undefined)[] = [undefined, 48, 24];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

console.log(`| problem | GP conditions on | ${checkpoints.map((k) => `regret after ${k}`).join(' | ')} | time per suggestion |`);
console.log(`|---|---|${checkpoints.map(() => '---|').join('')}---|`);
for (const p of problems) {
  const space = new SearchSpace(Array.from({ length: p.dim }, (_, j) => ({ name: `x${j}`, type: 'float' as const, low: 0, high: 1 })));
  const spec = simpleSpec(p.dim);
  const theta = paramsFromValues(spec, { constant: 0, lengthscale: 0.2, signalVariance: 1, noiseVariance: 1e-4 });
  for (const limit of limits) {
    const regrets: number[][] = checkpoints.map(() => []);
    let askMs = 0;
    let asks = 0;
    for (let seed = 0; seed < seeds; seed++) {
      const study = new Study({
        space,
        output: { goal: 'minimize', warp: 'none', normalization: 'standardize' },
        prior: { spec, theta },
        acquisition: { kind: 'ucb', beta: 1 },
        maxModelObservations: limit ?? 1e9,
        seed,
      });
      const rng = createRng(100 + seed);
      let best = Number.POSITIVE_INFINITY;
      for (let t = 1; t <= trials; t++) {
        let u: Float64Array;
        if (t <= 10) {
          u = Float64Array.from({ length: p.dim }, () => rng.next());
          study.tell(space.fromUnit(u), p.f(u));
        } else {
          const t0 = performance.now();
          const [s] = study.ask(1);
          askMs += performance.now() - t0;
          asks++;
          u = space.toUnit(s!.config);
          study.tell(s!.trialId, p.f(u));
        }
        best = Math.min(best, p.f(u));
        const c = checkpoints.indexOf(t);
        if (c >= 0) regrets[c]!.push(best - p.min);
      }
    }
    const what = limit === undefined ? 'all observations (exact)' : `a subset of ${limit}`;
    console.log(`| ${p.name} | ${what} | ${regrets.map((r) => median(r).toPrecision(3)).join(' | ')} | ${(askMs / asks).toFixed(0)} ms |`);
  }
}
