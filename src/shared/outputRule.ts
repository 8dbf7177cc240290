// The output rule in words, as Prior Provenance and `hyperbo tune` show it (docs/experiment-format.md, Output rule).
import type { OutputRuleDTO } from './dto';

const normalizationNames: Record<OutputRuleDTO['normalization'], string> = {
  none: 'not normalised (the paper\'s PD1 rule)',
  standardize: 'standardised per task',
  robust: 'centred on the median, scaled by the IQR',
  copula: 'Gaussian copula: normal scores of the ranks',
};

/** The output rule in words: the warp, what the robust tails did to this task's results, the normalisation. */
export function outputRuleText(output: OutputRuleDTO): string {
  const sign = output.goal === 'minimize' ? '−' : '';
  const warp = output.warp === 'log' ? `${sign}log(value)` : output.warp === 'log1m' ? '−log(1 − value)' : output.goal === 'minimize' ? '−value' : 'value as is';
  const parts = [warp];
  if (output.tails === 'none') parts.push('no tail handling');
  else if (output.values === 0) parts.push('absurd results will count as infeasible (none completed yet)');
  else {
    const of = `${output.values} completed result${output.values === 1 ? '' : 's'}`;
    parts.push(output.infeasible > 0 ? `${output.infeasible} of ${of} infeasible (absurdly bad: fitted as the worst feasible)` : `none of ${of} infeasible`);
    if (output.halfRank) parts.push('the worse half rank-warped onto a normal tail');
  }
  parts.push(normalizationNames[output.normalization] ?? output.normalization);
  return parts.join(' · ');
}
