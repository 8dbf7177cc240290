import { strict as assert } from 'node:assert';
import { EmpiricalPrior } from '../../../src/engine/empiricalPrior';
import { paramsFromValues } from '../../../src/engine/model';
import { createRng } from '../../../src/engine/rng';
import { SearchSpace } from '../../../src/engine/space';
import { Study } from '../../../src/engine/study';
import type { TransferTask } from '../../../src/engine/transfer';
import type { ModelSpec } from '../../../src/engine/types';
import { askAndTell } from './studyRuns';

const N = 40;
const rng = createRng(11);
const f = Float64Array.from({ length: N }, () => rng.next() * 2 - 1);
const g = Float64Array.from({ length: N }, () => rng.next() * 2 - 1);
const standardise = (v: ArrayLike<number>): Float64Array => {
  const n = v.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += v[i]! / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (v[i]! - m) ** 2 / n;
  return Float64Array.from(v, (x) => (x - m) / Math.sqrt(ss));
};
const maxError = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
};

describe('engine/empiricalPrior (GP over the pool with the training tasks’ empirical covariance)', () => {
  it('alpha = 1, two training tasks that are affine copies: two results of a new copy predict the rest exactly', () => {
    // Standardised, both copies are f: the mean is f and S = 0, so y = a + b·f is fixed by two points.
    const z = [standardise(f.map((v) => 3 * v + 1)), standardise(f.map((v) => 0.5 * v - 2))];
    const prior = new EmpiricalPrior(z, { alpha: 1, noise: 1e-10, center: 0, scale: 1 });
    const y = f.map((v) => 7 - 4 * v);
    const p = prior.posterior([3, 17], [y[3]!, y[17]!]);
    assert.ok(maxError(p.mean, y) < 1e-5, `max error ${maxError(p.mean, y)}`);
    assert.ok(Math.max(...p.variance) < 1e-5, `max variance ${Math.max(...p.variance)}`);
    // One result is not enough: the prior's spread stays away from the observed point.
    const one = prior.posterior([3], [y[3]!]);
    assert.ok(maxError(one.mean, y) > 0.1);
  });

  it('alpha = 1: the new task is a mixture of training tasks; three results identify it, the average does not', () => {
    // Tasks f + g, f − g, f: mean f, S along g. The new task 2 + 1.5·(f + 0.7·g) lies in span{1, f, g}.
    const z = [f.map((v, i) => v + g[i]!), f.map((v, i) => v - g[i]!), Float64Array.from(f)];
    const prior = new EmpiricalPrior(z, { alpha: 1, noise: 1e-10, center: 0, scale: 1 });
    const y = f.map((v, i) => 2 + 1.5 * (v + 0.7 * g[i]!));
    const at = [0, 9, 23];
    const p = prior.posterior(at, at.map((i) => y[i]!));
    assert.ok(maxError(p.mean, y) < 1e-4, `max error ${maxError(p.mean, y)}`);
    // With alpha = 0 and a learnt kernel that knows nothing (identity), only the mean's span {1, f} is learnt.
    const identity = new Float64Array(N * N);
    for (let i = 0; i < N; i++) identity[i * N + i] = 1;
    const blind = new EmpiricalPrior(z, { alpha: 0, learned: identity, noise: 1e-10, center: 0, scale: 1 }).posterior(at, at.map((i) => y[i]!));
    assert.ok(maxError(blind.mean, y) > 0.3, `alpha 0 should not find g: ${maxError(blind.mean, y)}`);
  });

  it('more results than the empirical rank, duplicates and no noise: the jitter keeps it finite and deterministic', () => {
    const z = [Float64Array.from(f), Float64Array.from(g)];
    const prior = new EmpiricalPrior(z, { alpha: 1, noise: 0, center: 0.5, scale: 2 });
    const at = [1, 2, 3, 4, 5, 6, 7, 7];
    const y = at.map((i) => Math.sin(i));
    const a = prior.posterior(at, y);
    const b = prior.posterior(at, y);
    assert.ok(a.mean.every(Number.isFinite) && a.variance.every((v) => Number.isFinite(v) && v >= 0));
    assert.deepEqual(a.mean, b.mean);
    // Blending in a positive-definite learnt kernel: the observed points' covariance is positive definite as is.
    const learned = new Float64Array(N * N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) learned[i * N + j] = Math.exp(-((i - j) ** 2) / 8);
    const blended = new EmpiricalPrior(z, { alpha: 0.5, learned, noise: 1e-6, center: 0.5, scale: 2 }).posterior(at, y);
    assert.ok(blended.mean.every(Number.isFinite));
  });

  it('no results: the prior mean centre + spread·m and its variance', () => {
    const z = [Float64Array.from([1, 0, -1]), Float64Array.from([3, 0, -3])];
    const p = new EmpiricalPrior(z, { alpha: 1, noise: 0, center: 1, scale: 2 }).posterior([], []);
    assert.deepEqual(Array.from(p.mean), [1 + 2 * 2, 1, 1 - 2 * 2]);
    // S(0,0) = ((1 − 2)² + (3 − 2)²)/1 = 2; offset 1 and coefficient 1·m² = 4, times spread² 4: 4·(2 + 1 + 4) = 28.
    assert.ok(Math.abs(p.variance[0]! - 28) < 1e-12);
  });

  it('rejects bad input', () => {
    assert.throws(() => new EmpiricalPrior([], { alpha: 1, noise: 0, center: 0, scale: 1 }), /at least one/);
    assert.throws(() => new EmpiricalPrior([f], { alpha: 0.5, noise: 0, center: 0, scale: 1 }), /learnt kernel/);
    assert.throws(() => new EmpiricalPrior([f], { alpha: 1, noise: 0, center: 0, scale: 1 }).posterior([N], [0]), /out of range/);
  });

  it('Study: with empiricalPrior the picks after the first come from the training task the results resemble', () => {
    // Pool 0, 0.05, …, 1. Three training tasks peak at 0.8, two at 0.2; the new task peaks at 0.2. The learnt prior is
    // a constant mean and a short SE kernel, so it knows nothing of the two shapes.
    const spec: ModelSpec = { dim: 1, mean: 'constant', kernel: 'se', kernelOnFeatures: false, mlp: [] };
    const theta = paramsFromValues(spec, { constant: 0, lengthscale: 0.05, signalVariance: 1, noiseVariance: 1e-4 });
    const xs = Array.from({ length: 21 }, (_, i) => i / 20);
    const peak = (c: number, h: number) => (x: number) => h * Math.exp(-((x - c) ** 2) / 0.02);
    const task = (f: (x: number) => number): TransferTask => {
      const y = Float64Array.from(xs, f);
      const m = y.reduce((a, b) => a + b, 0) / y.length;
      const sd = Math.sqrt(y.reduce((a, b) => a + (b - m) ** 2, 0) / y.length);
      return { x: { n: xs.length, d: 1, data: Float64Array.from(xs) }, y, center: m, scale: sd };
    };
    const transfer = [task(peak(0.8, 1)), task(peak(0.8, 1.2)), task(peak(0.75, 0.9)), task(peak(0.2, 1)), task(peak(0.25, 1.1))];
    const space = new SearchSpace([{ name: 'x', type: 'float', low: 0, high: 1 }]);
    const output = { goal: 'maximize', warp: 'none', normalization: 'none' } as const;
    const truth = peak(0.2, 1);
    const run = (empiricalPrior?: { alpha: number }) => {
      const study = new Study({ space, output, prior: { spec, theta, transfer }, candidates: xs.map((x) => ({ x })), acquisition: { kind: 'pi', piMargin: 0.1 }, seed: 1, empiricalPrior });
      return askAndTell(study, 3, truth).map((s) => s.config.x as number);
    };
    const empirical = run({ alpha: 0.9 });
    // The first pick is the transfer pick (the majority's peak, poor here); the poor result points to the other shape.
    assert.ok(Math.abs(empirical[0]! - 0.8) < 0.06, `first ${empirical}`);
    assert.ok(empirical.slice(1).includes(0.2), `empirical picks ${empirical}`);
    // The learnt prior alone explores next to its results or far away, not to the other tasks' peak.
    const plain = run();
    assert.ok(!plain.slice(1).includes(0.2), `plain picks ${plain}`);
  });
});
