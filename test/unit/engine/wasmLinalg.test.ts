import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cholesky, choleskyInPlace, choleskyInPlaceScalar, matmul, solveLower } from '../../../src/engine/linalg';
import { createRng } from '../../../src/engine/rng';
import type { Rng } from '../../../src/engine/types';
import { choleskyWasm, explainedVarianceWasm, wasmLinalgAvailable } from '../../../src/engine/wasm/linalg';
import { assertAllClose, assertClose } from '../helpers/approx';

/** A squared-exponential kernel matrix on random points plus a small ridge: the GP's own kind of matrix. */
function kernelMatrix(n: number, rng: Rng, ridge = 1e-2): Float64Array {
  const d = 4;
  const x = Float64Array.from({ length: n * d }, () => rng.next());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let q = 0;
      for (let k = 0; k < d; k++) q += (x[i * d + k] - x[j * d + k]) ** 2;
      a[i * n + j] = a[j * n + i] = Math.exp(-q / 0.5) + (i === j ? ridge : 0);
    }
  }
  return a;
}

function transpose(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = a[i * n + j];
  return out;
}

describe('engine/wasm/linalg', () => {
  it('loads the WebAssembly SIMD kernel on this runtime', () => {
    assert.equal(wasmLinalgAvailable(), true);
  });

  // Sizes around the 4-row groups, the 64-column blocks and the partial last group of the trailing update.
  for (const n of [1, 2, 3, 4, 5, 7, 63, 64, 65, 66, 67, 68, 127, 128, 129, 130, 131, 250]) {
    it(`agrees with the TypeScript factorisation at n = ${n} and reconstructs A`, () => {
      const a = kernelMatrix(n, createRng(7000 + n));
      const viaWasm = Float64Array.from(a);
      const viaScalar = Float64Array.from(a);
      assert.equal(choleskyWasm(viaWasm, n), true);
      assert.equal(choleskyInPlaceScalar(viaScalar, n), true);
      assertAllClose(viaWasm, viaScalar, { rel: 1e-9, abs: 1e-11 }, 'factor');
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(viaWasm[i * n + j], 0, 'upper triangle is zero');
      assertAllClose(matmul(viaWasm, transpose(viaWasm, n), n, n, n), a, { rel: 1e-10, abs: 1e-12 }, 'L·Lᵀ');
    });
  }

  it('reads only the lower triangle', () => {
    const n = 100;
    const a = kernelMatrix(n, createRng(3));
    const garbageAbove = Float64Array.from(a);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) garbageAbove[i * n + j] = 1e6 * (i - j);
    const clean = Float64Array.from(a);
    assert.equal(choleskyWasm(garbageAbove, n), true);
    assert.equal(choleskyWasm(clean, n), true);
    assert.deepEqual(garbageAbove, clean);
  });

  it('reports a non-positive pivot in a late block and leaves the input untouched', () => {
    // Row 150 repeats row 3 with a slightly smaller diagonal: its pivot is -1e-9, far past the first block.
    const n = 160;
    const base = kernelMatrix(n, createRng(11), 0);
    for (let j = 0; j < n; j++) base[150 * n + j] = base[j * n + 150] = base[3 * n + j];
    base[150 * n + 3] = base[3 * n + 150] = base[3 * n + 3];
    base[150 * n + 150] = base[3 * n + 3] - 1e-9;
    const copy = Float64Array.from(base);
    assert.equal(choleskyInPlaceScalar(Float64Array.from(base), n), false, 'the TypeScript loop fails too');
    assert.equal(choleskyWasm(copy, n), false);
    assert.deepEqual(copy, base);
    // The public entry point escalates jitter through the same kernel and still reconstructs A + jitter·I.
    const { factor, jitter } = cholesky(base, n);
    assert.ok(jitter > 0, 'jitter was needed');
    const product = matmul(factor, transpose(factor, n), n, n, n);
    for (let i = 0; i < n; i += 7) for (let j = 0; j <= i; j += 5) assertClose(product[i * n + j], base[i * n + j] + (i === j ? jitter : 0), { abs: 1e-9 });
  });

  it('rejects NaN and infinite pivots instead of returning NaN factors', () => {
    const n = 80;
    const withNaN = kernelMatrix(n, createRng(5));
    withNaN[70 * n + 70] = NaN;
    assert.equal(choleskyWasm(withNaN, n), false);
    const withInf = kernelMatrix(n, createRng(5));
    withInf[70 * n + 70] = Infinity;
    assert.equal(choleskyWasm(withInf, n), false);
  });

  it('grows its memory for a larger matrix after a smaller one', () => {
    for (const n of [70, 600, 90]) {
      const a = kernelMatrix(n, createRng(n));
      const l = Float64Array.from(a);
      assert.equal(choleskyInPlace(l, n), true);
      for (let i = 0; i < n; i += 37) {
        let s = 0;
        for (let k = 0; k <= i; k++) s += l[i * n + k] * l[i * n + k];
        assertClose(s, a[i * n + i], { rel: 1e-10 }, `diagonal ${i} of n = ${n}`);
      }
    }
  });

  // n around the 4-row groups of the substitution, m around the 4-query column groups (padded inside).
  for (const [n, m] of [[1, 1], [3, 5], [4, 4], [5, 3], [17, 2], [63, 7], [64, 256], [130, 9]] as const) {
    it(`computes ‖L⁻¹k‖² for ${m} queries against ${n} observations like a forward substitution`, () => {
      const rng = createRng(900 + n * 31 + m);
      const l = kernelMatrix(n, rng);
      cholesky(l, n, { out: l });
      const cross = Float64Array.from({ length: m * n }, () => rng.normal());
      const out = new Float64Array(m).fill(NaN);
      assert.equal(explainedVarianceWasm(l, n, cross, m, out), true);
      for (let r = 0; r < m; r++) {
        const v = solveLower(l, n, cross.subarray(r * n, (r + 1) * n));
        let expected = 0;
        for (let j = 0; j < n; j++) expected += v[j] * v[j];
        assertClose(out[r], expected, { rel: 1e-10 }, `query ${r}`);
      }
    });
  }

  it('is built from its committed AssemblyScript source', function () {
    this.timeout(120000);
    // Exits non-zero with a message when src/engine/wasm/linalgKernel.ts does not match a fresh compile.
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { stdio: 'pipe' });
  });
});
