import { strict as assert } from 'node:assert';
import { minimizeAdam, minimizeLbfgs } from '../../../src/engine/optimize';
import { createRng } from '../../../src/engine/rng';
import type { ValueAndGrad } from '../../../src/engine/types';

const rosenbrock = (x: Float64Array): ValueAndGrad => {
  let value = 0;
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    value += 100 * a * a + b * b;
    grad[i] = grad[i]! - 400 * x[i]! * a - 2 * b;
    grad[i + 1] = grad[i + 1]! + 200 * a;
  }
  return { value, grad };
};

// f(x) = ½ xᵀAx − bᵀx with A diagonal-dominant SPD; minimiser A⁻¹b.
const quadratic = (x: Float64Array): ValueAndGrad => {
  const A = [
    [4, 1, 0],
    [1, 3, 0.5],
    [0, 0.5, 10],
  ];
  const b = [1, -2, 3];
  const grad = new Float64Array(3);
  let value = 0;
  for (let i = 0; i < 3; i++) {
    let ax = 0;
    for (let j = 0; j < 3; j++) ax += A[i]![j]! * x[j]!;
    grad[i] = ax - b[i]!;
    value += 0.5 * x[i]! * ax - b[i]! * x[i]!;
  }
  return { value, grad };
};
// numpy.linalg.solve(A, b)
const quadraticMin = [0.47018348623853223, -0.8807339449541285, 0.3440366972477064];

describe('engine/optimize', () => {
  it('L-BFGS finds the Rosenbrock minimum (2-D and 6-D)', () => {
    for (const start of [new Float64Array([-1.2, 1]), new Float64Array([0.5, 1.5, -0.5, 0.3, 2, -1])]) {
      const r = minimizeLbfgs(rosenbrock, start, { maxIterations: 500 });
      for (const v of r.theta) assert.ok(Math.abs(v - 1) < 1e-4, `got ${Array.from(r.theta)} (${r.stopReason})`);
      assert.ok(r.value < 1e-8);
      assert.ok(r.history.every((v, i) => i === 0 || v <= r.history[i - 1]!), 'monotone decrease');
    }
  });

  it('L-BFGS hits the exact minimum of a quadratic quickly', () => {
    const r = minimizeLbfgs(quadratic, new Float64Array([5, 5, 5]), { gradTolerance: 1e-10, relTolerance: 0 });
    quadraticMin.forEach((v, i) => assert.ok(Math.abs(r.theta[i]! - v) < 1e-7, `${r.theta[i]} vs ${v}`));
    assert.equal(r.stopReason, 'gradient');
    assert.ok(r.iterations <= 12, `iterations ${r.iterations}`);
  });

  it('L-BFGS backs off from non-finite regions and keeps the best finite point', () => {
    // log-barrier: NaN for x <= 0; minimum at x = 1.
    const f = (x: Float64Array): ValueAndGrad => ({
      value: x[0]! <= 0 ? Number.NaN : x[0]! - Math.log(x[0]!),
      grad: new Float64Array([1 - 1 / x[0]!]),
    });
    const r = minimizeLbfgs(f, new Float64Array([0.05]));
    assert.ok(Math.abs(r.theta[0]! - 1) < 1e-5, `got ${r.theta[0]}`);
    assert.throws(() => minimizeLbfgs(f, new Float64Array([-1])), /not finite/);
  });

  it('L-BFGS honours cancellation', () => {
    let calls = 0;
    const r = minimizeLbfgs(rosenbrock, new Float64Array([-1.2, 1]), { progress: { cancelled: () => ++calls > 3 } });
    assert.equal(r.stopReason, 'cancelled');
    assert.ok(r.iterations <= 3);
  });

  it('Adam converges on a quadratic', () => {
    const r = minimizeAdam((x) => quadratic(x), new Float64Array([2, 2, 2]), {
      steps: 3000,
      learningRate: 0.02,
      rng: createRng(1),
    });
    quadraticMin.forEach((v, i) => assert.ok(Math.abs(r.theta[i]! - v) < 1e-3, `${r.theta[i]} vs ${v}`));
    assert.equal(r.history.length, 3000);
  });

  it('Adam with a noisy objective still gets close, and stops at a non-finite loss keeping the best point', () => {
    const noisy = (x: Float64Array, _step: number, rng: { normal(): number }): ValueAndGrad => {
      const q = quadratic(x);
      for (let i = 0; i < 3; i++) q.grad[i] = q.grad[i]! + 0.1 * rng.normal();
      return q;
    };
    const r = minimizeAdam(noisy, new Float64Array([2, 2, 2]), { steps: 2000, learningRate: 0.01, rng: createRng(2) });
    quadraticMin.forEach((v, i) => assert.ok(Math.abs(r.theta[i]! - v) < 0.05));
    const blowsUp = (x: Float64Array, step: number): ValueAndGrad => (step >= 50 ? { value: Number.NaN, grad: x } : quadratic(x));
    const r2 = minimizeAdam(blowsUp, new Float64Array([2, 2, 2]), { steps: 100, learningRate: 0.01, rng: createRng(3) });
    assert.equal(r2.stopReason, 'non-finite');
    assert.equal(r2.history.length, 50);
    assert.ok(Number.isFinite(r2.value) && r2.theta.every(Number.isFinite));
    assert.equal(r2.value, Math.min(...r2.history));
  });
});
