// The GP posterior, NLL and EKL against values computed independently with numpy
// (test/fixtures/engine/make_fixtures.py → gp_fixtures.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { condition, paramsFromValues, priorMean } from '../../../src/engine/model';
import { kernelMatrix } from '../../../src/engine/kernels';
import { eklValueAndGrad, fullEkl, nllValueAndGrad } from '../../../src/engine/objectives';
import { kernelParams, paramLayout } from '../../../src/engine/model';
import type { KernelKind, MeanKind, ModelSpec } from '../../../src/engine/types';
import { assertAllClose, assertClose } from '../helpers/approx';

interface FixtureCase {
  name: string;
  dim: number;
  kernel: KernelKind;
  mean: MeanKind;
  kernelOnFeatures: boolean;
  mlp: number[];
  lengthscale: number[];
  signalVariance: number;
  noiseVariance: number;
  constant?: number;
  linearWeights?: number[];
  linearBias?: number;
  mlpLayers?: { weights: number[]; biases: number[] }[];
  train: { x: number[]; y: number[] };
  query: { x: number[] };
  expected: { mean: number[]; variance: number[]; noisyVariance: number[]; nll: number; priorMean: number[]; kernelTrainQuery: number[] };
  matched: { x: number[]; m: number; y: number[]; partialEkl: number; fullEkl: number };
}

const fixtures = JSON.parse(readFileSync(join(__dirname, '../../fixtures/engine/gp_fixtures.json'), 'utf8')) as { cases: FixtureCase[] };

describe('engine/posterior vs numpy fixtures', () => {
  assert.ok(fixtures.cases.length >= 8);
  for (const c of fixtures.cases) {
    it(c.name, () => {
      const spec: ModelSpec = { dim: c.dim, mean: c.mean, kernel: c.kernel, kernelOnFeatures: c.kernelOnFeatures, mlp: c.mlp };
      const theta = paramsFromValues(spec, c);
      const points = (data: number[]) => ({ n: data.length / c.dim, d: c.dim, data: Float64Array.from(data) });
      const xt = points(c.train.x);
      const xq = points(c.query.x);
      const layout = paramLayout(spec);
      // Kernel values between query and training points (on features when the kernel uses them).
      if (!c.kernelOnFeatures) {
        assertAllClose(kernelMatrix(kernelParams(layout, theta), xq.data, xq.n, xt.data, xt.n), c.expected.kernelTrainQuery, { rel: 1e-12, abs: 1e-14 }, 'k(query, train)');
      }
      assertAllClose(priorMean(spec, theta, xq), c.expected.priorMean, { rel: 1e-12, abs: 1e-12 }, 'prior mean');
      const posterior = condition(spec, theta, xt, Float64Array.from(c.train.y));
      assert.equal(posterior.jitter, 0);
      const latent = posterior.predict(xq);
      assertAllClose(latent.mean, c.expected.mean, { rel: 1e-8, abs: 1e-9 }, 'posterior mean');
      assertAllClose(latent.variance, c.expected.variance.map((v) => Math.max(v, 0)), { rel: 1e-6, abs: 1e-9 }, 'posterior variance');
      const noisy = posterior.predict(xq, { includeNoise: true });
      assertAllClose(noisy.variance, c.expected.noisyVariance, { rel: 1e-6, abs: 1e-9 }, 'noisy posterior variance');
      assertClose(posterior.negLogLikelihood, c.expected.nll, { rel: 1e-9 }, 'negative log likelihood');
      const task = { name: c.name, x: xt, y: Float64Array.from(c.train.y) };
      assertClose(nllValueAndGrad(spec, theta, [task]).value, c.expected.nll, { rel: 1e-9 }, 'NLL objective');
      const group = { x: points(c.matched.x), m: c.matched.m, y: Float64Array.from(c.matched.y), taskNames: ['a', 'b', 'c', 'd'] };
      assertClose(eklValueAndGrad(spec, theta, [group]).value, c.matched.partialEkl, { rel: 1e-8 }, 'partial EKL');
      assertClose(fullEkl(spec, theta, group), c.matched.fullEkl, { rel: 1e-6 }, 'full EKL');
    });
  }
});
