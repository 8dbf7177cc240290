// reconcileRunning, which `hyperbo tune --stop-stray` and the editor's Stop Stray Runs share: real processes (a
// detached group standing for a trial's command, one that has exited), no mocks.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { parentPidOf, pidAlive, processCommandLine } from '../../../src/files/processInfo';
import { reconcileRunning, runnerDiedBeforePid, trialProcessAlive } from '../../../src/files/trialProcesses';

/** A detached process group (as the runners start a trial's command) that sleeps; its pid. */
function strayGroup(): { pid: number; started: string } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { detached: true, stdio: 'ignore' });
  child.unref();
  return { pid: child.pid!, started: new Date().toISOString() };
}

const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

describe('files/trialProcesses', function () {
  this.timeout(30_000);

  it('stops a live stray group (reason names who stopped it) and, with no log reader, leaves a dead one to the caller', async () => {
    const live = strayGroup();
    const dead = deadPid();
    assert.equal(parentPidOf(live.pid), process.pid, 'the parent is the runner while it lives');
    assert.match(processCommandLine(live.pid) ?? '', /setTimeout/);
    const settled = await reconcileRunning(
      [
        { id: 1, pid: live.pid, started: live.started },
        { id: 2, pid: dead, started: new Date().toISOString() },
        { id: 3 },
      ],
      undefined,
      { stop: true, graceMs: 2000, by: 'HyperBO: Stop Stray Runs' },
    );
    assert.deepEqual(settled, [
      { id: 1, action: 'stopped', pid: live.pid, reason: `stopped as a stray run (pid ${live.pid}) by HyperBO: Stop Stray Runs` },
      { id: 2, action: 'ended', pid: dead },
      { id: 3, action: 'unknown' },
    ]);
    assert.equal(pidAlive(live.pid), false, 'the stray group is gone');
  });

  it('with a log reader, a dead run is recorded from its log (tune), and a live one is left without --stop-stray', async () => {
    const live = strayGroup();
    try {
      const settled = await reconcileRunning(
        [
          { id: 1, pid: live.pid, started: live.started },
          { id: 2, pid: deadPid(), started: new Date().toISOString(), logPath: '/x' },
        ],
        async () => ({ status: 'completed', value: 0.5 }),
      );
      assert.deepEqual(settled, [
        { id: 1, action: 'still-running', pid: live.pid },
        { id: 2, action: 'recorded', outcome: { status: 'completed', value: 0.5 } },
      ]);
    } finally {
      process.kill(-live.pid, 'SIGKILL');
    }
  });

  it('a running trial with no pid whose runner (the tune that appended it) is gone is settled; a live runner\'s is left', async () => {
    const runner = strayGroup();
    try {
      const now = new Date().toISOString();
      const dead = deadPid();
      const settled = await reconcileRunning(
        [
          // Its tune was killed after writing `running` and before the command's pid: the log decides.
          { id: 1, runner: deadPid(), started: now, logPath: '/done' },
          { id: 2, runner: deadPid(), started: now, logPath: '/none' },
          // A tune that is still starting it (alive, started before the record).
          { id: 3, runner: runner.pid, started: new Date(Date.now() + 1000).toISOString() },
          // No runner recorded (the editor, an older tune): nothing can be told.
          { id: 4, started: now },
        ],
        async (t) => (t.logPath === '/done' ? { status: 'completed', value: 0.25 } : undefined),
      );
      assert.deepEqual(settled.slice(0, 1), [{ id: 1, action: 'recorded', outcome: { status: 'completed', value: 0.25 } }]);
      assert.equal(settled[1]!.action, 'failed');
      assert.match((settled[1] as { reason: string }).reason, /hyperbo tune that started it \(pid \d+\) ended before recording its command's process; it left no log/);
      assert.deepEqual(settled.slice(2), [
        { id: 3, action: 'unknown' },
        { id: 4, action: 'unknown' },
      ]);
      // Without a log reader (the editor's Stop Stray Runs): the dead runner's trials are handed back for its reader.
      const editor = await reconcileRunning([
        { id: 1, runner: dead, started: now },
        { id: 3, runner: runner.pid, started: new Date(Date.now() + 1000).toISOString() },
        { id: 4, started: now },
      ], undefined);
      assert.deepEqual(editor, [
        { id: 1, action: 'runner-gone', runner: dead },
        { id: 3, action: 'unknown' },
        { id: 4, action: 'unknown' },
      ]);
      assert.deepEqual([runnerDiedBeforePid({ id: 1, runner: dead, started: now }), runnerDiedBeforePid({ id: 3, runner: runner.pid, started: now }), runnerDiedBeforePid({ id: 4, started: now })], [true, false, false]);
    } finally {
      process.kill(-runner.pid, 'SIGKILL');
    }
  });

  it('does not take a process for the trial\'s when the record is later than its start by more than the slack, or in the future', () => {
    const live = strayGroup();
    try {
      assert.equal(trialProcessAlive(live.pid, live.started), true);
      // This test's own process started before the record: a reused pid would look like this.
      assert.equal(trialProcessAlive(process.pid, new Date(Date.now() - 1000).toISOString()), true);
      // A record far in the future (hand-edited or hostile) matches no process: nothing is stopped on its word.
      assert.equal(trialProcessAlive(live.pid, new Date(Date.now() + 3600_000).toISOString()), false);
    } finally {
      process.kill(-live.pid, 'SIGKILL');
    }
  });
});
