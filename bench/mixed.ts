// Single-task BO (no prior) on spaces with a categorical parameter, by acquisition: does the search try the other
// choices near the best continuous values, or keep refining the first good one? Each problem's choices shift the
// function, and the best choice is not the one the first good result tends to use. Simple regret after 10, 20 and
// 30 evaluations (mean and median over 16 seeds), and how many seeds reached the best choice.
// Usage: npm run bench:mixed [-- --acq ucb1,ucb2,ei,pi]
import { parseArgs } from 'node:util';
import { SearchSpace, Study, type AcquisitionOptions, type ParamSpec } from '../src/engine';

const ACQUISITIONS: Record<string, AcquisitionOptions> = {
  ucb1: { kind: 'ucb', beta: 1 },
  ucb2: { kind: 'ucb', beta: 2 },
  ucb3: { kind: 'ucb', beta: 3 },
  ei: { kind: 'ei' },
  pi: { kind: 'pi' },
};
const names = parseArgs({ options: { acq: { type: 'string', default: 'ucb1,ucb2,ei,pi' } } }).values.acq!.split(',');
for (const n of names) if (!ACQUISITIONS[n]) throw new Error(`--acq: ${n} is not one of ${Object.keys(ACQUISITIONS).join(', ')}`);

interface Problem {
  name: string;
  params: ParamSpec[];
  f: (c: Record<string, number | string | boolean>) => number;
  min: number;
  best: string;
}
const A3 = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]];
const P3 = [[0.3689, 0.117, 0.2673], [0.4699, 0.4387, 0.747], [0.1091, 0.8732, 0.5547], [0.03815, 0.5743, 0.8828]];
const alpha = [1, 1.2, 3, 3.2];
const hartmann3 = (u: number[]) => -alpha.reduce((s, a, i) => s + a * Math.exp(-A3[i]!.reduce((q, aij, j) => q + aij * (u[j]! - P3[i]![j]!) ** 2, 0)), 0);
const branin = (a: number, b: number) => {
  const x = 15 * a - 5, y = 15 * b;
  return (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
};
const problems: Problem[] = [
  {
    // The optimizer choice as an additive offset: the one that works a little worse everywhere comes first in the list.
    name: 'quad+optimizer',
    params: [
      { name: 'lr', type: 'float', low: 1e-5, high: 1, scale: 'log' },
      { name: 'wd', type: 'float', low: 0, high: 1 },
      { name: 'opt', type: 'categorical', choices: ['sgd', 'adam'] },
    ],
    f: (c) => (Math.log10(Number(c.lr)) + 2) ** 2 + (Number(c.wd) - 0.3) ** 2 + (c.opt === 'sgd' ? 0.1 : 0),
    min: 0,
    best: 'adam',
  },
  {
    // Branin with three choices: offsets 0.5, 0 and 2 (the best is the middle one).
    name: 'branin+3',
    params: [
      { name: 'a', type: 'float', low: 0, high: 1 },
      { name: 'b', type: 'float', low: 0, high: 1 },
      { name: 'k', type: 'categorical', choices: ['x', 'y', 'z'] },
    ],
    f: (c) => branin(Number(c.a), Number(c.b)) + ({ x: 0.5, y: 0, z: 2 } as Record<string, number>)[String(c.k)]!,
    min: 0.397887,
    best: 'y',
  },
  {
    // Hartmann 3-D whose depth depends on the choice: 90 %, 100 % or 80 % of the original.
    name: 'hartmann3+3',
    params: [
      { name: 'x0', type: 'float', low: 0, high: 1 },
      { name: 'x1', type: 'float', low: 0, high: 1 },
      { name: 'x2', type: 'float', low: 0, high: 1 },
      { name: 'k', type: 'categorical', choices: ['x', 'y', 'z'] },
    ],
    f: (c) => ({ x: 0.9, y: 1, z: 0.8 } as Record<string, number>)[String(c.k)]! * hartmann3([Number(c.x0), Number(c.x1), Number(c.x2)]),
    min: -3.86278,
    best: 'y',
  },
];

const SEEDS = 16;
const BUDGET = 30;
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};
console.log(`| problem | acquisition | regret@10 mean / median | @20 | @30 | seeds on the best choice at 30 |`);
console.log(`|---|---|---|---|---|---|`);
for (const p of problems) {
  const space = new SearchSpace(p.params);
  for (const name of names) {
    const at: Record<number, number[]> = { 10: [], 20: [], 30: [] };
    let onBest = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const study = new Study({ space, output: { goal: 'minimize', warp: 'none', normalization: 'standardize' }, seed, acquisition: ACQUISITIONS[name]! });
      let best = Infinity;
      let bestChoice = '';
      const cat = p.params.find((q) => q.type === 'categorical')!.name;
      for (let k = 1; k <= BUDGET; k++) {
        const [s] = study.ask(1);
        const v = p.f(s!.config);
        if (v < best) [best, bestChoice] = [v, String(s!.config[cat])];
        study.tell(s!.trialId, v);
        at[k]?.push(best - p.min);
      }
      if (bestChoice === p.best) onBest++;
    }
    const cell = (k: number) => `${mean(at[k]!).toFixed(4)} / ${median(at[k]!).toFixed(4)}`;
    console.log(`| ${p.name} | ${name} | ${cell(10)} | ${cell(20)} | ${cell(30)} | ${onBest} of ${SEEDS} |`);
  }
}
