// Per-task output handling: metric values → the maximised, warped, normalised y the GP sees, and back.
//
// Rules (applied in this order):
// 1. Warp (direction folded in, so larger y is always better):
//    - 'none':  y = v (maximise) or y = −v (minimise).
//    - 'log':   minimise: y = −log(v + 1e−10)  (the paper's rule for error rates and losses; needs v ≥ 0)
//               maximise: y =  log(v + 1e−10)  (positive rewards; needs v ≥ 0).
//    - 'log1m': maximise only, for accuracies v ≤ 1: y = −log(1 + 1e−6 − v)  (HPO-B rule).
// 2. Normalise per task: 'none'; 'standardize' (y − mean)/std; 'robust' (y − median)/(IQR/1.349).
//    With fewer than 2 distinct finite values the scale falls back to 1 (and the centre to the value).
// Non-finite metric values are dropped and counted, never passed on.
import { EngineError } from './types';

export type Goal = 'minimize' | 'maximize';
export type OutputWarpKind = 'none' | 'log' | 'log1m';
export type NormalizationKind = 'none' | 'standardize' | 'robust';

export interface OutputSpec {
  readonly goal: Goal;
  readonly warp: OutputWarpKind;
  readonly normalization: NormalizationKind;
  /**
   * Typical normalisation constants of the training tasks (medians). A new task with few results cannot
   * estimate its own centre and scale, so they are shrunk towards these (weight REFERENCE_WEIGHT points).
   */
  readonly reference?: { readonly center: number; readonly scale: number };
  /** How many observations the reference counts for (default REFERENCE_WEIGHT; Infinity: the reference alone). */
  readonly referenceWeight?: number;
  /**
   * For the log warp: values below this are raised to it before warping. A perfect score on a small validation
   * set (error 0) would otherwise become −log(1e−10) ≈ 23, an outlier that dominates the fit.
   */
  readonly floor?: number;
}

/** How many observations the reference normalisation counts for when shrinking a task's own estimate. */
export const REFERENCE_WEIGHT = 5;

const LOG_EPS = 1e-10;
const LOG1M_EPS = 1e-6;

/** The paper's choice for PD1 error rates: −log(err + 1e−10), no per-task normalisation. */
export const PD1_OUTPUT_SPEC: OutputSpec = { goal: 'minimize', warp: 'log', normalization: 'none' };

function checkSpec(spec: OutputSpec): void {
  if (spec.goal !== 'minimize' && spec.goal !== 'maximize') {
    throw new EngineError(`Unknown goal "${spec.goal}"; use minimize or maximize.`);
  }
  if (!['none', 'log', 'log1m'].includes(spec.warp)) throw new EngineError(`Unknown output warp "${spec.warp}"; use none, log or log1m.`);
  if (!['none', 'standardize', 'robust'].includes(spec.normalization)) {
    throw new EngineError(`Unknown normalisation "${spec.normalization}"; use none, standardize or robust.`);
  }
  if (spec.warp === 'log1m' && spec.goal !== 'maximize') {
    throw new EngineError('The log1m warp is for maximised accuracies (values ≤ 1); use the log warp for minimised metrics.');
  }
  if (spec.referenceWeight !== undefined && !(spec.referenceWeight >= 0)) {
    throw new EngineError(`The reference weight must be ≥ 0 (Infinity: use the training tasks' normalisation alone), got ${spec.referenceWeight}.`);
  }
}

/** Warp of one value (direction folded in); NaN when the value is outside the warp's domain. */
export function warpValue(v: number, goal: Goal, warp: OutputWarpKind, floor?: number): number {
  if (!Number.isFinite(v)) return Number.NaN;
  if (warp === 'log' && floor !== undefined && v >= 0 && v < floor) v = floor;
  switch (warp) {
    case 'none':
      return goal === 'maximize' ? v : -v;
    case 'log':
      if (v < 0) return Number.NaN;
      return goal === 'maximize' ? Math.log(v + LOG_EPS) : -Math.log(v + LOG_EPS);
    case 'log1m':
      if (v > 1) return Number.NaN;
      return -Math.log(1 + LOG1M_EPS - v);
  }
}

/** Inverse of warpValue. */
export function unwarpValue(y: number, goal: Goal, warp: OutputWarpKind): number {
  switch (warp) {
    case 'none':
      return goal === 'maximize' ? y : -y;
    case 'log':
      return goal === 'maximize' ? Math.exp(y) - LOG_EPS : Math.exp(-y) - LOG_EPS;
    case 'log1m':
      return 1 + LOG1M_EPS - Math.exp(-y);
  }
}

/** The smallest positive value: zeros are raised to it under the log warp (see OutputSpec.floor). Undefined when no value is 0. */
export function logFloorFor(values: readonly number[]): number | undefined {
  const finite = values.filter(Number.isFinite);
  if (!finite.some((v) => v === 0)) return undefined;
  const positive = finite.filter((v) => v > 0);
  return positive.length ? Math.min(...positive) : undefined;
}

/** Picks a default: PD1 data → the paper's choice; positive values → log + standardise; otherwise standardise. */
export function defaultOutputSpec(values: readonly number[], goal: Goal, options: { pd1?: boolean } = {}): OutputSpec {
  if (options.pd1) return { ...PD1_OUTPUT_SPEC, goal };
  const finite = values.filter(Number.isFinite);
  const positive = finite.length > 0 && finite.every((v) => v > 0);
  return { goal, warp: positive ? 'log' : 'none', normalization: 'standardize' };
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** A fitted per-task output transform. */
export interface OutputTransform {
  readonly spec: OutputSpec;
  readonly center: number;
  readonly scale: number;
}

/** Fits the normalisation constants on a task's finite warped values. */
export function fitOutputTransform(values: readonly number[], spec: OutputSpec): OutputTransform {
  checkSpec(spec);
  const warped = values.map((v) => warpValue(v, spec.goal, spec.warp, spec.floor)).filter(Number.isFinite);
  let center = 0;
  let scale = 1;
  if (spec.normalization !== 'none' && warped.length > 0) {
    if (spec.normalization === 'standardize') {
      center = warped.reduce((a, b) => a + b, 0) / warped.length;
      const variance = warped.reduce((a, b) => a + (b - center) * (b - center), 0) / Math.max(1, warped.length - 1);
      scale = Math.sqrt(variance);
    } else {
      const sorted = [...warped].sort((a, b) => a - b);
      center = quantile(sorted, 0.5);
      scale = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / 1.349;
      if (!(scale > 0)) {
        // IQR collapses with many ties; fall back to the standard deviation.
        const m = sorted.reduce((a, b) => a + b, 0) / sorted.length;
        scale = Math.sqrt(sorted.reduce((a, b) => a + (b - m) * (b - m), 0) / Math.max(1, sorted.length - 1));
      }
    }
    if (!(scale > 1e-12) || !Number.isFinite(scale)) scale = 1;
    const ref = spec.reference;
    if (ref) {
      const n = warped.length;
      const w = spec.referenceWeight ?? REFERENCE_WEIGHT;
      if (w === Number.POSITIVE_INFINITY) ({ center, scale } = ref);
      else {
        center = (n * center + w * ref.center) / (n + w);
        scale = n >= 2 ? (n * scale + w * ref.scale) / (n + w) : ref.scale;
      }
    }
  } else if (spec.normalization !== 'none' && spec.reference) {
    ({ center, scale } = spec.reference);
  }
  return { spec, center, scale };
}

/** The median centre and scale of several tasks' transforms: the reference for a new task. */
export function referenceNormalization(transforms: Iterable<OutputTransform>): { center: number; scale: number } | undefined {
  const list = [...transforms];
  if (list.length === 0) return undefined;
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return quantile(s, 0.5);
  };
  return { center: median(list.map((t) => t.center)), scale: median(list.map((t) => t.scale)) };
}

/** Metric value → model y (NaN if the value cannot be warped). */
export function applyOutput(t: OutputTransform, v: number): number {
  return (warpValue(v, t.spec.goal, t.spec.warp, t.spec.floor) - t.center) / t.scale;
}

/** Model y → metric value. */
export function invertOutput(t: OutputTransform, y: number): number {
  return unwarpValue(y * t.scale + t.center, t.spec.goal, t.spec.warp);
}

/**
 * A Gaussian prediction in model units shown in metric units: the median (inverse of the mean) and
 * the inverse images of mean ± sd, sorted; `sd` is half that interval's width.
 */
export function invertPrediction(
  t: OutputTransform,
  mean: number,
  sd: number,
): { value: number; low: number; high: number; sd: number } {
  const a = invertOutput(t, mean - sd);
  const b = invertOutput(t, mean + sd);
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  return { value: invertOutput(t, mean), low, high, sd: (high - low) / 2 };
}

export interface TransformedValues {
  /** Model-space values of the kept entries. */
  y: Float64Array;
  /** Indices (into the input) of the kept entries. */
  kept: number[];
  /** Entries dropped because they were NaN/±inf. */
  droppedNonFinite: number;
  /** Entries dropped because the warp cannot take them (e.g. negative under log). */
  droppedOutOfDomain: number;
  transform: OutputTransform;
}

/** Fits and applies a transform to one task's raw metric values, dropping what cannot be used. */
export function transformTaskValues(values: readonly number[], spec: OutputSpec): TransformedValues {
  checkSpec(spec);
  let droppedNonFinite = 0;
  let droppedOutOfDomain = 0;
  const usable: number[] = [];
  const kept: number[] = [];
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) droppedNonFinite++;
    else if (!Number.isFinite(warpValue(v, spec.goal, spec.warp))) droppedOutOfDomain++;
    else {
      usable.push(v);
      kept.push(i);
    }
  });
  if (droppedOutOfDomain > 0 && usable.length === 0) {
    throw new EngineError(
      `No value can take the "${spec.warp}" output warp (${droppedOutOfDomain} out of its domain: ` +
        `${spec.warp === 'log' ? 'log needs values ≥ 0' : 'log1m needs values ≤ 1'}); choose the warp "none".`,
    );
  }
  const transform = fitOutputTransform(usable, spec);
  const y = Float64Array.from(usable, (v) => applyOutput(transform, v));
  return { y, kept, droppedNonFinite, droppedOutOfDomain, transform };
}
