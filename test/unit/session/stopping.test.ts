import assert from 'node:assert/strict';
import { intermediateCurve, median, MedianStopping, stopReason, valueAt, type StoppingSpec } from '../../../src/session/stopping';

const curve = (...values: number[]) => values.map((value, step) => ({ step, value }));
const spec = (warmupTrials: number, minSteps = 0): StoppingSpec => ({ rule: 'median', minSteps, warmupTrials });
const minimise = { goal: 'minimize', reduce: 'min' } as const;
const maximise = { goal: 'maximize', reduce: 'max' } as const;

describe('session/stopping (the median stopping rule)', () => {
  it('intermediate values are the best so far for min/max and the latest for last, skipping non-finite points', () => {
    const raw = [
      { step: 0, value: 5 },
      { step: 1, value: NaN },
      { step: 2, value: 3 },
      { step: 3, value: 4 },
      { step: 4, value: Infinity },
      { step: 5, value: 1 },
    ];
    assert.deepEqual(intermediateCurve(raw, 'min'), [
      { step: 0, value: 5 },
      { step: 2, value: 3 },
      { step: 3, value: 3 },
      { step: 5, value: 1 },
    ]);
    assert.deepEqual(intermediateCurve(raw, 'max').map((p) => p.value), [5, 5, 5, 5]);
    assert.deepEqual(intermediateCurve(raw, 'last').map((p) => p.value), [5, 3, 4, 1]);
  });

  it('sorts by step and lets the later point of a repeated step win', () => {
    const raw = [
      { step: 10, value: 2 },
      { step: 0, value: 9 },
      { step: 10, value: 1 },
      { step: 5, value: 4 },
    ];
    assert.deepEqual(intermediateCurve(raw, 'last'), [
      { step: 0, value: 9 },
      { step: 5, value: 4 },
      { step: 10, value: 1 },
    ]);
  });

  it('valueAt takes the latest step ≤ s, nothing before the first', () => {
    const c = [
      { step: 2, value: 7 },
      { step: 4, value: 6 },
      { step: 8, value: 5 },
    ];
    assert.equal(valueAt(c, 1), undefined);
    assert.equal(valueAt(c, 2), 7);
    assert.equal(valueAt(c, 3), 7);
    assert.equal(valueAt(c, 7.5), 6);
    assert.equal(valueAt(c, 100), 5);
    assert.equal(valueAt([], 3), undefined);
  });

  it('median: middle value, mean of the middle two, NaN for none', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([NaN, 5]), 5);
    assert.ok(Number.isNaN(median([])));
  });

  it('minimising: stops a trial above the median at a step, not one equal to it (a tie is not worse)', () => {
    // Completed losses at step 2 (best so far): 3, 2, 1 → median 2.
    const rule = new MedianStopping(spec(3), minimise, [curve(5, 4, 3), curve(4, 3, 2), curve(3, 2, 1)]);
    assert.deepEqual(rule.medianAt(2), { median: 2, trials: 3 });
    assert.equal(rule.check(2, 2), undefined, 'equal to the median: keep running');
    assert.deepEqual(rule.check(2, 2.0001), { step: 2, value: 2.0001, median: 2, trials: 3 });
    assert.equal(rule.check(2, 1.5), undefined);
    // The running curve: 6, 2.5 (median at step 1 is 3: fine), 2.4 at step 2 (median 2: stop).
    assert.deepEqual(rule.firstStop(curve(3.5, 2.5, 2.4)), { step: 2, value: 2.4, median: 2, trials: 3 });
    // At step 0 the median is 4; 4.5 is worse → stopped at once.
    assert.deepEqual(rule.firstStop(curve(4.5)), { step: 0, value: 4.5, median: 4, trials: 3 });
  });

  it('maximising: stops a trial below the median; best so far means a later dip does not count', () => {
    const rule = new MedianStopping(spec(3), maximise, [curve(0.1, 0.5, 0.7), curve(0.2, 0.6, 0.8), curve(0.3, 0.7, 0.9)]);
    assert.deepEqual(rule.medianAt(1), { median: 0.6, trials: 3 });
    assert.equal(rule.check(1, 0.6), undefined);
    assert.deepEqual(rule.check(1, 0.59), { step: 1, value: 0.59, median: 0.6, trials: 3 });
    // 0.65 at step 1 (≥ 0.6), then a dip to 0.1 at step 2: its best so far is 0.65 < 0.8 → stopped at step 2 with 0.65.
    assert.deepEqual(rule.firstStop(curve(0.25, 0.65, 0.1)), { step: 2, value: 0.65, median: 0.8, trials: 3 });
    // reduce: last judges the latest value instead.
    const last = new MedianStopping(spec(3), { goal: 'maximize', reduce: 'last' }, [curve(0.1, 0.5, 0.7), curve(0.2, 0.6, 0.8), curve(0.3, 0.7, 0.9)]);
    assert.deepEqual(last.firstStop(curve(0.25, 0.65, 0.1)), { step: 2, value: 0.1, median: 0.8, trials: 3 });
  });

  it('curves of different lengths: a shorter one carries its last value forward, one starting later says nothing before it', () => {
    const rule = new MedianStopping(spec(2), minimise, [
      curve(4, 3), // ends at step 1: 3 from then on
      [
        { step: 5, value: 1 },
        { step: 6, value: 0.5 },
      ],
      curve(6, 5, 4, 3, 2, 1, 0.9),
    ]);
    // Step 1: the first and third curves (3 and 5) → median 4, two trials.
    assert.deepEqual(rule.medianAt(1), { median: 4, trials: 2 });
    // Step 6: 3 (carried), 0.5, 0.9 → 0.9.
    assert.deepEqual(rule.medianAt(6), { median: 0.9, trials: 3 });
    // Step 100: the same values carried forward.
    assert.deepEqual(rule.medianAt(100), { median: 0.9, trials: 3 });
  });

  it('warmup_trials: no verdict until that many completed trials have a value at the step', () => {
    const completed = [curve(3, 2), curve(4, 3)];
    assert.equal(new MedianStopping(spec(3), minimise, completed).check(1, 100), undefined);
    assert.deepEqual(new MedianStopping(spec(2), minimise, completed).check(1, 100), { step: 1, value: 100, median: 2.5, trials: 2 });
    // A completed trial without a finite point does not count towards the warm-up.
    assert.equal(new MedianStopping(spec(3), minimise, [...completed, curve(NaN, NaN)]).check(1, 100), undefined);
  });

  it('min_steps: nothing is stopped below it', () => {
    const rule = new MedianStopping(spec(1, 3), minimise, [curve(1, 1, 1, 1, 1)]);
    assert.equal(rule.firstStop(curve(9, 9, 9)), undefined);
    assert.deepEqual(rule.firstStop(curve(9, 9, 9, 9)), { step: 3, value: 9, median: 1, trials: 1 });
  });

  it('NaN points of the running trial are skipped, and a curve of only NaN gets no verdict', () => {
    const rule = new MedianStopping(spec(1), minimise, [curve(2, 1, 0.5)]);
    assert.equal(rule.firstStop(curve(NaN, NaN, NaN)), undefined);
    // NaN at steps 0 and 1; 0.4 at step 2 beats the median 0.5.
    assert.equal(rule.firstStop(curve(NaN, NaN, 0.4)), undefined);
    assert.equal(rule.check(2, NaN), undefined);
    // fromStep skips steps already checked.
    assert.equal(rule.firstStop(curve(3, 0.9, 0.4), 0), undefined);
    assert.deepEqual(rule.firstStop(curve(3, 0.9, 0.4), -1), { step: 0, value: 3, median: 2, trials: 1 });
  });

  it('rejects a bad spec with the key named, and explains a stop', () => {
    assert.throws(() => new MedianStopping({ rule: 'median', minSteps: -1, warmupTrials: 1 }, minimise, []), /min_steps/);
    assert.throws(() => new MedianStopping({ rule: 'median', minSteps: 0, warmupTrials: 0 }, minimise, []), /warmup_trials/);
    assert.equal(stopReason({ step: 40, value: 0.51234, median: 0.3, trials: 5 }, 'minimize'), 'stopped at step 40: 0.5123 is above the median 0.3 of 5 completed trials at that step');
  });
});
