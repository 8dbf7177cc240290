// The processes of running trials, as the experiment file records them: `hyperbo tune` starts each trial's command
// as the leader of its own process group and writes its pid (and the time right after the start) into the trial.
// From that record a later session can tell a trial whose command still runs from one whose runner died with it,
// and stop the whole group of a stray run.
import { pidAlive, processStartedAt, processState } from './processInfo';

/** How much later than the recorded `started` the process may have started (boot-time rounding to 1 s, tick 10 ms). */
const START_SLACK_MS = 2000;

/**
 * Whether the process recorded for a trial (pid, and `started`, written right after the command started) is still
 * the trial's command: alive, not a zombie, and (where the platform reports start times) started no later than
 * the record, so a pid reused by a newer process does not count.
 */
export function trialProcessAlive(pid: number, started: string | undefined): boolean {
  if (!pidAlive(pid) || processState(pid) === 'Z') return false;
  const at = processStartedAt(pid);
  const recorded = started === undefined ? NaN : Date.parse(started);
  // A start time in the future is no runner's record (a hand-edited or hostile file would match any process).
  if (recorded > Date.now() + START_SLACK_MS) return false;
  if (at === undefined || Number.isNaN(recorded)) return true;
  return at <= recorded + START_SLACK_MS;
}

/** Sends a signal to the trial's whole process group (falling back to the pid); false when nothing was there. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  if (process.platform !== 'win32') {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      // Not a group leader (or gone): try the process itself.
    }
  }
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pid: number): boolean {
  if (process.platform === 'win32') return pidAlive(pid);
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM to the group, SIGKILL after `graceMs` if anything of it is left; resolves when the group is gone (or after 2 × grace). */
export async function stopGroup(pid: number, graceMs = 3000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pid) && !(pidAlive(pid) && processState(pid) !== 'Z')) return;
    await sleep(50);
  }
  signalGroup(pid, 'SIGKILL');
  const end = Date.now() + graceMs;
  while (Date.now() < end && groupAlive(pid)) await sleep(50);
}

export interface RunningTrial {
  id: number;
  pid?: number;
  started?: string;
  /**
   * The pid of the `hyperbo tune` that appended the trial (written with its `running` status, before the command
   * starts). With no `pid`, it tells a trial whose tune is still starting it from one whose tune was killed first.
   */
  runner?: number;
  /** The log path as the trial records it, resolved. */
  logPath?: string;
}

export type LogVerdict = { status: 'completed'; value: number } | { status: 'diverged' | 'failed'; reason: string };

export type Reconciled =
  | { id: number; action: 'recorded'; outcome: LogVerdict }
  | { id: number; action: 'failed'; reason: string }
  | { id: number; action: 'still-running'; pid: number }
  | { id: number; action: 'stopped'; pid: number; reason: string }
  /** Its process is gone and no log reader was given: the caller's reader of the trial's log decides. */
  | { id: number; action: 'ended'; pid: number }
  /**
   * No pid and its tune (`runner`) is gone, no log reader given: the caller's reader of the log decides, a failure's
   * reason by runnerGoneReason (the editor: the server reads the log).
   */
  | { id: number; action: 'runner-gone'; runner: number }
  | { id: number; action: 'unknown' };

export interface ReconcileOptions {
  /** Stop the groups of live runs (they are strays: no session of the caller runs them). */
  stop?: boolean;
  graceMs?: number;
  /** Who stops them, for the trial's reason (default "hyperbo tune --stop-stray"). */
  by?: string;
}

/** A running trial with no pid whose tune (`runner`) has ended: killed before it wrote its command's pid. */
export function runnerDiedBeforePid(t: RunningTrial): boolean {
  // The runner's start time is before the trial's `started` (it wrote it), so the same check tells a reused pid.
  return t.pid === undefined && t.runner !== undefined && !trialProcessAlive(t.runner, t.started);
}

/** Why such a trial failed; `logReason` is why its log gave no value (none: it left no log). */
export function runnerGoneReason(runner: number, logReason?: string): string {
  return `the hyperbo tune that started it (pid ${runner}) ended before recording its command's process; ${logReason ?? 'it left no log'} (if the command did start, nothing recorded it: stop it by hand)`;
}

/**
 * What to do about each trial the file says is running:
 * - no pid recorded but the tune that appended it (`runner`) is gone: that tune was killed before the command's pid
 *   was written; the log decides, else the trial failed (its command, if it started, was never recorded);
 * - no pid and no runner, or a live runner (the editor runs it, an older tune, or a tune still starting it): left as is;
 * - its process is alive: left running (or, with `stop`, its group is stopped and the trial failed);
 * - its process is gone: the log decides — a value (or divergence) is recorded, else the trial failed.
 * `readLog` reads a trial's log by the experiment's rule, undefined when there is no log; without it a dead process's
 * trial is reported as 'ended', a dead runner's as 'runner-gone' (the editor has the language server read the log when it
 * records the trial).
 */
export async function reconcileRunning(
  trials: readonly RunningTrial[],
  readLog: ((trial: RunningTrial) => Promise<LogVerdict | undefined>) | undefined,
  options: ReconcileOptions = {},
): Promise<Reconciled[]> {
  const out: Reconciled[] = [];
  for (const t of trials) {
    if (t.pid === undefined) {
      if (!runnerDiedBeforePid(t)) {
        out.push({ id: t.id, action: 'unknown' });
        continue;
      }
      const runner = t.runner!;
      if (!readLog) {
        out.push({ id: t.id, action: 'runner-gone', runner });
        continue;
      }
      const verdict = await readLog(t);
      if (verdict && verdict.status !== 'failed') out.push({ id: t.id, action: 'recorded', outcome: verdict });
      else out.push({ id: t.id, action: 'failed', reason: runnerGoneReason(runner, verdict?.reason) });
      continue;
    }
    if (trialProcessAlive(t.pid, t.started)) {
      if (!options.stop) {
        out.push({ id: t.id, action: 'still-running', pid: t.pid });
        continue;
      }
      await stopGroup(t.pid, options.graceMs);
      out.push({ id: t.id, action: 'stopped', pid: t.pid, reason: `stopped as a stray run (pid ${t.pid}) by ${options.by ?? 'hyperbo tune --stop-stray'}` });
      continue;
    }
    if (!readLog) {
      out.push({ id: t.id, action: 'ended', pid: t.pid });
      continue;
    }
    const verdict = await readLog(t);
    if (verdict && verdict.status !== 'failed') out.push({ id: t.id, action: 'recorded', outcome: verdict });
    else {
      const why = verdict ? `; ${verdict.reason}` : '; it left no log';
      out.push({ id: t.id, action: 'failed', reason: `its process (pid ${t.pid}) ended while no runner watched it (the session running it was killed)${why}` });
    }
  }
  return out;
}
