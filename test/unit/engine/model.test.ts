import assert from 'node:assert/strict';
import {
  condition,
  describeParams,
  initialParams,
  paramLayout,
  paramsFromValues,
  positiveToRaw,
  priorCovariance,
  priorMean,
  samplePrior,
  softplus,
  sigmoid,
} from '../../../src/engine/model';
import { inverse, Matrix } from 'ml-matrix';
import { mlpBackward, mlpForward, mlpParamCount } from '../../../src/engine/mlp';
import { createRng } from '../../../src/engine/rng';
import { EngineError, type KernelKind, type MeanKind, type ModelSpec } from '../../../src/engine/types';
import { assertAllClose, assertClose, finiteDifferenceGradient, maxRelativeError } from '../helpers/approx';

const MEANS: MeanKind[] = ['zero', 'constant', 'linear', 'linear-mlp'];
const KERNELS: KernelKind[] = ['se', 'matern32', 'matern52'];

describe('engine/model: parameters', () => {
  it('lays out every parameter group for the paper default model', () => {
    const spec: ModelSpec = { dim: 4, mean: 'linear-mlp', kernel: 'matern52', kernelOnFeatures: true, mlp: [8, 8] };
    const layout = paramLayout(spec);
    const mlp = 4 * 8 + 8 + 8 * 8 + 8;
    assert.equal(layout.mlpCount, mlp);
    assert.equal(layout.kernelDim, 8);
    assert.equal(layout.size, 8 + 1 + mlp + 8 + 1 + 1);
    assert.equal(layout.constant, -1);
    // The plain model: lengthscale per input dimension.
    const plain = paramLayout({ dim: 3, mean: 'constant', kernel: 'se', kernelOnFeatures: false, mlp: [] });
    assert.equal(plain.size, 1 + 3 + 1 + 1);
    assert.equal(plain.mlp, -1);
    // An MLP-using spec without widths gets the paper's default (2·dim,).
    assert.deepEqual(paramLayout({ dim: 3, mean: 'zero', kernel: 'se', kernelOnFeatures: true, mlp: [] }).mlpWidths, [6]);
  });

  it('starts from the paper defaults and round-trips constrained values', () => {
    const spec: ModelSpec = { dim: 2, mean: 'linear-mlp', kernel: 'se', kernelOnFeatures: false, mlp: [5, 3] };
    const theta = initialParams(spec, createRng(1));
    assert.deepEqual(Array.from(theta), Array.from(initialParams(spec, createRng(1))), 'seeded');
    const values = describeParams(spec, theta);
    assertAllClose(values.lengthscale, [Math.log(2), Math.log(2)], { rel: 1e-9 });
    assertClose(values.signalVariance, Math.log(2), { rel: 1e-9 });
    assertClose(values.noiseVariance, Math.log1p(Math.exp(-6)), { rel: 1e-6 });
    assert.equal(values.linearBias, 0);
    assert.deepEqual(values.mlpLayers!.map((l) => l.biases.every((b) => b === 0)), [true, true]);
    const rebuilt = paramsFromValues(spec, values);
    assertAllClose(rebuilt, theta, { rel: 1e-9, abs: 1e-12 });
    const custom = paramsFromValues(spec, { lengthscale: 0.25, signalVariance: 3, noiseVariance: 1e-4 }, theta);
    assertAllClose(describeParams(spec, custom).lengthscale, [0.25, 0.25], { rel: 1e-12 });
    assertClose(describeParams(spec, custom).noiseVariance, 1e-4, { rel: 1e-9 });
    assert.throws(() => paramsFromValues(spec, { constant: 1 }), (e: unknown) => e instanceof EngineError && /constant/.test(e.message));
    assert.throws(() => paramsFromValues(spec, { lengthscale: [1, 2, 3] }), (e: unknown) => e instanceof EngineError && /needs 2 values/.test(e.message));
    assert.throws(() => paramsFromValues(spec, { noiseVariance: -1 }), EngineError);
  });

  it('softplus, its inverse and sigmoid are stable at extreme arguments', () => {
    for (const u of [-800, -30, -1, 0, 1, 30, 800]) {
      assert.ok(Number.isFinite(softplus(u)) && softplus(u) >= 0);
      assert.ok(sigmoid(u) >= 0 && sigmoid(u) <= 1);
    }
    for (const v of [1e-8, 0.01, 1, 50, 1e6]) assertClose(softplus(positiveToRaw(v)) + 1e-10, v, { rel: 1e-9 });
  });

  it('initialises MLP weights with LeCun-normal scale', () => {
    const spec: ModelSpec = { dim: 50, mean: 'zero', kernel: 'se', kernelOnFeatures: true, mlp: [200] };
    const layout = paramLayout(spec);
    const theta = initialParams(spec, createRng(4));
    let sumSq = 0;
    let maxAbs = 0;
    for (let i = 0; i < 50 * 200; i++) {
      const w = theta[layout.mlp + i];
      sumSq += w * w;
      maxAbs = Math.max(maxAbs, Math.abs(w));
    }
    assertClose(sumSq / (50 * 200), 1 / 50, { rel: 0.05 }, 'weight variance');
    assert.ok(maxAbs <= (2 / Math.sqrt(50)) / 0.8796256610342398 + 1e-12, 'truncated at 2σ');
  });

  it('rejects malformed specs', () => {
    assert.throws(() => paramLayout({ dim: 0, mean: 'zero', kernel: 'se', kernelOnFeatures: false, mlp: [] }), EngineError);
    assert.throws(() => paramLayout({ dim: 2, mean: 'cubic' as MeanKind, kernel: 'se', kernelOnFeatures: false, mlp: [] }), /Unknown mean/);
    assert.throws(() => paramLayout({ dim: 2, mean: 'zero', kernel: 'rbf' as KernelKind, kernelOnFeatures: false, mlp: [] }), /Unknown kernel/);
    assert.throws(() => paramLayout({ dim: 2, mean: 'linear-mlp', kernel: 'se', kernelOnFeatures: false, mlp: [0] }), /widths/);
  });
});

describe('engine/model: MLP', () => {
  it('backward matches finite differences for parameters and inputs', () => {
    const rng = createRng(21);
    const widths = [4, 3];
    const n = 5;
    const d = 2;
    const count = mlpParamCount(d, widths);
    const params = Float64Array.from({ length: count }, () => 0.7 * rng.normal());
    const x = Float64Array.from({ length: n * d }, () => rng.normal());
    const g = Float64Array.from({ length: n * 3 }, () => rng.normal());
    const loss = (all: Float64Array): number => {
      const cache = mlpForward(all, 0, d, widths, all.subarray(count), n);
      const out = cache.activations[1];
      let s = 0;
      for (let i = 0; i < out.length; i++) s += g[i] * out[i];
      return s;
    };
    const packed = Float64Array.from([...params, ...x]);
    const cache = mlpForward(params, 0, d, widths, x, n);
    const gradParams = new Float64Array(count);
    const gradInput = new Float64Array(n * d);
    mlpBackward(params, 0, d, widths, cache, Float64Array.from(g), gradParams, gradInput);
    const fd = finiteDifferenceGradient(loss, packed, 1e-6);
    assert.ok(maxRelativeError([...gradParams, ...gradInput], fd) < 1e-7);
  });
});

describe('engine/model: posterior', () => {
  for (const mean of MEANS) {
    for (const kernel of KERNELS) {
      for (const kernelOnFeatures of [false, true]) {
        const spec: ModelSpec = { dim: 3, mean, kernel, kernelOnFeatures, mlp: [4] };
        it(`predictWithGradient agrees with predict and finite differences (${mean}, ${kernel}${kernelOnFeatures ? ', features' : ''})`, () => {
          const rng = createRng(300 + MEANS.indexOf(mean) * 7 + KERNELS.indexOf(kernel) * 2 + (kernelOnFeatures ? 1 : 0));
          const theta = initialParams(spec, rng);
          const layout = paramLayout(spec);
          theta[layout.noiseVariance] = -3;
          if (layout.constant >= 0) theta[layout.constant] = 0.4;
          const x = { n: 8, d: 3, data: Float64Array.from({ length: 24 }, () => rng.next()) };
          const y = Float64Array.from({ length: 8 }, () => rng.normal());
          const posterior = condition(spec, theta, x, y);
          const query = Float64Array.from({ length: 3 }, () => rng.next());
          for (const options of [{}, { includeNoise: true, varianceScale: 1.5 }]) {
            const single = posterior.predictWithGradient(query, options);
            const batch = posterior.predict({ n: 1, d: 3, data: query }, options);
            assertClose(single.mean, batch.mean[0], { rel: 1e-12, abs: 1e-14 });
            assertClose(single.variance, batch.variance[0], { rel: 1e-10, abs: 1e-14 });
            const fdMean = finiteDifferenceGradient((q) => posterior.predict({ n: 1, d: 3, data: q }, options).mean[0], query, 1e-6);
            const fdVar = finiteDifferenceGradient((q) => posterior.predict({ n: 1, d: 3, data: q }, options).variance[0], query, 1e-6);
            assert.ok(maxRelativeError(single.meanGradient, fdMean, 1e-3) < 1e-5, `mean gradient ${single.meanGradient} vs ${fdMean}`);
            assert.ok(maxRelativeError(single.varianceGradient, fdVar, 1e-3) < 1e-5, `variance gradient ${single.varianceGradient} vs ${fdVar}`);
          }
        });
      }
    }
  }

  describe('categorical inputs seen one-hot (spec.categories)', () => {
    // Inputs: a float, a 3-choice categorical (slices [0, ⅓), [⅓, ⅔), [⅔, 1]) and a 2-choice one (left as it is).
    const spec: ModelSpec = { dim: 3, mean: 'constant', kernel: 'matern52', kernelOnFeatures: false, mlp: [], categories: [0, 3, 2] };
    const at = (u: number, c: number, b: number) => Float64Array.from([u, c, b]);

    it('gives the 3-choice input one lengthscale per choice, and rejects a malformed list', () => {
      assert.equal(paramLayout(spec).kernelDim, 1 + 3 + 1);
      assert.equal(paramLayout({ ...spec, categories: [0, 2, 2] }).kernelDim, 3);
      assert.throws(() => paramLayout({ ...spec, categories: [0, 3] }), /2 entries for 3 inputs/);
      assert.throws(() => paramLayout({ ...spec, categories: [0, -1, 2] }), /whole numbers/);
    });

    it('every two choices are equally far apart (any order of the list), and within a choice the coordinate does not matter', () => {
      const theta = paramsFromValues(spec, { constant: 0, lengthscale: 0.4, signalVariance: 1, noiseVariance: 1e-6 });
      const k = (a: Float64Array, b: Float64Array) => priorCovariance(spec, theta, { n: 2, d: 3, data: Float64Array.from([...a, ...b]) })[1]!;
      const first = k(at(0.3, 1 / 6, 0.25), at(0.3, 0.5, 0.25));
      assertClose(k(at(0.3, 1 / 6, 0.25), at(0.3, 5 / 6, 0.25)), first, { rel: 1e-12 });
      assertClose(k(at(0.3, 0.5, 0.25), at(0.3, 5 / 6, 0.25)), first, { rel: 1e-12 });
      // Two choices are as far apart as the two choices of a 2-choice input (0.5 in the unit cube).
      assertClose(k(at(0.3, 0.5, 0.25), at(0.3, 0.5, 0.75)), first, { rel: 1e-12 });
      assertClose(k(at(0.3, 0.4, 0.25), at(0.3, 0.6, 0.25)), 1, { rel: 1e-6 });
      // Without categories the ordinal coordinate puts the middle choice nearer to both others.
      const ordinal: ModelSpec = { ...spec, categories: undefined };
      const thetaOrdinal = paramsFromValues(ordinal, { constant: 0, lengthscale: 0.4, signalVariance: 1, noiseVariance: 1e-6 });
      const kOrdinal = (a: Float64Array, b: Float64Array) => priorCovariance(ordinal, thetaOrdinal, { n: 2, d: 3, data: Float64Array.from([...a, ...b]) })[1]!;
      assert.ok(kOrdinal(at(0.3, 1 / 6, 0.25), at(0.3, 0.5, 0.25)) > kOrdinal(at(0.3, 1 / 6, 0.25), at(0.3, 5 / 6, 0.25)) + 0.1);
    });

    it('predictWithGradient agrees with predict and finite differences in the numeric inputs; 0 along the categorical one', () => {
      const rng = createRng(77);
      const layout = paramLayout(spec);
      const theta = paramsFromValues(spec, {
        constant: 0.2,
        lengthscale: Array.from({ length: layout.kernelDim }, () => 0.3 + rng.next()),
        signalVariance: 1.3,
        noiseVariance: 0.01,
      });
      const x = { n: 9, d: 3, data: Float64Array.from({ length: 27 }, () => rng.next()) };
      const y = Float64Array.from({ length: 9 }, () => rng.normal());
      const posterior = condition(spec, theta, x, y);
      const query = at(0.37, 0.52, 0.2);
      const single = posterior.predictWithGradient(query, { includeNoise: true });
      const batch = posterior.predict({ n: 1, d: 3, data: query }, { includeNoise: true });
      assertClose(single.mean, batch.mean[0]!, { rel: 1e-12 });
      assertClose(single.variance, batch.variance[0]!, { rel: 1e-10 });
      const fdMean = finiteDifferenceGradient((q) => posterior.predict({ n: 1, d: 3, data: q }).mean[0]!, query, 1e-6);
      const fdVar = finiteDifferenceGradient((q) => posterior.predict({ n: 1, d: 3, data: q }, { includeNoise: true }).variance[0]!, query, 1e-6);
      assert.ok(maxRelativeError(single.meanGradient, fdMean, 1e-3) < 1e-5, `${single.meanGradient} vs ${fdMean}`);
      assert.ok(maxRelativeError(single.varianceGradient, fdVar, 1e-3) < 1e-5, `${single.varianceGradient} vs ${fdVar}`);
      assert.equal(single.meanGradient[1], 0);
      assert.notEqual(single.meanGradient[0], 0);
    });
  });

  it("an estimated level is universal kriging: GLS offset in the mean, its uncertainty in the variance", () => {
    const spec: ModelSpec = { dim: 2, mean: 'linear-mlp', kernel: 'matern52', kernelOnFeatures: true, mlp: [4] };
    const rng = createRng(41);
    const theta = initialParams(spec, rng);
    theta[paramLayout(spec).noiseVariance] = -2;
    const x = { n: 6, d: 2, data: Float64Array.from({ length: 12 }, () => rng.next()) };
    const y = Float64Array.from({ length: 6 }, () => 3 + rng.normal());
    const q = { n: 4, d: 2, data: Float64Array.from([0.1, 0.9, 0.5, 0.5, 3, -2, x.data[0]!, x.data[1]!]) };
    // Closed form with explicit matrices: Σ = K + σ²I, b = 1ᵀΣ⁻¹r / 1ᵀΣ⁻¹1, μ = m* + b + k*ᵀΣ⁻¹(r − b1),
    // var = k** − k*ᵀΣ⁻¹k* + (1 − k*ᵀΣ⁻¹1)² / 1ᵀΣ⁻¹1.
    const both = { n: 10, d: 2, data: Float64Array.from([...x.data, ...q.data]) };
    const full = priorCovariance(spec, theta, both);
    const sigma = new Matrix(6, 6);
    const kq = new Matrix(4, 6);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) sigma.set(i, j, full[i * 10 + j]! + (i === j ? describeParams(spec, theta).noiseVariance + 1e-6 : 0));
    for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) kq.set(i, j, full[(6 + i) * 10 + j]!);
    const inv = inverse(sigma);
    const m = priorMean(spec, theta, x);
    const r = Matrix.columnVector(Array.from(y, (v, i) => v - m[i]!));
    const ones = Matrix.columnVector(new Array(6).fill(1));
    const u = inv.mmul(ones);
    const precision = ones.transpose().mmul(u).get(0, 0);
    const b = u.transpose().mmul(r).get(0, 0) / precision;
    const alpha = inv.mmul(Matrix.sub(r, Matrix.mul(ones, b)));
    const mq = priorMean(spec, theta, q);
    const expectedMean = Array.from({ length: 4 }, (_, i) => mq[i]! + b + kq.getRowVector(i).mmul(alpha).get(0, 0));
    const expectedVariance = Array.from({ length: 4 }, (_, i) => {
      const k = kq.getRowVector(i);
      const explained = k.mmul(inv).mmul(k.transpose()).get(0, 0);
      const ku = k.mmul(u).get(0, 0);
      return full[(6 + i) * 10 + 6 + i]! - explained + ((1 - ku) * (1 - ku)) / precision;
    });
    const estimated = condition(spec, theta, x, y, { level: 'estimated' });
    const p = estimated.predict(q);
    assertAllClose(p.mean, expectedMean, { rel: 1e-8, abs: 1e-10 });
    assertAllClose(p.variance, expectedVariance, { rel: 1e-7, abs: 1e-10 });
    // Far from the data (a kernel on the inputs) the fixed level reverts to the learnt mean; the estimated one keeps
    // the task's offset, with its variance on top of the prior's.
    const plain: ModelSpec = { dim: 2, mean: 'linear', kernel: 'matern52', kernelOnFeatures: false, mlp: [] };
    const plainTheta = initialParams(plain, rng);
    const far = { n: 1, d: 2, data: Float64Array.from([400, -400]) };
    const farMean = priorMean(plain, plainTheta, far)[0]!;
    assertClose(condition(plain, plainTheta, x, y).predict(far).mean[0]!, farMean, { rel: 1e-9, abs: 1e-9 });
    const away = condition(plain, plainTheta, x, y, { level: 'estimated' });
    assert.ok(Math.abs(away.predict(far).mean[0]! - farMean - 3) < 1.5, 'the offset is near the data\'s +3');
    assert.ok(away.predict(far).variance[0]! > describeParams(plain, plainTheta).signalVariance);
    // Extending the factor keeps the level: one more observation equals conditioning on all seven.
    const x7 = Float64Array.from([0.3, 0.7]);
    const grown = estimated.withObservation(x7, 2.5).predict(q);
    const fresh = condition(spec, theta, { n: 7, d: 2, data: Float64Array.from([...x.data, ...x7]) }, Float64Array.from([...y, 2.5]), { level: 'estimated' }).predict(q);
    assertAllClose(grown.mean, fresh.mean, { rel: 1e-9, abs: 1e-12 });
    assertAllClose(grown.variance, fresh.variance, { rel: 1e-8, abs: 1e-12 });
    // predictWithGradient: the same values, and its gradients match finite differences.
    const point = Float64Array.from([0.35, 0.6]);
    for (const options of [{}, { includeNoise: true, varianceScale: 1.5 }]) {
      const single = estimated.predictWithGradient(point, options);
      const batch = estimated.predict({ n: 1, d: 2, data: point }, options);
      assertClose(single.mean, batch.mean[0]!, { rel: 1e-12, abs: 1e-14 });
      assertClose(single.variance, batch.variance[0]!, { rel: 1e-10, abs: 1e-14 });
      const fdMean = finiteDifferenceGradient((z) => estimated.predict({ n: 1, d: 2, data: z }, options).mean[0]!, point, 1e-6);
      const fdVar = finiteDifferenceGradient((z) => estimated.predict({ n: 1, d: 2, data: z }, options).variance[0]!, point, 1e-6);
      assert.ok(maxRelativeError(single.meanGradient, fdMean, 1e-3) < 1e-5, `mean gradient ${single.meanGradient} vs ${fdMean}`);
      assert.ok(maxRelativeError(single.varianceGradient, fdVar, 1e-3) < 1e-5, `variance gradient ${single.varianceGradient} vs ${fdVar}`);
    }
    assert.throws(() => condition(spec, theta, x, y, { level: 'free' as 'fixed' }), /Unknown level "free"/);
  });

  it('with no observations returns the prior', () => {
    const spec: ModelSpec = { dim: 2, mean: 'linear', kernel: 'matern52', kernelOnFeatures: false, mlp: [] };
    const theta = initialParams(spec, createRng(2));
    const posterior = condition(spec, theta, { n: 0, d: 2, data: new Float64Array(0) }, new Float64Array(0));
    const q = { n: 3, d: 2, data: Float64Array.from([0, 0, 0.5, 0.2, 1, 1]) };
    const prediction = posterior.predict(q);
    assertAllClose(prediction.mean, priorMean(spec, theta, q), { rel: 1e-14 });
    const values = describeParams(spec, theta);
    assertAllClose(prediction.variance, [values.signalVariance, values.signalVariance, values.signalVariance], { rel: 1e-14 });
    assertAllClose(posterior.predict(q, { includeNoise: true }).variance, new Array(3).fill(values.signalVariance + values.noiseVariance), { rel: 1e-14 });
    assert.equal(posterior.negLogLikelihood, 0);
    const g = posterior.predictWithGradient(Float64Array.from([0.5, 0.2]));
    assertAllClose(g.meanGradient, values.linearWeights!, { rel: 1e-14 });
  });

  it('predicts thousands of points in chunks consistently and quickly', () => {
    const spec: ModelSpec = { dim: 4, mean: 'constant', kernel: 'matern52', kernelOnFeatures: false, mlp: [] };
    const rng = createRng(17);
    const theta = initialParams(spec, rng);
    const x = { n: 200, d: 4, data: Float64Array.from({ length: 800 }, () => rng.next()) };
    const y = Float64Array.from({ length: 200 }, () => rng.normal());
    const posterior = condition(spec, theta, x, y);
    const m = 2000;
    const q = { n: m, d: 4, data: Float64Array.from({ length: m * 4 }, () => rng.next()) };
    const start = performance.now();
    const prediction = posterior.predict(q);
    const elapsed = performance.now() - start;
    assert.ok(elapsed < 2000, `predict took ${elapsed} ms`);
    for (const i of [0, 255, 256, 1999]) {
      const single = posterior.predictWithGradient(q.data.subarray(i * 4, i * 4 + 4));
      assertClose(prediction.mean[i], single.mean, { rel: 1e-12, abs: 1e-14 });
      assertClose(prediction.variance[i], single.variance, { rel: 1e-9, abs: 1e-14 });
    }
    assert.ok(prediction.variance.every((v) => v >= 0));
  });

  it('rejects bad observations and queries with clear messages', () => {
    const spec: ModelSpec = { dim: 2, mean: 'constant', kernel: 'se', kernelOnFeatures: false, mlp: [] };
    const theta = initialParams(spec, createRng(3));
    const x = { n: 2, d: 2, data: Float64Array.from([0, 0, 1, 1]) };
    const expectError = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (e: unknown) => e instanceof EngineError && pattern.test(e.message), `expected EngineError matching ${pattern}`);
    expectError(() => condition(spec, theta, x, Float64Array.from([1, NaN])), /observed value 1 is NaN/);
    expectError(() => condition(spec, theta, x, Float64Array.from([1])), /2 points but 1 observed/);
    expectError(() => condition(spec, theta, { n: 2, d: 3, data: new Float64Array(6) }, Float64Array.from([1, 2])), /3 input dimensions but the model expects 2/);
    expectError(() => condition(spec, theta, { n: 2, d: 2, data: Float64Array.from([0, NaN, 1, 1]) }, Float64Array.from([1, 2])), /non-finite coordinate/);
    expectError(() => condition(spec, theta, { n: 3, d: 2, data: new Float64Array(4) }, Float64Array.from([1, 2, 3])), /coordinates/);
    expectError(() => condition(spec, new Float64Array(3), x, Float64Array.from([1, 2])), /parameter vector/);
    const nanTheta = Float64Array.from(theta);
    nanTheta[0] = NaN;
    expectError(() => condition(spec, nanTheta, x, Float64Array.from([1, 2])), /non-finite/);
    const posterior = condition(spec, theta, x, Float64Array.from([1, 2]));
    expectError(() => posterior.predict({ n: 1, d: 3, data: new Float64Array(3) }), /dimension/);
    expectError(() => posterior.predictWithGradient(Float64Array.from([0.5, Infinity])), /non-finite/);
  });

  it('conditions on duplicated points without NaN', () => {
    const spec: ModelSpec = { dim: 1, mean: 'zero', kernel: 'matern32', kernelOnFeatures: false, mlp: [] };
    const theta = paramsFromValues(spec, { lengthscale: 0.5, signalVariance: 1, noiseVariance: 1e-9 });
    const x = { n: 3, d: 1, data: Float64Array.from([0.3, 0.3, 0.3]) };
    const posterior = condition(spec, theta, x, Float64Array.from([1, 1.2, 0.8]));
    const prediction = posterior.predict({ n: 2, d: 1, data: Float64Array.from([0.3, 0.9]) });
    assert.ok(prediction.mean.every(Number.isFinite) && prediction.variance.every((v) => Number.isFinite(v) && v >= 0));
    assertClose(prediction.mean[0], 1, { rel: 1e-3 });
  });

  it('samples from the prior with the right mean and covariance', () => {
    const spec: ModelSpec = { dim: 1, mean: 'constant', kernel: 'se', kernelOnFeatures: false, mlp: [] };
    const theta = paramsFromValues(spec, { constant: 2, lengthscale: 0.3, signalVariance: 1.5, noiseVariance: 0.1 });
    const x = { n: 3, d: 1, data: Float64Array.from([0, 0.2, 0.9]) };
    const m = 20000;
    const samples = samplePrior(spec, theta, x, m, createRng(99));
    const cov = priorCovariance(spec, theta, x, { includeNoise: true });
    for (let i = 0; i < 3; i++) {
      let mu = 0;
      for (let j = 0; j < m; j++) mu += samples[i * m + j] / m;
      assertClose(mu, 2, { abs: 0.05 }, `mean ${i}`);
      for (let k = 0; k <= i; k++) {
        let c = 0;
        for (let j = 0; j < m; j++) c += (samples[i * m + j] - 2) * (samples[k * m + j] - 2) / m;
        assertClose(c, cov[i * 3 + k], { abs: 0.06 }, `cov ${i},${k}`);
      }
    }
  });
});
