import assert from 'node:assert/strict';
import { lastRunChanges } from '../../../src/session/lastRun';

describe('session/lastRun (a trial\'s fields describe its last run)', () => {
  it('a status change removes what an earlier run left, unless the change sets it', () => {
    assert.deepEqual(lastRunChanges({ status: 'running', started: 's' }), { status: 'running', started: 's', value: null, finished: null, reason: null, job: null, pid: null });
    assert.deepEqual(lastRunChanges({ status: 'running', job: '42' }), { status: 'running', job: '42', value: null, finished: null, reason: null, pid: null });
    assert.deepEqual(lastRunChanges({ status: 'completed', value: 1, finished: 'f' }), { status: 'completed', value: 1, finished: 'f', reason: null });
    assert.deepEqual(lastRunChanges({ status: 'failed', reason: 'r' }), { status: 'failed', reason: 'r', value: null });
    assert.deepEqual(lastRunChanges({ status: 'diverged', reason: 'r' }), { status: 'diverged', reason: 'r', value: null });
    assert.deepEqual(lastRunChanges({ log: 'x' }), { log: 'x' });
  });
});
