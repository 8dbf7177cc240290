// Dense linear algebra on row-major Float64Arrays, written for the GP hot paths.
// All n×n matrices are row-major; a Cholesky factor is lower triangular with its upper part zeroed.

import { EngineError } from './types';
import { choleskyWasm } from './wasm/linalg';

/** Result of a Cholesky factorisation: L with L·Lᵀ = A + jitter·I. */
export interface CholeskyFactor {
  readonly n: number;
  /** Lower-triangular factor, row-major n×n, upper part zero. */
  readonly factor: Float64Array;
  /** Extra diagonal jitter that had to be added on top of the input to make it positive definite (0 if none). */
  readonly jitter: number;
}

export interface CholeskyOptions {
  /** Extra jitters tried in order, relative to the mean diagonal, after the plain factorisation fails. */
  readonly jitterSchedule?: readonly number[];
  /** Names the matrix in error messages, e.g. "the covariance of task 'cifar10'". */
  readonly what?: string;
  /** Reuse this buffer (length ≥ n²) for the factor. */
  readonly out?: Float64Array;
}

/** Relative jitters tried after a failed plain factorisation: 1e-6 … 1e-2 times the mean diagonal. */
export const DEFAULT_JITTER_SCHEDULE: readonly number[] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2];

/** Below this size the TypeScript loop beats the WebAssembly kernel's call and copying overhead. */
const WASM_CHOLESKY_MIN_N = 64;

/**
 * Factors the lower triangle of `a` (row-major n×n, in place) into L. Reads only the lower triangle,
 * zeroes the upper one. Returns false, leaving `a` partly overwritten, when a pivot is not positive.
 * Uses the WebAssembly SIMD kernel where it runs and pays off, else the TypeScript loop.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  return factorWithKernel(a, n, a) ?? choleskyInPlaceScalar(a, n);
}

/**
 * The WebAssembly kernel's factorisation of `a` into `out` (which may be `a`) where it runs and pays off; it leaves
 * both untouched when it fails. Undefined sends the caller to the TypeScript loop.
 */
function factorWithKernel(a: Float64Array, n: number, out: Float64Array): boolean | undefined {
  return n >= WASM_CHOLESKY_MIN_N ? choleskyWasm(a, n, out) : undefined;
}

/**
 * The TypeScript factorisation: same contract as choleskyInPlace. Rows are processed four at a time so
 * each earlier row of L is streamed from memory once per block.
 */
export function choleskyInPlaceScalar(a: Float64Array, n: number): boolean {
  let i0 = 0;
  for (; i0 + 4 <= n; i0 += 4) {
    const r0 = i0 * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
    // Columns left of the block, two at a time: a 4×2 register tile of dot products shares each
    // loaded entry of rows j and j+1 (row j+1 also needs L[j+1][j], handled after the shared prefix).
    let j = 0;
    for (; j + 2 <= i0; j += 2) {
      const rj = j * n, rk = rj + n;
      let s00 = 0, s10 = 0, s20 = 0, s30 = 0, s01 = 0, s11 = 0, s21 = 0, s31 = 0;
      for (let k = 0; k < j; k++) {
        const l0 = a[rj + k], l1 = a[rk + k];
        const v0 = a[r0 + k], v1 = a[r1 + k], v2 = a[r2 + k], v3 = a[r3 + k];
        s00 += v0 * l0; s10 += v1 * l0; s20 += v2 * l0; s30 += v3 * l0;
        s01 += v0 * l1; s11 += v1 * l1; s21 += v2 * l1; s31 += v3 * l1;
      }
      const inv0 = 1 / a[rj + j];
      const x0 = (a[r0 + j] - s00) * inv0, x1 = (a[r1 + j] - s10) * inv0;
      const x2 = (a[r2 + j] - s20) * inv0, x3 = (a[r3 + j] - s30) * inv0;
      a[r0 + j] = x0; a[r1 + j] = x1; a[r2 + j] = x2; a[r3 + j] = x3;
      const lk = a[rk + j];
      const inv1 = 1 / a[rk + j + 1];
      a[r0 + j + 1] = (a[r0 + j + 1] - s01 - x0 * lk) * inv1;
      a[r1 + j + 1] = (a[r1 + j + 1] - s11 - x1 * lk) * inv1;
      a[r2 + j + 1] = (a[r2 + j + 1] - s21 - x2 * lk) * inv1;
      a[r3 + j + 1] = (a[r3 + j + 1] - s31 - x3 * lk) * inv1;
    }
    for (; j < i0; j++) {
      const rj = j * n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < j; k++) {
        const l = a[rj + k];
        s0 += a[r0 + k] * l;
        s1 += a[r1 + k] * l;
        s2 += a[r2 + k] * l;
        s3 += a[r3 + k] * l;
      }
      const inv = 1 / a[rj + j];
      a[r0 + j] = (a[r0 + j] - s0) * inv;
      a[r1 + j] = (a[r1 + j] - s1) * inv;
      a[r2 + j] = (a[r2 + j] - s2) * inv;
      a[r3 + j] = (a[r3 + j] - s3) * inv;
    }
    // The 4×4 diagonal block.
    for (let i = i0; i < i0 + 4; i++) {
      if (!finishRow(a, n, i, i0)) return false;
    }
  }
  for (let i = i0; i < n; i++) {
    if (!finishRow(a, n, i, 0)) return false;
  }
  return true;
}

/** Completes row i of the factor for columns from `from` to i (earlier columns already final). */
function finishRow(a: Float64Array, n: number, i: number, from: number): boolean {
  const ri = i * n;
  for (let j = from; j < i; j++) {
    const rj = j * n;
    let s = 0;
    for (let k = 0; k < j; k++) s += a[ri + k] * a[rj + k];
    a[ri + j] = (a[ri + j] - s) / a[rj + j];
  }
  let d = a[ri + i];
  for (let k = 0; k < i; k++) d -= a[ri + k] * a[ri + k];
  if (!(d > 0) || !Number.isFinite(d)) return false;
  a[ri + i] = Math.sqrt(d);
  for (let j = i + 1; j < n; j++) a[ri + j] = 0;
  return true;
}

/**
 * Cholesky factor of a symmetric matrix (lower triangle read). If the matrix is not numerically
 * positive definite, retries with growing diagonal jitter and reports the jitter used.
 * Throws EngineError for non-finite entries or when even the largest jitter fails.
 */
export function cholesky(a: Float64Array, n: number, options: CholeskyOptions = {}): CholeskyFactor {
  const what = options.what ?? 'the covariance matrix';
  if (a.length < n * n) throw new EngineError(`Internal: ${what} has ${a.length} entries, expected ${n * n}.`);
  const out = options.out && options.out.length >= n * n ? options.out : new Float64Array(n * n);
  // The jitter retries need the input. The kernel leaves it alone when it fails; the TypeScript loop works in
  // `out`, so factoring in place that way keeps a copy first.
  let original = a;
  let ok = factorWithKernel(a, n, out);
  if (ok === undefined) {
    if (out === a) original = Float64Array.from(a.subarray(0, n * n));
    else out.set(a.subarray(0, n * n));
    ok = choleskyInPlaceScalar(out, n);
  }
  // A NaN or infinity anywhere in the lower triangle makes some pivot non-positive or non-finite, so the
  // plain factorisation fails on them and the inputs are only inspected then.
  if (ok) return { n, factor: out, jitter: 0 };
  // The retries write into `out`: when that is the (untouched) input, they start from a copy of it.
  if (original === out) original = Float64Array.from(a.subarray(0, n * n));
  let diagSum = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      if (!Number.isFinite(original[ri + j])) {
        throw new EngineError(
          `${capitalise(what)} contains a non-finite value (NaN or Infinity) at (${i}, ${j}); ` +
            'check the inputs and parameters for NaN/Infinity.',
        );
      }
    }
    diagSum += original[ri + i];
  }
  const scale = n > 0 && diagSum > 0 ? diagSum / n : 1;
  const schedule = options.jitterSchedule ?? DEFAULT_JITTER_SCHEDULE;
  for (const relative of schedule) {
    const jitter = relative * scale;
    out.set(original.subarray(0, n * n));
    for (let i = 0; i < n; i++) out[i * n + i] += jitter;
    if (choleskyInPlace(out, n)) return { n, factor: out, jitter };
  }
  const largest = schedule.length > 0 ? schedule[schedule.length - 1] * scale : 0;
  throw new EngineError(
    `${capitalise(what)} (${n}×${n}) is not positive definite even with ${largest.toExponential(1)} added to its diagonal. ` +
      'Increase the noise variance, or remove duplicate or nearly identical points.',
  );
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}

/** Solves L·x = b for lower-triangular L (forward substitution). `out` may alias `b`. */
export function solveLower(l: Float64Array, n: number, b: Float64Array, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * out[k];
    out[i] = s / l[ri + i];
  }
  return out;
}

/** Solves Lᵀ·x = b for lower-triangular L (back substitution). `out` may alias `b`. */
export function solveLowerTransposed(
  l: Float64Array,
  n: number,
  b: Float64Array,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  if (out !== b) out.set(b.subarray(0, n));
  // Column-oriented on Lᵀ = row-oriented on L: after x_i is final, subtract it from earlier entries.
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = out[i] / l[ri + i];
    out[i] = xi;
    for (let k = 0; k < i; k++) out[k] -= l[ri + k] * xi;
  }
  return out;
}

/** Solves (L·Lᵀ)·x = b. `out` may alias `b`. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, out: Float64Array = new Float64Array(n)): Float64Array {
  solveLower(l, n, b, out);
  return solveLowerTransposed(l, n, out, out);
}

/** Solves L·X = B for B n×m row-major. `out` may alias `b`. */
export function solveLowerMatrix(
  l: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  out: Float64Array = new Float64Array(n * m),
): Float64Array {
  if (out !== b) out.set(b.subarray(0, n * m));
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const xi = i * m;
    for (let k = 0; k < i; k++) {
      const c = l[ri + k];
      if (c === 0) continue;
      const xk = k * m;
      for (let c2 = 0; c2 < m; c2++) out[xi + c2] -= c * out[xk + c2];
    }
    const inv = 1 / l[ri + i];
    for (let c2 = 0; c2 < m; c2++) out[xi + c2] *= inv;
  }
  return out;
}

/** Solves Lᵀ·X = B for B n×m row-major. `out` may alias `b`. */
export function solveLowerTransposedMatrix(
  l: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  out: Float64Array = new Float64Array(n * m),
): Float64Array {
  if (out !== b) out.set(b.subarray(0, n * m));
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = i * m;
    const inv = 1 / l[ri + i];
    for (let c2 = 0; c2 < m; c2++) out[xi + c2] *= inv;
    for (let k = 0; k < i; k++) {
      const c = l[ri + k];
      if (c === 0) continue;
      const xk = k * m;
      for (let c2 = 0; c2 < m; c2++) out[xk + c2] -= c * out[xi + c2];
    }
  }
  return out;
}

/** Solves (L·Lᵀ)·X = B for B n×m row-major. */
export function choleskySolveMatrix(
  l: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  out: Float64Array = new Float64Array(n * m),
): Float64Array {
  solveLowerMatrix(l, n, b, m, out);
  return solveLowerTransposedMatrix(l, n, out, m, out);
}

/** log|A| from the Cholesky factor of A. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

/**
 * A⁻¹ = L⁻ᵀL⁻¹ from the Cholesky factor of A (full symmetric n×n result). `work` (n², optional)
 * holds (L⁻¹)ᵀ. Only gradient code should need this.
 */
export function choleskyInverse(
  l: Float64Array,
  n: number,
  out: Float64Array = new Float64Array(n * n),
  work: Float64Array = new Float64Array(n * n),
): Float64Array {
  const w = invertLowerTransposed(l, n, work);
  // (A⁻¹)_ij = Σ_k W_ik W_jk with W = (L⁻¹)ᵀ upper triangular. Row i of W is zero left of i, so for
  // rows i0..i0+3 every sum may start at k = i0: a 4×2 register tile over contiguous rows of W.
  let i0 = 0;
  for (; i0 + 4 <= n; i0 += 4) {
    const r0 = i0 * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
    let j = 0;
    for (; j + 2 <= i0 + 4; j += 2) {
      const rj = j * n, rk = rj + n;
      let s00 = 0, s10 = 0, s20 = 0, s30 = 0, s01 = 0, s11 = 0, s21 = 0, s31 = 0;
      for (let k = i0; k < n; k++) {
        const u0 = w[rj + k], u1 = w[rk + k];
        const v0 = w[r0 + k], v1 = w[r1 + k], v2 = w[r2 + k], v3 = w[r3 + k];
        s00 += v0 * u0; s10 += v1 * u0; s20 += v2 * u0; s30 += v3 * u0;
        s01 += v0 * u1; s11 += v1 * u1; s21 += v2 * u1; s31 += v3 * u1;
      }
      out[r0 + j] = s00; out[r1 + j] = s10; out[r2 + j] = s20; out[r3 + j] = s30;
      out[r0 + j + 1] = s01; out[r1 + j + 1] = s11; out[r2 + j + 1] = s21; out[r3 + j + 1] = s31;
      out[rj + i0] = s00; out[rj + i0 + 1] = s10; out[rj + i0 + 2] = s20; out[rj + i0 + 3] = s30;
      out[rk + i0] = s01; out[rk + i0 + 1] = s11; out[rk + i0 + 2] = s21; out[rk + i0 + 3] = s31;
    }
  }
  for (let i = i0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      const s = dotRange(w, ri + i, w, rj + i, n - i);
      out[ri + j] = s;
      out[rj + i] = s;
    }
  }
  return out;
}

/**
 * (L⁻¹)ᵀ for lower-triangular L: an upper-triangular result (lower part zero). Stored transposed so
 * both this and choleskyInverse run on contiguous dot products.
 */
export function invertLowerTransposed(l: Float64Array, n: number, out: Float64Array = new Float64Array(n * n)): Float64Array {
  out.fill(0, 0, n * n);
  // Row j of W is column j of L⁻¹, i.e. the forward-substitution solution of L·x = e_j:
  // W_ji = −(1/L_ii) Σ_{j≤k<i} L_ik W_jk. Four rows of W are solved together (each L_ik load is
  // shared), two entries i, i+1 at a time; zeros left of each row's diagonal let all four sums
  // start at k = j0.
  let j0 = 0;
  for (; j0 + 4 <= n; j0 += 4) {
    const w0 = j0 * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
    // The 4×4 diagonal block of W.
    for (let i = j0; i < j0 + 4; i++) {
      const ri = i * n;
      const inv = 1 / l[ri + i];
      for (let j = j0; j < i; j++) {
        const rw = j * n;
        let s = 0;
        for (let k = j; k < i; k++) s += l[ri + k] * out[rw + k];
        out[rw + i] = -s * inv;
      }
      out[ri + i] = inv;
    }
    let i = j0 + 4;
    for (; i + 2 <= n; i += 2) {
      const ri = i * n, rn = ri + n;
      let s00 = 0, s10 = 0, s20 = 0, s30 = 0, s01 = 0, s11 = 0, s21 = 0, s31 = 0;
      for (let k = j0; k < i; k++) {
        const a0 = l[ri + k], a1 = l[rn + k];
        const v0 = out[w0 + k], v1 = out[w1 + k], v2 = out[w2 + k], v3 = out[w3 + k];
        s00 += v0 * a0; s10 += v1 * a0; s20 += v2 * a0; s30 += v3 * a0;
        s01 += v0 * a1; s11 += v1 * a1; s21 += v2 * a1; s31 += v3 * a1;
      }
      const inv0 = -1 / l[ri + i];
      const x0 = s00 * inv0, x1 = s10 * inv0, x2 = s20 * inv0, x3 = s30 * inv0;
      out[w0 + i] = x0; out[w1 + i] = x1; out[w2 + i] = x2; out[w3 + i] = x3;
      const c = l[rn + i];
      const inv1 = -1 / l[rn + i + 1];
      out[w0 + i + 1] = (s01 + c * x0) * inv1;
      out[w1 + i + 1] = (s11 + c * x1) * inv1;
      out[w2 + i + 1] = (s21 + c * x2) * inv1;
      out[w3 + i + 1] = (s31 + c * x3) * inv1;
    }
    for (; i < n; i++) {
      const ri = i * n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = j0; k < i; k++) {
        const a0 = l[ri + k];
        s0 += out[w0 + k] * a0; s1 += out[w1 + k] * a0; s2 += out[w2 + k] * a0; s3 += out[w3 + k] * a0;
      }
      const inv = -1 / l[ri + i];
      out[w0 + i] = s0 * inv; out[w1 + i] = s1 * inv; out[w2 + i] = s2 * inv; out[w3 + i] = s3 * inv;
    }
  }
  for (; j0 < n; j0++) {
    const rw = j0 * n;
    out[rw + j0] = 1 / l[rw + j0];
    for (let i = j0 + 1; i < n; i++) {
      const ri = i * n;
      out[rw + i] = -dotRange(l, ri + j0, out, rw + j0, i - j0) / l[ri + i];
    }
  }
  return out;
}

/** Σ_{t<len} a[ai+t]·b[bi+t] with four independent partial sums (hides floating-point add latency). */
function dotRange(a: Float64Array, ai: number, b: Float64Array, bi: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let t = 0;
  for (; t + 4 <= len; t += 4) {
    s0 += a[ai + t] * b[bi + t];
    s1 += a[ai + t + 1] * b[bi + t + 1];
    s2 += a[ai + t + 2] * b[bi + t + 2];
    s3 += a[ai + t + 3] * b[bi + t + 3];
  }
  for (; t < len; t++) s0 += a[ai + t] * b[bi + t];
  return s0 + s1 + (s2 + s3);
}

/** L⁻¹ for lower-triangular L (lower-triangular result, upper part zero). */
export function invertLower(l: Float64Array, n: number, out: Float64Array = new Float64Array(n * n)): Float64Array {
  const w = invertLowerTransposed(l, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = w[j * n + i];
  return out;
}

/** C = A·B with A n×k and B k×m, all row-major. */
export function matmul(
  a: Float64Array,
  b: Float64Array,
  n: number,
  k: number,
  m: number,
  out: Float64Array = new Float64Array(n * m),
): Float64Array {
  out.fill(0, 0, n * m);
  for (let i = 0; i < n; i++) {
    const ai = i * k;
    const ci = i * m;
    for (let p = 0; p < k; p++) {
      const v = a[ai + p];
      if (v === 0) continue;
      const bp = p * m;
      for (let j = 0; j < m; j++) out[ci + j] += v * b[bp + j];
    }
  }
  return out;
}

/** y = A·x with A n×m row-major. */
export function matVec(a: Float64Array, n: number, m: number, x: Float64Array, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * m;
    let s = 0;
    for (let j = 0; j < m; j++) s += a[ri + j] * x[j];
    out[i] = s;
  }
  return out;
}

/** Σ a_i b_i over the first n entries (offsets optional). */
export function dot(a: Float64Array, b: Float64Array, n: number, offsetA = 0, offsetB = 0): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[offsetA + i] * b[offsetB + i];
  return s;
}
