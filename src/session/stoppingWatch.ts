// Tailing for run.stopping in `hyperbo tune` (the editor's server has its own tails, server/service/stopping.ts):
// the completed trials' curves the median is taken over, and a running trial's log checked at each poll.
import type { CurvePoint } from '../formats/curve';
import type { ReduceRule } from '../formats/experiment';
import { LogTail } from '../formats/tail';
import { MedianStopping, type StopVerdict } from './stopping';

export interface StoppingObjective {
  metric: string;
  reduce: ReduceRule;
  divergenceFactor: number;
}

/** The objective's curve in a finished trial's log (kept points, finite ones); undefined when there is no log. */
export async function finishedCurve(logPath: string, objective: StoppingObjective): Promise<CurvePoint[] | undefined> {
  const tail = new LogTail(logPath, { divergenceFactor: objective.divergenceFactor });
  const read = await tail.poll().catch(() => undefined);
  if (!read || read.missing) return undefined;
  tail.flush();
  return (tail.curve(objective.metric)?.points() ?? []).filter((p) => Number.isFinite(p.value));
}

/**
 * The latest step a tail has seen of the metric and the exact reduction of every value logged up to it (the curve's
 * statistics, not its thinned points); undefined before the first finite value.
 */
export function latestOf(tail: Pick<LogTail, 'curve'>, objective: Pick<StoppingObjective, 'metric' | 'reduce'>): { step: number; value: number } | undefined {
  const curve = tail.curve(objective.metric);
  const value = curve?.reduce(objective.reduce);
  const last = curve?.points().at(-1);
  return value === undefined || !last ? undefined : { step: last.step, value };
}

/** A running trial's log, checked against the rule at its latest step each time it is polled; the first verdict sticks. */
export class RunningTrialCheck {
  private readonly tail: LogTail;
  private checkedStep = -Infinity;
  private stopped: StopVerdict | undefined;

  constructor(
    logPath: string,
    private readonly objective: StoppingObjective,
    private readonly rule: MedianStopping,
  ) {
    this.tail = new LogTail(logPath, { divergenceFactor: objective.divergenceFactor });
  }

  get verdict(): StopVerdict | undefined {
    return this.stopped;
  }

  /** Reads what the log appended and judges its latest step (once per step); resolves to the verdict, if any. */
  async poll(): Promise<StopVerdict | undefined> {
    if (this.stopped) return this.stopped;
    const read = await this.tail.poll().catch(() => undefined);
    if (!read || read.missing) return undefined;
    if (read.reset) this.checkedStep = -Infinity;
    const latest = latestOf(this.tail, this.objective);
    if (!latest || latest.step <= this.checkedStep) return undefined;
    this.checkedStep = latest.step;
    this.stopped = this.rule.check(latest.step, latest.value);
    return this.stopped;
  }
}
