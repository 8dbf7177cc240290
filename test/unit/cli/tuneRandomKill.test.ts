// Issue 10's kill test: the real `hyperbo tune` over a large experiment file (5,000 completed trials, > 1 MB)
// SIGKILLed 10 times at seeded random moments spread over its startup (parse, reconcile), suggestion (GP fit on
// 5,000 points) and writes (the 1 MB rewrite at each trial's start and end). After every kill the file parses, no
// trial completed before the kill is lost or changed, and ids are unique. One more kill lands between a trial's
// append (`running`) and the write of its command's pid; a final plain tune settles every trial left running.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pidAlive } from '../../../src/files/processInfo';
import { parseExperiment, type Trial } from '../../../src/formats/experiment';
import { experimentFolder, runCli, startCli } from './harness';

const TRIALS = 5000;
const KILLS = 10;
// Delays are stratified over this span (one random moment in each tenth), so kills fall in every phase; tune asks
// for more trials than it can run in the span, so every kill lands on a live tune.
const SPAN_MS = 9000;
const SEED = 20261205;

// A trivial objective: one log line, no wait.
const OBJECTIVE = `import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
const [x, y, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ epoch: 1, score: (x - 0.3) ** 2 + (y - 0.6) ** 2 }) + '\\n');
`;

function bigExperiment(): string {
  const lines = [
    'name: big',
    'objective: { metric: score, goal: minimize }',
    'search_space:',
    '  x: { type: float, low: 0, high: 1 }',
    '  y: { type: float, low: 0, high: 1 }',
    'seed: 5',
    'trials:',
  ];
  for (let i = 1; i <= TRIALS; i++) {
    const x = (i * 0.618034) % 1;
    const y = (i * 0.41421) % 1;
    lines.push(
      `  - id: ${i}`,
      `    params: { x: ${x}, "y": ${y} }`,
      `    value: ${(x - 0.3) ** 2 + (y - 0.6) ** 2}`,
      '    status: completed',
      '    started: "2026-01-01T00:00:00.000Z"',
      '    finished: "2026-01-01T00:00:01.000Z"',
      `    log: runs/${i}/log.jsonl`,
    );
  }
  lines.push('run:', '  command: [node, objective.mjs, "${x}", "${y}", "runs/${trial}/log.jsonl"]', '  log: runs/${trial}/log.jsonl', '');
  return lines.join('\n');
}

/** mulberry32: a small seeded generator, so the kill moments are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hyperbo tune: SIGKILL at random moments over a large experiment file', function () {
  this.timeout(300_000);
  let root: string;
  before(() => (root = mkdtempSync(path.join(tmpdir(), 'hyperbo-tune-random-kill-'))));
  after(() => rmSync(root, { recursive: true, force: true }));

  it(`${KILLS} kills: the file parses, every completed trial is kept as it was, ids stay unique; the next tune settles the rest`, async () => {
    const e = experimentFolder(path.join(root, 'big'), OBJECTIVE, bigExperiment());
    const bytes = statSync(e.file).size;
    assert.ok(bytes > 1_000_000, `the file is ${bytes} bytes`);
    const parse = (): Trial[] => {
      const p = parseExperiment(readFileSync(e.file, 'utf8'), { fileName: e.file });
      assert.ok(p.ok, JSON.stringify(p.diagnostics.slice(0, 5)));
      assert.deepEqual(p.diagnostics.filter((d) => d.severity === 'error'), []);
      return p.experiment!.trials;
    };
    const key = (t: Trial) => JSON.stringify([t.id, t.params, t.value]);
    const checkKept = (before: readonly Trial[], after: readonly Trial[], when: string) => {
      const ids = after.map((t) => t.id);
      assert.equal(new Set(ids).size, ids.length, `${when}: duplicate ids`);
      const now = new Map(after.map((t) => [t.id, t]));
      for (const t of before) {
        if (t.status !== 'completed') continue;
        const a = now.get(t.id);
        assert.ok(a, `${when}: completed trial ${t.id} lost`);
        assert.equal(a.status, 'completed', `${when}: trial ${t.id}`);
        assert.equal(key(a), key(t), `${when}: trial ${t.id} changed`);
      }
    };

    const random = rng(SEED);
    const delays = Array.from({ length: KILLS }, (_, i) => Math.round(((i + random()) * SPAN_MS) / KILLS));
    // Shuffled (seeded), so a kill early in startup can follow one mid-write on a file with a stale lock.
    for (let i = delays.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [delays[i], delays[j]] = [delays[j]!, delays[i]!];
    }

    let trials = parse();
    const added: number[] = [];
    for (const [k, delay] of delays.entries()) {
      const session = startCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '1000'], e.dir);
      await sleep(delay);
      // Only tune is killed (as the OOM killer would); its trials run in their own groups by design (item 3).
      session.child.kill('SIGKILL');
      const done = await session.done;
      assert.equal(done.signal, 'SIGKILL', `kill ${k + 1} (${delay} ms) found tune already ended: ${done.stderr}`);
      const after = parse();
      checkKept(trials, after, `kill ${k + 1} at ${delay} ms`);
      // Trials left running by the killed tune: stop their groups so no process outlives the test.
      for (const t of after) {
        if (t.status === 'running' && t.pid && pidAlive(t.pid)) {
          try {
            process.kill(-t.pid, 'SIGKILL');
          } catch {
            // ended meanwhile
          }
        }
      }
      added.push(after.length - trials.length);
      trials = after;
    }

    // One more kill, aimed at the moment a random one can miss: the new trial is in the file as `running` and its
    // command's pid is not (yet). The trial records the tune that appended it (`runner`), so the next tune settles it.
    let aimed: Trial | undefined;
    for (let attempt = 1; attempt <= 5 && !aimed; attempt++) {
      const session = startCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '1000'], e.dir);
      const known = new Set(trials.map((t) => t.id));
      for (;;) {
        const text = readFileSync(e.file, 'utf8');
        const last = text.slice(text.lastIndexOf('\n  - id: '), text.indexOf('\nrun:'));
        const id = Number(/- id: (\d+)/.exec(last)?.[1]);
        if (!known.has(id) && /status: running/.test(last) && !/\bpid:/.test(last)) break;
        if (session.child.exitCode !== null) break;
        await sleep(5);
      }
      session.child.kill('SIGKILL');
      await session.done;
      const after = parse();
      checkKept(trials, after, `aimed kill ${attempt}`);
      const fresh = after.filter((t) => !known.has(t.id));
      aimed = fresh.find((t) => t.status === 'running' && t.pid === undefined);
      for (const t of fresh) if (t.pid && pidAlive(t.pid)) process.kill(-t.pid, 'SIGKILL');
      trials = after;
    }
    assert.ok(aimed, 'no kill landed between the append of a trial and the write of its pid in 5 attempts');
    assert.ok(aimed.runner, 'the trial records the tune that appended it');

    const final = runCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '1'], e.dir, 120_000);
    assert.equal(final.status, 0, final.stderr);
    const settled = parse();
    checkKept(trials, settled, 'final tune');
    // Once the next tune has started, no trial is left running: every run is settled from its log, or failed with
    // the reason (a run that got a pid from its process; one that did not from its runner, the killed tune).
    const unsettled = settled.filter((t) => t.status !== 'completed' && t.status !== 'failed');
    assert.deepEqual(unsettled.map((t) => [t.id, t.status, t.pid, t.runner]), []);
    const aimedNow = settled.find((t) => t.id === aimed!.id)!;
    if (aimedNow.status === 'failed') assert.match(aimedNow.reason ?? '', /the hyperbo tune that started it \(pid \d+\) ended before recording/);
    assert.equal(aimedNow.runner, undefined, 'a settled trial keeps no runner');
    assert.equal(settled.at(-1)!.status, 'completed');
    console.log(
      `      ${KILLS} of ${KILLS} kills survived at ${delays.join(', ')} ms, and one between append and pid (trial ${aimed.id}: ${aimedNow.status}); file ${bytes} -> ${statSync(e.file).size} bytes, ` +
        `${TRIALS} -> ${settled.length} trials (added per kill: ${added.join(', ')}), ` +
        `${settled.filter((t) => t.status === 'failed').length} settled as failed, 0 left running`,
    );
  });
});
