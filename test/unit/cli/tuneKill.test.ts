// A `hyperbo tune` killed with a real SIGKILL while a trial runs: the trial's command survives in its own process
// group with its pid recorded in the trial; the next tune settles it from its log (or fails it when it left none,
// or stops it with --stop-stray) instead of leaving it "running" forever. SIGTERM stops the group and records it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pidAlive } from '../../../src/files/processInfo';
import { parseExperiment, type Trial } from '../../../src/formats/experiment';
import { runCli, startCli } from './harness';

// Sleeps MS (the first argument) milliseconds, then writes a 3-epoch log and exits; a grandchild `sleep` shares its
// group, to check that a stop reaches the whole tree.
const SCRIPT = `import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
const [ms, x, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const grandchild = spawn('sleep', ['60'], { stdio: 'ignore' });
writeFileSync(out + '.grandchild', String(grandchild.pid));
setTimeout(() => {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, [1, 2, 3].map((epoch) => JSON.stringify({ epoch, loss: (x - 0.3) ** 2 + 1 / epoch })).join('\\n') + '\\n');
  grandchild.kill();
  process.exit(0);
}, ms);
`;

const experimentText = (ms: number) => `name: slow
objective: { metric: loss, goal: minimize }
search_space:
  x: { type: float, low: 0, high: 1 }
seed: 1
trials: []
run:
  command: [node, slow.mjs, "${ms}", "\${x}", "runs/\${trial}/log.jsonl"]
  log: runs/\${trial}/log.jsonl
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 40_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('hyperbo tune: killed sessions and stray runs', function () {
  this.timeout(180_000);
  let root: string;
  let n = 0;
  before(() => (root = mkdtempSync(path.join(tmpdir(), 'hyperbo-tune-kill-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  function setup(ms: number) {
    const dir = path.join(root, `e${++n}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'slow.mjs'), SCRIPT);
    const file = path.join(dir, 'slow.hyperbo.yaml');
    writeFileSync(file, experimentText(ms));
    const trials = (): Trial[] => {
      const p = parseExperiment(readFileSync(file, 'utf8'), { fileName: file });
      assert.ok(p.ok, JSON.stringify(p.diagnostics));
      return p.experiment!.trials;
    };
    return { dir, file, trials };
  }

  /** Starts tune, waits until trial 1 records its pid, SIGKILLs tune; returns the trial's pid and grandchild pid. */
  async function killTuneMidTrial(e: ReturnType<typeof setup>): Promise<{ pid: number; grandchild: number }> {
    const session = startCli(['tune', 'slow.hyperbo.yaml', '--trials', '1'], e.dir);
    const pid = await until('the trial pid', () => e.trials().find((t) => t.id === 1)?.pid);
    session.child.kill('SIGKILL');
    const done = await session.done;
    assert.equal(done.signal, 'SIGKILL');
    const gc = path.join(e.dir, 'runs', '1', 'log.jsonl.grandchild');
    const grandchild = Number(await until('the grandchild', () => (existsSync(gc) && readFileSync(gc, 'utf8') ? readFileSync(gc, 'utf8') : undefined)));
    return { pid, grandchild };
  }

  it('a run that outlived a SIGKILLed tune and finished is recorded from its log by the next tune', async () => {
    const e = setup(1500);
    const { pid } = await killTuneMidTrial(e);
    assert.equal(e.trials()[0]!.status, 'running');
    await until('the orphaned run to finish', () => (pidAlive(pid) ? undefined : true));
    const next = runCli(['tune', 'slow.hyperbo.yaml', '--trials', '1'], e.dir, 60_000);
    assert.equal(next.status, 0, next.stderr);
    assert.match(next.stdout, /Trial 1 was left running by a session that ended; its log says completed/);
    // The count comes from the file as settled, not as it was before: trial 1 is no longer running.
    assert.match(next.stdout, /^Resuming after 1 recorded trials\.$/m);
    const [t1, t2] = e.trials();
    assert.equal(t1!.status, 'completed');
    assert.ok(Math.abs(t1!.value! - ((t1!.params.x as number) - 0.3) ** 2 - 1 / 3) < 1e-12);
    assert.equal(t1!.pid, undefined, 'the pid is removed once the trial is settled');
    assert.equal(t2!.status, 'completed');
  });

  it('a live stray run is left with a warning, then --stop-stray stops its whole process group and fails the trial', async () => {
    const e = setup(60_000);
    const { pid, grandchild } = await killTuneMidTrial(e);
    assert.ok(pidAlive(pid) && pidAlive(grandchild), 'the run survives the SIGKILL of tune (its own group)');
    const dry = runCli(['tune', 'slow.hyperbo.yaml', '--dry-run', '--trials', '1'], e.dir);
    assert.equal(dry.status, 0, dry.stderr);
    const look = runCli(['tune', 'slow.hyperbo.yaml', '--stop-stray'], e.dir);
    assert.equal(look.status, 0, look.stderr);
    assert.match(look.stdout, new RegExp(`Trial 1 recorded as failed: stopped as a stray run \\(pid ${pid}\\)`));
    await until('the run and its child to be gone', () => (!pidAlive(pid) && !pidAlive(grandchild) ? true : undefined), 10_000);
    const [t1] = e.trials();
    assert.equal(t1!.status, 'failed');
    assert.match(t1!.reason!, /stray run/);
  });

  it('a live stray run makes a plain tune warn and leave it running', async () => {
    const e = setup(60_000);
    const { pid, grandchild } = await killTuneMidTrial(e);
    try {
      const next = runCli(['tune', 'slow.hyperbo.yaml', '--trials', '1', '--dry-run'], e.dir);
      assert.equal(next.status, 0, next.stderr);
      // A dry run changes nothing; a real one warns and leaves the trial running.
      writeFileSync(path.join(e.dir, 'slow.mjs'), SCRIPT.replace('const [ms,', 'const [_ms,').replace('}, ms);', '}, 10);'));
      const real = runCli(['tune', 'slow.hyperbo.yaml', '--trials', '1'], e.dir, 60_000);
      assert.equal(real.status, 0, real.stderr);
      assert.match(real.stderr, new RegExp(`trial 1 is still running \\(pid ${pid}\\).*--stop-stray`));
      assert.equal(e.trials()[0]!.status, 'running');
      assert.ok(pidAlive(pid));
    } finally {
      for (const p of [pid, grandchild]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  });

  it('a run killed together with tune (no log) is recorded as failed with the reason', async () => {
    const e = setup(60_000);
    const { pid, grandchild } = await killTuneMidTrial(e);
    process.kill(-pid, 'SIGKILL');
    await until('the group to die', () => (!pidAlive(pid) && !pidAlive(grandchild) ? true : undefined), 10_000);
    const next = runCli(['tune', 'slow.hyperbo.yaml', '--stop-stray'], e.dir);
    assert.equal(next.status, 0, next.stderr);
    const [t1] = e.trials();
    assert.equal(t1!.status, 'failed');
    assert.match(t1!.reason!, new RegExp(`its process \\(pid ${pid}\\) ended while no runner watched it.*left no log`));
  });

  it('SIGTERM to tune stops the trial\'s whole group, records it as failed and exits 143', async () => {
    const e = setup(60_000);
    const session = startCli(['tune', 'slow.hyperbo.yaml', '--trials', '3'], e.dir);
    const pid = await until('the trial pid', () => e.trials().find((t) => t.id === 1)?.pid);
    const gc = path.join(e.dir, 'runs', '1', 'log.jsonl.grandchild');
    const grandchild = Number(await until('the grandchild', () => (existsSync(gc) && readFileSync(gc, 'utf8') ? readFileSync(gc, 'utf8') : undefined)));
    session.child.kill('SIGTERM');
    const done = await session.done;
    assert.equal(done.status, 143, done.stderr);
    assert.ok(!pidAlive(pid) && !pidAlive(grandchild), 'no process of the trial is left');
    const trials = e.trials();
    assert.equal(trials.length, 1);
    assert.equal(trials[0]!.status, 'failed');
    assert.equal(trials[0]!.reason, 'interrupted (SIGTERM)');
  });
});
