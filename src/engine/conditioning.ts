// One experiment's model kept from one version of its data to the next (the language server holds one per
// experiment file). Trials are mostly appended, so:
// - the posterior is extended, not recomputed: with the same model parameters (a frozen prior, or a single-task fit
//   kept as below) and observations that include every previous one, the Cholesky factor gains one row per new
//   observation, O(n²) each, instead of an O(n³) refactorisation (Posterior.extendedTo; the values may all change,
//   as a per-task normalisation moves them, since the factor depends only on the inputs). The previous points are
//   found wherever they are now (a study lists diverged runs after completed ones, so a new result lands before
//   them): a GP does not depend on the order of its observations, so the new ones are put last;
// - above the study's observation limit the conditioning subset (subset.ts) is kept and new observations are added
//   to it, up to SUBSET_SLACK of the limit beyond it, before a new subset is selected;
// - without a prior, once the GP conditions on FROZEN_FIT_MIN observations, the single-task hyperparameters are
//   kept until the observations have grown by REFIT_GROWTH since they were fitted (or changed other than by
//   appending): one more trial among hundreds barely moves them, and a refit costs far more than the update.
import { condition, type ConditionOptions, type Posterior } from './model';
import type { SingleTaskFit } from './singleTask';
import type { ModelSpec, Points } from './types';

/** Without a prior, the single-task fit is kept (not refitted per trial) from this many conditioning observations. */
export const FROZEN_FIT_MIN = 200;
/** ... until the observations have grown by this fraction since the fit. */
export const REFIT_GROWTH = 0.05;
/** The kept subset may grow this fraction beyond the observation limit before a new one is selected. */
export const SUBSET_SLACK = 1 / 8;
/** At most this many new observations (or a quarter of the old ones, if more) extend a factor; beyond, refactor. */
const MAX_APPENDED = 16;

export interface ConditioningCounts {
  /** Posteriors conditioned afresh (a Cholesky factorisation). */
  full: number;
  /** Posteriors extended by appended observations (rows added to the previous factor). */
  extended: number;
  /** Posteriors on the same inputs as the previous one (the factor reused as it is). */
  reused: number;
  /** Single-task fits computed, and kept fits used instead of a refit. */
  fits: number;
  fitsKept: number;
  /** Conditioning subsets selected afresh, and kept subsets extended by appended observations. */
  subsetsSelected: number;
  subsetsExtended: number;
}

export class ConditioningCache {
  readonly counts: ConditioningCounts = { full: 0, extended: 0, reused: 0, fits: 0, fitsKept: 0, subsetsSelected: 0, subsetsExtended: 0 };
  private last: { spec: ModelSpec; specText: string; level: ConditionOptions['level']; theta: Float64Array; posterior: Posterior; x: Float64Array } | undefined;
  private kept: { data: Float64Array; n: number; d: number; limit: number; indices: Int32Array } | undefined;
  private fit: { data: Float64Array; n: number; d: number; key: string; fittedOn: number; fit: SingleTaskFit } | undefined;

  /** The GP (spec, theta) conditioned on (x, y): the previous posterior extended when it can be. */
  condition(spec: ModelSpec, theta: Float64Array, x: Points, y: Float64Array, options: ConditionOptions = {}): Posterior {
    const last = this.last;
    const specText = last?.spec === spec ? last.specText : JSON.stringify(spec);
    const level = options.level ?? 'fixed';
    if (last && last.specText === specText && last.level === level && sameValues(last.theta, theta)) {
      const from = last.posterior.n;
      const match = x.n >= from && x.n - from <= Math.max(MAX_APPENDED, from >> 2) ? matchRows(last.x, from, x) : undefined;
      if (match) {
        const ordered = reordered(x, y, match);
        const extended = last.posterior.extendedTo(ordered.x, ordered.y);
        if (extended) {
          if (x.n === from) this.counts.reused++;
          else this.counts.extended++;
          this.last = { spec, specText, level, theta: last.theta, posterior: extended, x: ordered.x.data };
          return extended;
        }
      }
    }
    const posterior = condition(spec, theta, x, y, options);
    this.counts.full++;
    this.last = { spec, specText, level, theta: Float64Array.from(theta), posterior, x: x.data.slice(0, x.n * x.d) };
    return posterior;
  }

  /**
   * Indices of the observations to condition on when there are more than `limit`: the kept subset plus the
   * observations appended since it was chosen, or `select()`'s choice when that would exceed the slack or the
   * observations changed otherwise.
   */
  subset(x: Points, limit: number, select: () => Int32Array): Int32Array {
    const kept = this.kept;
    let indices: Int32Array | undefined;
    const added = kept ? x.n - kept.n : -1;
    if (kept && kept.d === x.d && kept.limit === limit && added >= 0 && kept.indices.length + added <= limit + Math.floor(limit * SUBSET_SLACK)) {
      const match = matchRows(kept.data, kept.n, x);
      if (match) {
        // The kept observations where they are now, and every observation that is new.
        const fresh = new Uint8Array(x.n).fill(1);
        for (let i = 0; i < match.length; i++) fresh[match[i]!] = 0;
        const chosen = Array.from(kept.indices, (i) => match[i]!);
        for (let i = 0; i < x.n; i++) if (fresh[i]) chosen.push(i);
        indices = Int32Array.from(chosen.sort((a, b) => a - b));
        this.counts.subsetsExtended++;
      }
    }
    if (!indices) {
      indices = select();
      this.counts.subsetsSelected++;
    }
    this.kept = { data: x.data.slice(0, x.n * x.d), n: x.n, d: x.d, limit, indices };
    return indices;
  }

  /**
   * The single-task fit for (x, y): the kept one while x starts with the points it was kept for, holds at least
   * FROZEN_FIT_MIN and has grown by at most REFIT_GROWTH since the fit; else `compute()`'s. `key` names what else
   * the fit depends on (its seed and limits).
   */
  singleTaskFit(x: Points, key: string, compute: () => SingleTaskFit): SingleTaskFit {
    const f = this.fit;
    if (
      f &&
      f.key === key &&
      f.d === x.d &&
      x.n >= FROZEN_FIT_MIN &&
      x.n >= f.n &&
      x.n <= f.fittedOn * (1 + REFIT_GROWTH) &&
      matchRows(f.data, f.n, x)
    ) {
      this.counts.fitsKept++;
      this.fit = { ...f, data: x.data.slice(0, x.n * x.d), n: x.n };
      return f.fit;
    }
    const fit = compute();
    this.counts.fits++;
    this.fit = { data: x.data.slice(0, x.n * x.d), n: x.n, d: x.d, key, fittedOn: x.n, fit };
    return fit;
  }
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Where each of the n points of `old` (rows of x.d values) is among x's points — distinct indices, equal points
 * matched in order — or undefined when one of them is missing. O((n + x.n)·d) with a hash of each point's bits.
 */
export function matchRows(old: Float64Array, n: number, x: Points): Int32Array | undefined {
  const d = x.d;
  if (n > x.n || old.length < n * d) return undefined;
  const out = new Int32Array(n);
  // The common case first: x starts with the old points in their order.
  let same = 0;
  while (same < n && rowEquals(old, same, x.data, same, d)) {
    out[same] = same;
    same++;
  }
  if (same === n) return out;
  const bits = new Uint32Array(x.data.buffer, x.data.byteOffset, x.n * d * 2);
  const oldBits = new Uint32Array(old.buffer, old.byteOffset, n * d * 2);
  const buckets = new Map<number, number[]>();
  for (let i = x.n - 1; i >= same; i--) {
    const h = rowHash(bits, i, d);
    const list = buckets.get(h);
    if (list) list.push(i);
    else buckets.set(h, [i]);
  }
  for (let r = same; r < n; r++) {
    const list = buckets.get(rowHash(oldBits, r, d));
    if (!list) return undefined;
    // Candidates were pushed from the last index down, so popping gives the earliest first.
    let k = list.length - 1;
    while (k >= 0 && !rowEquals(old, r, x.data, list[k]!, d)) k--;
    if (k < 0) return undefined;
    out[r] = list[k]!;
    list.splice(k, 1);
  }
  return out;
}

function rowEquals(a: Float64Array, i: number, b: Float64Array, j: number, d: number): boolean {
  for (let c = 0; c < d; c++) if (a[i * d + c] !== b[j * d + c]) return false;
  return true;
}

function rowHash(bits: Uint32Array, i: number, d: number): number {
  let h = 2166136261;
  for (let k = i * d * 2, end = k + d * 2; k < end; k++) h = Math.imul(h ^ bits[k]!, 16777619);
  return h >>> 0;
}

/** (x, y) with the matched points first, in the order of the match, and the other points after them. */
function reordered(x: Points, y: Float64Array, match: Int32Array): { x: Points; y: Float64Array } {
  let identity = true;
  for (let i = 0; i < match.length && identity; i++) identity = match[i] === i;
  if (identity) return { x, y };
  const d = x.d;
  const order = Array.from(match);
  const used = new Uint8Array(x.n);
  for (const i of order) used[i] = 1;
  for (let i = 0; i < x.n; i++) if (!used[i]) order.push(i);
  const data = new Float64Array(x.n * d);
  const values = new Float64Array(x.n);
  order.forEach((i, k) => {
    data.set(x.data.subarray(i * d, (i + 1) * d), k * d);
    values[k] = y[i]!;
  });
  return { x: { n: x.n, d, data }, y: values };
}
