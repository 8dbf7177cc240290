// Test helper: draws functions from a known GP with an independent (test-side) Matérn 5/2 / SE kernel.
import { cholesky } from '../../../src/engine/linalg';
import type { Rng } from '../../../src/engine/types';

export interface TrueGp {
  kernel: 'matern52' | 'se';
  lengthscales: number[];
  signal: number;
  noise: number;
  /** m(x) = constant + Σ slope_j x_j */
  constant: number;
  slope?: number[];
}

export function trueKernel(gp: TrueGp, a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number): number {
  let q = 0;
  for (let j = 0; j < gp.lengthscales.length; j++) {
    const t = (a[ao + j]! - b[bo + j]!) / gp.lengthscales[j]!;
    q += t * t;
  }
  if (gp.kernel === 'se') return gp.signal * Math.exp(-0.5 * q);
  const r = Math.sqrt(5 * q);
  return gp.signal * (1 + r + (r * r) / 3) * Math.exp(-r);
}

export function trueMean(gp: TrueGp, x: ArrayLike<number>, o: number): number {
  let m = gp.constant;
  gp.slope?.forEach((s, j) => (m += s * x[o + j]!));
  return m;
}

/** m noisy draws (columns) of one GP function each at the same n points x (row-major n×d): returns n×m row-major. */
export function sampleFunctions(gp: TrueGp, x: Float64Array, n: number, m: number, rng: Rng): { f: Float64Array; y: Float64Array } {
  const d = gp.lengthscales.length;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) k[i * n + j] = k[j * n + i] = trueKernel(gp, x, i * d, x, j * d);
  for (let i = 0; i < n; i++) k[i * n + i] += 1e-9;
  const L = cholesky(k, n).factor;
  const f = new Float64Array(n * m);
  const y = new Float64Array(n * m);
  const z = new Float64Array(n);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) z[i] = rng.normal();
    for (let i = 0; i < n; i++) {
      let s = trueMean(gp, x, i * d);
      for (let j = 0; j <= i; j++) s += L[i * n + j]! * z[j]!;
      f[i * m + c] = s;
      y[i * m + c] = s + Math.sqrt(gp.noise) * rng.normal();
    }
  }
  return { f, y };
}

export function uniformPoints(n: number, d: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n * d }, () => rng.next());
}
