// The one way metric values, predictions and parameters are written for people: code lenses, hovers, the tree
// view, the status item, notifications, webviews and `hyperbo tune`'s table. Pure (no node:*): the webview imports it.
import type { ParamValue } from './dto';

/** Below this magnitude (and from EXPONENT_HIGH up), numbers are written in exponent form: 1.2e-5, 3.2e+7. */
export const EXPONENT_LOW = 1e-3;
export const EXPONENT_HIGH = 1e5;

/**
 * `value` to `digits` significant digits (default 4) with trailing zeros dropped (0.5, not 0.5000), in exponent
 * form when its magnitude is below 1e-3 or from 1e5 up; `—` for a missing or non-finite number (never `NaN`).
 */
export function formatNumber(value: number | undefined, digits = 4): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const d = Math.min(21, Math.max(1, Math.round(digits)));
  const magnitude = Math.abs(value);
  if (magnitude >= EXPONENT_HIGH || magnitude < EXPONENT_LOW) return value.toExponential(d - 1).replace(/\.?0+e/, 'e');
  const text = value.toPrecision(d);
  // toPrecision can still answer in exponent form (e.g. 99999.5 to 4 digits is 1.000e+5).
  if (text.includes('e')) return text.replace(/\.?0+e/, 'e');
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** A parameter's value: numbers by formatNumber, strings and booleans as written, `—` when missing. */
export function formatParamValue(value: ParamValue | boolean | undefined): string {
  if (value === undefined) return '—';
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** `name=value` pairs, space-separated: `lr=0.03123 optimizer=adam`. */
export function formatParams(params: Readonly<Record<string, ParamValue | boolean>>): string {
  return Object.entries(params)
    .map(([name, value]) => `${name}=${formatParamValue(value)}`)
    .join(' ');
}

/** `part` of `whole` as a whole percentage: "80 %". */
export function formatPercent(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)} %`;
}

/** "0.123 ± 0.004": the sd to 2 significant digits. */
export function formatMeanSd(mean: number, sd: number): string {
  return `${formatNumber(mean)} ± ${formatNumber(sd, 2)}`;
}
