// Learning curves: a bounded, downsampled record of one metric with exact summary statistics, and the rule
// that turns a trial's curve into its value — or marks it diverged.
//
// Divergence rule (documented in docs/experiment-format.md): a trial diverged when its objective metric, or
// any metric whose name contains "loss", logs a NaN/±inf value, or a value whose magnitude exceeds
// `divergenceFactor` (default 1e6) times the magnitude of that metric's first non-zero value.
import type { ReduceRule } from './experiment';
import { DEFAULT_DIVERGENCE_FACTOR } from './experiment';
import { formatNumber } from '../shared/numbers';

export interface CurvePoint {
  step: number;
  value: number;
}

export interface CurveStats {
  /** Values seen, finite or not. */
  count: number;
  finiteCount: number;
  nonFiniteCount: number;
  first?: number;
  last?: number;
  min?: number;
  max?: number;
  /** Magnitude of the first non-zero finite value: the divergence reference. */
  reference?: number;
  /** The first step where the curve went non-finite or exploded. */
  divergedAt?: { step: number; value: number; why: 'non-finite' | 'exploded' };
}

/**
 * One metric's curve, bounded in memory: at most `maxPoints` points are kept (the curve is thinned by half
 * whenever it fills up, so kept points stay evenly spread), while count/first/last/min/max are exact.
 */
export class MetricCurve {
  private kept: CurvePoint[] = [];
  /** Keep one point in `stride` of those offered; doubles each time the buffer fills. */
  private stride = 1;
  private offered = 0;
  private lastPoint: CurvePoint | undefined;
  readonly stats: CurveStats = { count: 0, finiteCount: 0, nonFiniteCount: 0 };

  constructor(
    readonly maxPoints = 1000,
    private readonly divergenceFactor = DEFAULT_DIVERGENCE_FACTOR,
  ) {
    if (!(maxPoints >= 2)) throw new RangeError('A curve keeps at least 2 points.');
  }

  /** Adds one value; `step` defaults to one more than the previous point's. */
  add(value: number, step?: number): void {
    const s = step !== undefined && Number.isFinite(step) ? step : this.lastPoint ? this.lastPoint.step + 1 : 0;
    const st = this.stats;
    st.count++;
    if (Number.isFinite(value)) {
      st.finiteCount++;
      st.first ??= value;
      st.last = value;
      st.min = st.min === undefined ? value : Math.min(st.min, value);
      st.max = st.max === undefined ? value : Math.max(st.max, value);
      if (st.reference === undefined && value !== 0) st.reference = Math.abs(value);
      else if (st.reference !== undefined && !st.divergedAt && Math.abs(value) > this.divergenceFactor * st.reference) {
        st.divergedAt = { step: s, value, why: 'exploded' };
      }
    } else {
      st.nonFiniteCount++;
      st.divergedAt ??= { step: s, value, why: 'non-finite' };
    }
    const point = { step: s, value };
    this.lastPoint = point;
    if (this.offered++ % this.stride === 0) {
      this.kept.push(point);
      if (this.kept.length >= this.maxPoints) {
        this.kept = this.kept.filter((_, i) => i % 2 === 0);
        this.stride *= 2;
      }
    }
  }

  /** The kept points, always ending with the latest one. */
  points(): CurvePoint[] {
    const out = this.kept.slice();
    if (this.lastPoint && out[out.length - 1] !== this.lastPoint) out.push(this.lastPoint);
    return out;
  }

  get length(): number {
    return this.stats.count;
  }

  /** Every finite value seen, reduced by the rule (exact, not the kept points); undefined before the first. */
  reduce(rule: ReduceRule): number | undefined {
    const st = this.stats;
    if (st.finiteCount === 0) return undefined;
    return rule === 'last' ? st.last : rule === 'min' ? st.min : st.max;
  }
}

export type CurveOutcome =
  | { status: 'completed'; value: number }
  | { status: 'diverged'; reason: string }
  | { status: 'empty'; reason: string };

const isLossName = (name: string): boolean => /loss/i.test(name);

function divergenceReason(name: string, curve: MetricCurve): string | undefined {
  const d = curve.stats.divergedAt;
  if (!d) return undefined;
  return d.why === 'non-finite'
    ? `${name} became ${String(d.value)} at step ${d.step}`
    : `${name} exploded to ${formatNumber(d.value, 3)} at step ${d.step}, ${formatNumber(Math.abs(d.value) / curve.stats.reference!, 2)}× its first value`;
}

/**
 * A trial's outcome from its curves: diverged when the objective or a loss diverged (see the rule above),
 * else the objective's curve reduced by `rule`, else empty (the metric never appeared).
 */
export function assessCurves(curves: ReadonlyMap<string, MetricCurve>, metric: string, rule: ReduceRule): CurveOutcome {
  const objective = curves.get(metric);
  const watched = [...curves].filter(([name]) => name === metric || isLossName(name));
  for (const [name, curve] of watched) {
    const reason = divergenceReason(name, curve);
    if (reason) return { status: 'diverged', reason };
  }
  const value = objective?.reduce(rule);
  if (value === undefined) {
    const seen = [...curves.keys()].slice(0, 8).join(', ');
    return { status: 'empty', reason: `the log has no "${metric}" values${seen ? ` (it logs ${seen})` : ''}` };
  }
  return { status: 'completed', value };
}

/** Convenience for one plain array of values (e.g. a finished log): same rule as assessCurves. */
export function assessValues(values: readonly number[], rule: ReduceRule, divergenceFactor = DEFAULT_DIVERGENCE_FACTOR): CurveOutcome {
  const curve = new MetricCurve(Math.max(2, Math.min(values.length + 1, 1000)), divergenceFactor);
  values.forEach((v, i) => curve.add(v, i));
  return assessCurves(new Map([['value', curve]]), 'value', rule);
}
