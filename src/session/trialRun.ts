// How an experiment's trial becomes a run: its placeholders, the command, working directory, environment values and
// sbatch options they fill in, and the trial's log path. The one rule for the editor (the server's run plans and
// the logs it watches) and `hyperbo tune`.
//
// A run has an id (`newRunId`), recorded in the trial as `run:` when it starts. `${run}` in run.log (or anywhere a
// placeholder is allowed) expands to it, so each run writes its own log and a log left by an earlier run of the
// same trial id is never read as this one's. Without `${run}` in the path, a log counts as the run's when it was
// written after the trial started (session/outcome.ts logBelongsToRun).
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { RUN_PLACEHOLDER, TRIAL_PLACEHOLDER, type RunSpec, type Trial } from '../formats/experiment';
import { replacePlaceholders } from '../shared/placeholders';

/** The trial fields a run's placeholders and log path depend on. */
export type TrialRef = Pick<Trial, 'id' | 'params'> & Partial<Pick<Trial, 'log' | 'run'>>;

/**
 * A new run id: the UTC start time to the second and four random hex digits, e.g. `20261204-181503-a3f9`: sorts by
 * start time, differs between two runs started in the same second, and is safe in a file name.
 */
export function newRunId(now: Date = new Date(), random: string = randomBytes(2).toString('hex')): string {
  const iso = now.toISOString(); // 2026-12-04T18:15:03.123Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${random}`;
}

/**
 * Placeholder values for a trial: every parameter, `${trial}` (its id) and, once a run started, `${run}` (the run
 * id). The two reserved names win over parameters of the same name.
 */
export function placeholderValues(trial: TrialRef): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(trial.params)) values[k] = String(v);
  values[TRIAL_PLACEHOLDER] = String(trial.id);
  if (trial.run !== undefined) values[RUN_PLACEHOLDER] = trial.run;
  else delete values[RUN_PLACEHOLDER];
  return values;
}

/** `template` with its `${name}` placeholders filled in from `values`; unknown names (and `${}`) stay as written. */
export function expandPlaceholders(template: string, values: Readonly<Record<string, string>>): string {
  return replacePlaceholders(template, (name, whole) => (Object.hasOwn(values, name) ? values[name]! : whole), { nonEmpty: true });
}

/** The run's working directory (absolute): run.cwd, filled in for `trial`, relative to the experiment file's folder. */
export function runCwd(fsPath: string, run: Pick<RunSpec, 'cwd'> | undefined, trial?: TrialRef): string {
  const cwd = run?.cwd ?? '.';
  return path.resolve(path.dirname(fsPath), trial ? expandPlaceholders(cwd, placeholderValues(trial)) : cwd);
}

/** Where a trial's log is, and whether the path itself names the run that writes it. */
export interface TrialLog {
  /** Absolute path. */
  path: string;
  /**
   * The path contains the trial's run id: a log there was written by that run, whatever its mtime. False when the
   * path has no run id (then only the mtime tells an earlier run's log from this one's).
   */
  byRunId: boolean;
}

const hasRunPlaceholder = (template: string): boolean => template.includes(`\${${RUN_PLACEHOLDER}}`);

/**
 * A trial's log: the trial's own `log` (relative to the experiment file; `hyperbo tune` records it), else run.log
 * filled in (relative to the run's cwd), else where the runner captures the output of a command that writes no log
 * of its own (`.hyperbo/runs/<experiment>/trial-<id>[-<run>].log` beside the file).
 */
export function trialLog(fsPath: string, run: Pick<RunSpec, 'cwd' | 'log'> | undefined, trial: TrialRef): TrialLog {
  const id = trial.run;
  if (trial.log !== undefined) return { path: path.resolve(path.dirname(fsPath), trial.log), byRunId: id !== undefined && trial.log.includes(id) };
  if (run?.log !== undefined) {
    return { path: path.resolve(runCwd(fsPath, run, trial), expandPlaceholders(run.log, placeholderValues(trial))), byRunId: id !== undefined && hasRunPlaceholder(run.log) };
  }
  const name = `trial-${trial.id}${id !== undefined ? `-${id}` : ''}.log`;
  return { path: path.join(path.dirname(fsPath), '.hyperbo', 'runs', path.basename(fsPath, '.hyperbo.yaml'), name), byRunId: id !== undefined };
}

/**
 * True when the command writes run.log itself; otherwise the runner writes the command's stdout and stderr to the
 * trial's log (run.capture, or no run.log: then at trialLog's `.hyperbo/runs/…` path).
 */
export function commandWritesLog(run: Pick<RunSpec, 'log' | 'capture'>): boolean {
  return run.log !== undefined && !run.capture;
}

/** What a trial's run executes, placeholders filled in. */
export interface TrialRunSpec {
  /** argv; never joined into a shell string. */
  command: string[];
  cwd: string;
  env: Record<string, string>;
  /** run.sbatch options (scheduler slurm). */
  sbatch: string[];
  log: TrialLog;
}

/** The command, working directory, environment values, sbatch options and log of one run of `trial`. */
export function trialRunSpec(fsPath: string, run: RunSpec, trial: TrialRef): TrialRunSpec {
  const values = placeholderValues(trial);
  const fill = (s: string) => expandPlaceholders(s, values);
  return {
    command: run.command.map(fill),
    cwd: runCwd(fsPath, run, trial),
    env: Object.fromEntries(Object.entries(run.env ?? {}).map(([k, v]) => [k, fill(v)])),
    sbatch: (run.sbatch ?? []).map(fill),
    log: trialLog(fsPath, run, trial),
  };
}
