import assert from 'node:assert/strict';
import {
  cholesky,
  choleskyInPlace,
  choleskyInverse,
  choleskySolve,
  choleskySolveMatrix,
  invertLower,
  invertLowerTransposed,
  logDetFromCholesky,
  matmul,
  matVec,
  solveLower,
  solveLowerMatrix,
  solveLowerTransposed,
  solveLowerTransposedMatrix,
} from '../../../src/engine/linalg';
import { createRng } from '../../../src/engine/rng';
import { EngineError, type Rng } from '../../../src/engine/types';
import { assertAllClose, assertClose } from '../helpers/approx';

/** A·Aᵀ/n + εI for a random A: symmetric positive definite. */
function randomSpd(n: number, rng: Rng, ridge = 0.1): Float64Array {
  const a = Float64Array.from({ length: n * n }, () => rng.normal());
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * a[j * n + k];
      out[i * n + j] = s / n + (i === j ? ridge : 0);
    }
  }
  return out;
}

function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j];
  return out;
}

describe('engine/linalg', () => {
  for (const n of [1, 2, 3, 4, 5, 7, 8, 13, 33]) {
    it(`factors a random ${n}×${n} SPD matrix so that L·Lᵀ = A`, () => {
      const rng = createRng(100 + n);
      const a = randomSpd(n, rng);
      const { factor, jitter } = cholesky(a, n);
      assert.equal(jitter, 0);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(factor[i * n + j], 0, 'upper triangle is zero');
      const product = matmul(factor, transpose(factor, n, n), n, n, n);
      assertAllClose(product, a, { rel: 1e-10, abs: 1e-12 }, 'L·Lᵀ');
    });
  }

  // Sizes around the 4-row tiles and the 2-entry pairs of the factor and inverse kernels, plus a larger one.
  for (const n of [1, 2, 3, 5, 6, 31, 32, 33, 63, 64, 65, 200]) {
    it(`factors and inverts a ${n}×${n} SPD matrix across tile boundaries`, () => {
      const rng = createRng(500 + n);
      const a = randomSpd(n, rng, 0.5);
      const { factor, jitter } = cholesky(a, n);
      assert.equal(jitter, 0);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(factor[i * n + j], 0, 'upper triangle is zero');
      const product = matmul(factor, transpose(factor, n, n), n, n, n);
      assertAllClose(product, a, { rel: 1e-10, abs: 1e-12 }, 'L·Lᵀ');

      const w = invertLowerTransposed(factor, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(w[i * n + j], 0, '(L⁻¹)ᵀ is upper triangular');
      const lw = matmul(factor, transpose(w, n, n), n, n, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assertClose(lw[i * n + j], i === j ? 1 : 0, { abs: 1e-11 }, `L·L⁻¹[${i},${j}]`);

      // A dirty work buffer and output must not leak into the result.
      const inverse = choleskyInverse(factor, n, new Float64Array(n * n).fill(7), new Float64Array(n * n).fill(-3));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(inverse[i * n + j], inverse[j * n + i], 'A⁻¹ is symmetric');
      const identity = matmul(a, inverse, n, n, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assertClose(identity[i * n + j], i === j ? 1 : 0, { abs: 1e-9 }, `A·A⁻¹[${i},${j}]`);
    });
  }

  it('solves vectors and matrices, and matches the log-determinant and inverse', () => {
    const rng = createRng(7);
    const n = 11;
    const m = 3;
    const a = randomSpd(n, rng);
    const { factor } = cholesky(a, n);
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const x = choleskySolve(factor, n, b);
    assertAllClose(matVec(a, n, n, x), b, { rel: 1e-9, abs: 1e-10 }, 'A·x');
    const lower = solveLower(factor, n, b);
    assertAllClose(matVec(factor, n, n, lower), b, { rel: 1e-10, abs: 1e-12 }, 'L·x');
    const upper = solveLowerTransposed(factor, n, b);
    assertAllClose(matVec(transpose(factor, n, n), n, n, upper), b, { rel: 1e-10, abs: 1e-12 }, 'Lᵀ·x');
    // In-place aliasing.
    const alias = Float64Array.from(b);
    choleskySolve(factor, n, alias, alias);
    assertAllClose(alias, x, { rel: 1e-12 }, 'aliased solve');

    const bm = Float64Array.from({ length: n * m }, () => rng.normal());
    const xm = choleskySolveMatrix(factor, n, bm, m);
    assertAllClose(matmul(a, xm, n, n, m), bm, { rel: 1e-9, abs: 1e-10 }, 'A·X');
    assertAllClose(matmul(factor, solveLowerMatrix(factor, n, bm, m), n, n, m), bm, { rel: 1e-10, abs: 1e-12 }, 'L·X');
    assertAllClose(matmul(transpose(factor, n, n), solveLowerTransposedMatrix(factor, n, bm, m), n, n, m), bm, { rel: 1e-10, abs: 1e-12 }, 'Lᵀ·X');

    const inverse = choleskyInverse(factor, n);
    const identity = matmul(a, inverse, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assertClose(identity[i * n + j], i === j ? 1 : 0, { abs: 1e-10 }, `A·A⁻¹[${i},${j}]`);
    const lInv = invertLower(factor, n);
    const shouldBeIdentity = matmul(factor, lInv, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assertClose(shouldBeIdentity[i * n + j], i === j ? 1 : 0, { abs: 1e-12 }, `L·L⁻¹[${i},${j}]`);

    // log|A| equals the sum of log eigenvalues; check on a diagonal-plus-rank-one matrix with a known determinant:
    // det(D + uuᵀ) = det(D)(1 + uᵀD⁻¹u).
    const d = Float64Array.from({ length: n }, (_, i) => 0.5 + i);
    const u = Float64Array.from({ length: n }, () => rng.normal());
    const dr = new Float64Array(n * n);
    let quad = 0;
    let logDetD = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) dr[i * n + j] = u[i] * u[j] + (i === j ? d[i] : 0);
      quad += (u[i] * u[i]) / d[i];
      logDetD += Math.log(d[i]);
    }
    assertClose(logDetFromCholesky(cholesky(dr, n).factor, n), logDetD + Math.log(1 + quad), { rel: 1e-12 }, 'log det');
  });

  it('handles the empty matrix', () => {
    const { factor, jitter } = cholesky(new Float64Array(0), 0);
    assert.equal(factor.length, 0);
    assert.equal(jitter, 0);
    assert.equal(logDetFromCholesky(factor, 0), 0);
  });

  it('escalates jitter on a singular matrix and reports it', () => {
    // Two identical points under a smooth kernel: rank-deficient.
    const n = 3;
    const a = Float64Array.from([1, 1, 0.5, 1, 1, 0.5, 0.5, 0.5, 1]);
    assert.equal(choleskyInPlace(Float64Array.from(a), n), false, 'plain factorisation fails');
    const { factor, jitter } = cholesky(a, n);
    assert.ok(jitter > 0 && jitter <= 1e-2, `jitter ${jitter}`);
    const product = matmul(factor, transpose(factor, n, n), n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assertClose(product[i * n + j], a[i * n + j] + (i === j ? jitter : 0), { abs: 1e-12 });
  });

  it('retries with jitter from the original matrix when factoring in place (out = a)', () => {
    // Kernel matrices whose last point repeats an earlier one with a slightly smaller variance, so the plain attempt
    // fails only after rewriting the rows before it, and the first jitter (1e-6) is not enough: 6×6 in the
    // TypeScript path, 100×100 in the WebAssembly path. Each retry must start again from the input, not from a
    // half-factored matrix or the previous retry's jittered one.
    const kernelWithRepeat = (n: number): Float64Array => {
      const rng = createRng(77 + n);
      const pts = Float64Array.from({ length: n * 2 }, () => rng.next());
      pts[2 * (n - 1)] = pts[2];
      pts[2 * (n - 1) + 1] = pts[3];
      const k = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) k[i * n + j] = Math.exp(-((pts[2 * i] - pts[2 * j]) ** 2 + (pts[2 * i + 1] - pts[2 * j + 1]) ** 2) / 0.1);
      }
      k[n * n - 1] -= 5e-6;
      return k;
    };
    for (const size of [6, 100]) {
      const a = kernelWithRepeat(size);
      assert.equal(choleskyInPlace(Float64Array.from(a), size), false, 'the plain factorisation fails');
      const inPlace = Float64Array.from(a);
      const { factor, jitter } = cholesky(inPlace, size, { out: inPlace });
      assert.equal(factor, inPlace, 'the factor is written into the input buffer');
      assert.ok(jitter > 5e-6, `jitter ${jitter} at n = ${size}: more than the first retry's`);
      const product = matmul(factor, transpose(factor, size, size), size, size, size);
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) assertClose(product[i * size + j], a[i * size + j] + (i === j ? jitter : 0), { abs: 1e-9 }, `(${i}, ${j}) at n = ${size}`);
      }
    }
  });

  it('throws a clear EngineError when the matrix is hopeless', () => {
    const negative = Float64Array.from([1, 0, 0, -5]);
    assert.throws(
      () => cholesky(negative, 2, { what: 'the covariance of task "x"' }),
      (e: unknown) => e instanceof EngineError && /not positive definite/.test(e.message) && /noise/.test(e.message) && /duplicate/.test(e.message),
    );
    const withNaN = Float64Array.from([1, NaN, NaN, 1]);
    assert.throws(() => cholesky(withNaN, 2), (e: unknown) => e instanceof EngineError && /non-finite/.test(e.message));
    const withInf = Float64Array.from([Infinity, 0, 0, 1]);
    assert.throws(() => cholesky(withInf, 2), (e: unknown) => e instanceof EngineError && /non-finite/.test(e.message));
  });

  it('reuses the output buffer when given one', () => {
    const rng = createRng(3);
    const a = randomSpd(6, rng);
    const out = new Float64Array(36);
    const { factor } = cholesky(a, 6, { out });
    assert.equal(factor, out);
    // Factoring in the input's own buffer also works.
    const copy = Float64Array.from(a);
    const inPlace = cholesky(copy, 6, { out: copy });
    assertAllClose(inPlace.factor, factor, { rel: 1e-14 });
  });
});
