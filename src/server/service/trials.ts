// A trial's state as the server reports it: the YAML entry, refined by what its log shows (session/outcome.ts, the
// rule `hyperbo tune` records by). The file stays the source of truth; the log only adds what the file cannot know
// yet (a run that finished or diverged).
import type { CurvePoint, TrialDTO } from '../../shared/dto';
import type { Trial } from '../../formats/experiment';
import { observeTrial, type TrialLogState } from '../../session/outcome';

export const MAX_CURVE_POINTS = 200;

/** At most `max` points, evenly spread, always keeping the first and last. */
export function downsample(curve: readonly CurvePoint[], max = MAX_CURVE_POINTS): CurvePoint[] {
  if (curve.length <= max) return [...curve];
  const out: CurvePoint[] = [];
  const stride = (curve.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(curve[Math.round(i * stride)]!);
  return out;
}

/**
 * The trial as the server reports it. `log` is what its log shows (undefined: no log yet), `logPath` the path shown
 * (relative to the experiment's folder) and `byRunId` whether that path names the trial's run (session/trialRun.ts).
 */
export function deriveTrial(trial: Trial, log: TrialLogState | undefined, logPath?: string, byRunId = false): TrialDTO {
  const dto: TrialDTO = { id: trial.id, params: { ...(trial.params as Record<string, number | string>) }, status: trial.status };
  if (trial.log !== undefined) dto.log = trial.log;
  else if (logPath) dto.log = logPath;
  if (trial.started) dto.started = trial.started;
  if (trial.finished) dto.finished = trial.finished;
  if (trial.job) dto.job = trial.job;
  if (trial.step !== undefined) dto.step = trial.step;
  if (trial.pid !== undefined) dto.pid = trial.pid;
  // A trial with a scheduler job is re-attached to, not settled by its runner (as tune does).
  if (trial.runner !== undefined && trial.status === 'running' && !trial.job) dto.runner = trial.runner;
  const seen = observeTrial(trial, log, { shown: dto.log ?? 'the trial\'s log', byRunId });
  dto.status = seen.status;
  if (seen.value !== undefined) dto.value = seen.value;
  if (seen.reason) dto.reason = seen.reason;
  if (seen.owned && log) dto.curve = downsample(log.curve);
  return dto;
}
