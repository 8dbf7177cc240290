import { strict as assert } from 'node:assert';
import { createRng } from '../../../src/engine/rng';
import { SearchSpace, pd1Config, pd1SearchSpace, type ParamSpec } from '../../../src/engine/space';
import { EngineError } from '../../../src/engine/types';

const mixed: ParamSpec[] = [
  { name: 'lr', type: 'float', low: 1e-5, high: 1, scale: 'log' },
  { name: 'dropout', type: 'float', low: 0, high: 0.5 },
  { name: 'layers', type: 'int', low: 1, high: 8 },
  { name: 'width', type: 'int', low: 16, high: 1024, scale: 'log' },
  { name: 'opt', type: 'categorical', choices: ['sgd', 'adam', 'rmsprop'] },
];

describe('engine/space', () => {
  it('round-trips configurations through the unit cube', () => {
    const space = new SearchSpace(mixed);
    const config = { lr: 3e-3, dropout: 0.25, layers: 4, width: 128, opt: 'adam' };
    const u = space.toUnit(config);
    assert.equal(u.length, 5);
    for (const v of u) assert.ok(v >= 0 && v <= 1);
    const back = space.fromUnit(u);
    assert.ok(Math.abs((back.lr as number) - 3e-3) < 1e-15);
    assert.ok(Math.abs((back.dropout as number) - 0.25) < 1e-15);
    assert.equal(back.layers, 4);
    assert.equal(back.width, 128);
    assert.equal(back.opt, 'adam');
  });

  it('decodes any point (even outside the cube or NaN) to in-bounds values, ints rounded', () => {
    const space = new SearchSpace(mixed);
    const rng = createRng(9);
    for (let t = 0; t < 2000; t++) {
      const u = Float64Array.from({ length: 5 }, () => rng.next() * 1.4 - 0.2);
      if (t === 0) u[0] = Number.NaN;
      const c = space.fromUnit(u);
      assert.ok(space.contains(c), JSON.stringify(c));
      assert.ok(Number.isInteger(c.layers) && Number.isInteger(c.width));
    }
    assert.equal(space.fromUnit([0, 0, 0, 0, 0]).lr, 1e-5);
    assert.equal(space.fromUnit([1, 1, 1, 1, 1]).lr, 1);
    assert.equal(space.fromUnit([1, 1, 1, 1, 1]).opt, 'rmsprop');
    assert.equal(space.fromUnit([1, 1, 1, 1, 1]).width, 1024);
  });

  it('gives every integer and every choice an equal share of the cube', () => {
    const space = new SearchSpace([
      { name: 'k', type: 'int', low: 0, high: 3 },
      { name: 'c', type: 'categorical', choices: [1, 2, 3] },
    ]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 1200; i++) {
      const c = space.fromUnit([(i + 0.5) / 1200, (i + 0.5) / 1200]);
      counts.set(`k${c.k}`, (counts.get(`k${c.k}`) ?? 0) + 1);
      counts.set(`c${c.c}`, (counts.get(`c${c.c}`) ?? 0) + 1);
    }
    for (const k of [0, 1, 2, 3]) assert.equal(counts.get(`k${k}`), 300);
    for (const c of [1, 2, 3]) assert.equal(counts.get(`c${c}`), 400);
  });

  it('rejects bad spaces and configurations with clear errors', () => {
    const bad: [ParamSpec[], RegExp][] = [
      [[], /no parameters/],
      [[{ name: 'a', type: 'float', low: 1, high: 1 }], /zero-width/],
      [[{ name: 'a', type: 'float', low: 2, high: 1 }], /inverted/],
      [[{ name: 'a', type: 'float', low: 0, high: 1, scale: 'log' }], /low bound must be > 0/],
      [[{ name: 'a', type: 'float', low: 0, high: Number.POSITIVE_INFINITY }], /finite/],
      [[{ name: 'a', type: 'categorical', choices: [] }], /at least one choice/],
      [[{ name: 'a', type: 'categorical', choices: ['x', 'x'] }], /twice/],
      [[{ name: 'a', type: 'int', low: 0.5, high: 3 }], /not integers/],
      [
        [
          { name: 'a', type: 'float', low: 0, high: 1 },
          { name: 'a', type: 'float', low: 0, high: 1 },
        ],
        /appears twice/,
      ],
    ];
    for (const [params, re] of bad) {
      assert.throws(() => new SearchSpace(params), (e: unknown) => e instanceof EngineError && re.test(e.message));
    }
    const space = new SearchSpace(mixed);
    assert.throws(() => space.toUnit({ lr: 0.1 }), /missing parameter "dropout"/);
    assert.throws(() => space.toUnit({ lr: Number.NaN, dropout: 0, layers: 1, width: 16, opt: 'sgd' }), /not a finite number/);
    assert.throws(() => space.toUnit({ lr: -1, dropout: 0, layers: 1, width: 16, opt: 'sgd' }), /log scale/);
    assert.throws(() => space.toUnit({ lr: 0.1, dropout: 0, layers: 1, width: 16, opt: 'lbfgs' }), /not one of its choices/);
  });

  it('PD1 space: log learning rate and 1 − momentum, linear decay parameters', () => {
    const space = pd1SearchSpace();
    assert.deepEqual(space.names, ['learning_rate', 'one_minus_momentum', 'lr_decay_power', 'lr_decay_steps_factor']);
    const c = pd1Config({ initialLearningRate: Math.sqrt(1e-5 * 10), momentum: 0.9, power: 1.05, decayStepsFactor: 0.5 });
    const u = space.toUnit(c);
    assert.ok(Math.abs(u[0]! - 0.5) < 1e-12);
    assert.ok(Math.abs(u[1]! - 2 / 3) < 1e-12); // log10(0.1) between -3 and 0
    assert.ok(Math.abs(u[2]! - 0.5) < 1e-12);
    assert.ok(Math.abs(u[3]! - 0.5) < 1e-12);
  });
});

describe('SearchSpace.tidy', () => {
  it('rounds floats for people and keeps them in bounds', () => {
    const space = new SearchSpace([
      { name: 'lr', type: 'float', low: 1e-5, high: 10, scale: 'log' },
      { name: 'm', type: 'float', low: 0, high: 1 },
      { name: 'w', type: 'float', low: 0.01, high: 0.99 },
      { name: 'n', type: 'int', low: 1, high: 9 },
    ]);
    const t = space.tidy({ lr: 0.000123456789, m: 1.443e-15, w: 0.98999999, n: 3 });
    assert.deepStrictEqual(t, { lr: 0.0001235, m: 0, w: 0.99, n: 3 });
    assert.strictEqual(space.tidy({ lr: 10.00004, m: 0.123456, w: 0.5, n: 3 }).lr, 10);
    assert.strictEqual(space.tidy({ lr: 1, m: 0.123456, w: 0.5, n: 3 }).m, 0.1235);
  });
});
