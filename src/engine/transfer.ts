// The first suggestion of a study with a pre-trained prior, from what the training tasks measured.
//
// With no result of its own, a study's acquisition under the frozen prior is a function of the prior mean m(x)
// alone, and the learnt mean (a linear head on an MLP) is only constrained where the training tasks evaluated
// configurations: elsewhere it extrapolates (on the example, to a learning rate of 10, which diverged), and with
// few training tasks the engine picks a constant mean whose argmax is arbitrary (NAS-Bench-201: the pool's first
// member, a collapsed cell). Zero-shot transfer (the configuration best on average over the training tasks) has no
// such failure, because it only ranks configurations that were measured.
//
// The transfer score is zero-shot's mean rank, with the prior's GP filling in what a task did not measure: each
// task's values become ranks on a uniform scale (centred, unit variance, on the task's centre and spread); condition
// the frozen prior on each training task i separately (a bounded subset of its data), standardise, and take a lower
// confidence bound of the average over tasks:
//   z_i(x) = (μ_i(x) − c_i)/s_i,  score(x) = mean_i z_i(x) − κ · sqrt(mean_i σ_i(x)²/s_i² + var_i z_i(x))
// Where task i measured x itself, z_i is that measurement (σ_i = 0); elsewhere it is the GP's, so far from every
// measurement an extrapolating mean has to beat the best measured configurations by κ task sds to be chosen. The
// spread between tasks, var_i z_i, counts only where some task did not measure x. On a pool every training task
// measured, the score is zero-shot's mean rank exactly (bench/EXPERIMENTS.md, "The first pick is
// zero-shot's mean rank"). The candidates are the training tasks' own configurations (continuous spaces) or the pool.
import { condition, priorMean } from './model';
import { selectObservations } from './subset';
import { rankScores } from './warp';
import { EngineError, type ModelSpec, type Points, type PretrainData } from './types';

/** One training task's data for the transfer score: unit-cube inputs, model-unit values and their centre/spread. */
export interface TransferTask {
  /** The training task's name (absent in prior files made before names were kept). */
  readonly name?: string;
  readonly x: Points;
  readonly y: Float64Array;
  /** Centre (median) and spread (sd, > 0) of the task's model values, over all its usable data. */
  readonly center: number;
  readonly scale: number;
}

/** Points per training task kept for the transfer score (the best, the best's neighbours and a cover of the rest). */
export const TRANSFER_POINTS_PER_TASK = 512;
/** At most this many points over all tasks (beyond 8 tasks each keeps TRANSFER_MAX_POINTS / tasks). */
export const TRANSFER_MAX_POINTS = 4096;
/** κ of the lower confidence bound, in task standard deviations (bench/EXPERIMENTS.md: first pick). */
export const TRANSFER_KAPPA = 1;

/**
 * What the transfer score averages per task: 'model' the model-unit values; 'normal-scores' their ranks mapped to
 * normal quantiles on the task's centre and spread (the Gaussian copula of Salinas et al. 2020); 'uniform-ranks'
 * (default) their ranks on a uniform scale, as zero-shot's mean rank. Ranks keep a task's heavy tail from outweighing
 * the ordering the other tasks agree on.
 */
export type TransferValues = 'model' | 'normal-scores' | 'uniform-ranks';
export const TRANSFER_VALUES: TransferValues = 'uniform-ranks';

/**
 * Each training task's usable rows (unmatched rows and its columns of matched groups, non-finite values left out,
 * repeated inputs once), reduced to at most TRANSFER_POINTS_PER_TASK points by selectObservations.
 */
export function transferSupport(
  data: PretrainData,
  options: { perTask?: number; values?: TransferValues } = {},
): TransferTask[] {
  const perTask = options.perTask ?? TRANSFER_POINTS_PER_TASK;
  const values = options.values ?? TRANSFER_VALUES;
  const rows = new Map<string, { name: string; d: number; seen: Set<string>; x: number[]; y: number[] }>();
  const add = (name: string, d: number, x: Float64Array, y: number): void => {
    if (!Number.isFinite(y)) return;
    let r = rows.get(name);
    if (!r) rows.set(name, (r = { name, d, seen: new Set(), x: [], y: [] }));
    const key = Array.from(x).join(',');
    if (r.seen.has(key)) return;
    r.seen.add(key);
    r.x.push(...x);
    r.y.push(y);
  };
  for (const t of data.tasks) {
    for (let i = 0; i < t.x.n; i++) add(t.name, t.x.d, t.x.data.subarray(i * t.x.d, (i + 1) * t.x.d), t.y[i]!);
  }
  for (const g of data.matched) {
    for (let i = 0; i < g.x.n; i++) {
      for (let c = 0; c < g.m; c++) add(g.taskNames[c]!, g.x.d, g.x.data.subarray(i * g.x.d, (i + 1) * g.x.d), g.y[i * g.m + c]!);
    }
  }
  const usable = [...rows.values()].filter((r) => r.y.length >= 2);
  const limit = Math.max(2, Math.min(perTask, Math.floor(TRANSFER_MAX_POINTS / Math.max(1, usable.length))));
  const out: TransferTask[] = [];
  for (const r of usable) {
    const measured = Float64Array.from(r.y);
    const { center, scale } = centreAndSpread(measured);
    if (!(scale > 0)) continue; // a constant task says nothing about which configuration is better
    const all = values === 'model' ? measured : rankScores(measured, center, scale, values === 'uniform-ranks');
    const x: Points = { n: all.length, d: r.d, data: Float64Array.from(r.x) };
    const keep = selectObservations(x, all, limit);
    const data = new Float64Array(keep.length * r.d);
    const y = new Float64Array(keep.length);
    keep.forEach((i, k) => {
      data.set(x.data.subarray(i * r.d, (i + 1) * r.d), k * r.d);
      y[k] = all[i]!;
    });
    out.push({ name: r.name, x: { n: keep.length, d: r.d, data }, y, center, scale });
  }
  return out;
}

function centreAndSpread(y: Float64Array): { center: number; scale: number } {
  const sorted = Float64Array.from(y).sort();
  const mid = (sorted.length - 1) / 2;
  const center = (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2;
  let mean = 0;
  for (const v of y) mean += v;
  mean /= y.length;
  let ss = 0;
  for (const v of y) ss += (v - mean) ** 2;
  return { center, scale: Math.sqrt(ss / y.length) };
}

/** Checks a transfer set against the model's input dimension (a prior file's, or a caller's). */
export function checkTransfer(tasks: readonly TransferTask[], dim: number): void {
  for (const t of tasks) {
    if (t.x.d !== dim || t.x.data.length !== t.x.n * dim || t.y.length !== t.x.n || t.x.n < 1) {
      throw new EngineError(`A transfer task's data does not match the model's ${dim} inputs.`);
    }
    if (!t.y.every(Number.isFinite) || !t.x.data.every((v) => v >= 0 && v <= 1)) {
      throw new EngineError('A transfer task has a non-finite value or an input outside the unit cube.');
    }
    if (!Number.isFinite(t.center) || !(t.scale > 0 && Number.isFinite(t.scale))) {
      throw new EngineError('A transfer task needs a finite centre and a positive spread.');
    }
  }
}

/**
 * How the per-task posterior treats the prior mean: 'prior' keeps the learnt mean (far from a task's data its
 * posterior reverts to m(x)); 'task' replaces it by the task's centre, so far from the data the posterior reverts to a
 * typical value of the task and only the learnt kernel (which points are alike) carries over.
 */
export type TransferMean = 'prior' | 'task';
export const TRANSFER_MEAN: TransferMean = 'task';

/**
 * What the lower bound's spread covers: 'posterior' the per-task posterior variances only; 'tasks' also the variance
 * of the per-task means across training tasks (the mixture's variance), which penalises a configuration the tasks
 * disagree on; 'unmeasured' (default) that variance only at candidates some task did not measure, where the score
 * leans on the GPs. So a candidate every task measured is scored by its mean rank alone (zero-shot's score), and an
 * extrapolated one has to be good on every task's GP (bench/EXPERIMENTS.md, "The first pick is zero-shot's mean rank").
 */
export type TransferSpread = 'posterior' | 'tasks' | 'unmeasured';
export const TRANSFER_SPREAD: TransferSpread = 'unmeasured';
/** Measured values stand as measured (see the top); false: the GP's posterior everywhere (the rule before). */
export const TRANSFER_EXACT = true;

/** Each training task's standardised posterior mean z_i and variance σ_i²/s_i² at the candidates (see the top). */
export function transferTaskScores(
  spec: ModelSpec,
  theta: Float64Array,
  tasks: readonly TransferTask[],
  candidates: Points,
  options: { mean?: TransferMean; exact?: boolean } = {},
): { z: Float64Array[]; variance: Float64Array[] } {
  if (tasks.length === 0) throw new EngineError('The transfer score needs at least one training task.');
  const meanKind = options.mean ?? TRANSFER_MEAN;
  const mCand = meanKind === 'task' ? priorMean(spec, theta, candidates) : undefined;
  const zs: Float64Array[] = [];
  const vs: Float64Array[] = [];
  for (const t of tasks) {
    let targets = t.y;
    if (mCand) {
      // Conditioning on y − c + m(X) gives m(x) + k(x,X)K⁻¹(y − c); minus m(x), plus c: the task-centred posterior.
      const mX = priorMean(spec, theta, t.x);
      targets = Float64Array.from(t.y, (v, i) => v - t.center + mX[i]!);
    }
    const p = condition(spec, theta, t.x, targets).predict(candidates, { includeNoise: false });
    // A candidate the task measured takes its measured value, with no uncertainty (the GP only fills in the rest).
    const measured = options.exact ?? TRANSFER_EXACT ? measuredIndex(t.x) : undefined;
    const z = new Float64Array(candidates.n);
    const v = new Float64Array(candidates.n);
    for (let i = 0; i < candidates.n; i++) {
      const at = measured?.get(rowKey(candidates, i));
      if (at !== undefined) {
        z[i] = (t.y[at]! - t.center) / t.scale;
        continue;
      }
      const mu = mCand ? p.mean[i]! - mCand[i]! + t.center : p.mean[i]!;
      z[i] = (mu - t.center) / t.scale;
      v[i] = Math.max(0, p.variance[i]!) / (t.scale * t.scale);
    }
    zs.push(z);
    vs.push(v);
  }
  return { z: zs, variance: vs };
}

/**
 * The score from the n tasks' parts: the lower bound z̄ − κ · sqrt(Σ σ_i² / n) ('posterior'), or of the mixture
 * Σ N(z_i, σ_i²) / n, adding Σ (z_i − z̄)² / n under the root ('tasks'; 'unmeasured' only where some σ_i > 0).
 */
export function combineTransfer(
  parts: { z: readonly Float64Array[]; variance: readonly Float64Array[] },
  options: { kappa?: number; spread?: TransferSpread } = {},
): Float64Array {
  const kappa = options.kappa ?? TRANSFER_KAPPA;
  const n = parts.z.length;
  const spread = options.spread ?? TRANSFER_SPREAD;
  const m = parts.z[0]?.length ?? 0;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = 0;
    let squares = 0;
    let variance = 0;
    for (let t = 0; t < n; t++) {
      const z = parts.z[t]![i]!;
      sum += z;
      squares += z * z;
      variance += parts.variance[t]![i]!;
    }
    const avg = sum / n;
    // 'tasks': the spread of the mixture over training tasks (a new task drawn from them), so a configuration that is
    // excellent on some tasks and poor on others ranks below one that is good on all.
    const mixture = spread === 'tasks' || (spread === 'unmeasured' && variance > 0);
    const between = mixture ? Math.max(0, squares / n - avg * avg) : 0;
    out[i] = avg - kappa * Math.sqrt(variance / n + between);
  }
  return out;
}

/** The transfer score (see the top of this file) at each candidate, under the frozen prior (spec, theta). */
export function transferScores(
  spec: ModelSpec,
  theta: Float64Array,
  tasks: readonly TransferTask[],
  candidates: Points,
  options: { kappa?: number; mean?: TransferMean; spread?: TransferSpread; exact?: boolean } = {},
): Float64Array {
  return combineTransfer(transferTaskScores(spec, theta, tasks, candidates, options), options);
}


function rowKey(x: Points, i: number): string {
  return Array.from(x.data.subarray(i * x.d, (i + 1) * x.d)).join(',');
}

function measuredIndex(x: Points): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < x.n; i++) out.set(rowKey(x, i), i);
  return out;
}

/** The training tasks' configurations (unit cube), each once: the candidates of a continuous first pick. */
export function transferCandidates(tasks: readonly TransferTask[]): Points {
  const d = tasks[0]?.x.d ?? 0;
  const seen = new Set<string>();
  const rows: number[] = [];
  for (const t of tasks) {
    for (let i = 0; i < t.x.n; i++) {
      const row = t.x.data.subarray(i * d, (i + 1) * d);
      const key = Array.from(row).join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(...row);
    }
  }
  return { n: rows.length / Math.max(1, d), d, data: Float64Array.from(rows) };
}

/** How one training task orders a study's completed results (taskAgreement). */
export interface TaskAgreement {
  readonly name?: string;
  /** Pairs of results with different values, and of those the ones the task's prediction orders the same way. */
  readonly pairs: number;
  readonly concordant: number;
}

/**
 * For each training task, the share of pairs of the study's results (x, y in model units) that the task orders the
 * same way: its values where it measured a configuration, else the frozen prior conditioned on its data (the transfer
 * score's z_i). Which past tasks resemble this one, in the terms of ranking-weighted ensembles (RGPE).
 */
export function taskAgreement(spec: ModelSpec, theta: Float64Array, tasks: readonly TransferTask[], x: Points, y: Float64Array): TaskAgreement[] {
  if (tasks.length === 0 || x.n < 2) return [];
  const { z } = transferTaskScores(spec, theta, tasks, x);
  return tasks.map((t, k) => {
    const zk = z[k]!;
    let pairs = 0;
    let concordant = 0;
    for (let i = 0; i < x.n; i++) {
      for (let j = i + 1; j < x.n; j++) {
        const dy = y[i]! - y[j]!;
        if (dy === 0) continue;
        pairs++;
        if (dy * (zk[i]! - zk[j]!) > 0) concordant++;
      }
    }
    return { ...(t.name !== undefined ? { name: t.name } : {}), pairs, concordant };
  });
}
