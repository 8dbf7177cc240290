// A trial's state from its log in the server (service/trials.ts deriveTrial + service/logWatcher.ts, by session/outcome.ts): the value is
// the exact reduction tune records, and a log from another run never shows as this trial's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Trial } from '../../../src/formats/experiment';
import type { ExperimentView } from '../../../src/server/service/experimentView';
import { LogWatcher } from '../../../src/server/service/logWatcher';
import { deriveTrial } from '../../../src/server/service/trials';

const view = { name: 'x', metric: 'valid/error_rate', goal: 'minimize', reduce: 'min', trials: [] } as unknown as ExperimentView;
const trial = (status: Trial['status'], started?: string): Trial => ({ id: 1, params: { lr: 0.1 }, status, ...(started ? { started } : {}) }) as Trial;

describe('server trial state from its log', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-trial-state-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a 3,000-point curve: the value is its exact minimum, not the minimum of the thinned curve', async () => {
    // The minimum sits at one odd step, which thinning drops; the thinned curve's minimum was 0.5.
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ step: i, 'valid/error_rate': i === 1237 ? 0.01 : 0.5 }));
    const log = path.join(dir, 'metrics.jsonl');
    writeFileSync(log, lines.join('\n') + '\n{"done": 1}\n');
    const watcher = new LogWatcher();
    await watcher.read(log, view);
    const state = watcher.state(log, view)!;
    assert.ok(state.curve.every((p) => p.value === 0.5), 'the thinned curve lost the minimum');
    const derived = deriveTrial(trial('running', new Date(Date.now() - 60_000).toISOString()), state);
    assert.equal(derived.status, 'completed');
    assert.equal(derived.value, 0.01);
    assert.equal(deriveTrial(trial('completed'), state).value, 0.01);
  });

  it('a pending trial never takes a log at its path; a started one only a log written after it started', async () => {
    const log = path.join(dir, 'metrics.jsonl');
    writeFileSync(log, '{"step": 5, "valid/error_rate": 0.2}\n');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(log, old, old);
    const watcher = new LogWatcher();
    await watcher.read(log, view);
    const state = watcher.state(log, view)!;
    const pending = deriveTrial(trial('pending'), state);
    assert.equal(pending.status, 'pending', 'an old runs/1 log does not make a new trial 1 "running · step 5"');
    assert.equal(pending.curve, undefined);
    const rerun = deriveTrial(trial('running', new Date().toISOString()), state);
    assert.equal(rerun.status, 'running');
    assert.equal(rerun.curve, undefined, 'the previous run\'s log is not this run\'s curve');
    // Once the new run writes the log, it is this run's.
    writeFileSync(log, '{"step": 1, "valid/error_rate": 0.3}\n');
    await watcher.read(log, view);
    const fresh = deriveTrial(trial('running', new Date(Date.now() - 5_000).toISOString()), watcher.state(log, view)!);
    assert.deepEqual(fresh.curve, [{ step: 1, value: 0.3 }]);
  });
});

describe('server trial state: a log whose path names the run', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-trial-state-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is the run\'s whatever its mtime (a clock behind the editor\'s, a copied log); without the run id, the mtime rule holds', async () => {
    const log = path.join(dir, 'metrics.jsonl');
    writeFileSync(log, '{"step": 5, "valid/error_rate": 0.2}\n{"done": 1}\n');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(log, old, old);
    const watcher = new LogWatcher();
    await watcher.read(log, view);
    const state = watcher.state(log, view)!;
    const running = trial('running', new Date().toISOString());
    const byRun = deriveTrial(running, state, 'runs/1-R.jsonl', true);
    assert.equal(byRun.status, 'completed');
    assert.equal(byRun.value, 0.2);
    assert.deepEqual(byRun.curve, [{ step: 5, value: 0.2 }]);
    const byMtime = deriveTrial(running, state, 'runs/1.jsonl', false);
    assert.equal(byMtime.status, 'running');
    assert.equal(byMtime.value, undefined);
    // Even with the run id, a pending trial has not run: a log at its path is not its.
    assert.equal(deriveTrial(trial('pending'), state, 'runs/1-R.jsonl', true).status, 'pending');
  });

  it('a run that ended with no objective value fails with the reason tune gives', async () => {
    const log = path.join(dir, 'metrics.jsonl');
    writeFileSync(log, '{"step": 1, "train/loss": 0.5}\n{"done": 1}\n');
    const watcher = new LogWatcher();
    await watcher.read(log, view);
    const derived = deriveTrial(trial('running', new Date(Date.now() - 5_000).toISOString()), watcher.state(log, view)!, 'runs/1.jsonl');
    assert.equal(derived.status, 'failed');
    assert.match(derived.reason!, /^the log has no "valid\/error_rate" values \(it logs train\/loss, done\) in runs\/1\.jsonl$/);
  });
});

describe('server LogWatcher', () => {
  it('knows nothing of a log until its first read has finished (a trial queried meanwhile shows no empty curve)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-watch-'));
    try {
      const log = path.join(dir, 'none.jsonl');
      const watcher = new LogWatcher();
      const reading = watcher.read(log, view);
      assert.equal(watcher.state(log, view), undefined, 'while the first read is under way');
      await reading;
      assert.equal(watcher.state(log, view), undefined, 'a missing log');
      writeFileSync(log, '{"valid/error_rate": 0.5}\n');
      await watcher.read(log, view);
      assert.deepEqual(watcher.state(log, view)!.curve, [{ step: 0, value: 0.5 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
