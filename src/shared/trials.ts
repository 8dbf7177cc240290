// The best trial, as every view (tree, code lens, panels, Compare Trial with Best) reads it. Pure.
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
