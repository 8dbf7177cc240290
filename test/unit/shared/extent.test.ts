// minOf/maxOf replace Math.min(...values) spreads, which overflow the stack at a few hundred thousand values.
import assert from 'node:assert/strict';
import { maxOf, minOf } from '../../../src/shared/extent';
import { logFloorFor } from '../../../src/engine/warp';
import { outputSpecForValues } from '../../../src/formats/taskData';

const N = 300_000;
const big = Array.from({ length: N }, (_, i) => 1 + ((i * 0.618034) % 1));

describe('shared/extent (engine, formats and webview): min and max of 300k values', () => {
  it('agree with Math.min/Math.max on small inputs, NaN and empty included', () => {
    for (const [min, max] of [[minOf, maxOf]] as const) {
      for (const xs of [[], [3], [2, -1, 5], [1, NaN, 0], [-Infinity, 4], [Infinity]]) {
        assert.ok(Object.is(min(xs), Math.min(...xs)), `min ${JSON.stringify(xs)}`);
        assert.ok(Object.is(max(xs), Math.max(...xs)), `max ${JSON.stringify(xs)}`);
      }
      assert.equal(min(big), 1);
      assert.ok(max(big) > 1.99 && max(big) < 2);
    }
  });

  it('the callers that used spreads take 300k values: log floor, PD1 output rule', () => {
    assert.throws(() => Math.min(...[0, ...big]), RangeError, 'the spread itself overflows at this size');
    assert.equal(logFloorFor([0, ...big]), 1);
    assert.equal(outputSpecForValues([0, ...big], 'minimize', true).floor, 1);
  });
});
