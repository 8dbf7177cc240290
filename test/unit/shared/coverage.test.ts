import { strict as assert } from 'node:assert';
import { coverageGapText, narrowedBounds, roundSignificant } from '../../../src/shared/coverage';

describe('shared/coverage', () => {
  it('rounds to significant digits toward a side, leaving round values (and float noise around them) alone', () => {
    const cases: [number, 'down' | 'up', number][] = [
      [9.839, 'up', 9.9],
      [9.839, 'down', 9.8],
      [1.002e-5, 'down', 1e-5],
      [0.3, 'up', 0.3],
      [0.1 + 0.2, 'up', 0.3],
      [123, 'down', 120],
      [123, 'up', 130],
      [7, 'up', 7],
      [-0.123, 'down', -0.13],
      [-0.123, 'up', -0.12],
      [0, 'up', 0],
    ];
    for (const [v, d, want] of cases) assert.equal(roundSignificant(v, 2, d), want, `${v} ${d}`);
  });

  it('narrows only the sides with a gap, outward to two digits, never past the current bounds', () => {
    const gap = { name: 'lr', kind: 'span' as const, measured: [1.002e-5, 9.839] as const, space: [1e-7, 100] as const, below: 0.25, above: 0.12 };
    assert.deepEqual(narrowedBounds(gap), { low: 1e-5, high: 9.9 });
    assert.deepEqual(narrowedBounds({ ...gap, below: 0.05 }), { low: 1e-7, high: 9.9 });
    // Rounding outward would pass the bound: the bound stays.
    assert.deepEqual(narrowedBounds({ ...gap, measured: [1.002e-5, 99.5], space: [1e-7, 99.7], above: 0.11 }), { low: 1e-5, high: 99.7 });
    assert.equal(narrowedBounds({ ...gap, below: 0, above: 0 }), undefined, 'nothing to narrow');
  });

  it('says which side no task measured, or which choices no task tried, and what to do', () => {
    const span = { name: 'lr', kind: 'span' as const, measured: [1.002e-5, 9.839] as const, space: [1e-7, 100] as const, below: 0.25, above: 0.05 };
    assert.equal(
      coverageGapText(span),
      'No training task of the prior measured lr below 1.002e-5 (the search space: 1e-7 to 100): the prior extrapolates there. Narrow the range, or add data that reach it to prior.from.',
    );
    assert.match(coverageGapText({ ...span, above: 0.5 }), /measured lr below 1\.002e-5 or above 9\.839 \(/);
    assert.equal(
      coverageGapText({ name: 'optimizer', kind: 'choices', missing: ['rmsprop'], tried: ['adam', 'sgd'] }),
      'No training task of the prior tried optimizer = rmsprop (tried: adam, sgd): the prior extrapolates there. Drop the choice, or add data that tried it to prior.from.',
    );
  });
});
