import assert from 'node:assert/strict';
import { lastRunChanges } from '../../../src/session/lastRun';

describe('session/lastRun (a trial\'s fields describe its last run)', () => {
  it('a status change removes what an earlier run left, unless the change sets it', () => {
    assert.deepEqual(lastRunChanges({ status: 'running', started: 's' }), { status: 'running', started: 's', value: null, step: null, finished: null, reason: null, log: null, job: null, pid: null, runner: null });
    assert.deepEqual(lastRunChanges({ status: 'running', job: '42' }), { status: 'running', job: '42', value: null, step: null, finished: null, reason: null, log: null, pid: null, runner: null });
    assert.deepEqual(lastRunChanges({ status: 'completed', value: 1, finished: 'f' }), { status: 'completed', value: 1, finished: 'f', reason: null, step: null, runner: null });
    assert.deepEqual(lastRunChanges({ status: 'failed', reason: 'r' }), { status: 'failed', reason: 'r', value: null, step: null, runner: null });
    assert.deepEqual(lastRunChanges({ status: 'diverged', reason: 'r' }), { status: 'diverged', reason: 'r', value: null, step: null, runner: null });
    assert.deepEqual(lastRunChanges({ status: 'stopped', step: 40, value: 2, reason: 'r' }), { status: 'stopped', step: 40, value: 2, reason: 'r', runner: null });
    // A new run records its id; the log path an earlier run recorded goes (the new run's follows from run.log and the id).
    assert.deepEqual(lastRunChanges({ status: 'running', started: 's', run: 'R2' }), { status: 'running', started: 's', run: 'R2', value: null, step: null, finished: null, reason: null, log: null, job: null, pid: null, runner: null });
    assert.deepEqual(lastRunChanges({ status: 'running', log: 'runs/1-R2.jsonl' }).log, 'runs/1-R2.jsonl');
    assert.deepEqual(lastRunChanges({ log: 'x' }), { log: 'x' });
  });
});
