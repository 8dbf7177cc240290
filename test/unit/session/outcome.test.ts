// session/outcome: the one log → outcome rule of the editor's server and `hyperbo tune`.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LogWatcher } from '../../../src/server/service/logWatcher';
import { endedRunOutcome, logBelongsToRun, observeTrial, readTrialLog, STALE_LOG_SLACK_MS, type TrialLogState } from '../../../src/session/outcome';

const objective = { metric: 'score', reduce: 'min' as const };

describe('session/outcome', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-outcome-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a 3,000-point log: the server\'s incremental tail and tune\'s one read give the same exact value', async () => {
    const log = path.join(dir, 'log.jsonl');
    const values = Array.from({ length: 3000 }, (_, i) => 1 + Math.sin(i) * 0.3 + (i === 2221 ? -0.9 : 0));
    writeFileSync(log, values.slice(0, 1500).map((v, i) => JSON.stringify({ step: i, score: v })).join('\n') + '\n');
    const watcher = new LogWatcher();
    await watcher.read(log, objective);
    writeFileSync(log, values.map((v, i) => JSON.stringify({ step: i, score: v })).join('\n') + '\n');
    await watcher.read(log, objective);
    const editor = endedRunOutcome(watcher.state(log, objective), 'log.jsonl');
    const tune = endedRunOutcome(await readTrialLog(log, objective), 'log.jsonl');
    const exact = Math.min(...values);
    assert.deepEqual(editor, { status: 'completed', value: exact });
    assert.deepEqual(tune, editor);
    assert.ok(watcher.state(log, objective)!.curve.length < 3000, 'the displayed curve is thinned; the value is not');
  });

  it('a run that ended: no log, no value, a diverged loss, a value', async () => {
    assert.deepEqual(endedRunOutcome(undefined, 'runs/1.jsonl', 'the command succeeded'), { status: 'failed', reason: 'the command succeeded but wrote no log at runs/1.jsonl; check run.log' });
    const write = async (lines: object[]) => {
      const file = path.join(dir, `${Math.random()}.jsonl`);
      writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
      return readTrialLog(file, objective);
    };
    assert.deepEqual(endedRunOutcome(await write([{ acc: 1 }]), 'l'), { status: 'failed', reason: 'the log has no "score" values (it logs acc) in l' });
    assert.deepEqual(endedRunOutcome(await write([{ score: 2, loss: 1 }, { score: 1, loss: 'NaN' }]), 'l'), { status: 'diverged', reason: 'loss became NaN at step 1' });
    // The last line has no line break: the writer has exited, so it counts.
    assert.deepEqual(endedRunOutcome(await write([{ score: 2 }, { score: 0.5 }, { score: 1 }]), 'l'), { status: 'completed', value: 0.5 });
  });

  it('which log is the run\'s: never a pending trial\'s; by run id whatever the mtime; else written after the start', () => {
    const started = '2026-12-04T18:00:00.000Z';
    const t0 = Date.parse(started);
    assert.equal(logBelongsToRun({ status: 'pending' }, { modifiedMs: t0 + 1 }, true), false);
    assert.equal(logBelongsToRun({ status: 'running', started }, { modifiedMs: t0 - 3600_000 }, true), true);
    assert.equal(logBelongsToRun({ status: 'running', started }, { modifiedMs: t0 - 3600_000 }), false);
    assert.equal(logBelongsToRun({ status: 'running', started }, { modifiedMs: t0 - STALE_LOG_SLACK_MS }), true);
    assert.equal(logBelongsToRun({ status: 'running' }, { modifiedMs: 0 }), true, 'no start recorded: nothing to compare with');
  });

  it('observeTrial: the log completes, fails or diverges an open trial, and fills a completed trial\'s missing value', () => {
    const log = (s: Partial<TrialLogState>): TrialLogState => ({ exists: true, curve: [{ step: 0, value: 1 }], finished: false, ...s });
    const running = { status: 'running' as const };
    assert.deepEqual(observeTrial(running, log({ value: 1 }), { shown: 'l' }), { status: 'running', owned: true });
    assert.deepEqual(observeTrial(running, log({ value: 1, finished: true }), { shown: 'l' }), { status: 'completed', value: 1, owned: true });
    assert.deepEqual(observeTrial(running, log({ diverged: 'x became NaN', value: 1 }), { shown: 'l' }), { status: 'diverged', reason: 'x became NaN', owned: true });
    assert.deepEqual(observeTrial({ status: 'completed' }, log({ value: 0.3 }), { shown: 'l' }), { status: 'completed', value: 0.3, owned: true });
    assert.deepEqual(observeTrial({ status: 'completed', value: 0.2 }, log({ value: 0.3 }), { shown: 'l' }), { status: 'completed', value: 0.2, owned: true });
    assert.deepEqual(observeTrial({ status: 'failed', reason: 'r' }, log({ value: 0.3, finished: true }), { shown: 'l' }), { status: 'failed', reason: 'r', owned: true });
    assert.deepEqual(observeTrial({ status: 'pending' }, log({ finished: true, value: 1 }), { shown: 'l', byRunId: true }), { status: 'pending', owned: false });
  });

  it('readTrialLog: a TensorBoard-less missing path is no log; its mtime is kept for the ownership rule', async () => {
    assert.equal(await readTrialLog(path.join(dir, 'none.jsonl'), objective), undefined);
    mkdirSync(path.join(dir, 'sub'));
    const file = path.join(dir, 'sub', 'log.jsonl');
    writeFileSync(file, '{"score": 1}\n');
    utimesSync(file, new Date(5000), new Date(5000));
    assert.equal((await readTrialLog(file, objective))!.modifiedMs, 5000);
  });
});
