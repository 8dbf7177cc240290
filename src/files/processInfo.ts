// Is a process still the one we recorded? A pid alone can be reused after the process exits, so a record keeps
// the pid and the process's start time; on Linux the kernel's start time (/proc/<pid>/stat) identifies the
// process exactly, elsewhere only "some process with this pid is alive" can be told.
import { readFileSync } from 'node:fs';

/** True when a process with this pid exists (ours or another user's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function procStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

let bootSeconds: number | undefined;
function bootTime(): number | undefined {
  if (bootSeconds !== undefined) return bootSeconds;
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (m) bootSeconds = Number(m[1]);
  } catch {
    // Not Linux.
  }
  return bootSeconds;
}

// USER_HZ: 100 on every Linux architecture Node supports.
const TICKS_PER_SECOND = 100;

/**
 * An opaque token of the process's start (Linux: its start time in clock ticks since boot), or undefined when the
 * process does not exist or the platform cannot tell.
 */
export function processStartToken(pid: number): string | undefined {
  const fields = procStat(pid);
  // Field 22 of /proc/<pid>/stat (1-based) is starttime; after dropping pid and comm it is index 19.
  return fields?.[19];
}

/** When the process started (ms since the epoch, ±10 ms plus the boot time's rounding), or undefined. */
export function processStartedAt(pid: number): number | undefined {
  const token = processStartToken(pid);
  const boot = bootTime();
  if (token === undefined || boot === undefined) return undefined;
  return boot * 1000 + (Number(token) * 1000) / TICKS_PER_SECOND;
}

/** The process group of a pid (Linux), or undefined. */
export function processGroupOf(pid: number): number | undefined {
  const fields = procStat(pid);
  const pgid = fields ? Number(fields[2]) : NaN;
  return Number.isInteger(pgid) ? pgid : undefined;
}

/** The parent pid of a process (Linux), or undefined. A run whose runner died is re-parented (to 1 or a subreaper). */
export function parentPidOf(pid: number): number | undefined {
  const fields = procStat(pid);
  const ppid = fields ? Number(fields[1]) : NaN;
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** The process's command line (Linux: /proc/<pid>/cmdline, arguments joined by spaces), or undefined. */
export function processCommandLine(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((a) => a !== '').join(' ') || undefined;
  } catch {
    return undefined;
  }
}

/** State letter of the process (Linux: R, S, D, Z zombie, …), or undefined. */
export function processState(pid: number): string | undefined {
  return procStat(pid)?.[0];
}

/**
 * Whether the process recorded as (pid, start token) is still running: the pid is alive and, where the platform
 * reports start times, it started at the recorded time (so a reused pid does not count). A zombie counts as gone.
 */
export function sameProcessAlive(pid: number, startToken: string | undefined): boolean {
  if (!pidAlive(pid)) return false;
  if (processState(pid) === 'Z') return false;
  if (startToken === undefined) return true;
  const now = processStartToken(pid);
  return now === undefined || now === startToken;
}
