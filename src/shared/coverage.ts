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
