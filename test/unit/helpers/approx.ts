// Floating-point assertions with relative + absolute tolerances and informative failure messages.
import assert from 'node:assert/strict';

export interface Tolerance {
  /** Relative tolerance (default 1e-9). */
  rel?: number;
  /** Absolute tolerance (default 1e-12). */
  abs?: number;
}

export function isClose(actual: number, expected: number, tol: Tolerance = {}): boolean {
  const rel = tol.rel ?? 1e-9;
  const abs = tol.abs ?? 1e-12;
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return Object.is(actual, expected);
  return Math.abs(actual - expected) <= abs + rel * Math.abs(expected);
}

export function assertClose(actual: number, expected: number, tol: Tolerance = {}, what = 'value'): void {
  if (!isClose(actual, expected, tol)) {
    assert.fail(`${what}: ${actual} differs from expected ${expected} by ${Math.abs(actual - expected)} (rel ${tol.rel ?? 1e-9}, abs ${tol.abs ?? 1e-12})`);
  }
}

export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance = {},
  what = 'array',
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) assertClose(actual[i], expected[i], tol, `${what}[${i}]`);
}

/** Largest |a_i − b_i| / max(|b_i|, floor): a scale-aware error for gradient checks. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-3): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor));
  }
  return worst;
}

/** Central finite-difference gradient of f at theta. */
export function finiteDifferenceGradient(f: (theta: Float64Array) => number, theta: Float64Array, step = 1e-5): Float64Array {
  const grad = new Float64Array(theta.length);
  const probe = Float64Array.from(theta);
  for (let i = 0; i < theta.length; i++) {
    const h = step * Math.max(1, Math.abs(theta[i]));
    probe[i] = theta[i] + h;
    const up = f(probe);
    probe[i] = theta[i] - h;
    const down = f(probe);
    probe[i] = theta[i];
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}
