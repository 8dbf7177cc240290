import { strict as assert } from 'node:assert';
import { normalCdf } from '../../../src/engine/acquisition';
import { condition, paramsFromValues } from '../../../src/engine/model';
import { createRng } from '../../../src/engine/rng';
import { SearchSpace } from '../../../src/engine/space';
import { Study } from '../../../src/engine/study';
import type { TransferTask } from '../../../src/engine/transfer';
import type { ModelSpec, Points } from '../../../src/engine/types';
import { askAndTell } from './studyRuns';
import {
  fitLevelScale,
  humbleWeights,
  mixtureMean,
  pairwiseLogLikelihoods,
  shiftedPosterior,
  shrinkToEqual,
  transferMeanShift,
} from '../../../src/engine/weightedMean';

const close = (a: number, b: number, tol = 1e-10): void => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);
const pts = (...xs: number[]): Points => ({ n: xs.length, d: 1, data: Float64Array.from(xs) });

describe('engine/weightedMean (the training tasks\' weighted mixture as the prior mean)', () => {
  it('pairwiseLogLikelihoods: known answer, 2/n per pair; no order without two results or with ties', () => {
    // Results y = (1, 3, 2): ordered pairs (1 > 0), (1 > 2), (2 > 0).
    const z = Float64Array.of(0, 2, 1);
    const expected = (2 / 3) * (Math.log(normalCdf(1)) + Math.log(normalCdf(0.5)) + Math.log(normalCdf(0.5)));
    const [ll] = pairwiseLogLikelihoods([z], Float64Array.of(1, 3, 2));
    close(ll!, expected);
    assert.deepEqual(Array.from(pairwiseLogLikelihoods([z, z], Float64Array.of(1))), [0, 0]);
    assert.deepEqual(Array.from(pairwiseLogLikelihoods([z], Float64Array.of(2, 2, 2))), [0]);
  });

  it('humbleWeights: softmax of the tempered log-likelihoods shrunk by n0/(n0 + n) toward equal (known answer)', () => {
    // logLik (0, ln 3): softmax (¼, ¾); n = 5, n0 = 5: λ = ½ → (⅛ + ¼, ⅜ + ¼).
    const w = humbleWeights([0, Math.log(3)], 5, { shrink: 5 });
    close(w[0]!, 0.375);
    close(w[1]!, 0.625);
    // Temper 2: softmax of (0, ln 3 / 2) = (1, √3)/(1 + √3); no shrinkage.
    const t = humbleWeights([0, Math.log(3)], 5, { shrink: 0, temper: 2 });
    close(t[1]!, Math.sqrt(3) / (1 + Math.sqrt(3)));
    // No result: equal whatever the likelihoods say.
    assert.deepEqual(Array.from(humbleWeights([0, -50], 0)), [0.5, 0.5]);
    assert.deepEqual(Array.from(shrinkToEqual([0, 0], 3, 1)), [0.5, 0.5]);
    assert.throws(() => humbleWeights([0], 1, { temper: 0 }), /temper/);
  });

  it('the weights stay humble with 2 results and follow the task that orders 12 results right', () => {
    const rng = createRng(11);
    // Task 0 is the truth plus small noise, tasks 1–3 unrelated; scores at 12 results.
    const truth = Float64Array.from({ length: 12 }, () => rng.next() * 4 - 2);
    const noisy = (s: number) => Float64Array.from(truth, (v) => v + s * (rng.next() - 0.5));
    const unrelated = () => Float64Array.from(truth, () => rng.next() * 4 - 2);
    const z = [noisy(0.3), unrelated(), unrelated(), unrelated()];
    const y = Float64Array.from(truth, (v) => 3 * v + 1);
    const w12 = humbleWeights(pairwiseLogLikelihoods(z, y), y.length);
    assert.ok(w12[0]! > 0.6 && w12.every((v, i) => i === 0 || v < w12[0]! / 3), `12 results: ${Array.from(w12)}`);
    // Two results, the first task ordering them right and the others wrong: it leads, without dominating.
    const two = [Float64Array.of(0, 2), Float64Array.of(2, 0), Float64Array.of(2, 0), Float64Array.of(2, 0)];
    const w2 = humbleWeights(pairwiseLogLikelihoods(two, Float64Array.of(0, 1)), 2);
    assert.ok(w2[0]! > w2[1]! && w2[0]! < 0.6, `2 results: ${Array.from(w2)}`);
  });

  it('mixtureMean and fitLevelScale: known answers', () => {
    const m = mixtureMean([Float64Array.of(1, 0), Float64Array.of(-1, 2)], [3, 1]);
    close(m[0]!, 0.5);
    close(m[1]!, 0.5);
    // No result: the prior (a0, b0).
    assert.deepEqual(fitLevelScale([], [], { a0: 1, b0: 2, variance: 1 }), { a: 1, b: 2 });
    // Many exact results on y = 5 + 3Z overwhelm the priors.
    const zs = Float64Array.from({ length: 400 }, (_, i) => (i % 20) / 5 - 2);
    const fit = fitLevelScale(zs, Float64Array.from(zs, (v) => 5 + 3 * v), { a0: 0, b0: 1, variance: 1e-4 });
    close(fit.a, 5, 1e-3);
    close(fit.b, 3, 1e-3);
    // One result at Z = 0: the level takes it, the scale keeps b0 (nothing tells it otherwise).
    const one = fitLevelScale([0], [7], { a0: 0, b0: 2, variance: 1 });
    close(one.b, 2);
    close(one.a, 7 * 100 / 101);
  });

  it('shiftedPosterior: a GP with mean m + s equals the inner GP on y − s plus s (known answer)', () => {
    const spec: ModelSpec = { dim: 1, mean: 'constant', kernel: 'se', kernelOnFeatures: false, mlp: [] };
    const theta = paramsFromValues(spec, { constant: 0, lengthscale: 0.3, signalVariance: 1, noiseVariance: 0.01 });
    const shiftOf = (x: Points) => Float64Array.from(x.data, (v) => 2 * v);
    const x = pts(0.2, 0.6);
    const y = Float64Array.of(1, 0);
    const s = shiftOf(x);
    const shifted = shiftedPosterior(condition(spec, theta, x, Float64Array.from(y, (v, i) => v - s[i]!)), shiftOf);
    // Far away (x = 5) the data has no say: the mean is the shift 10 (the inner mean 0).
    const far = shifted.predict(pts(5));
    close(far.mean[0]!, 10, 1e-8);
    // One more observation through withObservation equals conditioning on all three.
    const more = shifted.withObservation(Float64Array.of(0.4), 3).predict(pts(0.5));
    const all = pts(0.2, 0.6, 0.4);
    const sAll = shiftOf(all);
    const direct = condition(spec, theta, all, Float64Array.from([1, 0, 3], (v, i) => v - sAll[i]!)).predict(pts(0.5));
    close(more.mean[0]!, direct.mean[0]! + 1, 1e-8);
    close(more.variance[0]!, direct.variance[0]!, 1e-10);
    assert.throws(() => shifted.predictWithGradient(Float64Array.of(0.5)), /pool/);
  });

  it('transferMeanShift: a study whose results follow one training task ends up with that task\'s weight dominant', () => {
    const rng = createRng(3);
    const poolN = 40;
    const truth = Float64Array.from({ length: poolN }, () => rng.next() * 4 - 2);
    const z = [Float64Array.from(truth), Float64Array.from(truth, (v) => -v), Float64Array.from({ length: poolN }, () => rng.next() * 4 - 2)];
    const pool = Float64Array.from({ length: poolN }, (_, i) => i / poolN);
    const indexOf = (row: Float64Array) => {
      const i = Math.round(row[0]! * poolN);
      return pool[i] === row[0] ? i : undefined;
    };
    const run = (n: number) => {
      const at = Array.from({ length: n }, (_, j) => (j * 7) % poolN);
      return transferMeanShift({
        parts: { z },
        scales: [1, 1, 1],
        centers: [0, 0, 0],
        learnt: new Float64Array(poolN),
        indexOf,
        results: { x: { n, d: 1, data: Float64Array.from(at, (i) => pool[i]!) }, y: Float64Array.from(at, (i) => 2 * truth[i]! + 1) },
        variance: 1,
      });
    };
    const early = run(2);
    const late = run(15);
    assert.ok(late.weights[0]! > 0.7, `15 results: ${Array.from(late.weights)}`);
    assert.ok(early.weights[0]! < late.weights[0]!, `humble early: ${Array.from(early.weights)}`);
    // The shift is a + b·Z − learnt at pool members, 0 (the learnt mean) elsewhere; with 15 results b ≈ 2/weight.
    const s = late.shift({ n: 2, d: 1, data: Float64Array.of(pool[5]!, 0.5123) });
    const zMix = mixtureMean(z, late.weights);
    close(s[0]!, late.a + late.b * zMix[5]!);
    assert.equal(s[1], 0);
    assert.ok(late.b > 1, `scale ${late.b}`);
  });

  it('Study transferMean: after results that follow one training task, the suggestions follow that task', () => {
    const space = new SearchSpace([{ name: 'x', type: 'float', low: 0, high: 1 }]);
    const output = { goal: 'maximize', warp: 'none', normalization: 'none' } as const;
    const spec: ModelSpec = { dim: 1, mean: 'constant', kernel: 'se', kernelOnFeatures: false, mlp: [] };
    // A short lengthscale: the GP alone learns little about one pool member from another.
    const theta = paramsFromValues(spec, { constant: 0, lengthscale: 0.01, signalVariance: 1, noiseVariance: 1e-4 });
    const xs = Array.from({ length: 20 }, (_, i) => i / 19);
    const candidates = xs.map((x) => ({ x }));
    // The truth peaks at x = 0.7; tasks 1–2 peak at 0.1, task 3 follows the truth.
    const truth = (x: number) => -((x - 0.7) ** 2) * 10;
    const wrong = (x: number) => -((x - 0.1) ** 2) * 10;
    const task = (f: (x: number) => number): TransferTask => {
      const y = Float64Array.from(xs, f);
      const mean = y.reduce((s, v) => s + v, 0) / y.length;
      const sd = Math.sqrt(y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length);
      return { x: pts(...xs), y: Float64Array.from(y, (v) => (v - mean) / sd), center: 0, scale: 1 };
    };
    const run = (transferMean?: object) => {
      const study = new Study({ space, output, prior: { spec, theta, transfer: [task(wrong), task(wrong), task(truth)] }, candidates, acquisition: { kind: 'pi' }, seed: 1, transferMean });
      return askAndTell(study, 12, truth).map((s) => s.config.x as number);
    };
    const weighted = run({});
    const reach = (p: number[]) => p.findIndex((x) => Math.abs(x - xs[13]!) < 1e-9);
    assert.ok(reach(weighted) >= 0 && reach(weighted) < 12, `weighted mean picks ${weighted}`);
    // With equal weights throughout (shrinkage never ends), the mixture keeps the picks near the tasks' compromise.
    const equal = run({ shrink: 1e12 });
    assert.ok(reach(equal) < 0 || reach(weighted) < reach(equal), `equal-weight picks ${equal}, weighted ${weighted}`);
  });
});

describe("engine/weightedMean base 'learnt'", () => {
  it('shifts the learnt mean by b·(weighted − equal mixture): zero while the weights are equal (known answer)', () => {
    const z = [Float64Array.of(1, -1, 0), Float64Array.of(-1, 1, 0)];
    const indexOf = (row: Float64Array) => (row[0]! >= 0 && row[0]! < 3 && Number.isInteger(row[0]) ? row[0] : undefined);
    const common = { parts: { z }, scales: [1, 1], centers: [0, 0], learnt: Float64Array.of(5, 5, 5), indexOf, variance: 1, options: { base: 'learnt' as const } };
    // One result: the weights stay equal (no order yet), so the learnt mean is untouched.
    const one = transferMeanShift({ ...common, results: { x: { n: 1, d: 1, data: Float64Array.of(2) }, y: Float64Array.of(0) } });
    assert.deepEqual(Array.from(one.shift({ n: 3, d: 1, data: Float64Array.of(0, 1, 2) })), [0, 0, 0]);
    // Two results ordered as task 0 says: shift b·(Σ w z − 0) = b·(w0 − w1) at x = 0, its negative at x = 1.
    const two = transferMeanShift({ ...common, results: { x: { n: 2, d: 1, data: Float64Array.of(0, 1) }, y: Float64Array.of(1, 0) } });
    const s = two.shift({ n: 3, d: 1, data: Float64Array.of(0, 1, 2) });
    assert.ok(two.weights[0]! > 0.5);
    close(s[0]!, two.b * (two.weights[0]! - two.weights[1]!));
    close(s[1]!, -s[0]!);
    close(s[2]!, 0);
  });
});
