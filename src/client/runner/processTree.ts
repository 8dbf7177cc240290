// Stopping a run means stopping everything it started: on POSIX the run is its own process group (spawned
// detached), so one signal reaches the whole tree; on Windows taskkill /T does the same.
import { spawn, type ChildProcess } from 'node:child_process';

/** Spawn options that make the child the leader of a new process group on POSIX. */
export const processGroupOptions = { detached: process.platform !== 'win32' } as const;

function signalTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  if (process.platform === 'win32') {
    spawn('taskkill', ['/pid', String(child.pid), '/T', ...(signal === 'SIGKILL' ? ['/F'] : [])], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already; fall back to the child itself.
    try {
      child.kill(signal);
    } catch {
      // Already exited.
    }
  }
}

/** SIGTERM to the tree, then SIGKILL after `graceMs` if the child has not exited. Resolves when it has exited. */
export function killTree(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => signalTree(child, 'SIGKILL'), Math.max(0, graceMs));
    child.once('exit', () => {
      clearTimeout(timer);
      // Children that ignored SIGTERM in the group still get SIGKILL.
      if (process.platform !== 'win32' && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // No process left in the group.
        }
      }
      resolve();
    });
    signalTree(child, 'SIGTERM');
  });
}
