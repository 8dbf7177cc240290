import { strict as assert } from 'node:assert';
import { pretrain, simpleSpec } from '../../../src/engine/pretrain';
import { createRng } from '../../../src/engine/rng';
import { SearchSpace } from '../../../src/engine/space';
import { Study } from '../../../src/engine/study';
import { fitSingleTask } from '../../../src/engine/singleTask';
import { EngineError, type Task } from '../../../src/engine/types';

const isEngineError = (re: RegExp) => (e: unknown): boolean => e instanceof EngineError && re.test(e.message);

function task(name: string, n: number, d: number, seed: number): Task {
  const rng = createRng(seed);
  const x = Float64Array.from({ length: n * d }, () => rng.next());
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(4 * x[i * d]!) + 0.1 * rng.normal());
  return { name, x: { n, d, data: x }, y };
}

describe('engine: bad input gives clear errors, never NaN suggestions', () => {
  it('empty data', () => {
    assert.throws(() => pretrain({ tasks: [], matched: [] }), isEngineError(/No training data/));
    const t = task('a', 0, 2, 1);
    assert.throws(() => pretrain({ tasks: [t], matched: [] }, { spec: simpleSpec(2) }), isEngineError(/No usable training data/));
  });

  it('NaN/inf values are dropped and counted; all-NaN is an error', () => {
    const t = task('a', 20, 2, 2);
    const y = Float64Array.from(t.y);
    y[0] = Number.NaN;
    y[1] = Number.POSITIVE_INFINITY;
    const x = Float64Array.from(t.x.data);
    x[5] = Number.NaN;
    const r = pretrain({ tasks: [{ ...t, x: { ...t.x, data: x }, y }], matched: [] }, { spec: simpleSpec(2), steps: 20 });
    assert.equal(r.provenance.tasks[0]!.points, 17);
    assert.equal(r.provenance.tasks[0]!.droppedNonFinite, 3);
    assert.ok(r.theta.every(Number.isFinite) && Number.isFinite(r.finalLoss));
    const allNaN = { ...t, y: new Float64Array(20).fill(Number.NaN) };
    assert.throws(() => pretrain({ tasks: [allNaN], matched: [] }, { spec: simpleSpec(2) }), isEngineError(/No usable/));
  });

  it('duplicate points train and suggest without NaN', () => {
    const t = task('a', 10, 2, 3);
    const x = new Float64Array(40);
    for (let i = 0; i < 20; i++) x.set(t.x.data.subarray((i % 10) * 2, (i % 10) * 2 + 2), i * 2);
    const y = Float64Array.from({ length: 20 }, (_, i) => t.y[i % 10]! + (i >= 10 ? 0.01 : 0));
    const r = pretrain({ tasks: [{ name: 'dup', x: { n: 20, d: 2, data: x }, y }], matched: [] }, { spec: simpleSpec(2), steps: 30 });
    assert.ok(r.theta.every(Number.isFinite));
    const space = new SearchSpace([
      { name: 'a', type: 'float', low: 0, high: 1 },
      { name: 'b', type: 'float', low: 0, high: 1 },
    ]);
    const study = new Study({ space, output: { goal: 'maximize', warp: 'none', normalization: 'standardize' }, seed: 1 });
    for (let i = 0; i < 6; i++) study.tell({ a: 0.5, b: 0.5 }, 1 + 0.001 * i);
    study.tell({ a: 0.2, b: 0.9 }, 0.3);
    const [s] = study.ask(1);
    assert.ok(space.contains(s!.config) && Number.isFinite(s!.predicted.value) && Number.isFinite(s!.acquisition));
    // A single-task fit on exactly repeated points stays finite.
    const fit = fitSingleTask({ n: 4, d: 1, data: new Float64Array([0.3, 0.3, 0.3, 0.3]) }, new Float64Array([1, 1, 1, 1]), { seed: 1 });
    assert.ok(fit.theta.every(Number.isFinite));
  });

  it('zero-width bounds', () => {
    assert.throws(() => new SearchSpace([{ name: 'lr', type: 'float', low: 0.1, high: 0.1 }]), isEngineError(/zero-width/));
  });

  it('mismatched dimensions', () => {
    const a = task('a', 10, 2, 4);
    const b = task('b', 10, 3, 5);
    assert.throws(() => pretrain({ tasks: [a, b], matched: [] }), isEngineError(/3 input dimensions but the model expects 2/));
    assert.throws(
      () => pretrain({ tasks: [{ ...a, y: a.y.subarray(0, 5) }], matched: [] }, { spec: simpleSpec(2) }),
      isEngineError(/10 inputs but 5 values/),
    );
    assert.throws(
      () =>
        pretrain({ tasks: [], matched: [{ x: a.x, m: 2, y: new Float64Array(15), taskNames: ['a', 'b'] }] }, { spec: simpleSpec(2) }),
      isEngineError(/expected 10 points × 2 tasks/),
    );
    const space = new SearchSpace([{ name: 'a', type: 'float', low: 0, high: 1 }]);
    const study = new Study({ space, output: { goal: 'maximize', warp: 'none', normalization: 'none' } });
    assert.throws(() => study.tell({ b: 0.5 }, 1), isEngineError(/missing parameter "a"/));
    assert.throws(() => study.ask(0), isEngineError(/positive whole number/));
  });

  it('objective choices that the data cannot support', () => {
    const a = task('a', 10, 2, 6);
    assert.throws(() => pretrain({ tasks: [a], matched: [] }, { spec: simpleSpec(2), objective: 'ekl' }), isEngineError(/needs matched data/));
  });
});
