// Stationary ARD kernels k(z, z') = s·f(q), q = Σ_c ((z_c − z'_c)/ℓ_c)², and their reverse-mode gradients.
// Gradients go through f'(q), which is finite at q = 0 for every kernel here (including Matérn).

import type { KernelKind } from './types';

export interface KernelParams {
  readonly kind: KernelKind;
  /** ARD lengthscales ℓ, one per input (or feature) dimension; all > 0. */
  readonly lengthscale: Float64Array;
  /** Signal variance s > 0. */
  readonly signal: number;
}

const SQRT3 = Math.sqrt(3);
const SQRT5 = Math.sqrt(5);

/** f(q): the kernel at scaled squared distance q, divided by the signal variance. */
export function unitKernel(kind: KernelKind, q: number): number {
  switch (kind) {
    case 'se':
      return Math.exp(-0.5 * q);
    case 'matern32': {
      const r = SQRT3 * Math.sqrt(q);
      return (1 + r) * Math.exp(-r);
    }
    case 'matern52': {
      const r = SQRT5 * Math.sqrt(q);
      return (1 + r + (r * r) / 3) * Math.exp(-r);
    }
  }
}

/** f'(q) = df/dq; finite at q = 0. */
export function unitKernelDerivative(kind: KernelKind, q: number): number {
  switch (kind) {
    case 'se':
      return -0.5 * Math.exp(-0.5 * q);
    case 'matern32':
      return -1.5 * Math.exp(-SQRT3 * Math.sqrt(q));
    case 'matern52': {
      const r = SQRT5 * Math.sqrt(q);
      return (-5 / 6) * (1 + r) * Math.exp(-r);
    }
  }
}

/** Inputs divided by the lengthscales: u = z/ℓ, n×p row-major. */
function scaleInputs(z: Float64Array, n: number, lengthscale: Float64Array, out: Float64Array): Float64Array {
  const p = lengthscale.length;
  for (let i = 0; i < n; i++) {
    const r = i * p;
    for (let c = 0; c < p; c++) out[r + c] = z[r + c] / lengthscale[c];
  }
  return out;
}

/** Scratch buffer of at least `size` entries, grown on demand. */
export class Scratch {
  private buffer = new Float64Array(0);
  get(size: number): Float64Array {
    if (this.buffer.length < size) this.buffer = new Float64Array(Math.max(size, this.buffer.length * 2));
    return this.buffer;
  }
}

const scratchA = new Scratch();
const scratchB = new Scratch();

/**
 * out[from…to) ← s·f(out[from…to)): squared distances to kernel values. One loop per kind, outside the
 * distance loops: a switch per entry made K(A, B) twice as slow. Same arithmetic as s·unitKernel(kind, q).
 */
function applyKernel(kind: KernelKind, signal: number, out: Float64Array, from: number, to: number): void {
  switch (kind) {
    case 'se':
      for (let k = from; k < to; k++) out[k] = signal * Math.exp(-0.5 * out[k]);
      return;
    case 'matern32':
      for (let k = from; k < to; k++) {
        const r = SQRT3 * Math.sqrt(out[k]);
        out[k] = signal * ((1 + r) * Math.exp(-r));
      }
      return;
    case 'matern52':
      for (let k = from; k < to; k++) {
        const r = SQRT5 * Math.sqrt(out[k]);
        out[k] = signal * ((1 + r + (r * r) / 3) * Math.exp(-r));
      }
      return;
  }
}

/** K(A, B): na×nb row-major, A and B with p = lengthscale.length columns. */
export function kernelMatrix(
  params: KernelParams,
  a: Float64Array,
  na: number,
  b: Float64Array,
  nb: number,
  out: Float64Array = new Float64Array(na * nb),
): Float64Array {
  const { kind, lengthscale, signal } = params;
  const p = lengthscale.length;
  const ua = scaleInputs(a, na, lengthscale, scratchA.get(na * p));
  const ub = scaleInputs(b, nb, lengthscale, scratchB.get(nb * p));
  for (let i = 0; i < na; i++) {
    const ri = i * p;
    const ro = i * nb;
    for (let j = 0; j < nb; j++) {
      const rj = j * p;
      let q = 0;
      for (let c = 0; c < p; c++) {
        const d = ua[ri + c] - ub[rj + c];
        q += d * d;
      }
      out[ro + j] = q;
    }
  }
  applyKernel(kind, signal, out, 0, na * nb);
  return out;
}

/** K(Z, Z): symmetric n×n (both triangles filled); diagonal equals the signal variance. */
export function kernelSymmetric(
  params: KernelParams,
  z: Float64Array,
  n: number,
  out: Float64Array = new Float64Array(n * n),
): Float64Array {
  const { kind, lengthscale, signal } = params;
  const p = lengthscale.length;
  const u = scaleInputs(z, n, lengthscale, scratchA.get(n * p));
  for (let i = 0; i < n; i++) {
    const ri = i * p;
    const ro = i * n;
    for (let j = 0; j < i; j++) {
      const rj = j * p;
      let q = 0;
      for (let c = 0; c < p; c++) {
        const d = u[ri + c] - u[rj + c];
        q += d * d;
      }
      out[ro + j] = q;
    }
    applyKernel(kind, signal, out, ro, ro + i);
    for (let j = 0; j < i; j++) out[j * n + i] = out[ro + j];
    out[ro + i] = signal;
  }
  return out;
}

/** diag K(Z, Z) for a stationary kernel: the signal variance everywhere. */
export function kernelDiagonal(params: KernelParams, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  out.fill(params.signal, 0, n);
  return out;
}

/**
 * Reverse mode through K = K(Z, Z) given G = dL/dK (n×n, need not be symmetric).
 * Accumulates dL/dℓ into `gradLengthscale` and, when given, dL/dZ into `gradInput` (n×p);
 * returns dL/ds. Never materialises dK/dθ.
 */
export function kernelSymmetricBackward(
  params: KernelParams,
  z: Float64Array,
  n: number,
  g: Float64Array,
  gradLengthscale: Float64Array | null,
  gradInput: Float64Array | null,
): number {
  const { kind, lengthscale, signal } = params;
  const p = lengthscale.length;
  const u = scaleInputs(z, n, lengthscale, scratchA.get(n * p));
  const acc = scratchB.get(2 * p);
  acc.fill(0, 0, p);
  const twoOverLs = acc.subarray(p, 2 * p);
  for (let c = 0; c < p; c++) twoOverLs[c] = 2 / lengthscale[c];
  let dSignal = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * p;
    const rg = i * n;
    for (let j = 0; j < i; j++) {
      const gij = g[rg + j] + g[j * n + i];
      if (gij === 0) continue;
      const rj = j * p;
      let q = 0;
      for (let c = 0; c < p; c++) {
        const d = u[ri + c] - u[rj + c];
        q += d * d;
      }
      let f: number, df: number;
      switch (kind) {
        case 'se':
          f = Math.exp(-0.5 * q);
          df = -0.5 * f;
          break;
        case 'matern32': {
          const r = SQRT3 * Math.sqrt(q);
          const e = Math.exp(-r);
          f = (1 + r) * e;
          df = -1.5 * e;
          break;
        }
        case 'matern52': {
          const r = SQRT5 * Math.sqrt(q);
          const e = Math.exp(-r);
          f = (1 + r + (r * r) / 3) * e;
          df = (-5 / 6) * (1 + r) * e;
          break;
        }
      }
      dSignal += gij * f;
      const w = gij * signal * df;
      if (gradInput) {
        for (let c = 0; c < p; c++) {
          const wd = w * (u[ri + c] - u[rj + c]);
          acc[c] += wd * (u[ri + c] - u[rj + c]);
          const v = wd * twoOverLs[c];
          gradInput[ri + c] += v;
          gradInput[rj + c] -= v;
        }
      } else {
        for (let c = 0; c < p; c++) {
          const d = u[ri + c] - u[rj + c];
          acc[c] += w * d * d;
        }
      }
    }
    dSignal += g[rg + i];
  }
  if (gradLengthscale) {
    for (let c = 0; c < p; c++) gradLengthscale[c] += (-2 * acc[c]) / lengthscale[c];
  }
  return dSignal;
}

/**
 * Reverse mode through K = K(A, B) given G = dL/dK (na×nb). Accumulates dL/dℓ, dL/dA (na×p) and
 * dL/dB (nb×p) into the buffers that are given; returns dL/ds.
 */
export function kernelCrossBackward(
  params: KernelParams,
  a: Float64Array,
  na: number,
  b: Float64Array,
  nb: number,
  g: Float64Array,
  gradLengthscale: Float64Array | null,
  gradA: Float64Array | null,
  gradB: Float64Array | null,
): number {
  const { kind, lengthscale, signal } = params;
  const p = lengthscale.length;
  const ua = scaleInputs(a, na, lengthscale, scratchA.get(na * p));
  const ub = scaleInputs(b, nb, lengthscale, scratchB.get(nb * p));
  const acc = new Float64Array(p);
  let dSignal = 0;
  for (let i = 0; i < na; i++) {
    const ri = i * p;
    const rg = i * nb;
    for (let j = 0; j < nb; j++) {
      const gij = g[rg + j];
      if (gij === 0) continue;
      const rj = j * p;
      let q = 0;
      for (let c = 0; c < p; c++) {
        const d = ua[ri + c] - ub[rj + c];
        q += d * d;
      }
      dSignal += gij * unitKernel(kind, q);
      const w = gij * signal * unitKernelDerivative(kind, q);
      for (let c = 0; c < p; c++) {
        const d = ua[ri + c] - ub[rj + c];
        acc[c] += w * d * d;
        if (gradA || gradB) {
          const v = (2 * w * d) / lengthscale[c];
          if (gradA) gradA[ri + c] += v;
          if (gradB) gradB[rj + c] -= v;
        }
      }
    }
  }
  if (gradLengthscale) {
    for (let c = 0; c < p; c++) gradLengthscale[c] += (-2 * acc[c]) / lengthscale[c];
  }
  return dSignal;
}
