import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { trialLogPath } from '../../src/server/service/trials';
import type { ExperimentView } from '../../src/server/service/experimentView';

describe('server/trialLogPath', () => {
  const file = path.join('/ws', 'tune', 'cifar.hyperbo.yaml');
  const view = (run: Partial<NonNullable<ExperimentView['run']>> | undefined) => ({ run }) as unknown as ExperimentView;
  const trial = { id: 7, params: { lr: 0.1 } };

  it('prefers the trial’s own log, relative to the experiment file', () => {
    assert.equal(trialLogPath(view({ command: ['x'], log: 'runs/${trial}.jsonl' }), file, { ...trial, log: 'mine.log' }), path.join('/ws', 'tune', 'mine.log'));
  });

  it('substitutes run.log relative to the run directory', () => {
    assert.equal(trialLogPath(view({ command: ['x'], log: 'runs/${trial}/m.jsonl', cwd: '..' }), file, trial), path.join('/ws', 'runs', '7', 'm.jsonl'));
  });

  it('falls back to where the runner captures output when the command writes no log', () => {
    assert.equal(trialLogPath(view({ command: ['x'] }), file, trial), path.join('/ws', 'tune', '.hyperbo', 'runs', 'cifar', 'trial-7.log'));
  });
});
