// The median stopping rule (`run.stopping: { rule: median, … }`): stop a running trial whose intermediate value at a
// step is worse than the median of the completed trials' values at that step. Pure: curves in, a verdict out; the
// editor's server and `hyperbo tune` feed it the curves they tail from the trials' logs.
//
// The rule (docs/experiment-format.md, Stopping bad runs):
// - A curve's intermediate value at step s is the curve up to s reduced by `objective.reduce`: the best so far for
//   min/max (so it only ever improves), the latest value for `last`. NaN and ±inf points are skipped (a diverging
//   run is the divergence rule's business, curve.ts).
// - A completed trial's value at s is its intermediate value at its latest logged step ≤ s: a shorter curve carries
//   its last value forward; a curve that starts after s says nothing about s. Steps come as the logs number them.
// - At each step s ≥ min_steps of the running trial, once at least `warmup_trials` completed trials have a value at s,
//   the trial is stopped when its intermediate value is strictly worse than their median (a tie is not worse).
//   Only `completed` trials count: stopped, failed and diverged ones never make the median.
//
// Optuna's MedianPruner compares the best intermediate value with the median of the completed trials' values
// reported at exactly step s; Google Vizier's median rule (Golovin et al., KDD 2017) with the median of the running
// averages. Here both sides are the same summary of the curve, the one that becomes a trial's value, so a stop
// compares like with like.
import { formatNumber } from '../shared/numbers';
import type { CurvePoint } from '../formats/curve';
import type { Goal, ReduceRule, StoppingSpec } from '../formats/experiment';

export type { StoppingSpec } from '../formats/experiment';
export { DEFAULT_MIN_STEPS, DEFAULT_WARMUP_TRIALS } from '../formats/experiment';

export interface StopVerdict {
  /** The step at which the trial is stopped and its intermediate value there (what the file records). */
  step: number;
  value: number;
  /** The completed trials' median at that step, and how many trials it was taken over. */
  median: number;
  trials: number;
}

/** Why a trial was stopped, as the file's `reason` and the runners' messages say it. */
export function stopReason(v: StopVerdict, goal: Goal): string {
  return `stopped at step ${v.step}: ${formatNumber(v.value)} is ${goal === 'minimize' ? 'above' : 'below'} the median ${formatNumber(v.median)} of ${v.trials} completed trials at that step`;
}

/**
 * The curve's intermediate values: one point per distinct step (in step order, the later point of a repeated step
 * winning), each the reduction of every finite point up to that step. Non-finite points are skipped.
 */
export function intermediateCurve(points: readonly CurvePoint[], reduce: ReduceRule): CurvePoint[] {
  const finite = points
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => Number.isFinite(p.value) && Number.isFinite(p.step))
    .sort((a, b) => a.p.step - b.p.step || a.i - b.i)
    .map(({ p }) => p);
  const out: CurvePoint[] = [];
  let acc: number | undefined;
  for (const p of finite) {
    acc = acc === undefined || reduce === 'last' ? p.value : reduce === 'min' ? Math.min(acc, p.value) : Math.max(acc, p.value);
    if (out.length > 0 && out[out.length - 1]!.step === p.step) out[out.length - 1] = { step: p.step, value: acc };
    else out.push({ step: p.step, value: acc });
  }
  return out;
}

/** The intermediate value at its latest step ≤ `step` (binary search over an intermediateCurve); undefined before its first step. */
export function valueAt(intermediate: readonly CurvePoint[], step: number): number | undefined {
  let lo = 0;
  let hi = intermediate.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (intermediate[mid]!.step <= step) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? undefined : intermediate[found]!.value;
}

/** The median of finite numbers (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Checks validity of a spec's numbers; throws a RangeError that names the key. */
export function checkStoppingSpec(spec: StoppingSpec): void {
  if (spec.rule !== 'median') throw new RangeError(`run.stopping.rule must be median, not ${String(spec.rule)}.`);
  if (!(Number.isFinite(spec.minSteps) && spec.minSteps >= 0)) throw new RangeError(`run.stopping.min_steps must be a number ≥ 0, not ${spec.minSteps}.`);
  if (!(Number.isInteger(spec.warmupTrials) && spec.warmupTrials >= 1)) {
    throw new RangeError(`run.stopping.warmup_trials must be a whole number ≥ 1, not ${spec.warmupTrials}.`);
  }
}

/**
 * The median rule over a fixed set of completed trials' curves (raw log points of the objective metric). Build one
 * when the set changes (a trial completes); ask it about a running trial's curve as it grows.
 */
export class MedianStopping {
  private readonly completed: CurvePoint[][];

  constructor(
    readonly spec: StoppingSpec,
    private readonly objective: { goal: Goal; reduce: ReduceRule },
    completedCurves: readonly (readonly CurvePoint[])[],
  ) {
    checkStoppingSpec(spec);
    this.completed = completedCurves.map((c) => intermediateCurve(c, objective.reduce)).filter((c) => c.length > 0);
  }

  /** Completed trials whose curves have at least one finite point. */
  get completedCount(): number {
    return this.completed.length;
  }

  /** The completed trials' median at `step`, or undefined when fewer than warmup_trials have a value there. */
  medianAt(step: number): { median: number; trials: number } | undefined {
    const values: number[] = [];
    for (const c of this.completed) {
      const v = valueAt(c, step);
      if (v !== undefined) values.push(v);
    }
    if (values.length < this.spec.warmupTrials || values.length === 0) return undefined;
    return { median: median(values), trials: values.length };
  }

  /** The verdict for a trial whose intermediate value at `step` is `value`; undefined: let it run. */
  check(step: number, value: number): StopVerdict | undefined {
    if (!Number.isFinite(step) || !Number.isFinite(value) || step < this.spec.minSteps) return undefined;
    const m = this.medianAt(step);
    if (!m) return undefined;
    const worse = this.objective.goal === 'minimize' ? value > m.median : value < m.median;
    return worse ? { step, value, median: m.median, trials: m.trials } : undefined;
  }

  /**
   * The first step of a running trial's curve (raw points) at which the rule stops it, checking every logged step
   * in order from `fromStep` (exclusive; steps already checked); undefined when none.
   */
  firstStop(points: readonly CurvePoint[], fromStep = -Infinity): StopVerdict | undefined {
    for (const p of intermediateCurve(points, this.objective.reduce)) {
      if (p.step <= fromStep) continue;
      const verdict = this.check(p.step, p.value);
      if (verdict) return verdict;
    }
    return undefined;
  }
}
