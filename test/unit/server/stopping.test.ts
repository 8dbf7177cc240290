// run.stopping in the editor's server (service/stopping.ts): real logs read by the server's LogWatcher, the running
// trial's latest step judged against the completed trials' median, and a stop order per run.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Experiment, Trial } from '../../../src/formats/experiment';
import { LogWatcher } from '../../../src/server/service/logWatcher';
import { StoppingMonitor } from '../../../src/server/service/stopping';

const lines = (offset: number, steps: number, from = 0) =>
  Array.from({ length: steps - from }, (_, i) => JSON.stringify({ step: from + i, loss: offset + 1 / (from + i + 1) })).join('\n') + '\n';

describe('server run.stopping (StoppingMonitor over the LogWatcher)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-server-stopping-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const started = new Date(Date.now() - 60_000).toISOString();
  const setup = (runningOffset: number, runningSteps: number) => {
    const trials: Trial[] = [0, 0.1, 0.2].map((o, i) => {
      writeFileSync(path.join(dir, `${i + 1}.jsonl`), lines(o, 20));
      return { id: i + 1, params: { lr: 0.1 }, status: 'completed', value: o + 1 / 20, log: `${i + 1}.jsonl` } as Trial;
    });
    writeFileSync(path.join(dir, '4.jsonl'), lines(runningOffset, runningSteps));
    trials.push({ id: 4, params: { lr: 0.2 }, status: 'running', started, log: '4.jsonl' } as Trial);
    const experiment = {
      name: 'x', objective: { metric: 'loss', goal: 'minimize', reduce: 'min', divergenceFactor: 1e6 }, trials,
      run: { command: ['x'], capture: false, parallel: 1, env: {}, scheduler: 'local', sbatch: [], stopping: { rule: 'median', minSteps: 3, warmupTrials: 3 } },
    } as unknown as Experiment;
    const watcher = new LogWatcher();
    const read = async () => {
      for (const t of trials) await watcher.read(path.join(dir, t.log!), experiment.objective);
    };
    const logOf = (t: Trial) => ({ log: watcher.state(path.join(dir, t.log!), experiment.objective), byRunId: false });
    return { experiment, trials, read, logOf };
  };

  it('orders a stop for a run above the median at its latest step, once min_steps is reached', async () => {
    const { experiment, trials, read, logOf } = setup(1, 2);
    const monitor = new StoppingMonitor();
    await read();
    assert.equal(monitor.update('u', experiment, logOf), false, 'steps 0–1 are below min_steps 3');
    assert.equal(monitor.order('u', trials[3]!), undefined);
    appendFileSync(path.join(dir, '4.jsonl'), lines(1, 6, 2));
    await read();
    assert.equal(monitor.update('u', experiment, logOf), true);
    // Latest step 5: best so far 1 + 1/6, median of 0/0.1/0.2 + 1/6 is 0.1 + 1/6.
    const order = monitor.order('u', trials[3]!)!;
    assert.equal(order.step, 5);
    assert.ok(Math.abs(order.value - (1 + 1 / 6)) < 1e-12);
    assert.match(order.reason, /^stopped at step 5: 1\.167 is above the median 0\.2667 of 3 completed trials at that step$/);
    assert.equal(monitor.update('u', experiment, logOf), false, 'an order is made once per run');
    // A rerun (a new start time) has no order until its own log says so; a finished trial has none.
    assert.equal(monitor.order('u', { ...trials[3]!, started: new Date().toISOString() }), undefined);
    assert.equal(monitor.order('u', { ...trials[3]!, status: 'stopped' }), undefined);
  });

  it('no order for a run below the median, without run.stopping, or before warmup_trials completed', async () => {
    const good = setup(0.05, 10);
    await good.read();
    const monitor = new StoppingMonitor();
    assert.equal(monitor.update('u', good.experiment, good.logOf), false);
    const off = { ...good.experiment, run: { ...good.experiment.run!, stopping: undefined } } as Experiment;
    const bad = setup(3, 10);
    await bad.read();
    assert.equal(new StoppingMonitor().update('u', off, bad.logOf), false);
    const warm = { ...bad.experiment, run: { ...bad.experiment.run!, stopping: { rule: 'median', minSteps: 0, warmupTrials: 4 } } } as Experiment;
    assert.equal(new StoppingMonitor().update('u', warm, bad.logOf), false);
    assert.equal(new StoppingMonitor().update('u', bad.experiment, bad.logOf), true);
  });
});
