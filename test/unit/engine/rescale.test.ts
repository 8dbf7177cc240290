import { strict as assert } from 'node:assert';
import { describeParams, paramsFromValues, samplePrior } from '../../../src/engine/model';
import { rescaleObjective, rescalePrior } from '../../../src/engine/rescale';
import { createRng } from '../../../src/engine/rng';
import type { ModelSpec, Points } from '../../../src/engine/types';

const spec: ModelSpec = { dim: 2, mean: 'linear-mlp', kernel: 'matern52', kernelOnFeatures: true, mlp: [4] };
const rng = createRng(7);
const base = Float64Array.from({ length: 2 * 4 + 4 + 4 + 1 + 4 + 2 }, () => 0.5 * rng.normal());
const theta = paramsFromValues(spec, { lengthscale: 0.1, signalVariance: 0.5, noiseVariance: 0.01, linearBias: 0.3 }, base);
const points = (n: number): Points => ({ n, d: 2, data: Float64Array.from({ length: 2 * n }, () => rng.next()) });

describe('engine/rescale (the new task’s scale, noise and level re-estimated under a frozen prior)', () => {
  it('the penalised objective’s gradient matches finite differences', () => {
    const x = points(12);
    const y = samplePrior(spec, theta, x, 1, rng, { includeNoise: true });
    const { objective, start } = rescaleObjective(spec, theta, x, y);
    for (const v of [start, Float64Array.from(start, (u) => u + 0.4)]) {
      const { grad } = objective(v);
      for (let j = 0; j < v.length; j++) {
        const h = 1e-5;
        const up = Float64Array.from(v);
        const down = Float64Array.from(v);
        up[j] = up[j]! + h;
        down[j] = down[j]! - h;
        const fd = (objective(up).value - objective(down).value) / (2 * h);
        assert.ok(Math.abs(fd - grad[j]!) < 1e-5 * Math.max(1, Math.abs(fd)), `∂/∂v${j}: ${grad[j]} vs ${fd}`);
      }
    }
  });

  it('recovers a task that varies 4× more than the prior says and sits 2 higher; leaves a task drawn from the prior about as it is', () => {
    const x = points(150);
    const scaled = paramsFromValues(spec, { signalVariance: 2, noiseVariance: 0.04, linearBias: 2.3 }, theta);
    const y = samplePrior(spec, scaled, x, 1, createRng(11), { includeNoise: true });
    const r = rescalePrior(spec, theta, x, y);
    assert.ok(r.signalFactor > 2.5 && r.signalFactor < 6.5, `signal ×${r.signalFactor}`);
    assert.ok(r.noiseFactor > 2 && r.noiseFactor < 8, `noise ×${r.noiseFactor}`);
    assert.ok(Math.abs(r.shift - 2) < 0.6, `shift ${r.shift}`);
    const v = describeParams(spec, r.theta);
    assert.ok(Math.abs(v.signalVariance - 0.5 * r.signalFactor) < 1e-9);
    // Everything else is frozen.
    assert.deepEqual(v.lengthscale, describeParams(spec, theta).lengthscale);
    assert.deepEqual(v.mlpLayers, describeParams(spec, theta).mlpLayers);

    const same = samplePrior(spec, theta, x, 1, createRng(12), { includeNoise: true });
    const s = rescalePrior(spec, theta, x, same);
    assert.ok(s.signalFactor > 0.5 && s.signalFactor < 2, `signal ×${s.signalFactor}`);
    assert.ok(Math.abs(s.shift) < 0.6, `shift ${s.shift}`);
  });

  it('with fewer than 2 points returns the prior unchanged', () => {
    const r = rescalePrior(spec, theta, points(1), Float64Array.of(3));
    assert.equal(r.theta, theta);
    assert.equal(r.signalFactor, 1);
  });
});

describe('engine/study with rescale', () => {
  it('re-estimates only the signal, noise and level of the prior, from RESCALE_MIN results on; off by default', async () => {
    const { Study } = await import('../../../src/engine/study');
    const { SearchSpace } = await import('../../../src/engine/space');
    const { RESCALE_MIN } = await import('../../../src/engine/rescale');
    const space = new SearchSpace([
      { name: 'a', type: 'float', low: 0, high: 1 },
      { name: 'b', type: 'float', low: 0, high: 1 },
    ]);
    const output = { goal: 'maximize', warp: 'none', normalization: 'none' } as const;
    const make = (rescale?: boolean) => new Study({ space, output, prior: { spec, theta }, seed: 1, ...(rescale === undefined ? {} : { rescale }) });
    const on = make(true);
    const off = make();
    const r = createRng(5);
    for (let i = 0; i < RESCALE_MIN; i++) {
      const c = { a: r.next(), b: r.next() };
      const v = 10 + 5 * Math.sin(6 * c.a) * Math.cos(5 * c.b); // far from the prior's level and scale
      if (i === RESCALE_MIN - 1) assert.deepEqual(Array.from(on.modelParameters().theta), Array.from(theta)); // not yet
      on.tell(c, v);
      off.tell(c, v);
    }
    assert.deepEqual(Array.from(off.modelParameters().theta), Array.from(theta));
    const moved = describeParams(spec, on.modelParameters().theta);
    const frozen = describeParams(spec, theta);
    assert.ok(moved.signalVariance > 2 * frozen.signalVariance, `signal ${frozen.signalVariance} → ${moved.signalVariance}`);
    assert.ok(moved.linearBias! > frozen.linearBias! + 0.3, `level ${frozen.linearBias} → ${moved.linearBias}`);
    assert.deepEqual(moved.lengthscale, frozen.lengthscale);
    assert.deepEqual(moved.linearWeights, frozen.linearWeights);
    const [s] = on.ask(1);
    assert.ok(Number.isFinite(s!.model.mean) && s!.model.sd > 0);
  });
});
