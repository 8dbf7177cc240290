import { strict as assert } from 'node:assert';
import {
  applyOutput,
  defaultOutputSpec,
  fitOutputTransform,
  invertOutput,
  invertPrediction,
  isInfeasible,
  normalQuantile,
  referenceNormalization,
  summarizeOutputRule,
  transformTaskValues,
  unwarpValue,
  type OutputSpec,
} from '../../../src/engine/warp';
import { prepareTrainingData } from '../../../src/engine/pretrain';

describe('engine/warp', () => {
  it('uses the paper rule for PD1 error rates: y = −log(err + 1e−10), no normalisation', () => {
    const spec = defaultOutputSpec([0.1, 0.5], 'minimize', { pd1: true });
    assert.deepEqual(spec, { goal: 'minimize', warp: 'log', normalization: 'none', tails: 'auto' });
    const t = fitOutputTransform([0.1, 0.5], spec);
    assert.ok(Math.abs(applyOutput(t, 0.1) - -Math.log(0.1 + 1e-10)) < 1e-15);
    assert.ok(applyOutput(t, 0.05) > applyOutput(t, 0.1), 'lower error → larger y');
  });

  it('defaults: positive values → log + standardise, else standardise', () => {
    assert.deepEqual(defaultOutputSpec([1, 2, 3], 'maximize'), { goal: 'maximize', warp: 'log', normalization: 'standardize', tails: 'auto' });
    assert.deepEqual(defaultOutputSpec([-1, 2], 'minimize'), { goal: 'minimize', warp: 'none', normalization: 'standardize', tails: 'auto' });
  });

  it('inverts into the warp\'s domain: a prediction beyond every result is never a negative loss or an accuracy above 1', () => {
    const loss = fitOutputTransform([0, 0.1, 0.3], { goal: 'minimize', warp: 'log', normalization: 'none', floor: 1e-12 });
    // y = −log(v + 1e−10): y = 25 would be v = e^−25 − 1e−10 ≈ −8.6e−11.
    assert.equal(invertOutput(loss, 25), 0);
    const p = invertPrediction(loss, 24, 2);
    assert.ok(p.low === 0 && p.value >= 0 && p.high > 0, JSON.stringify(p));
    assert.equal(unwarpValue(30, 'maximize', 'log'), Math.exp(30) - 1e-10, 'above the domain\'s bound it is the plain inverse');
    const accuracy = fitOutputTransform([0.5, 0.9, 1], { goal: 'maximize', warp: 'log1m', normalization: 'none' });
    assert.equal(invertOutput(accuracy, 20), 1, 'e^−20 < 1e−6: the raw inverse is 1.0000009');
    assert.equal(invertOutput(accuracy, applyOutput(accuracy, 1)), 1);
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

  it('copula normalisation: normal scores of mid-ranks, ties shared, interpolated between values and invertible', () => {
    const spec: OutputSpec = { goal: 'minimize', warp: 'none', normalization: 'copula', tails: 'auto' };
    // Minimised: y ranks −v. Values 4 > 2 = 2 > 1 → ranks 1, 2.5, 2.5, 4 of n = 4.
    const t = fitOutputTransform([2, 4, 1, 2], spec);
    assert.ok(Math.abs(applyOutput(t, 4) - normalQuantile(0.5 / 4)) < 1e-15);
    assert.equal(applyOutput(t, 2), normalQuantile(2 / 4));
    assert.equal(applyOutput(t, 2), 0);
    assert.ok(Math.abs(applyOutput(t, 1) - normalQuantile(3.5 / 4)) < 1e-15);
    // Halfway between two values is halfway between their scores; beyond them the line goes on.
    assert.ok(Math.abs(applyOutput(t, 1.5) - normalQuantile(3.5 / 4) / 2) < 1e-15);
    assert.ok(applyOutput(t, 0.5) > applyOutput(t, 1));
    for (const v of [4, 3, 2, 1.5, 1, 0.5, 7]) assert.ok(Math.abs(invertOutput(t, applyOutput(t, v)) - v) < 1e-12, `${v}`);
    // One value scores 0; a constant task too; NaN stays infeasible.
    assert.equal(applyOutput(fitOutputTransform([3], spec), 3), 0);
    assert.equal(applyOutput(fitOutputTransform([5, 5, 5], spec), 5), 0);
    assert.ok(isInfeasible(t, Number.NaN));
    // The scale of the values does not matter: a task 1e6 times larger scores the same.
    const big = fitOutputTransform([2e6, 4e6, 1e6, 2e6], spec);
    assert.equal(applyOutput(big, 4e6), applyOutput(t, 4));
    // A diverged loss is infeasible before the copula sees it, so it takes no rank from the others.
    const withDiverged = transformTaskValues([...Array.from({ length: 30 }, (_, i) => 0.5 + i / 100), 1e300], { ...spec, warp: 'log' });
    assert.equal(withDiverged.droppedInfeasible, 1);
    assert.ok(Math.abs(Math.max(...withDiverged.y) - normalQuantile(29.5 / 30)) < 1e-12);
  });

  it('copula with fewer than two distinct values: the reference gives the units, one value still scores 0', () => {
    const reference = { center: -2, scale: 0.5 };
    const spec: OutputSpec = { goal: 'minimize', warp: 'none', normalization: 'copula', tails: 'auto', reference };
    // No result yet: the training tasks' typical centre and scale, as the robust rule would use.
    const none = fitOutputTransform([], spec);
    assert.equal(applyOutput(none, 2), 0);
    assert.equal(invertOutput(none, 1), 1.5);
    // One result (or a constant task): it scores 0, and one model unit is the reference's scale in metric units.
    const one = fitOutputTransform([3], spec);
    assert.equal(applyOutput(one, 3), 0);
    assert.equal(applyOutput(one, 2), 2);
    assert.equal(invertOutput(one, -1), 3.5);
    const p = invertPrediction(one, 0, 1);
    assert.deepEqual([p.value, p.low, p.high], [3, 2.5, 3.5]);
    const constant = fitOutputTransform([3, 3, 3], spec);
    assert.equal(applyOutput(constant, 3), 0);
    assert.ok(applyOutput(constant, 2) > 0 && invertOutput(constant, applyOutput(constant, 2.5)) === 2.5);
    // From two distinct values on, ranks alone: the reference no longer matters.
    const two = fitOutputTransform([1, 3], spec);
    const free = fitOutputTransform([1, 3], { ...spec, reference: { center: 40, scale: 9 } });
    for (const v of [0, 1, 2, 3, 5]) assert.equal(applyOutput(two, v), applyOutput(free, v));
    // The centre and scale a copula transform records are robust ones, so training tasks give a usable reference.
    const tasks = [[1, 2, 3, 4, 5], [10, 20, 30, 40, 50]].map((v) => fitOutputTransform(v, { ...spec, reference: undefined }));
    const ref = referenceNormalization(tasks)!;
    assert.ok(ref.scale > 1 && ref.center < -3, JSON.stringify(ref));
  });

  it('summarises what the rule did to a task: infeasible values (1e300, NaN left out, outside the warp) and the half-rank warp', () => {
    const spec: OutputSpec = { goal: 'minimize', warp: 'log', normalization: 'standardize', tails: 'auto' };
    const losses = Array.from({ length: 20 }, (_, i) => 0.1 + i / 100);
    assert.deepEqual(summarizeOutputRule([...losses, 1e300, Number.NaN], spec), {
      goal: 'minimize', warp: 'log', tails: 'auto', normalization: 'standardize', values: 21, infeasible: 1, halfRank: false,
    });
    // 'half-rank' warps the worse half whatever its shape; a negative loss cannot take the log.
    const warped = summarizeOutputRule([...losses, -1], { ...spec, tails: 'half-rank' });
    assert.equal(warped.halfRank, true);
    assert.equal(warped.infeasible, 1);
    assert.deepEqual(summarizeOutputRule(losses, { ...spec, tails: 'none' }), { ...summarizeOutputRule(losses, spec), tails: 'none' });
    assert.equal(summarizeOutputRule([], spec).values, 0);
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

  describe('robust tails (infeasible values, half-rank)', () => {
    const maxNone = (tails: OutputSpec['tails']): OutputSpec => ({ goal: 'maximize', warp: 'none', normalization: 'none', tails });
    const lossLog: OutputSpec = { goal: 'minimize', warp: 'log', normalization: 'standardize', tails: 'auto' };

    it('normalQuantile: known values and symmetry', () => {
      assert.equal(normalQuantile(0.5), 0);
      assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-8);
      assert.ok(Math.abs(normalQuantile(0.001) - -3.090232306167813) < 1e-8);
      assert.ok(Math.abs(normalQuantile(0.2) + normalQuantile(0.8)) < 1e-8);
      assert.equal(normalQuantile(0), Number.NEGATIVE_INFINITY);
      assert.ok(Number.isNaN(normalQuantile(1.5)));
    });

    it('half-rank: known answer (Google Vizier output_warpers_test, HalfRankComponent case 1)', () => {
      // Median 4 (a value, so d = 3 + ½); good-half rms s = √21; 1, 2, 3 → 4 + s·Φ⁻¹(½(j − ½)/3.5).
      const values = [1, 4, 2, 10, 12, 2, 3, 5, 6];
      const expected = [-2.7145447657886415, 4, 0.3722561569665319, 10, 12, 0.3722561569665319, 2.322289907556879, 5, 6];
      const t = fitOutputTransform(values, maxNone('half-rank'));
      values.forEach((v, i) => assert.ok(Math.abs(applyOutput(t, v) - expected[i]!) < 1e-6, `${v}: ${applyOutput(t, v)}`));
      // 'auto' leaves this unskewed task alone (median − min = 3 ≤ 2 × (max − median) = 16).
      const auto = fitOutputTransform(values, maxNone('auto'));
      values.forEach((v) => assert.equal(applyOutput(auto, v), v));
    });

    it('monotone, ties share a value, and inverts feasible values exactly', () => {
      const losses = [0.3, 0.31, 0.5, 0.5, 0.9, 2.4, 7, 3.3, 0.35, 0.42, 0.33, 1.1, 0.5];
      const t = fitOutputTransform(losses, { ...lossLog, tails: 'half-rank' });
      const sorted = [...losses].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) {
        const a = applyOutput(t, sorted[i - 1]!);
        const b = applyOutput(t, sorted[i]!);
        if (sorted[i] === sorted[i - 1]) assert.equal(a, b, 'ties');
        else assert.ok(a > b, `smaller loss → larger y: ${sorted[i - 1]} vs ${sorted[i]}`);
      }
      for (const v of losses) assert.ok(Math.abs(invertOutput(t, applyOutput(t, v)) - v) < 1e-9 * v, `${v}`);
      // Between and beyond the fitted values, still monotone (new values, predictions).
      const grid = [0.2, 0.32, 0.45, 0.7, 1.5, 5, 8];
      assert.ok(t.robust!.bad.length > 0 && t.robust!.infeasibleBelow < applyOutput(t, 8) * t.scale + t.center);
      for (let i = 1; i < grid.length; i++) assert.ok(applyOutput(t, grid[i - 1]!) > applyOutput(t, grid[i]!));
    });

    it('a diverged loss of 1e162 or 1e300, NaN and inf are infeasible; the rest keep their order and stay bounded', () => {
      const losses = [0.21, 0.25, 0.3, 0.33, 0.4, 0.52, 0.7, 1.3, 2.2, 1e162, 1e300, Number.NaN, Number.POSITIVE_INFINITY, 4.1];
      const r = transformTaskValues(losses, lossLog);
      assert.equal(r.droppedNonFinite, 2);
      assert.equal(r.droppedInfeasible, 2);
      assert.deepEqual(r.kept, [0, 1, 2, 3, 4, 5, 6, 7, 8, 13]);
      for (const v of [1e162, 1e300, Number.NaN]) assert.ok(isInfeasible(r.transform, v), String(v));
      assert.ok(!isInfeasible(r.transform, 4.1));
      assert.ok(Math.max(...r.y) - Math.min(...r.y) < 6, `standardised range ${Math.min(...r.y)}..${Math.max(...r.y)}`);
      // Without the rule (prior files from before it), the outlier dominates: what the rule prevents.
      const old = transformTaskValues(losses, { ...lossLog, tails: 'none' });
      assert.equal(old.droppedInfeasible, 0);
      assert.ok(Math.max(...old.y) - Math.min(...old.y) > 2.5 && old.y[0]! - old.y[8]! < 0.5, 'good values squeezed together');
    });

    it('a prediction beyond the worst result maps back one for one, not by the bad half\'s rank compression (found with hyperbo tune)', () => {
      // The main job's first seven error rates: three bad ones rank-warped into a band a tenth of their spread.
      const errors = [0.06308, 0.04267, 0.0538, 0.04082, 0.03896, 0.04082, 0.04082];
      const t = fitOutputTransform(errors, { goal: 'minimize', warp: 'log', normalization: 'none', tails: 'auto' });
      const worst = applyOutput(t, 0.06308);
      const p = invertPrediction(t, worst + 0.05, 0.226);
      assert.ok(p.high < 0.08, `the interval reaches ${p.high}`); // 0.42 by the overall slope
      // Still the exact inverse out there, and monotone.
      for (const r of [worst - 0.01, worst - 1, worst - 5]) assert.ok(Math.abs(applyOutput(t, invertOutput(t, r)) - r) < 1e-9, String(r));
      assert.ok(invertOutput(t, worst - 1) > invertOutput(t, worst - 0.5));
    });

    it('a few results: a run that learnt little is bad, not absurd, under a log warp (found with hyperbo tune)', () => {
      // Six log losses of a gradient-boosting run: four good ones from 0.139 to 0.175, an undertrained 0.79 and a
      // near-chance 2.03. Six top-half spreads are a factor of 2.9 here; only a loss 1,000 times the median's is absurd.
      const losses = [2.026, 0.7856, 0.1509, 0.1388, 0.1559, 0.1752];
      const t = fitOutputTransform(losses, lossLog);
      for (const v of losses) assert.ok(!isInfeasible(t, v), String(v));
      const ys = losses.map((v) => applyOutput(t, v));
      assert.ok(ys[0]! < ys[1]! && ys[1]! < Math.min(...ys.slice(2)), 'the bad runs keep their order below the good ones');
      assert.equal(summarizeOutputRule(losses, lossLog).infeasible, 0);
      const median = Math.sqrt(0.1559 * 0.1752); // the middle two, on the log scale
      assert.ok(isInfeasible(t, median * 1.01e3) && !isInfeasible(t, median * 0.99e3), 'the boundary is 1,000 times the median');
      // A top half of ties leaves no spread: a diverged run is still infeasible, an ordinary bad one is not.
      const tied = fitOutputTransform([0.1, 0.1, 0.1, 0.4, 1e162], lossLog);
      assert.ok(isInfeasible(tied, 1e162) && !isInfeasible(tied, 0.4));
      // Without a warp there is no unit-free scale, so the spread rule alone decides, as before.
      const raw = fitOutputTransform([-2.026, -0.7856, -0.1509, -0.1388, -0.1559, -0.1752], { goal: 'maximize', warp: 'none', normalization: 'standardize', tails: 'auto' });
      assert.ok(isInfeasible(raw, -2.026));
    });

    it('pre-training: a finite infeasible value becomes its task\'s worst feasible value (default) or is dropped; NaN is dropped', () => {
      const values = [0.2, 0.25, 0.3, 0.4, 0.5, 0.9, 1e162, Number.NaN];
      const x = { n: values.length, d: 1, data: Float64Array.from(values, (_, i) => i / values.length) };
      const y = (spec: OutputSpec) => prepareTrainingData({ tasks: [{ name: 't', x, values }] }, spec).data.tasks[0]!.y;
      const worst = y(lossLog);
      assert.equal(worst[6], Math.min(...Array.from(worst.subarray(0, 6))));
      assert.ok(Number.isNaN(worst[7]!));
      const dropped = y({ ...lossLog, infeasibleInTraining: 'drop' });
      assert.ok(Number.isNaN(dropped[6]!) && Number.isNaN(dropped[7]!));
    });

    it('exact zeros under the log warp: raised to the floor, a tie at the top, finite', () => {
      const errs = [0, 0, 0.01, 0.02, 0.05, 0.1, 0.5, 0.9];
      const t = fitOutputTransform(errs, { ...lossLog, floor: 0.01 });
      const ys = errs.map((v) => applyOutput(t, v));
      assert.ok(ys.every(Number.isFinite));
      assert.equal(ys[0], ys[1]);
      assert.equal(ys[0], ys[2], 'zero ties with the floor value');
      assert.ok(ys[2]! > ys[3]!);
    });

    it('constant task, one point and all infeasible: no division by zero, no throw', () => {
      const constant = fitOutputTransform([0.5, 0.5, 0.5], { ...lossLog, tails: 'half-rank' });
      assert.equal(applyOutput(constant, 0.5), 0);
      assert.ok(!isInfeasible(constant, 0.5));
      assert.ok(Number.isFinite(applyOutput(constant, 0.7)));
      const one = fitOutputTransform([0.4], lossLog);
      assert.equal(applyOutput(one, 0.4), 0);
      assert.ok(Math.abs(invertOutput(one, 0) - 0.4) < 1e-12);
      const none = transformTaskValues([Number.NaN, Number.NaN], lossLog);
      assert.equal(none.y.length, 0);
      assert.equal(none.droppedNonFinite, 2);
      assert.equal(none.transform.scale, 1);
    });
  });
});
