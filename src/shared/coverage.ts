// Where the search space reaches past a prior's training data, said one way for the editor's diagnostics, the Prior
// Provenance panel and `hyperbo tune`. Pure (no node:*): the webview imports it.
import type { ParamValue } from './dto';
import { formatNumber, formatParamValue } from './numbers';

/** The share of a parameter's range (on its own scale) the training data may leave out on a side before it is a gap. */
export const COVERAGE_GAP_SHARE = 0.1;

/** A parameter value as the engine has it (a categorical choice may be a boolean). */
type Value = ParamValue | boolean;

/** A numeric parameter's measured span against its range, or a categorical one's tried choices (engine CoverageGap). */
export type CoverageGapLike =
  | { readonly name: string; readonly kind: 'span'; readonly measured: readonly [number, number]; readonly space: readonly [number, number]; readonly below: number; readonly above: number }
  | { readonly name: string; readonly kind: 'choices'; readonly missing: readonly Value[]; readonly tried: readonly Value[] };

/** One sentence: what no training task measured, that the prior extrapolates there, and what the user can do. */
export function coverageGapText(gap: CoverageGapLike): string {
  if (gap.kind === 'choices') {
    const missing = gap.missing.map(formatParamValue).join(', ');
    return (
      `No training task of the prior tried ${gap.name} = ${missing} (tried: ${gap.tried.map(formatParamValue).join(', ') || 'none'}): ` +
      `the prior extrapolates there. Drop ${gap.missing.length === 1 ? 'the choice' : 'those choices'}, or add data that tried ${gap.missing.length === 1 ? 'it' : 'them'} to prior.from.`
    );
  }
  const sides = [
    ...(gap.below > COVERAGE_GAP_SHARE ? [`below ${formatNumber(gap.measured[0])}`] : []),
    ...(gap.above > COVERAGE_GAP_SHARE ? [`above ${formatNumber(gap.measured[1])}`] : []),
  ];
  return (
    `No training task of the prior measured ${gap.name} ${sides.join(' or ')} (the search space: ${formatNumber(gap.space[0])} to ${formatNumber(gap.space[1])}): ` +
    'the prior extrapolates there. Narrow the range, or add data that reach it to prior.from.'
  );
}

/** `value` rounded to `digits` significant digits toward −∞ ('down') or +∞ ('up'); exact values stay as they are. */
export function roundSignificant(value: number, digits: number, direction: 'down' | 'up'): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const step = 10 ** (Math.floor(Math.log10(Math.abs(value))) - (digits - 1));
  const round = direction === 'down' ? Math.floor : Math.ceil;
  // The division can land a hair past a whole number (0.3 / 0.1 = 2.9999999999999996): such a value is already round.
  const q = value / step;
  const near = Math.round(q);
  const steps = Math.abs(q - near) < 1e-9 * Math.max(1, Math.abs(near)) ? near : round(q);
  return Number((steps * step).toPrecision(digits + 2));
}

/**
 * The bounds that narrow a parameter to what the prior's training data measured: each side with a gap moves to the
 * measured end rounded outward to two significant digits (so every measured point stays inside), never past the
 * current bound. Undefined when nothing would narrow.
 */
export function narrowedBounds(gap: Extract<CoverageGapLike, { kind: 'span' }>): { low: number; high: number } | undefined {
  const [low, high] = gap.space;
  const narrowLow = gap.below > COVERAGE_GAP_SHARE ? Math.max(low, roundSignificant(gap.measured[0], 2, 'down')) : low;
  const narrowHigh = gap.above > COVERAGE_GAP_SHARE ? Math.min(high, roundSignificant(gap.measured[1], 2, 'up')) : high;
  if (!(narrowLow < narrowHigh) || (narrowLow === low && narrowHigh === high)) return undefined;
  return { low: narrowLow, high: narrowHigh };
}
