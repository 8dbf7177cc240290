import { strict as assert } from 'node:assert';
import {
  applyOutput,
  defaultOutputSpec,
  fitOutputTransform,
  invertOutput,
  invertPrediction,
  transformTaskValues,
  type OutputSpec,
} from '../../../src/engine/warp';

describe('engine/warp', () => {
  it('uses the paper rule for PD1 error rates: y = −log(err + 1e−10), no normalisation', () => {
    const spec = defaultOutputSpec([0.1, 0.5], 'minimize', { pd1: true });
    assert.deepEqual(spec, { goal: 'minimize', warp: 'log', normalization: 'none' });
    const t = fitOutputTransform([0.1, 0.5], spec);
    assert.ok(Math.abs(applyOutput(t, 0.1) - -Math.log(0.1 + 1e-10)) < 1e-15);
    assert.ok(applyOutput(t, 0.05) > applyOutput(t, 0.1), 'lower error → larger y');
  });

  it('defaults: positive values → log + standardise, else standardise', () => {
    assert.deepEqual(defaultOutputSpec([1, 2, 3], 'maximize'), { goal: 'maximize', warp: 'log', normalization: 'standardize' });
    assert.deepEqual(defaultOutputSpec([-1, 2], 'minimize'), { goal: 'minimize', warp: 'none', normalization: 'standardize' });
  });

  it('inverts every warp/normalisation exactly', () => {
    const specs: OutputSpec[] = [
      { goal: 'minimize', warp: 'log', normalization: 'standardize' },
      { goal: 'maximize', warp: 'log', normalization: 'robust' },
      { goal: 'minimize', warp: 'none', normalization: 'none' },
      { goal: 'maximize', warp: 'none', normalization: 'standardize' },
      { goal: 'maximize', warp: 'log1m', normalization: 'robust' },
    ];
    const values = [0.03, 0.2, 0.5, 0.77, 0.9];
    for (const spec of specs) {
      const t = fitOutputTransform(values, spec);
      for (const v of values) {
        const y = applyOutput(t, v);
        assert.ok(Number.isFinite(y));
        assert.ok(Math.abs(invertOutput(t, y) - v) < 1e-12, `${spec.warp}/${spec.normalization}: ${v}`);
      }
      if (spec.normalization === 'standardize') {
        const ys = values.map((v) => applyOutput(t, v));
        assert.ok(Math.abs(ys.reduce((a, b) => a + b) / ys.length) < 1e-12);
      }
      // Larger y is better in every spec.
      const better = spec.goal === 'maximize' ? 0.9 : 0.03;
      const worse = spec.goal === 'maximize' ? 0.03 : 0.9;
      assert.ok(applyOutput(t, better) > applyOutput(t, worse));
    }
  });

  it('shows predictions in metric units with an ordered interval', () => {
    const t = fitOutputTransform([0.1, 0.2, 0.4], { goal: 'minimize', warp: 'log', normalization: 'standardize' });
    const y = applyOutput(t, 0.2);
    const p = invertPrediction(t, y, 0.3);
    assert.ok(Math.abs(p.value - 0.2) < 1e-12);
    assert.ok(p.low < 0.2 && p.high > 0.2 && p.sd > 0);
  });

  it('drops and counts non-finite and out-of-domain values', () => {
    const r = transformTaskValues([0.1, Number.NaN, -0.5, Number.POSITIVE_INFINITY, 0.3], {
      goal: 'minimize',
      warp: 'log',
      normalization: 'standardize',
    });
    assert.deepEqual(r.kept, [0, 4]);
    assert.equal(r.droppedNonFinite, 2);
    assert.equal(r.droppedOutOfDomain, 1);
    assert.ok(r.y.every(Number.isFinite));
    assert.throws(
      () => transformTaskValues([-1, -2], { goal: 'minimize', warp: 'log', normalization: 'none' }),
      /choose the warp "none"/,
    );
    assert.throws(() => fitOutputTransform([1], { goal: 'minimize', warp: 'log1m', normalization: 'none' }), /maximised/);
    // Constant or single values fall back to unit scale instead of dividing by zero.
    const single = fitOutputTransform([0.4], { goal: 'maximize', warp: 'none', normalization: 'standardize' });
    assert.equal(single.scale, 1);
    assert.equal(single.center, 0.4);
  });
});
