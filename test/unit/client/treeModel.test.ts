import * as assert from 'node:assert/strict';
import { statusModel } from '../../../src/client/statusModel';
import { experimentItemModel, sortTrials, trialItemModel } from '../../../src/client/tree/treeModel';
import { formatNumber } from '../../../src/shared/numbers';
import type { ExperimentSummary, TrialDTO } from '../../../src/shared/dto';

const summary = (extra: Partial<ExperimentSummary> = {}): ExperimentSummary => ({
  uri: 'file:///w/a.hyperbo.yaml',
  name: 'digits',
  metric: 'valid/error_rate',
  goal: 'minimize',
  budget: 20,
  trials: { total: 5, completed: 3, running: 1, pending: 1, failed: 0 },
  best: { trialId: 2, value: 0.0812345, params: { lr: 0.1 } },
  ...extra,
});

describe('client tree and status models', () => {
  it('maps each trial status to its icon, colour, description and menu context', () => {
    const base: TrialDTO = { id: 4, params: { lr: 0.0001234, opt: 'adam' }, status: 'pending' };
    const cases: [TrialDTO, string, string | undefined, string, string][] = [
      [base, 'circle-large-outline', undefined, 'pending', 'trial:pending'],
      [{ ...base, status: 'running', curve: [{ step: 10, value: 0.5 }] }, 'sync~spin', 'charts.blue', 'step 10: 0.5 · running', 'trial:running'],
      [{ ...base, status: 'completed', value: 0.25 }, 'pass', 'testing.iconPassed', 'valid/error_rate 0.25 · completed', 'trial:completed'],
      [{ ...base, status: 'failed', reason: 'exit 1' }, 'error', 'testing.iconFailed', 'failed', 'trial:failed'],
      [{ ...base, status: 'diverged', reason: 'loss became NaN' }, 'warning', 'list.warningForeground', 'diverged', 'trial:diverged'],
      [{ ...base, status: 'stopped', step: 40, value: 0.9, reason: 'stopped at step 40' }, 'debug-stop', 'disabledForeground', 'valid/error_rate 0.9 · stopped · step 40', 'trial:stopped'],
    ];
    for (const [trial, icon, color, description, contextValue] of cases) {
      const model = trialItemModel(trial, 'valid/error_rate');
      assert.equal(model.label, 'Trial 4');
      assert.equal(model.icon, icon, trial.status);
      assert.equal(model.color, color, trial.status);
      assert.equal(model.description, description);
      assert.equal(model.contextValue, contextValue);
      assert.match(model.tooltip, /lr=1\.234e-4 opt=adam/);
    }
    assert.match(trialItemModel(cases[4]![0], 'm').tooltip, /loss became NaN/);
    assert.match(trialItemModel(cases[5]![0], 'm').tooltip, /^Trial 4: stopped · step 40$/m);
  });

  it('shows what this window runs or queues ahead of the file', () => {
    const pending: TrialDTO = { id: 1, params: { x: 1 }, status: 'pending' };
    assert.deepEqual([trialItemModel(pending, 'm', 'running').icon, trialItemModel(pending, 'm', 'running').contextValue], ['sync~spin', 'trial:running:local']);
    assert.deepEqual([trialItemModel(pending, 'm', 'queued').icon, trialItemModel(pending, 'm', 'queued').description], ['watch', 'queued']);
  });

  it("names a running trial's Slurm job, and keeps the job in the tooltip after it ended", () => {
    const running: TrialDTO = { id: 2, params: { x: 1 }, status: 'running', job: '417' };
    assert.equal(trialItemModel(running, 'm').description, 'running · Slurm job 417');
    assert.match(trialItemModel(running, 'm').tooltip, /^Slurm job 417$/m);
    const failed: TrialDTO = { ...running, status: 'failed', reason: 'Stopped by the user.' };
    assert.equal(trialItemModel(failed, 'm').description, 'failed');
    assert.match(trialItemModel(failed, 'm').tooltip, /^Slurm job 417$/m);
    assert.doesNotMatch(trialItemModel({ ...running, job: undefined }, 'm').tooltip, /job/);
  });

  it('says when run.stopping has ordered a running trial stopped (its runner has not stopped it yet)', () => {
    const running: TrialDTO = { id: 3, params: { x: 1 }, status: 'running', curve: [{ step: 7, value: 5 }], stop: { step: 6, value: 5, reason: 'stopped at step 6: 5 is above the median 0.5 of 3 completed trials at that step' } };
    assert.equal(trialItemModel(running, 'm').description, 'step 7: 5 · running · worse than the median at step 6');
    assert.match(trialItemModel(running, 'm').tooltip, /^run\.stopping: to be stopped \(stopped at step 6: 5 is above the median 0\.5 of 3 completed trials at that step\)$/m);
    // Once recorded, the trial's own status says it.
    assert.equal(trialItemModel({ ...running, status: 'stopped', step: 6, value: 5 }, 'm').description, 'm 5 · stopped · step 6');
  });

  it('summarises an experiment: done/budget, running, best, problems', () => {
    const model = experimentItemModel(summary());
    assert.equal(model.label, 'digits');
    assert.equal(model.description, '3/20 · 1 running · best 0.08123');
    assert.equal(model.contextValue, 'experiment');
    assert.equal(model.icon, 'beaker');
    const broken = experimentItemModel(summary({ errors: 2, budget: undefined, best: undefined, trials: { total: 0, completed: 0, running: 0, pending: 0, failed: 0 } }));
    assert.equal(broken.description, '0 done · 2 errors');
    assert.equal(broken.icon, 'warning');
    assert.match(broken.tooltip, /no completed trial yet/);
  });

  it('formats numbers for lists and sorts trials newest first', () => {
    assert.deepEqual([formatNumber(0.000012), formatNumber(1234567), formatNumber(0.123456), formatNumber(3), formatNumber(Number.NaN)], ['1.2e-5', '1.235e+6', '0.1235', '3', '—']);
    assert.deepEqual(sortTrials([{ id: 1 }, { id: 3 }, { id: 2 }] as TrialDTO[]).map((t) => t.id), [3, 2, 1]);
  });

  it('status text: health, progress and best of the active experiment', () => {
    assert.equal(statusModel('ready', summary()).text, '$(beaker) HyperBO: 3/20 · best 0.08123');
    assert.equal(statusModel('pretraining', summary(), 'step 3/150').text, '$(loading~spin) HyperBO: 3/20 · best 0.08123 (pre-training)');
    assert.match(statusModel('pretraining', undefined, 'step 3/150').tooltip, /Pre-training a prior: step 3\/150/);
    const stopped = statusModel('stopped', undefined, 'it crashed 5 times');
    assert.equal(stopped.text, '$(error) HyperBO (server stopped)');
    assert.equal(stopped.severity, 'error');
    assert.match(stopped.tooltip, /Restart Server/);
    assert.equal(statusModel('error', undefined, 'bad data').severity, 'warning');
  });
});
