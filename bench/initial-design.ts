// Single-task BO (no prior) with and without the initial space-filling design, on standard test functions:
// mean and median simple regret after 10 and 20 evaluations over 8 seeds.
// Usage: npm run bench:design [-- --acq ucb3|ucb1|ei|pi]   (default ucb3, as in the design table of bench/EXPERIMENTS.md)
import { parseArgs } from 'node:util';
import { SearchSpace, Study, type AcquisitionOptions } from '../src/engine';

const ACQUISITIONS: Record<string, AcquisitionOptions> = { ucb3: { kind: 'ucb', beta: 3 }, ucb1: { kind: 'ucb', beta: 1 }, ei: { kind: 'ei' }, pi: { kind: 'pi' } };
const acqName = parseArgs({ options: { acq: { type: 'string', default: 'ucb3' } } }).values.acq!;
const acquisition = ACQUISITIONS[acqName];
if (!acquisition) throw new Error(`--acq must be one of ${Object.keys(ACQUISITIONS).join(', ')}`);
type F = { name: string; dim: number; f: (u: number[]) => number; min: number };
const A3 = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]], P3 = [[0.3689, 0.117, 0.2673], [0.4699, 0.4387, 0.747], [0.1091, 0.8732, 0.5547], [0.03815, 0.5743, 0.8828]];
const A6 = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]];
const P6 = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991], [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.665], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]];
const alpha = [1, 1.2, 3, 3.2];
const hart = (A: number[][], P: number[][]) => (u: number[]) => -alpha.reduce((s, a, i) => s + a * Math.exp(-A[i]!.reduce((q, aij, j) => q + aij * (u[j]! - P[i]![j]!) ** 2, 0)), 0);
const fns: F[] = [
  { name: 'branin', dim: 2, min: 0.397887, f: ([a, b]) => { const x = 15 * a! - 5, y = 15 * b!; return (y - 5.1 / (4 * Math.PI ** 2) * x * x + 5 / Math.PI * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10; } },
  { name: 'hartmann3', dim: 3, min: -3.86278, f: hart(A3, P3) },
  { name: 'hartmann6', dim: 6, min: -3.32237, f: hart(A6, P6) },
  { name: 'quad-log', dim: 3, min: 0, f: ([a, b, c]) => (a! * 6 - 3) ** 2 + (b! - 0.9) ** 2 + 0.1 * (c! * 4 - 2) ** 2 },
];
const budget = 20;
for (const fn of fns) {
  const space = new SearchSpace(Array.from({ length: fn.dim }, (_, j) => ({ name: `x${j}`, type: 'float' as const, low: 0, high: 1 })));
  for (const design of [0, undefined]) {
    const r10: number[] = [], r20: number[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const study = new Study({ space, output: { goal: 'minimize', warp: 'none', normalization: 'standardize' }, seed, initialDesign: design, acquisition });
      let best = Infinity;
      for (let k = 1; k <= budget; k++) {
        const [s] = study.ask(1);
        const u = space.names.map((n) => Number(s!.config[n]));
        const v = fn.f(u);
        best = Math.min(best, v);
        study.tell(s!.trialId, v);
        if (k === 10) r10.push(best - fn.min);
      }
      r20.push(best - fn.min);
    }
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
    console.log(`${acqName} ${fn.name.padEnd(10)} design=${design ?? 'default'}  regret@10 mean ${mean(r10).toFixed(4)} med ${med(r10).toFixed(4)}  @20 mean ${mean(r20).toFixed(4)} med ${med(r20).toFixed(4)}`);
  }
}
