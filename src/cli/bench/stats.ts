// Regret curves and their summaries for the leave-one-task-out benchmark.
import { createRng } from '../../engine/rng';

/** Best-so-far simple regret after each evaluation, in the metric's units (always >= 0). */
export function regretCurve(chosenValues: ArrayLike<number>, bestAvailable: number, goal: 'minimize' | 'maximize'): number[] {
  const out: number[] = [];
  let best = goal === 'minimize' ? Infinity : -Infinity;
  for (let i = 0; i < chosenValues.length; i++) {
    const v = chosenValues[i];
    if (Number.isFinite(v)) best = goal === 'minimize' ? Math.min(best, v) : Math.max(best, v);
    const gap = goal === 'minimize' ? best - bestAvailable : bestAvailable - best;
    out.push(Number.isFinite(gap) ? Math.max(0, gap) : Infinity);
  }
  return out;
}

/** Linear-interpolated percentile (p in [0, 100]) of finite-or-infinite numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (lo === hi || sorted[hi] === sorted[lo]) return sorted[lo];
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface Band {
  median: number[];
  p20: number[];
  p80: number[];
}

/** Per-evaluation median and 20/80 percentiles over several curves of equal length. */
export function band(curves: readonly number[][]): Band {
  const length = Math.min(...curves.map((c) => c.length));
  const median: number[] = [];
  const p20: number[] = [];
  const p80: number[] = [];
  for (let t = 0; t < length; t++) {
    const column = curves.map((c) => c[t]);
    median.push(percentile(column, 50));
    p20.push(percentile(column, 20));
    p80.push(percentile(column, 80));
  }
  return { median, p20, p80 };
}

/** First evaluation count (1-based) at which a curve gets to `target` or below; null if never. */
export function evaluationsToReach(curve: readonly number[], target: number): number | null {
  const tolerance = 1e-12 * Math.max(1, Math.abs(target));
  for (let t = 0; t < curve.length; t++) if (curve[t] <= target + tolerance) return t + 1;
  return null;
}

/**
 * The robust scale that makes a task's regret comparable with other tasks': |median − best| of the task's pool,
 * where a non-finite value (a diverged run) counts as the worst possible. Regret divided by it is 0 at the pool's
 * best and 1 at a typical (median) configuration, whatever the metric's units and however heavy its tail (a
 * diverged run at 1e160 moves the median by one rank, where it would make the range 1e160).
 * When at least half the pool ties at the best (median = best), or at least half diverged (median infinite), the
 * median of the positive finite gaps to the best is used; a pool with no positive finite gap gets 1.
 */
export function robustScale(values: ArrayLike<number>, goal: 'minimize' | 'maximize'): number {
  const sign = goal === 'minimize' ? 1 : -1;
  const losses = Array.from(values, (v) => (Number.isFinite(v) ? sign * v : Infinity));
  const finite = losses.filter(Number.isFinite);
  if (finite.length === 0) return 1;
  const best = finite.reduce((a, b) => Math.min(a, b));
  const scale = percentile(losses, 50) - best;
  if (scale > 0 && Number.isFinite(scale)) return scale;
  const gaps = finite.map((v) => v - best).filter((g) => g > 0);
  return gaps.length ? percentile(gaps, 50) : 1;
}

/** Median over tasks of evaluations needed (null: not within the budget, ranked after every number); null if the median task is not reached. */
export function medianEvaluations(evaluations: readonly (number | null)[]): number | null {
  if (evaluations.length === 0) return null;
  const m = percentile(evaluations.map((e) => e ?? Infinity), 50);
  return Number.isFinite(m) ? m : null;
}

export interface CountSpread {
  /** Bounds of the central `level` share of the resampled medians (null: beyond the budget). */
  low: number | null;
  high: number | null;
  level: number;
  /** Share of the resamples whose median task needs at most `limit` evaluations. */
  shareWithin: number;
  limit: number;
}

/**
 * How firmly a suite's median-task count is decided by its tasks: the median of `evaluations` over tasks drawn with
 * replacement (a seeded bootstrap), as a central interval and as the share of draws at or below `limit` (the 5× bar).
 * With a dozen tasks a count of 7 can sit anywhere in 4–9; this says whether a miss or a pass is more than the
 * choice of tasks.
 */
export function medianEvaluationsSpread(
  evaluations: readonly (number | null)[],
  limit: number,
  options: { level?: number; resamples?: number; seed?: number } = {},
): CountSpread | null {
  const { level = 0.9, resamples = 2000, seed = 1 } = options;
  const n = evaluations.length;
  if (n === 0) return null;
  const values = evaluations.map((e) => e ?? Infinity);
  const rng = createRng(seed);
  const medians: number[] = [];
  const draw = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) draw[i] = values[Math.floor(rng.next() * n)]!;
    medians.push(percentile(draw, 50));
  }
  const tail = ((1 - level) / 2) * 100;
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return {
    low: finite(percentile(medians, tail)),
    high: finite(percentile(medians, 100 - tail)),
    level,
    shareWithin: medians.filter((m) => m <= limit).length / resamples,
    limit,
  };
}
