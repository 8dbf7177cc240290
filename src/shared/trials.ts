// The best trial, as every view (tree, code lens, panels, Compare Trial with Best) reads it, and a trial's neighbour by
// id (Compare the Next / Previous Trial). Pure.
import type { Goal, TrialDTO } from './dto';

/** The best completed trial with a finite value for the goal (the first of equals), if any. */
export function bestTrial(trials: readonly TrialDTO[], goal: Goal): TrialDTO | undefined {
  let best: TrialDTO | undefined;
  for (const t of trials) {
    if (t.status !== 'completed' || t.value === undefined || !Number.isFinite(t.value)) continue;
    if (!best || (goal === 'minimize' ? t.value < best.value! : t.value > best.value!)) best = t;
  }
  return best;
}

/** The trial whose id comes next after `id` (step 1) or before it (step −1), other than `skip`; trials in any order. */
export function adjacentTrial(trials: readonly TrialDTO[], id: number, step: 1 | -1, skip?: number): TrialDTO | undefined {
  let found: TrialDTO | undefined;
  for (const t of trials) {
    if (t.id === skip || (t.id - id) * step <= 0) continue;
    if (!found || (t.id - found.id) * step < 0) found = t;
  }
  return found;
}
