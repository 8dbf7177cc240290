import { strict as assert } from 'node:assert';
import { band, evaluationsToReach, medianEvaluations, medianEvaluationsSpread, percentile, regretCurve, robustScale } from '../../../src/cli/bench/stats';

describe('bench stats', () => {
  describe('regretCurve', () => {
    it('tracks the best-so-far gap to the best available value when minimising', () => {
      assert.deepEqual(regretCurve([0.5, 0.3, 0.4, 0.1, 0.2], 0.1, 'minimize').map((v) => +v.toFixed(12)), [0.4, 0.2, 0.2, 0, 0]);
    });
    it('tracks the gap from above when maximising', () => {
      assert.deepEqual(regretCurve([0.7, 0.9, 0.8, 0.95], 0.95, 'maximize').map((v) => +v.toFixed(12)), [0.25, 0.05, 0.05, 0]);
    });
    it('counts a non-finite (diverged) evaluation as no progress and is infinite until something finite is seen', () => {
      const curve = regretCurve([Number.NaN, 2, Number.POSITIVE_INFINITY, 1], 1, 'minimize');
      assert.deepEqual(curve, [Infinity, 1, 1, 0]);
    });
    it('never goes below zero when a value beats the reference', () => {
      assert.deepEqual(regretCurve([0.05], 0.1, 'minimize'), [0]);
    });
  });

  describe('percentile and band', () => {
    it('interpolates linearly between order statistics', () => {
      assert.equal(percentile([3, 1, 2, 4, 5], 50), 3);
      assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
      assert.ok(Math.abs(percentile([0, 10], 20) - 2) < 1e-12);
      assert.equal(percentile([7], 80), 7);
      assert.ok(Number.isNaN(percentile([], 50)));
    });
    it('keeps infinite values ordered without producing NaN', () => {
      assert.equal(percentile([1, Infinity, Infinity], 80), Infinity);
      assert.equal(percentile([1, 1, Infinity], 20), 1);
    });
    it('gives the per-evaluation median and 20/80 percentiles over curves', () => {
      const curves = [
        [5, 4, 3],
        [4, 2, 1],
        [3, 2, 0],
        [2, 1, 0],
        [1, 0, 0],
      ];
      const b = band(curves);
      assert.deepEqual(b.median, [3, 2, 0]);
      assert.deepEqual(b.p20.map((v) => +v.toFixed(12)), [1.8, 0.8, 0]);
      assert.deepEqual(b.p80.map((v) => +v.toFixed(12)), [4.2, 2.4, 1.4]);
    });
    it('cuts curves to the shortest length', () => {
      assert.equal(band([[1, 2, 3], [1, 2]]).median.length, 2);
    });
  });

  describe('evaluationsToReach', () => {
    it('is the first 1-based evaluation at or below the target', () => {
      assert.equal(evaluationsToReach([0.5, 0.3, 0.1, 0.1], 0.3), 2);
      assert.equal(evaluationsToReach([0.5, 0.3, 0.1], 0.5), 1);
      assert.equal(evaluationsToReach([0.5, 0.3, 0.1], 0), null);
      assert.equal(evaluationsToReach([0.5, 0, 0], 0), 2);
    });
    it('tolerates rounding noise at the target', () => {
      assert.equal(evaluationsToReach([0.1 + 0.2], 0.3), 1);
    });
  });
  describe('robustScale', () => {
    it('is |median − best| of the pool (known answers, both directions)', () => {
      assert.equal(robustScale([5, 1, 3, 2, 4], 'minimize'), 2);
      assert.equal(robustScale([0.5, 0.9, 0.7], 'maximize'), 0.9 - 0.7);
      assert.equal(robustScale([1, 2, 3, 4], 'minimize'), 1.5);
    });
    it('ignores how far the tail goes: a diverged run at 1e160, NaN or Infinity counts only as the worst rank', () => {
      assert.equal(robustScale([1, 2, 3, 4, 1e160], 'minimize'), 2);
      assert.equal(robustScale([1, 2, 3, 4, NaN], 'minimize'), 2);
      assert.equal(robustScale([1, 2, 3, 4, Infinity], 'minimize'), 2);
      assert.equal(robustScale([0.9, 0.8, 0.7, 0.6, NaN], 'maximize'), 0.9 - 0.7);
    });
    it('handles exact zeros, ties at the best, mostly diverged pools and constant pools', () => {
      assert.equal(robustScale([0, 0, 0, 0.5, 2], 'minimize'), 1.25); // median is the best: median of positive gaps
      assert.equal(robustScale([1, 3, NaN, NaN, NaN], 'minimize'), 2); // median diverged: median of the finite gaps
      assert.equal(robustScale([2, 2, 2], 'minimize'), 1);
      assert.equal(robustScale([NaN, NaN], 'minimize'), 1);
    });
  });

  describe('medianEvaluations', () => {
    it('ranks "not reached" after every number', () => {
      assert.equal(medianEvaluations([1, 4, null]), 4);
      assert.equal(medianEvaluations([2, null, null]), null);
      assert.equal(medianEvaluations([2, 4, 6, null]), 5);
      assert.equal(medianEvaluations([2, 4, null, null]), null);
      assert.equal(medianEvaluations([]), null);
    });
  });

  describe('medianEvaluationsSpread', () => {
    it('matches the exact bootstrap distribution of two tasks', () => {
      // Two draws from {1, 3}: their median is 1, 2 or 3 with probabilities 1/4, 1/2, 1/4.
      const at1 = medianEvaluationsSpread([1, 3], 1)!;
      const at2 = medianEvaluationsSpread([1, 3], 2)!;
      assert.ok(Math.abs(at1.shareWithin - 0.25) < 0.04, `share ≤ 1: ${at1.shareWithin}`);
      assert.ok(Math.abs(at2.shareWithin - 0.75) < 0.04, `share ≤ 2: ${at2.shareWithin}`);
      assert.equal(at1.low, 1);
      assert.equal(at1.high, 3);
    });

    it('is a point when every task agrees, and beyond the budget when none is reached', () => {
      assert.deepEqual(medianEvaluationsSpread([5, 5, 5, 5], 6), { low: 5, high: 5, level: 0.9, shareWithin: 1, limit: 6 });
      assert.deepEqual(medianEvaluationsSpread([null, null, null], 6), { low: null, high: null, level: 0.9, shareWithin: 0, limit: 6 });
      assert.equal(medianEvaluationsSpread([], 6), null);
    });

    it('brackets the median of a dozen spread-out tasks, and is the same for the same seed', () => {
      const counts = [2, 3, 4, 5, 5, 7, 7, 7, 9, 16, 23, null];
      const spread = medianEvaluationsSpread(counts, 6)!;
      assert.deepEqual(medianEvaluationsSpread(counts, 6), spread);
      assert.ok(spread.low! < 7 && spread.high! > 7, `${spread.low}–${spread.high}`);
      assert.ok(spread.shareWithin > 0.1 && spread.shareWithin < 0.6, `share ≤ 6: ${spread.shareWithin}`);
      const narrower = medianEvaluationsSpread(counts, 6, { level: 0.5 })!;
      assert.ok(narrower.low! >= spread.low! && narrower.high! <= spread.high!);
    });
  });
});
