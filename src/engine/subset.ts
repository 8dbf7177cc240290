// A bounded subset of observations for the GP when a study holds thousands of trials.
//
// An exact GP costs O(n³) to condition and O(n²) per predicted point, so past a few hundred observations every
// suggestion gets slower with each trial (and at tens of thousands the n×n covariance no longer fits in memory).
// Above a size limit the model conditions on a subset instead: the best quarter of the limit by value, the quarter
// nearest the best observation (the incumbent's neighbourhood at full resolution, where the acquisition's maximiser
// usually is), the latest eighth of the rest (where the search is working now), and for the remaining 3/8 the points
// farthest from those already chosen, one at a time (a space-filling cover, so no region the trials explored looks
// unexplored to the subset's GP). The choice depends only on the data, so it is reproducible. Its cost in regret is
// measured by `npm run bench:subset` (bench/README.md: the nearest-neighbour quarter cut it on Hartmann-6).
import { EngineError, type Points } from './types';

/** Observations a study's GP conditions on before it switches to a subset (bench/README.md: speed and regret). */
export const DEFAULT_MAX_MODEL_OBSERVATIONS = 512;
/** Observations the single-task GP's hyperparameters are fitted on (the fit is O(n³) per optimiser step). */
export const DEFAULT_MAX_FIT_OBSERVATIONS = 100;

/**
 * Indices (ascending) of at most `limit` of the observations (x, y), y larger is better: all of them when there are
 * no more than `limit`; else the best ⌈limit/4⌉, the ⌈limit/4⌉ others nearest the best one, the latest ⌈limit/8⌉
 * of the others, and then greedily the point farthest (Euclidean, unit cube) from every point chosen so far. Ties go
 * to the earlier observation. O(n·limit·d).
 */
export function selectObservations(x: Points, y: ArrayLike<number>, limit: number): Int32Array {
  if (!Number.isInteger(limit) || limit < 1) throw new EngineError(`The observation limit must be a positive whole number, got ${limit}.`);
  const n = y.length;
  if (x.n !== n) throw new EngineError(`selectObservations: ${x.n} points but ${n} values.`);
  if (n <= limit) return Int32Array.from({ length: n }, (_, i) => i);
  const d = x.d;
  const data = x.data;
  const chosen = new Uint8Array(n);
  const byValue = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[b]! - y[a]! || a - b);
  const best = Math.ceil(limit / 4);
  for (let k = 0; k < best; k++) chosen[byValue[k]!] = 1;
  let taken = best;
  // The nearest neighbours of the best observation: the incumbent's neighbourhood at full resolution.
  const inc = byValue[0]!;
  const byDistance = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (let j = 0; j < d; j++) q += (data[i * d + j]! - data[inc * d + j]!) ** 2;
    byDistance[i] = q;
  }
  const near = Array.from({ length: n }, (_, i) => i).sort((a, b) => byDistance[a]! - byDistance[b]! || a - b);
  for (let k = 0, c = 0; k < n && c < Math.ceil(limit / 4) && taken < limit; k++) {
    if (chosen[near[k]!]) continue;
    chosen[near[k]!] = 1;
    c++;
    taken++;
  }
  const recent = Math.min(Math.ceil(limit / 8), limit - taken);
  for (let i = n - 1, k = 0; i >= 0 && k < recent; i--) {
    if (chosen[i]) continue;
    chosen[i] = 1;
    k++;
    taken++;
  }
  // Squared distance from every point to the nearest chosen one.
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const update = (c: number): void => {
    const oc = c * d;
    for (let i = 0; i < n; i++) {
      if (chosen[i]) continue;
      let q = 0;
      for (let j = 0, oi = i * d; j < d; j++) {
        const diff = data[oi + j]! - data[oc + j]!;
        q += diff * diff;
      }
      if (q < nearest[i]!) nearest[i] = q;
    }
  };
  for (let i = 0; i < n; i++) if (chosen[i]) update(i);
  while (taken < limit) {
    let far = -1;
    for (let i = 0; i < n; i++) if (!chosen[i] && (far < 0 || nearest[i]! > nearest[far]!)) far = i;
    chosen[far] = 1;
    taken++;
    update(far);
  }
  const out = new Int32Array(limit);
  for (let i = 0, k = 0; i < n; i++) if (chosen[i]) out[k++] = i;
  return out;
}
