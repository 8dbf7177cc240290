import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { killTree, processGroupOptions } from '../../../src/client/runner/processTree';

import { readFileSync } from 'node:fs';

/** Running (a zombie waiting to be reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('client killTree', function () {
  this.timeout(20_000);
  if (process.platform === 'win32') return;

  it('stops the run and the processes it started', async () => {
    // The parent starts a grandchild that would outlive it, prints its pid, and both ignore nothing.
    const script = `const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'], ...processGroupOptions });
    const grandchild = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    assert.ok(alive(grandchild));
    await killTree(child, 2000);
    assert.notEqual(child.exitCode === null && child.signalCode === null, true, 'the run exited');
    for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(grandchild), false, 'the grandchild is gone too');
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const child = spawn(process.execPath, ['-e', `process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'ignore'], ...processGroupOptions });
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    const started = Date.now();
    await killTree(child, 300);
    assert.equal(child.signalCode, 'SIGKILL');
    assert.ok(Date.now() - started >= 250);
  });

  it('resolves at once for a process that has already exited', async () => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', ...processGroupOptions });
    await new Promise((resolve) => child.once('exit', resolve));
    await killTree(child, 1000);
  });
});
