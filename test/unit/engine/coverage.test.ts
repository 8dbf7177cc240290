import { strict as assert } from 'node:assert';
import { coverageFromJson, coverageGaps, trainingCoverage } from '../../../src/engine/coverage';
import { SearchSpace } from '../../../src/engine/space';
import type { PretrainData } from '../../../src/engine/types';

const space = new SearchSpace([
  { name: 'lr', type: 'float', low: 1e-6, high: 1, scale: 'log' },
  { name: 'layers', type: 'int', low: 1, high: 4 },
  { name: 'dropout', type: 'float', low: 0, high: 0.5 },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
]);

/** Training data from configurations: one task with the first rows, one matched group of two tasks with the rest. */
function dataOf(configs: Record<string, number | string>[], matchedFrom = configs.length): PretrainData {
  const own = space.encode(configs.slice(0, matchedFrom));
  const shared = space.encode(configs.slice(matchedFrom));
  return {
    tasks: [{ name: 'a', x: own, y: new Float64Array(own.n) }],
    matched: shared.n ? [{ x: shared, m: 2, y: new Float64Array(shared.n * 2), taskNames: ['b', 'c'] }] : [],
  };
}

describe('engine/coverage', () => {
  const configs = [
    { lr: 1e-4, layers: 2, dropout: 0, optimizer: 'adam' },
    { lr: 3e-3, layers: 3, dropout: 0.5, optimizer: 'adam' },
    { lr: 0.1, layers: 2, dropout: 0.25, optimizer: 'sgd' },
  ];

  it('spans each numeric parameter in its own units and lists the choices tried, over tasks and matched groups', () => {
    const coverage = trainingCoverage(dataOf(configs, 2), space);
    assert.equal(coverage.length, 4);
    type Span = { name: string; low: number; high: number };
    const [lr, layers, dropout, optimizer] = coverage as [Span, Span, Span, unknown];
    assert.equal(lr.name, 'lr');
    assert.ok(Math.abs(lr.low / 1e-4 - 1) < 1e-12 && Math.abs(lr.high / 0.1 - 1) < 1e-12, JSON.stringify(lr));
    assert.deepEqual(layers, { name: 'layers', low: 2, high: 3 });
    assert.ok(Math.abs(dropout.low) < 1e-15 && Math.abs(dropout.high - 0.5) < 1e-15);
    // The third row (sgd) comes from the matched group; choices keep the space's order.
    assert.deepEqual(optimizer, { name: 'optimizer', choices: ['adam', 'sgd'] });
  });

  it('names the sides and the choices the data leave out, on the parameter\'s own scale', () => {
    const gaps = coverageGaps(trainingCoverage(dataOf(configs), space), space);
    assert.deepEqual(gaps.map((g) => g.name), ['lr', 'layers', 'optimizer']);
    const lr = gaps[0]!;
    assert.ok(lr.kind === 'span');
    // 1e-6 → 1e-4 is 2 of the 6 decades below, 0.1 → 1 one decade above.
    assert.ok(Math.abs(lr.below - 2 / 6) < 1e-12 && Math.abs(lr.above - 1 / 6) < 1e-12, JSON.stringify(lr));
    const layers = gaps[1]!;
    assert.ok(layers.kind === 'span' && Math.abs(layers.below - 0.25) < 1e-12 && Math.abs(layers.above - 0.25) < 1e-12);
    assert.deepEqual(gaps[2], { name: 'optimizer', kind: 'choices', missing: ['rmsprop'], tried: ['adam', 'sgd'] });
  });

  it('no gap when the data reach each end within the share, at the share itself, or cover every choice', () => {
    const full = [
      { lr: 2e-6, layers: 1, dropout: 0.04, optimizer: 'adam' },
      { lr: 0.9, layers: 4, dropout: 0.5, optimizer: 'sgd' },
      { lr: 1e-3, layers: 2, dropout: 0.2, optimizer: 'rmsprop' },
    ];
    assert.deepEqual(coverageGaps(trainingCoverage(dataOf(full), space), space), []);
    // dropout measured from 0.05 of [0, 0.5]: exactly 10 % below is not a gap, a little more is.
    const at = (low: number) => coverageGaps([{ name: 'dropout', low, high: 0.5 }], space);
    assert.deepEqual(at(0.05), []);
    assert.deepEqual(at(0.0501).map((g) => g.name), ['dropout']);
  });

  it('reads its JSON form back, and refuses a coverage that does not fit the space', () => {
    const coverage = trainingCoverage(dataOf(configs), space);
    assert.deepEqual(coverageFromJson(JSON.parse(JSON.stringify(coverage)), space), coverage);
    const bad: [unknown, RegExp][] = [
      ['x', /the 4 parameters/],
      [coverage.slice(1), /the 4 parameters/],
      [[coverage[1], coverage[0], coverage[2], coverage[3]], /entry 1 must be "lr"/],
      [[{ name: 'lr', low: 2, high: 1 }, ...coverage.slice(1)], /low ≤ high/],
      [[...coverage.slice(0, 3), { name: 'optimizer', choices: ['adamw'] }], /among its choices/],
    ];
    for (const [raw, re] of bad) {
      const r = coverageFromJson(raw, space);
      assert.ok(typeof r === 'string' && re.test(r), `${String(re)}: ${JSON.stringify(r)}`);
    }
  });
});
