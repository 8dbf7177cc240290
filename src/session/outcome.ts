// A trial's log → its outcome, the one rule for the editor's server and `hyperbo tune`: the objective's exact curve
// reduced by `objective.reduce` (formats/curve.ts statistics, never a thinned curve), diverged when the objective or
// a loss went non-finite or exploded, failed when a run that ended left no log or no value; and which log belongs
// to the trial's current run.
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { CurvePoint } from '../formats/curve';
import type { ReduceRule, Trial } from '../formats/experiment';
import { LogTail } from '../formats/tail';

export type TrialOutcome = { status: 'completed'; value: number } | { status: 'failed' | 'diverged'; reason: string };

/** What a trial's log is read for: the objective's name and reduce rule, and the divergence factor. */
export interface LogObjective {
  metric: string;
  reduce: ReduceRule;
  divergenceFactor?: number;
}

/** What a trial's log shows about the objective metric. */
export interface TrialLogState {
  exists: boolean;
  /** The objective metric's finite points so far (the tail's bounded curve, for display), in step order. */
  curve: CurvePoint[];
  /** Set when the log shows a non-finite or exploding objective or loss. */
  diverged?: string;
  /** The log shows that the run ended (a record with `done`, `finished` or `final` equal to 1). */
  finished: boolean;
  /** The objective by the reduce rule over every value the log holds (exact statistics, not the thinned `curve`). */
  value?: number;
  /** Why there is no value (e.g. `the log has no "loss" values (it logs acc)`), when there is none. */
  noValue?: string;
  /** When the log file was last written (ms since the epoch); undefined for a log folder. */
  modifiedMs?: number;
}

/** Names a record carries, equal to 1, when the run wrote its last line (e.g. `{"done": 1}` or `done=1`). */
export const END_MARKERS = ['done', 'finished', 'final'] as const;

/** The state of a tail that has read a log (`modifiedMs`: the file's mtime, when it is a file). */
export function logStateOf(tail: Pick<LogTail, 'assess' | 'curve'>, objective: LogObjective, modifiedMs?: number): TrialLogState {
  const outcome = tail.assess(objective.metric, objective.reduce);
  const curve = (tail.curve(objective.metric)?.points() ?? []).filter((p) => Number.isFinite(p.value));
  return {
    exists: true,
    curve,
    finished: END_MARKERS.some((name) => tail.curve(name)?.stats.last === 1),
    ...(outcome.status === 'diverged' ? { diverged: outcome.reason } : {}),
    ...(outcome.status === 'completed' ? { value: outcome.value } : {}),
    ...(outcome.status === 'empty' ? { noValue: outcome.reason } : {}),
    ...(modifiedMs !== undefined ? { modifiedMs } : {}),
  };
}

/** A file's mtime, undefined for a folder or a missing path. */
export async function logModifiedMs(logPath: string): Promise<number | undefined> {
  const info = await stat(logPath).catch(() => undefined);
  return info?.isFile() ? info.mtimeMs : undefined;
}

/** Reads a whole log once (its last line too: the writer has exited); undefined when there is none. */
export async function readTrialLog(logPath: string, objective: LogObjective): Promise<TrialLogState | undefined> {
  const tail = new LogTail(logPath, { divergenceFactor: objective.divergenceFactor });
  const read = await tail.poll().catch(() => undefined);
  if (!read || read.missing) return undefined;
  tail.flush();
  return logStateOf(tail, objective, await logModifiedMs(logPath));
}

/** A log written this long before the trial's `started` still counts as its run's (file systems' coarse mtimes). */
export const STALE_LOG_SLACK_MS = 1000;

/**
 * Whether a log belongs to the trial's current run. A pending trial has not run, so a log at its path is an earlier
 * run's (e.g. of an earlier trial 1 before `trials:` was cleared). A path with the run's id (`byRunId`, see
 * session/trialRun.ts) is that run's; otherwise a started trial's log must have been written after it started.
 */
export function logBelongsToRun(trial: Pick<Trial, 'status' | 'started'>, log: Pick<TrialLogState, 'modifiedMs'>, byRunId = false): boolean {
  if (trial.status === 'pending') return false;
  if (byRunId) return true;
  const started = trial.started ? Date.parse(trial.started) : NaN;
  if (log.modifiedMs === undefined || !Number.isFinite(started)) return true;
  return log.modifiedMs >= started - STALE_LOG_SLACK_MS;
}

/**
 * The outcome of a run that ended well (its command exited 0, its job completed, or its log says `done`), from its
 * log: diverged, else the reduced value, else failed with why. `shown` is the log's path as the reason names it;
 * `ended` says how the run ended, for the no-log reason ("the command succeeded").
 */
export function endedRunOutcome(log: TrialLogState | undefined, shown: string, ended = 'the run ended'): TrialOutcome {
  if (!log?.exists) return { status: 'failed', reason: `${ended} but wrote no log at ${shown}; check run.log` };
  if (log.diverged) return { status: 'diverged', reason: log.diverged };
  if (log.value !== undefined) return { status: 'completed', value: log.value };
  return { status: 'failed', reason: `${log.noValue ?? 'the log has no value for the objective'} in ${shown}` };
}

/** A trial's status, value and reason as its log shows them (the file's Trial fields), and whether the log is this
 * run's (`owned`: its curve may be shown). */
export type ObservedTrial = Pick<Trial, 'status' | 'value' | 'reason'> & { owned: boolean };

/**
 * What the trial's log adds to the file's record: a pending or running trial whose (own) log shows the end is
 * completed, diverged or failed by endedRunOutcome; one whose log has points is running; a completed trial
 * without a value takes the log's. Other fields as recorded.
 */
export function observeTrial(trial: Pick<Trial, 'status' | 'started' | 'value' | 'reason'>, log: TrialLogState | undefined, where: { shown: string; byRunId?: boolean }): ObservedTrial {
  const recorded: ObservedTrial = { status: trial.status, ...(trial.value !== undefined ? { value: trial.value } : {}), ...(trial.reason ? { reason: trial.reason } : {}), owned: false };
  if (!log?.exists || !logBelongsToRun(trial, log, where.byRunId)) return recorded;
  const owned = { ...recorded, owned: true };
  if (trial.status === 'pending' || trial.status === 'running') {
    if (log.diverged || log.finished) {
      const outcome = endedRunOutcome(log, where.shown);
      return outcome.status === 'completed' ? { status: 'completed', value: outcome.value, owned: true } : { status: outcome.status, reason: outcome.reason, owned: true };
    }
    if (log.curve.length > 0 || trial.status === 'running') return { ...owned, status: 'running' };
    return owned;
  }
  if (trial.status === 'completed' && trial.value === undefined && log.value !== undefined) return { ...owned, value: log.value };
  return owned;
}

/** `logPath` as reasons show it: relative to `base` (the experiment's folder, or the current folder in a terminal). */
export const shownPath = (logPath: string, base: string): string => path.relative(base, logPath) || logPath;
