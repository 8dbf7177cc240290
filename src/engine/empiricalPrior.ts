// A GP over a fixed candidate pool whose prior is the training tasks' empirical mean and covariance there
// (bench/README.md, "Empirical covariance at matched points"). The non-parametric limit of HyperBO's EKL fit.
//
// z_t(i) is training task t's standardised value at pool point i (transfer.ts transferTaskScores: measured values
// where the task measured the point, its GP posterior elsewhere). With m(i) the mean over tasks and
// S(i,j) = Σ_t (z_t(i) − m(i))(z_t(j) − m(j))/(T − 1), the new task (model units, centre c, spread s) is
//   y(i) = a + β·s·m(i) + s·g(i) + ε,  g ~ GP(0, α·S + (1 − α)·L/s²),  a ~ N(c, s²),  β ~ N(1, 1),  ε ~ N(0, σ²)
// with L the learnt kernel. Conditioning on the study's results weighs the directions in which the training tasks
// differ, i.e. it finds which of them the new task resembles. S has rank ≤ T − 1; the L part keeps the rest of the
// space open. a and β are random coefficients so that an exact affine copy of the average is predicted exactly.
import { cholesky, solveLower } from './linalg';
import { EngineError } from './types';

export interface EmpiricalPriorOptions {
  /** Weight of the empirical covariance, in [0, 1]; the rest is the learnt kernel. */
  readonly alpha: number;
  /** The learnt kernel at the pool, N×N row-major, model units, without noise. Required when alpha < 1. */
  readonly learned?: Float64Array;
  /** Observation noise variance, model units. */
  readonly noise: number;
  /** The new task's expected centre and spread in model units (the training tasks' median). */
  readonly center: number;
  readonly scale: number;
}

/** Prior sd of the offset a and of the coefficient β, in task spreads. */
const OFFSET_SD = 1;
const COEFFICIENT_SD = 1;

export class EmpiricalPrior {
  readonly n: number;
  private readonly mean: Float64Array;
  /** (z_t − m)/sqrt(T − 1), T×N row-major: S = FᵀF. */
  private readonly factors: Float64Array;
  private readonly tasks: number;

  constructor(
    z: readonly ArrayLike<number>[],
    private readonly options: EmpiricalPriorOptions,
  ) {
    const { alpha, learned, noise, center, scale } = options;
    if (z.length === 0) throw new EngineError('The empirical prior needs at least one training task.');
    if (!(alpha >= 0 && alpha <= 1)) throw new EngineError(`The empirical prior's alpha must lie in [0, 1], got ${alpha}.`);
    if (!(scale > 0) || !Number.isFinite(center) || !(noise >= 0)) throw new EngineError('The empirical prior needs a finite centre, a positive spread and a noise ≥ 0.');
    const n = z[0]!.length;
    if (z.some((t) => t.length !== n)) throw new EngineError('Every training task needs a value at every pool point.');
    if (alpha < 1 && (!learned || learned.length !== n * n)) throw new EngineError('The empirical prior needs the learnt kernel at the pool when alpha < 1.');
    this.n = n;
    this.tasks = z.length;
    this.mean = new Float64Array(n);
    for (const t of z) for (let i = 0; i < n; i++) this.mean[i]! += t[i]! / z.length;
    this.factors = new Float64Array(z.length * n);
    const norm = z.length > 1 ? 1 / Math.sqrt(z.length - 1) : 0;
    z.forEach((t, k) => {
      for (let i = 0; i < n; i++) this.factors[k * n + i] = (t[i]! - this.mean[i]!) * norm;
    });
  }

  /** Prior covariance of y between pool points i and j (model units, without noise). */
  private covariance(i: number, j: number): number {
    const { alpha, learned, scale } = this.options;
    const n = this.n;
    let s = 0;
    if (alpha > 0) for (let t = 0; t < this.tasks; t++) s += this.factors[t * n + i]! * this.factors[t * n + j]!;
    const s2 = scale * scale;
    const shared = s2 * (OFFSET_SD * OFFSET_SD + COEFFICIENT_SD * COEFFICIENT_SD * this.mean[i]! * this.mean[j]!);
    return alpha * s2 * s + (alpha < 1 ? (1 - alpha) * learned![i * n + j]! : 0) + shared;
  }

  /**
   * Posterior mean and variance of y (noise-free, model units) at every pool point, given results y at pool
   * indices `at` (repeats allowed).
   */
  posterior(at: ArrayLike<number>, y: ArrayLike<number>): { mean: Float64Array; variance: Float64Array } {
    const n = this.n;
    const m = at.length;
    if (y.length !== m) throw new EngineError('The empirical prior needs one result per observed pool index.');
    for (let k = 0; k < m; k++) {
      if (!(Number.isInteger(at[k]) && at[k]! >= 0 && at[k]! < n)) throw new EngineError(`Pool index ${at[k]} is out of range.`);
      if (!Number.isFinite(y[k]!)) throw new EngineError('The empirical prior needs finite results.');
    }
    const { center, scale, noise } = this.options;
    const priorAt = (i: number): number => center + scale * this.mean[i]!;
    const mean = new Float64Array(n);
    const variance = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      mean[i] = priorAt(i);
      variance[i] = this.covariance(i, i);
    }
    if (m === 0) return { mean, variance };
    const k = new Float64Array(m * m);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b <= a; b++) k[a * m + b] = k[b * m + a] = this.covariance(at[a]!, at[b]!);
      k[a * m + a]! += noise;
    }
    // S is low-rank and the learnt part may be absent (alpha = 1): the factorisation's jitter schedule covers it.
    const l = cholesky(k, m, { what: 'the empirical prior covariance' }).factor;
    const residual = Float64Array.from({ length: m }, (_, a) => y[a]! - priorAt(at[a]!));
    const w = solveLower(l, m, residual);
    const cross = new Float64Array(m);
    const v = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < m; a++) cross[a] = this.covariance(i, at[a]!);
      solveLower(l, m, cross, v);
      let mu = 0;
      let explained = 0;
      for (let a = 0; a < m; a++) {
        mu += v[a]! * w[a]!;
        explained += v[a]! * v[a]!;
      }
      mean[i]! += mu;
      variance[i] = Math.max(0, variance[i]! - explained);
    }
    return { mean, variance };
  }
}
