// Where a prior's training data lie in the search space, and where the space reaches past them. Beyond the span the
// training tasks measured, the learnt mean and kernel extrapolate: no task told them what happens there.
import { COVERAGE_GAP_SHARE } from '../shared/coverage';
import type { ParamValue, SearchSpace } from './space';
import type { PretrainData } from './types';

/** One parameter's training data: the span of values measured (numbers), or the choices tried (categorical). */
export type ParamCoverage =
  | { readonly name: string; readonly low: number; readonly high: number }
  | { readonly name: string; readonly choices: readonly ParamValue[] };

/** A side of a numeric parameter, or choices of a categorical one, that no training task measured. */
export type CoverageGap =
  | {
      readonly name: string;
      readonly kind: 'span';
      /** The span the training data measured, in the parameter's units. */
      readonly measured: readonly [number, number];
      readonly space: readonly [number, number];
      /** Share of the parameter's range (on its scale: log for log parameters) below and above the measured span. */
      readonly below: number;
      readonly above: number;
    }
  | { readonly name: string; readonly kind: 'choices'; readonly missing: readonly ParamValue[]; readonly tried: readonly ParamValue[] };

/** Each parameter's measured span or tried choices over every training point (rows of tasks and matched groups). */
export function trainingCoverage(data: PretrainData, space: SearchSpace): ParamCoverage[] {
  const d = space.dim;
  const low = new Float64Array(d).fill(Infinity);
  const high = new Float64Array(d).fill(-Infinity);
  const seen = space.params.map(() => new Set<number>());
  const visit = (x: Float64Array, n: number): void => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const u = x[i * d + j]!;
        if (!Number.isFinite(u)) continue;
        if (u < low[j]!) low[j] = u;
        if (u > high[j]!) high[j] = u;
        if (space.params[j]!.type === 'categorical') seen[j]!.add(u);
      }
    }
  };
  for (const t of data.tasks) visit(t.x.data, t.x.n);
  for (const g of data.matched) visit(g.x.data, g.x.n);
  return space.params.map((p, j): ParamCoverage => {
    if (p.type === 'categorical') {
      const tried = new Set([...seen[j]!].map((u) => space.decodeValue(j, u)));
      return { name: p.name, choices: p.choices.filter((c) => tried.has(c)) };
    }
    if (!(low[j]! <= high[j]!)) return { name: p.name, low: Number.NaN, high: Number.NaN };
    return { name: p.name, low: space.decodeValue(j, low[j]!) as number, high: space.decodeValue(j, high[j]!) as number };
  });
}

/**
 * Where `space` reaches past the training data: numeric parameters whose range leaves more than `share` (of the
 * range on its scale) unmeasured on a side, categorical parameters with choices never tried. Parameters the
 * coverage does not name are left out (the caller checks that the prior was trained on this space).
 */
export function coverageGaps(coverage: readonly ParamCoverage[], space: SearchSpace, share = COVERAGE_GAP_SHARE): CoverageGap[] {
  const gaps: CoverageGap[] = [];
  space.params.forEach((p, j) => {
    const c = coverage.find((k) => k.name === p.name);
    if (!c) return;
    if (p.type === 'categorical') {
      if (!('choices' in c)) return;
      const tried = new Set(c.choices);
      const missing = p.choices.filter((v) => !tried.has(v));
      if (missing.length > 0) gaps.push({ name: p.name, kind: 'choices', missing, tried: c.choices });
      return;
    }
    if (!('low' in c) || !Number.isFinite(c.low) || !Number.isFinite(c.high)) return;
    const at = (v: number) => space.encodeValue(j, Math.min(p.high, Math.max(p.low, v)));
    const below = at(c.low) - at(p.low);
    const above = at(p.high) - at(c.high);
    if (below > share || above > share) {
      gaps.push({ name: p.name, kind: 'span', measured: [c.low, c.high], space: [p.low, p.high], below, above });
    }
  });
  return gaps;
}

/** A coverage from its JSON form, checked against the space it belongs to; a string says what is wrong. */
export function coverageFromJson(raw: unknown, space: SearchSpace): ParamCoverage[] | string {
  if (!Array.isArray(raw) || raw.length !== space.dim) return `must list the ${space.dim} parameters of "space"`;
  const out: ParamCoverage[] = [];
  for (let j = 0; j < space.dim; j++) {
    const p = space.params[j]!;
    const c = raw[j] as Record<string, unknown> | null;
    if (!c || typeof c !== 'object' || c.name !== p.name) return `entry ${j + 1} must be "${p.name}", the space's parameter there`;
    if (p.type === 'categorical') {
      if (!Array.isArray(c.choices) || !c.choices.every((v) => p.choices.includes(v as ParamValue))) return `"${p.name}" needs the choices tried, among its choices`;
      out.push({ name: p.name, choices: c.choices as ParamValue[] });
    } else {
      // JSON has no NaN: a parameter no point measured is written with null bounds.
      const low = c.low === null ? Number.NaN : c.low;
      const high = c.high === null ? Number.NaN : c.high;
      if (typeof low !== 'number' || typeof high !== 'number' || (Number.isFinite(low) && !(low <= high))) return `"${p.name}" needs numbers low ≤ high`;
      out.push({ name: p.name, low, high });
    }
  }
  return out;
}
