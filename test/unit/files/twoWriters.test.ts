// Two real processes appending trials to one experiment file at the same time (each as `hyperbo tune` does:
// append a running trial, then record its result) lose nothing, never reuse an id and keep the header; the lock
// of a killed process is detected as stale and broken.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { acquireLock, lockPathFor, LockTimeoutError, withFileLock } from '../../../src/files/lock';
import { processStartToken } from '../../../src/files/processInfo';
import { parseExperiment } from '../../../src/formats/experiment';

const TSX = pathToFileURL(require.resolve('tsx')).href;
const CHILD = path.join(__dirname, 'writerChild.ts');

const HEAD = `# two writers share this file
name: shared
objective: { metric: loss, goal: minimize }
search_space:
  x: { type: float, low: 0, high: 1 }
  who: { type: categorical, choices: [a, b, c] }
trials: []
`;

function runChild(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CHILD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('files/experimentWrites: two writers', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-writers-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('three concurrent processes appending 30 trials each: 90 trials, ids 1..90 once each, header intact', async () => {
    const file = path.join(dir, 'shared.hyperbo.yaml');
    writeFileSync(file, HEAD);
    const results = await Promise.all(['a', 'b', 'c'].map((who) => runChild(['append', file, '30', who])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith(HEAD.replace('trials: []\n', '')), 'the header is unchanged');
    const { experiment, diagnostics } = parseExperiment(text, { fileName: file });
    assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
    const trials = experiment!.trials;
    assert.equal(trials.length, 90);
    assert.deepEqual(trials.map((t) => t.id).sort((x, y) => x - y), Array.from({ length: 90 }, (_, k) => k + 1));
    for (const who of ['a', 'b', 'c']) {
      const mine = trials.filter((t) => t.params.who === who);
      assert.equal(mine.length, 30, `all of writer ${who}'s trials are there`);
      assert.ok(mine.every((t) => t.status === 'completed' && t.value !== undefined), `writer ${who}'s results are all recorded`);
    }
    assert.equal(existsSync(lockPathFor(file)), false, 'the lock is released');
  });

  it('breaks the lock of a dead process, but waits for a live one and names it on timeout', async () => {
    const file = path.join(dir, 'x.hyperbo.yaml');
    writeFileSync(file, HEAD);
    // A lock left by a process that has exited (a real pid, now gone).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    writeFileSync(lockPathFor(file), JSON.stringify({ pid: deadPid, host: hostname(), since: new Date().toISOString() }));
    const t0 = Date.now();
    await withFileLock(file, async () => undefined, { timeoutMs: 2000 });
    assert.ok(Date.now() - t0 < 1500, 'the stale lock is broken at once');
    // A pid that is alive but was reused by another process: its start token differs, so the lock is stale too.
    writeFileSync(lockPathFor(file), JSON.stringify({ pid: process.pid, start: 'not-my-start', host: hostname(), since: new Date().toISOString() }));
    await withFileLock(file, async () => undefined, { timeoutMs: 2000 });
    // A live holder (this process, its real start token): the second taker waits and times out naming it.
    const held = await acquireLock(file);
    assert.equal(JSON.parse(readFileSync(held.file, 'utf8')).start, processStartToken(process.pid));
    await assert.rejects(acquireLock(file, { timeoutMs: 300 }), (e: unknown) => e instanceof LockTimeoutError && e.message.includes(`process ${process.pid}`));
    // It gets the lock once the holder releases it.
    const second = acquireLock(file, { timeoutMs: 5000 });
    setTimeout(() => void held.release(), 100);
    await (await second).release();
    assert.equal(existsSync(lockPathFor(file)), false);
  });

  it('a torn lock file (no owner recorded) is broken once it is older than the limit', async () => {
    const file = path.join(dir, 'y.hyperbo.yaml');
    writeFileSync(file, HEAD);
    writeFileSync(lockPathFor(file), '{"pi');
    await assert.rejects(acquireLock(file, { timeoutMs: 200, unreadableStaleMs: 60_000 }), LockTimeoutError);
    const lock = await acquireLock(file, { timeoutMs: 3000, unreadableStaleMs: 300 });
    await lock.release();
  });
});
