// A trial's state as the server reports it: the YAML entry, refined by what its log shows. The file stays
// the source of truth; the log only adds what the file cannot know yet (a run that finished or diverged).
import * as path from 'node:path';
import type { CurvePoint, TrialDTO } from '../../shared/dto';
import type { Trial } from '../../formats/experiment';
import type { ExperimentView } from './experimentView';
import { replacePlaceholders } from '../../shared/placeholders';

/** What a trial's log shows about the objective metric. */
export interface TrialLogState {
  exists: boolean;
  /** The objective metric's finite points so far, in step order. */
  curve: CurvePoint[];
  /** Set when the log shows a non-finite or exploding loss. */
  diverged?: string;
  /** The log shows that the run ended. */
  finished: boolean;
  /**
   * The objective by the experiment's reduce rule over every value the log holds (the exact statistics of
   * formats/curve, as `hyperbo tune` computes it), not over the thinned `curve`.
   */
  value?: number;
  /** When the log file was last written (ms since the epoch); undefined for a log folder. */
  modifiedMs?: number;
}

/** A log written this long before the trial's `started` still counts as its run's (file systems' coarse mtimes). */
export const STALE_LOG_SLACK_MS = 1000;

/**
 * Whether a log belongs to the trial's current run. A pending trial has not run, so a log at its path is a previous
 * run's (e.g. of an earlier trial 1 before `trials:` was cleared); a started trial's log must be written after it
 * started.
 */
export function logBelongsToRun(trial: Pick<Trial, 'status' | 'started'>, log: Pick<TrialLogState, 'modifiedMs'>): boolean {
  if (trial.status === 'pending') return false;
  const started = trial.started ? Date.parse(trial.started) : NaN;
  if (log.modifiedMs === undefined || !Number.isFinite(started)) return true;
  return log.modifiedMs >= started - STALE_LOG_SLACK_MS;
}

export const MAX_CURVE_POINTS = 200;

/** Substitutes `${name}` placeholders; unknown names stay as written. */
export function substitute(template: string, values: Record<string, string>): string {
  return replacePlaceholders(template, (name, whole) => values[name] ?? whole, { nonEmpty: true });
}

export function formatParamValue(v: unknown): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)))) : String(v);
}

/** Placeholder values for a trial: `${trial}` and every parameter. */
export function placeholderValues(trial: { id: number; params: Record<string, unknown> }): Record<string, string> {
  const values: Record<string, string> = { trial: String(trial.id) };
  for (const [k, v] of Object.entries(trial.params)) values[k] = String(v);
  return values;
}

/** The run's working directory (absolute). */
export function runCwd(view: ExperimentView, fsPath: string): string {
  return path.resolve(path.dirname(fsPath), view.run?.cwd ?? '.');
}

/**
 * Absolute path of a trial's log: the trial's own `log` (relative to the file), else run.log for it (relative to
 * cwd), else where the runner captures the output of a command that writes no log of its own.
 */
export function trialLogPath(view: ExperimentView, fsPath: string, trial: Pick<Trial, 'id' | 'params' | 'log'>): string {
  if (trial.log) return path.resolve(path.dirname(fsPath), trial.log);
  if (view.run?.log) return path.resolve(runCwd(view, fsPath), substitute(view.run.log, placeholderValues(trial)));
  return path.join(path.dirname(fsPath), '.hyperbo', 'runs', path.basename(fsPath, '.hyperbo.yaml'), `trial-${trial.id}.log`);
}

/** At most `max` points, evenly spread, always keeping the first and last (and the best for the goal). */
export function downsample(curve: readonly CurvePoint[], max = MAX_CURVE_POINTS): CurvePoint[] {
  if (curve.length <= max) return [...curve];
  const out: CurvePoint[] = [];
  const stride = (curve.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(curve[Math.round(i * stride)]!);
  return out;
}

/** The trial as the server reports it. */
export function deriveTrial(view: ExperimentView, trial: Trial, log: TrialLogState | undefined, logPath?: string): TrialDTO {
  const dto: TrialDTO = { id: trial.id, params: { ...(trial.params as Record<string, number | string>) }, status: trial.status };
  if (trial.value !== undefined) dto.value = trial.value;
  if (trial.log !== undefined) dto.log = trial.log;
  else if (logPath) dto.log = logPath;
  if (trial.started) dto.started = trial.started;
  if (trial.finished) dto.finished = trial.finished;
  if (trial.reason) dto.reason = trial.reason;
  if (trial.job) dto.job = trial.job;
  if (trial.step !== undefined) dto.step = trial.step;
  if (trial.pid !== undefined) dto.pid = trial.pid;
  if (!log?.exists || !logBelongsToRun(trial, log)) return dto;
  dto.curve = downsample(log.curve);
  const open = trial.status === 'pending' || trial.status === 'running';
  if (open) {
    if (log.diverged) {
      dto.status = 'diverged';
      dto.reason = log.diverged;
      delete dto.value;
    } else if (log.finished) {
      const value = log.value;
      if (value === undefined) {
        dto.status = 'failed';
        dto.reason = `The run ended but its log has no "${view.metric}" values.`;
      } else {
        dto.status = 'completed';
        dto.value = value;
      }
    } else if (log.curve.length > 0 || trial.status === 'running') {
      dto.status = 'running';
    }
  } else if (trial.status === 'completed' && dto.value === undefined && log.value !== undefined) {
    dto.value = log.value;
  }
  return dto;
}
