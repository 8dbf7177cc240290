import assert from 'node:assert/strict';
import {
  kernelCrossBackward,
  kernelDiagonal,
  kernelMatrix,
  kernelSymmetric,
  kernelSymmetricBackward,
  unitKernel,
  unitKernelDerivative,
  type KernelParams,
} from '../../../src/engine/kernels';
import { createRng } from '../../../src/engine/rng';
import type { KernelKind } from '../../../src/engine/types';
import { assertAllClose, assertClose, finiteDifferenceGradient, maxRelativeError } from '../helpers/approx';

const KINDS: KernelKind[] = ['se', 'matern32', 'matern52'];

describe('engine/kernels', () => {
  it('matches closed forms at known points', () => {
    // x = (0, 0), x' = (1, 2), ℓ = (1, 2), s = 2: scaled squared distance q = 1 + 1 = 2.
    const params = (kind: KernelKind): KernelParams => ({ kind, lengthscale: Float64Array.from([1, 2]), signal: 2 });
    const a = Float64Array.from([0, 0]);
    const b = Float64Array.from([1, 2]);
    const expected: Record<KernelKind, number> = {
      se: 2 * Math.exp(-1),
      matern32: 2 * (1 + Math.sqrt(6)) * Math.exp(-Math.sqrt(6)),
      matern52: 2 * (1 + Math.sqrt(10) + 10 / 3) * Math.exp(-Math.sqrt(10)),
    };
    for (const kind of KINDS) {
      assertClose(kernelMatrix(params(kind), a, 1, b, 1)[0], expected[kind], { rel: 1e-14 }, kind);
      const sym = kernelSymmetric(params(kind), Float64Array.from([0, 0, 1, 2]), 2);
      assertAllClose(sym, [2, expected[kind], expected[kind], 2], { rel: 1e-14 }, `${kind} symmetric`);
      assertAllClose(kernelDiagonal(params(kind), 3), [2, 2, 2]);
    }
    // The same values evaluated in Python (math module), guarding against a slip in the formulas above.
    assertClose(expected.se, 0.7357588823428847, { rel: 1e-15 });
    assertClose(expected.matern32, 0.5956415358592632, { rel: 1e-14 });
    assertClose(expected.matern52, 0.6345667279080875, { rel: 1e-14 });
  });

  it('K(A, B) and K(Z, Z) equal s·unitKernel(q) bit for bit (their per-kind loops must not drift from it)', () => {
    const rng = createRng(11);
    const p = 3;
    const lengthscale = Float64Array.from({ length: p }, () => 0.3 + rng.next());
    const z = Float64Array.from({ length: 7 * p }, () => rng.next());
    const w = Float64Array.from({ length: 5 * p }, () => rng.next());
    const q = (a: Float64Array, i: number, b: Float64Array, j: number): number => {
      let s = 0;
      for (let c = 0; c < p; c++) {
        const d = a[i * p + c]! / lengthscale[c]! - b[j * p + c]! / lengthscale[c]!;
        s += d * d;
      }
      return s;
    };
    for (const kind of KINDS) {
      const params: KernelParams = { kind, lengthscale, signal: 1.7 };
      const cross = kernelMatrix(params, w, 5, z, 7);
      for (let i = 0; i < 5; i++) for (let j = 0; j < 7; j++) assert.equal(cross[i * 7 + j], 1.7 * unitKernel(kind, q(w, i, z, j)), `${kind} cross ${i},${j}`);
      const sym = kernelSymmetric(params, z, 7);
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) {
          const expected = i === j ? 1.7 : 1.7 * unitKernel(kind, q(z, i, z, j));
          assert.equal(sym[i * 7 + j], expected, `${kind} symmetric ${i},${j}`);
        }
      }
    }
  });

  it('has derivatives in q that are finite at q = 0 and match finite differences elsewhere', () => {
    for (const kind of KINDS) {
      assert.ok(Number.isFinite(unitKernelDerivative(kind, 0)), `${kind} f'(0)`);
      for (const q of [1e-6, 0.3, 2, 7]) {
        const h = 1e-6 * Math.max(q, 1e-3);
        const fd = (unitKernel(kind, q + h) - unitKernel(kind, q - h)) / (2 * h);
        assertClose(unitKernelDerivative(kind, q), fd, { rel: 1e-5, abs: 1e-9 }, `${kind} f'(${q})`);
      }
      assert.equal(unitKernel(kind, 0), 1);
    }
  });

  for (const kind of KINDS) {
    it(`${kind}: symmetric and cross backward match finite differences (with duplicate points)`, () => {
      const rng = createRng(11);
      const n = 6;
      const m = 4;
      const p = 3;
      const z = Float64Array.from({ length: n * p }, () => rng.normal());
      // Rows 0 and 1 coincide: exercises r = 0 off the diagonal.
      for (let c = 0; c < p; c++) z[p + c] = z[c];
      const w = Float64Array.from({ length: m * p }, () => rng.normal());
      const g = Float64Array.from({ length: n * n }, () => rng.normal());
      const gc = Float64Array.from({ length: m * n }, () => rng.normal());
      const ls0 = Float64Array.from([0.7, 1.3, 2.1]);
      const s0 = 1.7;
      const pack = Float64Array.from([...ls0, s0, ...z, ...w]);
      const unpack = (theta: Float64Array) => ({
        params: { kind, lengthscale: theta.slice(0, p), signal: theta[p] } as KernelParams,
        z: theta.slice(p + 1, p + 1 + n * p),
        w: theta.slice(p + 1 + n * p),
      });
      const lossSym = (theta: Float64Array): number => {
        const u = unpack(theta);
        const k = kernelSymmetric(u.params, u.z, n);
        let s = 0;
        for (let i = 0; i < n * n; i++) s += g[i] * k[i];
        return s;
      };
      const lossCross = (theta: Float64Array): number => {
        const u = unpack(theta);
        const k = kernelMatrix(u.params, u.w, m, u.z, n);
        let s = 0;
        for (let i = 0; i < m * n; i++) s += gc[i] * k[i];
        return s;
      };
      const params: KernelParams = { kind, lengthscale: ls0, signal: s0 };
      const gLs = new Float64Array(p);
      const gZ = new Float64Array(n * p);
      const dS = kernelSymmetricBackward(params, z, n, g, gLs, gZ);
      const analytic = Float64Array.from([...gLs, dS, ...gZ, ...new Float64Array(m * p)]);
      const fd = finiteDifferenceGradient(lossSym, pack, 1e-6);
      assert.ok(analytic.every(Number.isFinite));
      assert.ok(maxRelativeError(analytic, fd) < 1e-6, `symmetric: ${maxRelativeError(analytic, fd)}`);

      const cLs = new Float64Array(p);
      const cZ = new Float64Array(n * p);
      const cW = new Float64Array(m * p);
      const cS = kernelCrossBackward(params, w, m, z, n, gc, cLs, cW, cZ);
      const analyticCross = Float64Array.from([...cLs, cS, ...cZ, ...cW]);
      const fdCross = finiteDifferenceGradient(lossCross, pack, 1e-6);
      assert.ok(maxRelativeError(analyticCross, fdCross) < 1e-6, `cross: ${maxRelativeError(analyticCross, fdCross)}`);
    });
  }

  it('gives finite, zero input gradients at r = 0 for Matérn kernels', () => {
    for (const kind of ['matern32', 'matern52'] as const) {
      const params: KernelParams = { kind, lengthscale: Float64Array.from([0.5, 0.5]), signal: 1 };
      const point = Float64Array.from([0.3, 0.4]);
      const gradA = new Float64Array(2);
      const gradLs = new Float64Array(2);
      kernelCrossBackward(params, point, 1, point, 1, Float64Array.from([1]), gradLs, gradA, null);
      assert.deepEqual(Array.from(gradA), [0, 0]);
      assert.deepEqual(Array.from(gradLs), [0, 0]);
    }
  });
});
