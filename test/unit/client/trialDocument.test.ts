import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { trialDocument } from '../../../src/client/trialDocument';
import type { TrialDTO, TrialHistoryResult } from '../../../src/shared/dto';
import { adjacentTrial, bestTrial } from '../../../src/shared/trials';

const history: Pick<TrialHistoryResult, 'experiment' | 'metric' | 'parameters'> = {
  experiment: 'digits',
  metric: 'valid/error_rate',
  parameters: [
    { name: 'lr', type: 'float', low: 1e-5, high: 10, scale: 'log' },
    { name: 'opt', type: 'categorical', choices: ['sgd', 'adam'] },
  ],
};

describe('Compare Trial with Best: the trial documents', () => {
  it('writes a trial as YAML that reads back to its fields, parameters in the space\'s order', () => {
    const trial: TrialDTO = {
      id: 7,
      // Out of order, with a name the space no longer has and a string needing quotes.
      params: { old: 'a: b', opt: 'adam', lr: 0.0123 },
      status: 'failed',
      reason: 'exit 3: "CUDA out of memory"\nsecond line',
      started: '2026-12-08T05:00:00.000Z',
      log: 'runs/7/metrics.jsonl',
    };
    const text = trialDocument(history, trial, 'best');
    assert.match(text.split('\n')[0]!, /^# digits · trial 7 \(best\) · read-only$/);
    assert.deepEqual(parse(text), {
      trial: 7,
      status: 'failed',
      'valid/error_rate': null,
      reason: 'exit 3: "CUDA out of memory"\nsecond line',
      params: { lr: 0.0123, opt: 'adam', old: 'a: b' },
      started: '2026-12-08T05:00:00.000Z',
      log: 'runs/7/metrics.jsonl',
    });
    assert.deepEqual(
      text.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().split(':')[0]),
      ['lr', 'opt', 'old'],
      'the space\'s order, then the rest',
    );
  });

  it('two trials line up line by line, so the diff shows only what differs', () => {
    const a = trialDocument(history, { id: 1, params: { lr: 0.1, opt: 'sgd' }, status: 'completed', value: 0.05 }).split('\n');
    const b = trialDocument(history, { id: 2, params: { opt: 'sgd', lr: 0.2 }, status: 'completed', value: 0.04 }).split('\n');
    assert.equal(a.length, b.length);
    assert.deepEqual(
      a.flatMap((line, i) => (line === b[i] ? [] : [i])),
      [0, 1, 3, 5],
      'the title, the id, the value and lr',
    );
  });

  it('the best trial is the best completed one with a finite value for the goal, the first of equals', () => {
    const trials: TrialDTO[] = [
      { id: 1, params: {}, status: 'completed', value: 0.3 },
      { id: 2, params: {}, status: 'stopped', value: 0.01 },
      { id: 3, params: {}, status: 'completed', value: Number.NaN },
      { id: 4, params: {}, status: 'completed', value: 0.2 },
      { id: 5, params: {}, status: 'completed', value: 0.2 },
      { id: 6, params: {}, status: 'running' },
    ];
    assert.equal(bestTrial(trials, 'minimize')?.id, 4);
    assert.equal(bestTrial(trials, 'maximize')?.id, 1);
    assert.equal(bestTrial(trials.slice(1, 3), 'minimize'), undefined);
  });

  it('the next and previous trial go by id, whatever order the file lists them in, and can skip one', () => {
    const trials = [5, 1, 9, 3, 7].map((id): TrialDTO => ({ id, params: {}, status: 'pending' }));
    const ids = (t: TrialDTO | undefined) => t?.id;
    assert.equal(ids(adjacentTrial(trials, 3, 1)), 5);
    assert.equal(ids(adjacentTrial(trials, 3, -1)), 1);
    assert.equal(ids(adjacentTrial(trials, 3, 1, 5)), 7);
    assert.equal(ids(adjacentTrial(trials, 9, 1)), undefined);
    assert.equal(ids(adjacentTrial(trials, 1, -1)), undefined);
    assert.equal(ids(adjacentTrial(trials, 4, -1)), 3, 'from an id no trial has');
  });
});
