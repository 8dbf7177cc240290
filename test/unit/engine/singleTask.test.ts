import { strict as assert } from 'node:assert';
import { condition, describeParams } from '../../../src/engine/model';
import { createRng } from '../../../src/engine/rng';
import { fitSingleTask } from '../../../src/engine/singleTask';
import { sampleFunctions, uniformPoints, type TrueGp } from './gpSamples';

const gp: TrueGp = { kernel: 'matern52', lengthscales: [0.3], signal: 1, noise: 1e-3, constant: 0 };

describe('engine/singleTask', () => {
  it('fits a GP draw: sensible lengthscale, interpolates the data, predicts held-out points', () => {
    const rng = createRng(1);
    const x = uniformPoints(40, 1, rng);
    const { f, y } = sampleFunctions(gp, x, 40, 1, rng);
    const train = { n: 25, d: 1, data: x.subarray(0, 25) };
    const fit = fitSingleTask(train, y.subarray(0, 25), { seed: 1 });
    const p = describeParams(fit.spec, fit.theta);
    assert.ok(p.lengthscale[0]! > 0.12 && p.lengthscale[0]! < 0.8, `ℓ=${p.lengthscale[0]}`);
    const post = condition(fit.spec, fit.theta, train, y.subarray(0, 25));
    const held = post.predict({ n: 15, d: 1, data: x.subarray(25) });
    let se = 0;
    let within = 0;
    for (let i = 0; i < 15; i++) {
      const err = held.mean[i]! - f[25 + i]!;
      se += err * err;
      if (Math.abs(err) < 3 * Math.sqrt(held.variance[i]!) + 0.05) within++;
    }
    assert.ok(Math.sqrt(se / 15) < 0.25, `rmse ${Math.sqrt(se / 15)}`);
    assert.ok(within >= 13, `only ${within}/15 within 3σ`);
  });

  it('is equivariant to shifting and scaling y', () => {
    const rng = createRng(2);
    const x = uniformPoints(12, 2, rng);
    const y = Float64Array.from({ length: 12 }, (_, i) => Math.sin(5 * x[2 * i]!) + x[2 * i + 1]!);
    const a = describeParams({ dim: 2, mean: 'constant', kernel: 'matern52', kernelOnFeatures: false, mlp: [] }, fitSingleTask({ n: 12, d: 2, data: x }, y, { seed: 3 }).theta);
    const b = describeParams(
      { dim: 2, mean: 'constant', kernel: 'matern52', kernelOnFeatures: false, mlp: [] },
      fitSingleTask({ n: 12, d: 2, data: x }, y.map((v) => 1000 + 250 * v), { seed: 3 }).theta,
    );
    a.lengthscale.forEach((l, j) => assert.ok(Math.abs(b.lengthscale[j]! - l) < 1e-6 * Math.max(1, l), `${b.lengthscale[j]} vs ${l}`));
    assert.ok(Math.abs(b.signalVariance / (250 * 250) - a.signalVariance) < 1e-6 * a.signalVariance + 1e-9);
    assert.ok(Math.abs(b.constant! - (1000 + 250 * a.constant!)) < 1e-4);
  });

  it('is deterministic per seed and falls back to the prior with < 2 points', () => {
    const rng = createRng(4);
    const x = uniformPoints(8, 3, rng);
    const y = Float64Array.from({ length: 8 }, () => rng.normal());
    const f1 = fitSingleTask({ n: 8, d: 3, data: x }, y, { seed: 5 });
    const f2 = fitSingleTask({ n: 8, d: 3, data: x }, y, { seed: 5 });
    assert.deepEqual(Array.from(f1.theta), Array.from(f2.theta));
    const none = fitSingleTask({ n: 0, d: 3, data: new Float64Array(0) }, new Float64Array(0));
    assert.ok(Number.isNaN(none.loss) && none.theta.every(Number.isFinite));
    const one = fitSingleTask({ n: 1, d: 3, data: x.subarray(0, 3) }, y.subarray(0, 1));
    assert.ok(Math.abs(describeParams(one.spec, one.theta).constant! - y[0]!) < 1e-12);
    assert.throws(() => fitSingleTask({ n: 2, d: 3, data: x.subarray(0, 6) }, new Float64Array([1, Number.NaN])), /finite/);
  });
});
