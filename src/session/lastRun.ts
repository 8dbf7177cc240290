// A trial's fields describe its last run only: a status change clears what an earlier run left behind, in the
// editor's runner (through the server's update edit) and in `hyperbo tune` alike.
import type { TrialChanges } from '../formats/edits';

/**
 * `changes` plus removals (null) of the fields a new status makes stale, unless `changes` sets them: a run that
 * starts clears the previous run's value, stopping step, finish time, reason, recorded log path (the new run's comes
 * from run.log and its run id, which the change sets), Slurm job id, pid and runner (the tune running it); one that ends clears the runner; one that completes clears an old failure
 * reason and stopping step; one that fails or diverges clears an old value and stopping step (a stopped run sets its
 * own value, step and reason).
 */
export function lastRunChanges(changes: TrialChanges): TrialChanges {
  const stale: (keyof TrialChanges)[] =
    changes.status === 'running'
      ? ['value', 'step', 'finished', 'reason', 'log', 'job', 'pid', 'runner']
      : changes.status === 'completed'
        ? ['reason', 'step', 'runner']
        : changes.status === 'failed' || changes.status === 'diverged'
          ? ['value', 'step', 'runner']
          : changes.status === 'stopped'
            ? ['runner']
            : [];
  const out: TrialChanges = { ...changes };
  for (const key of stale) if (out[key] === undefined) (out as Record<string, unknown>)[key] = null;
  return out;
}
