// Per-task output handling: metric values → the maximised, warped, normalised y the GP sees, and back.
//
// Rules (applied in this order):
// 1. Warp (direction folded in, so larger y is always better):
//    - 'none':  y = v (maximise) or y = −v (minimise).
//    - 'log':   minimise: y = −log(v + 1e−10)  (the paper's rule for error rates and losses; needs v ≥ 0)
//               maximise: y =  log(v + 1e−10)  (positive rewards; needs v ≥ 0).
//    - 'log1m': maximise only, for accuracies v ≤ 1: y = −log(1 + 1e−6 − v)  (HPO-B rule).
// 2. Robust tails (`tails`, fitted per task on the warped values; Google Vizier's output warpers):
//    - infeasible: a finite warped value more than INFEASIBLE_Z top-half spreads below the median (the spread is
//      (max − median)/3 with ≥ 70 values, /2 with ≥ 15, /1 below) is "infeasible" like NaN: a diverged loss of 1e162
//      never becomes a number the GP fits. Under a log warp it must also be ABSURD_FACTOR times worse than the median
//      (a loss 1,000 times the median's): with a few results whose good half agrees closely, 6 spreads can be a factor
//      of 3, and a run that merely learnt little is bad, not absurd (the half-rank warp below is for it);
//    - half-rank: each distinct feasible value below the median is replaced by median + s·Φ⁻¹(q), q = ½(j − ½)/d its
//      rank quantile within the bad half (j = 1 for the worst; d = the number of distinct bad values, + ½ when the
//      median is itself a value) and s the root-mean-square distance of the good half from the median. Values above the
//      median stay, so the good half keeps its shape; ties share a rank; beyond the worst value, one for one.
//    'auto' always detects infeasible values and applies half-rank when the bad tail is skewed (median − min > 2 ×
//    (max − median)); 'half-rank' always applies it; 'none' (or absent: prior files written before the rule) skips both.
// 3. Normalise per task: 'none'; 'standardize' (y − mean)/std; 'robust' (y − median)/(IQR/1.349).
//    With fewer than 2 distinct finite values the scale falls back to 1 (and the centre to the value).
//    'copula' (opt-in, objective.normalize; measured in bench/EXPERIMENTS.md): each feasible value becomes the normal
//    score of its mid-rank, Φ⁻¹((r − ½)/n), so every task has the same marginal whatever its scale (Salinas et al.
//    2020). Ranks say nothing about scale, so with one distinct value it scores 0 and others are measured in the task's
//    robust scale, and with none the robust rule applies: both come from the training tasks' reference for a new task,
//    so its first predictions are in metric units.
// Non-finite metric values are dropped and counted, never passed on.
import { EngineError } from './types';

export type Goal = 'minimize' | 'maximize';
export type OutputWarpKind = 'none' | 'log' | 'log1m';
export type NormalizationKind = 'none' | 'standardize' | 'robust' | 'copula';
export type TailsKind = 'auto' | 'half-rank' | 'none';
export const TAILS_KINDS: readonly TailsKind[] = ['auto', 'half-rank', 'none'];

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
  /** Infeasible detection and half-rank warping of the bad half (see the rules above); absent means 'none'. */
  readonly tails?: TailsKind;
  /**
   * Pre-training: a finite value the tails rule calls infeasible counts as its task's worst feasible value ('worst',
   * the default: the prior learns where training blows up, as a study does from its own diverged runs) or is left out
   * ('drop'). NaN/±inf are always left out.
   */
  readonly infeasibleInTraining?: 'worst' | 'drop';
}

/** A finite value this many top-half spreads below the median is infeasible (Vizier's DetectOutliers uses 6). */
export const INFEASIBLE_Z = 6;
/** Under a log warp an infeasible value is also at least this factor worse than the median (see the rules above). */
export const ABSURD_FACTOR = 1e3;
/** 'auto' half-rank warps a task whose bad tail (median − min) is longer than this times its good tail (max − median). */
export const SKEW_RATIO = 2;

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
  if (!['none', 'standardize', 'robust', 'copula'].includes(spec.normalization)) {
    throw new EngineError(`Unknown normalisation "${spec.normalization}"; use none, standardize, robust or copula.`);
  }
  if (spec.warp === 'log1m' && spec.goal !== 'maximize') {
    throw new EngineError('The log1m warp is for maximised accuracies (values ≤ 1); use the log warp for minimised metrics.');
  }
  if (spec.tails !== undefined && !TAILS_KINDS.includes(spec.tails)) {
    throw new EngineError(`Unknown tails rule "${spec.tails}"; use auto, half-rank or none.`);
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
    // Back into the warp's domain: a prediction beyond every result (a loss near 0) is never a negative loss or an
    // accuracy above 1, which the raw inverse gives once exp(∓y) is below the warp's epsilon.
    case 'log':
      return Math.max(0, (goal === 'maximize' ? Math.exp(y) : Math.exp(-y)) - LOG_EPS);
    case 'log1m':
      return Math.min(1, 1 + LOG1M_EPS - Math.exp(-y));
  }
}

/** The smallest positive value: zeros are raised to it under the log warp (see OutputSpec.floor). Undefined when no value is 0. */
export function logFloorFor(values: readonly number[]): number | undefined {
  let zero = false;
  let floor = Number.POSITIVE_INFINITY;
  for (const v of values) {
    if (v === 0) zero = true;
    else if (v > 0 && v < floor) floor = v;
  }
  return zero && Number.isFinite(floor) ? floor : undefined;
}

/**
 * Picks a default: PD1 data → the paper's choice; values ≥ 0 (not all 0) → log + standardise, exact zeros raised to the
 * smallest positive value; otherwise standardise. Robust tails 'auto' in every case.
 */
export function defaultOutputSpec(values: readonly number[], goal: Goal, options: { pd1?: boolean } = {}): OutputSpec {
  if (options.pd1) return { ...PD1_OUTPUT_SPEC, goal, tails: 'auto' };
  const finite = values.filter(Number.isFinite);
  const logDomain = finite.length > 0 && finite.every((v) => v >= 0) && finite.some((v) => v > 0);
  if (!logDomain) return { goal, warp: 'none', normalization: 'standardize', tails: 'auto' };
  const floor = logFloorFor(finite);
  return { goal, warp: 'log', normalization: 'standardize', tails: 'auto', ...(floor !== undefined ? { floor } : {}) };
}

/** What an experiment file may override in the automatic output rule (objective.warp, objective.tails, objective.normalize). */
export interface OutputOverrides {
  readonly warp?: OutputWarpKind;
  readonly tails?: TailsKind;
  /** objective.normalize: copula (absent: the rule's own normalisation). */
  readonly normalization?: 'copula';
}

/** The rule with the experiment's overrides applied; a warp other than log drops the log floor. */
export function outputWithOverrides(spec: OutputSpec, overrides: OutputOverrides | undefined): OutputSpec {
  if (!overrides || (overrides.warp === undefined && overrides.tails === undefined && overrides.normalization === undefined)) return spec;
  const out: OutputSpec = {
    ...spec,
    ...(overrides.warp ? { warp: overrides.warp } : {}),
    ...(overrides.tails ? { tails: overrides.tails } : {}),
    ...(overrides.normalization ? { normalization: overrides.normalization } : {}),
  };
  if (out.warp !== 'log' && out.floor !== undefined) {
    const { floor: _floor, ...rest } = out;
    return rest;
  }
  return out;
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The robust stage fitted on one task, in warped units (before normalisation). */
export interface RobustStage {
  /** Finite warped values below this are infeasible (−Infinity: none are). */
  readonly infeasibleBelow: number;
  /** Median of the feasible warped values. */
  readonly median: number;
  /** Half-rank warp: distinct feasible values below the median (ascending) and their images; empty when not applied. */
  readonly bad: readonly number[];
  readonly warped: readonly number[];
}

/** A fitted per-task output transform. */
export interface OutputTransform {
  readonly spec: OutputSpec;
  readonly center: number;
  readonly scale: number;
  readonly robust?: RobustStage;
  /**
   * 'copula' normalisation (Salinas et al. 2020): the task's distinct warped values (ascending) and their normal scores
   * Φ⁻¹((mid-rank − ½)/n); values in between are interpolated linearly.
   */
  readonly copula?: { readonly knots: readonly number[]; readonly scores: readonly number[] };
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error below 1.2e−9); ±Infinity at 0 and 1. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

/** Fits the robust stage on a task's finite warped values (see the rules at the top of this file). */
export function fitRobustStage(warped: readonly number[], tails: TailsKind, minDistance = 0): RobustStage | undefined {
  if (tails === 'none' || warped.length === 0) return undefined;
  const sorted = [...warped].sort((a, b) => a - b);
  const n = sorted.length;
  const top = sorted[n - 1]!;
  const middle = quantile(sorted, 0.5);
  const spread = (top - middle) / (n >= 70 ? 3 : n >= 15 ? 2 : 1);
  const distance = Math.max(INFEASIBLE_Z * spread, minDistance);
  const infeasibleBelow = distance > 0 ? middle - distance : Number.NEGATIVE_INFINITY;
  const feasible = sorted.filter((w) => w >= infeasibleBelow);
  const median = quantile(feasible, 0.5);
  const distinct = feasible.filter((w, i) => i === 0 || w !== feasible[i - 1]);
  const bad = distinct.filter((w) => w < median);
  const skewed = median - feasible[0]! > SKEW_RATIO * (top - median);
  if (bad.length === 0 || (tails === 'auto' && !skewed)) return { infeasibleBelow, median, bad: [], warped: [] };
  const good = distinct.filter((w) => w >= median);
  const rms = (xs: readonly number[]): number => Math.sqrt(xs.reduce((a, w) => a + (w - median) * (w - median), 0) / xs.length);
  let s = rms(good);
  if (!(s > 0)) s = rms(distinct);
  const denominator = bad.length + (distinct.includes(median) ? 0.5 : 0);
  const images = bad.map((_, j) => median + s * normalQuantile((0.5 * (j + 0.5)) / denominator));
  return { infeasibleBelow, median, bad, warped: images };
}

/**
 * Piecewise-linear map through sorted (from, to) pairs; outside their range, continued with `beyond` (default the
 * overall slope, which converts units where from and to differ in kind, as the copula's values and scores do).
 */
function interpolate(from: readonly number[], to: readonly number[], v: number, beyond?: number): number {
  const k = from.length;
  if (k === 1) return to[0]! + (v - from[0]!);
  const slope = beyond ?? (to[k - 1]! - to[0]!) / (from[k - 1]! - from[0]!);
  if (v <= from[0]!) return to[0]! + (v - from[0]!) * slope;
  if (v >= from[k - 1]!) return to[k - 1]! + (v - from[k - 1]!) * slope;
  let lo = 0;
  let hi = k - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (from[mid]! <= v) lo = mid;
    else hi = mid;
  }
  const f = (v - from[lo]!) / (from[hi]! - from[lo]!);
  return to[lo]! + f * (to[hi]! - to[lo]!);
}

/** Warped value → robust-stage value (NaN when infeasible). Above the median, and without half-rank, the identity. */
function robustValue(stage: RobustStage | undefined, w: number): number {
  if (!stage || !Number.isFinite(w)) return w;
  if (w < stage.infeasibleBelow) return Number.NaN;
  if (stage.bad.length === 0 || w >= stage.median) return w;
  // Between the best bad value and the median, continue linearly to the median (which maps to itself).
  const top = stage.bad.length - 1;
  if (w > stage.bad[top]!) {
    const f = (w - stage.bad[top]!) / (stage.median - stage.bad[top]!);
    return stage.warped[top]! + f * (stage.median - stage.warped[top]!);
  }
  // Beyond the worst result, warped units one for one (see robustInverse).
  return interpolate(stage.bad, stage.warped, w, 1);
}

/** Inverse of robustValue. */
function robustInverse(stage: RobustStage | undefined, r: number): number {
  if (!stage || stage.bad.length === 0 || !(r < stage.median)) return r;
  const top = stage.bad.length - 1;
  if (r > stage.warped[top]!) {
    const f = (r - stage.warped[top]!) / (stage.median - stage.warped[top]!);
    return stage.bad[top]! + f * (stage.median - stage.bad[top]!);
  }
  // A prediction beyond the worst result maps back one for one: the bad half's overall slope (its values over their
  // rank images, 10× when a few close good results make the images narrow) turned a model sd of 0.23 below the worst
  // of seven error rates into an interval up to 0.42.
  return interpolate(stage.warped, stage.bad, r, 1);
}

/** Fits the robust stage and the normalisation constants on a task's values (infeasible ones left out). */
export function fitOutputTransform(values: readonly number[], spec: OutputSpec): OutputTransform {
  checkSpec(spec);
  const base = values.map((v) => warpValue(v, spec.goal, spec.warp, spec.floor)).filter(Number.isFinite);
  const robust = fitRobustStage(base, spec.tails ?? 'none', spec.warp === 'none' ? 0 : Math.log(ABSURD_FACTOR));
  const warped = base.map((w) => robustValue(robust, w)).filter(Number.isFinite);
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
  const copula = spec.normalization === 'copula' && warped.length > 0 ? fitCopula(warped) : undefined;
  return { spec, center, scale, ...(robust ? { robust } : {}), ...(copula ? { copula } : {}) };
}

function fitCopula(warped: readonly number[]): { knots: number[]; scores: number[] } {
  const sorted = Float64Array.from(warped).sort();
  const z = rankScores(sorted, 0, 1);
  const knots: number[] = [];
  const scores: number[] = [];
  sorted.forEach((w, i) => {
    if (i === 0 || w !== sorted[i - 1]) {
      knots.push(w);
      scores.push(z[i]!);
    }
  });
  return { knots, scores };
}

/** center + scale·Φ⁻¹(q), or with `uniform` center + scale·√12·(q − ½), for q = (rank + ½)/n, ties sharing their mean rank. */
export function rankScores(y: Float64Array, center: number, scale: number, uniform = false): Float64Array {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[a]! - y[b]!);
  const out = new Float64Array(n);
  for (let k = 0; k < n; ) {
    let e = k;
    while (e + 1 < n && y[order[e + 1]!] === y[order[k]!]) e++;
    const q = ((k + e) / 2 + 0.5) / n;
    // 'uniform-ranks': the rank on a uniform scale with unit variance (√12·(q − ½)), as zero-shot's mean rank.
    const z = center + scale * (uniform ? Math.sqrt(12) * (q - 0.5) : normalQuantile(q));
    for (let j = k; j <= e; j++) out[order[j]!] = z;
    k = e + 1;
  }
  return out;
}

/** The median centre and scale of several tasks' transforms: the reference for a new task. */
export function referenceNormalization(transforms: Iterable<Pick<OutputTransform, 'center' | 'scale'>>): { center: number; scale: number } | undefined {
  const list = [...transforms];
  if (list.length === 0) return undefined;
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return quantile(s, 0.5);
  };
  return { center: median(list.map((t) => t.center)), scale: median(list.map((t) => t.scale)) };
}

// One distinct value scores 0, and the robust scale (the reference's, for a new task) says how far others are from it.
function copulaScore(t: OutputTransform, r: number): number {
  const { knots, scores } = t.copula!;
  return knots.length === 1 ? (r - knots[0]!) / t.scale : interpolate(knots, scores, r);
}

function copulaValue(t: OutputTransform, y: number): number {
  const { knots, scores } = t.copula!;
  return knots.length === 1 ? knots[0]! + y * t.scale : interpolate(scores, knots, y);
}

/** Metric value → model y (NaN if the value cannot be warped or is infeasible). */
export function applyOutput(t: OutputTransform, v: number): number {
  const r = robustValue(t.robust, warpValue(v, t.spec.goal, t.spec.warp, t.spec.floor));
  if (t.copula) return Number.isFinite(r) ? copulaScore(t, r) : r;
  return (r - t.center) / t.scale;
}

/** True when the task's rule makes this value infeasible: NaN/±inf, outside the warp's domain, or absurdly bad. */
export function isInfeasible(t: OutputTransform, v: number): boolean {
  return !Number.isFinite(applyOutput(t, v));
}

/** Model y → metric value. */
export function invertOutput(t: OutputTransform, y: number): number {
  const r = t.copula ? copulaValue(t, y) : y * t.scale + t.center;
  return unwarpValue(robustInverse(t.robust, r), t.spec.goal, t.spec.warp);
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
  /** Finite entries dropped as infeasible by the robust tails rule (e.g. a diverged loss of 1e162). */
  droppedInfeasible: number;
  transform: OutputTransform;
}

/** What the output rule does to one task's completed values: the rule, and what its robust stage found. */
export interface OutputRuleSummary {
  readonly goal: Goal;
  readonly warp: OutputWarpKind;
  readonly tails: TailsKind;
  readonly normalization: NormalizationKind;
  /** Completed values the rule was fitted on. */
  readonly values: number;
  /** Of those, how many it treats as infeasible (absurdly bad, outside the warp's domain). */
  readonly infeasible: number;
  /** True when the worse half was half-rank warped. */
  readonly halfRank: boolean;
}

/** Fits the rule on a task's completed values and says what it did (Prior Provenance shows it). */
export function summarizeOutputRule(values: readonly number[], spec: OutputSpec): OutputRuleSummary {
  const finite = values.filter(Number.isFinite);
  const t = fitOutputTransform(finite, spec);
  return {
    goal: spec.goal,
    warp: spec.warp,
    tails: spec.tails ?? 'none',
    normalization: spec.normalization,
    values: finite.length,
    infeasible: finite.filter((v) => isInfeasible(t, v)).length,
    halfRank: (t.robust?.bad.length ?? 0) > 0,
  };
}

/** Fits and applies a transform to one task's raw metric values, dropping what cannot be used. */
export function transformTaskValues(values: readonly number[], spec: OutputSpec): TransformedValues {
  checkSpec(spec);
  let droppedNonFinite = 0;
  let droppedOutOfDomain = 0;
  let droppedInfeasible = 0;
  const usable: number[] = [];
  const usableIndex: number[] = [];
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) droppedNonFinite++;
    else if (!Number.isFinite(warpValue(v, spec.goal, spec.warp))) droppedOutOfDomain++;
    else {
      usable.push(v);
      usableIndex.push(i);
    }
  });
  if (droppedOutOfDomain > 0 && usable.length === 0) {
    throw new EngineError(
      `No value can take the "${spec.warp}" output warp (${droppedOutOfDomain} out of its domain: ` +
        `${spec.warp === 'log' ? 'log needs values ≥ 0' : 'log1m needs values ≤ 1'}); choose the warp "none".`,
    );
  }
  const transform = fitOutputTransform(usable, spec);
  const y: number[] = [];
  const kept: number[] = [];
  usable.forEach((v, k) => {
    const m = applyOutput(transform, v);
    if (Number.isFinite(m)) {
      y.push(m);
      kept.push(usableIndex[k]!);
    } else droppedInfeasible++;
  });
  return { y: Float64Array.from(y), kept, droppedNonFinite, droppedOutOfDomain, droppedInfeasible, transform };
}
