// `hyperbo tune` with run.stopping: a run whose curve stays above the completed runs' median is stopped mid-way
// (its process group ends, its log stops growing) and recorded as stopped with its step and value there; a run
// below the median runs to its end.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { experimentFolder, runCli } from './harness';

// Appends {"step": s, "score": offset + 1/(s+1)} every 50 ms for `steps` steps.
const CURVE_SCRIPT = `import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
const [out, offset, steps] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
mkdirSync(dirname(out), { recursive: true });
let step = 0;
const tick = () => {
  appendFileSync(out, JSON.stringify({ step, score: offset + 1 / (step + 1) }) + '\\n');
  if (++step < steps) setTimeout(tick, 50);
};
tick();
`;

const STEPS = 40;
const curveLines = (offset: number) => Array.from({ length: STEPS }, (_, s) => JSON.stringify({ step: s, score: offset + 1 / (s + 1) })).join('\n') + '\n';

const experimentText = (offset: number) => `name: curves
objective: { metric: score, goal: minimize, reduce: min }
search_space:
  lr:  { type: float, low: 1.0e-4, high: 1, scale: log }
  mom: { type: float, low: 0, high: 1 }
run:
  command: [node, objective.mjs, "runs/\${trial}/log.jsonl", "${offset}", "${STEPS}"]
  log: runs/\${trial}/log.jsonl
  stopping: { rule: median, min_steps: 2, warmup_trials: 3 }
trials:
  - { id: 1, params: { lr: 0.01, mom: 0.5 }, status: completed, value: ${0 + 1 / STEPS}, log: runs/1/log.jsonl }
  - { id: 2, params: { lr: 0.001, mom: 0.2 }, status: completed, value: ${0.1 + 1 / STEPS}, log: runs/2/log.jsonl }
  - { id: 3, params: { lr: 0.1, mom: 0.8 }, status: completed, value: ${0.2 + 1 / STEPS}, log: runs/3/log.jsonl }
`;

describe('hyperbo tune with run.stopping (median rule)', function () {
  this.timeout(60_000);
  let root: string;
  let counter = 0;
  const saved = process.env.HYPERBO_POLL_MS;

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'hyperbo-tune-stopping-'));
    process.env.HYPERBO_POLL_MS = '50';
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    if (saved === undefined) delete process.env.HYPERBO_POLL_MS;
    else process.env.HYPERBO_POLL_MS = saved;
  });

  /** An experiment whose completed trials 1–3 logged offset 0, 0.1, 0.2 + 1/(s+1) (median 0.1 + 1/(s+1)); new runs log `offset` + 1/(s+1). */
  const experiment = (offset: number) => {
    const exp = experimentFolder(path.join(root, `exp-${++counter}`), CURVE_SCRIPT, experimentText(offset));
    [0, 0.1, 0.2].forEach((o, i) => {
      mkdirSync(path.join(exp.dir, 'runs', String(i + 1)), { recursive: true });
      writeFileSync(path.join(exp.dir, 'runs', String(i + 1), 'log.jsonl'), curveLines(o));
    });
    return exp;
  };

  it('stops a run above the median after min_steps: its process ends early and the trial records stopped, step and value', () => {
    const exp = experiment(5);
    const started = Date.now();
    const r = runCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '1'], exp.dir);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const t = exp.trials().find((t) => t.id === 4)!;
    assert.equal(t.status, 'stopped', exp.read());
    assert.ok(t.step !== undefined && t.step >= 2 && t.step < STEPS - 1, `step ${t.step}`);
    assert.ok(Math.abs(t.value! - (5 + 1 / (t.step! + 1))) < 1e-12, `value ${t.value} at step ${t.step}`);
    assert.match(t.reason!, new RegExp(`^stopped at step ${t.step}: .* is above the median .* of 3 completed trials at that step$`));
    assert.ok(t.finished && t.pid === undefined, 'finished, and the pid of the ended run removed');
    // The process group was stopped: the log stopped growing well before its 40 steps.
    const lines = readFileSync(path.join(exp.dir, 'runs', '4', 'log.jsonl'), 'utf8').trim().split('\n').length;
    assert.ok(lines < STEPS / 2, `${lines} lines logged`);
    assert.match(r.stdout, new RegExp(`^4\\t.*\\tstopped · step ${t.step}$`, 'm'));
    assert.match(r.stderr, /trial 4 stopped at step/);
    // No trial completed in this session, but the file's best is still reported.
    assert.match(r.stdout, /Best score = 0\.025 \(trial 1\)/);
    assert.ok(seconds < 30, `${seconds} s`);
  });

  it('lets a run below the median finish: completed with its full curve', () => {
    const exp = experiment(0.05);
    const r = runCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '1'], exp.dir);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const t = exp.trials().find((t) => t.id === 4)!;
    assert.equal(t.status, 'completed', exp.read());
    assert.ok(Math.abs(t.value! - (0.05 + 1 / STEPS)) < 1e-12, String(t.value));
    assert.equal(t.step, undefined);
  });
});
