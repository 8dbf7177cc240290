// run.stopping in the editor: after each read of the trials' logs, the experiment's running trials are checked against
// the median of its completed trials (src/session/stopping.ts) at their latest logged step. A verdict becomes the
// running trial's `stop` order (TrialDTO.stop); the client's runner, which owns the process, stops it and records the
// trial as stopped. Orders are per run (trial id and start time), so a rerun starts afresh.
import type { TrialDTO } from '../../shared/dto';
import type { Experiment, Trial } from '../../formats/experiment';
import { MedianStopping, stopReason } from '../../session/stopping';
import { logBelongsToRun, type TrialLogState } from '../../session/outcome';

type StopOrder = NonNullable<TrialDTO['stop']>;

const runKey = (uri: string, t: Pick<Trial, 'id' | 'started' | 'run'>) => `${uri}#${t.id}#${t.run ?? ''}#${t.started ?? ''}`;

/** A trial's log as the server holds it, and whether its path names the trial's run (session/trialRun.ts). */
export type LogOf = (t: Trial) => { log: TrialLogState | undefined; byRunId: boolean };

export class StoppingMonitor {
  private readonly rules = new Map<string, { key: string; rule: MedianStopping }>();
  private readonly checked = new Map<string, number>();
  private readonly orders = new Map<string, StopOrder>();

  /** Checks the running trials of the experiment (its logs just read); true when a trial got a new stop order. */
  update(uri: string, experiment: Experiment, logOf: LogOf): boolean {
    const spec = experiment.run?.stopping;
    const running = experiment.trials.filter((t) => t.status === 'running');
    if (!spec || running.length === 0) return false;
    const { goal, reduce } = experiment.objective;
    const curves = experiment.trials
      .filter((t) => t.status === 'completed')
      .map((t) => {
        const { log, byRunId } = logOf(t);
        return log?.exists && logBelongsToRun(t, log, byRunId) ? log.curve : [];
      })
      .filter((c) => c.length > 0);
    const key = JSON.stringify([spec, goal, reduce, curves.map((c) => [c.length, c.at(-1)!.step, c.at(-1)!.value])]);
    let cached = this.rules.get(uri);
    if (cached?.key !== key) {
      cached = { key, rule: new MedianStopping(spec, { goal, reduce }, curves) };
      this.rules.set(uri, cached);
    }
    let ordered = false;
    for (const t of running) {
      const k = runKey(uri, t);
      if (this.orders.has(k)) continue;
      const { log, byRunId } = logOf(t);
      if (!log?.exists || !logBelongsToRun(t, log, byRunId) || log.diverged || log.value === undefined || log.curve.length === 0) continue;
      // The latest step the log shows, with the exact reduction of every value logged (not the thinned curve's).
      const step = log.curve[log.curve.length - 1]!.step;
      if (step <= (this.checked.get(k) ?? -Infinity)) continue;
      this.checked.set(k, step);
      const verdict = cached.rule.check(step, log.value);
      if (verdict) {
        this.orders.set(k, { step: verdict.step, value: verdict.value, reason: stopReason(verdict, goal) });
        ordered = true;
      }
    }
    return ordered;
  }

  /** The stop order for a trial's current run, if the rule gave one. */
  order(uri: string, trial: Pick<Trial, 'id' | 'started' | 'run' | 'status'>): StopOrder | undefined {
    return trial.status === 'running' ? this.orders.get(runKey(uri, trial)) : undefined;
  }
}
