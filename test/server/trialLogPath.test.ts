import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import type { RunSpec } from '../../src/formats/experiment';
import { newRunId, placeholderValues, trialLog, trialRunSpec } from '../../src/session/trialRun';

describe('session/trialLog (where a trial\'s log is)', () => {
  const file = path.join('/ws', 'tune', 'cifar.hyperbo.yaml');
  const run = (r: Partial<RunSpec>): RunSpec => ({ command: ['x'], capture: false, parallel: 1, env: {}, scheduler: 'local', sbatch: [], ...r });
  const trial = { id: 7, params: { lr: 0.1 } };

  it('prefers the trial’s own log, relative to the experiment file', () => {
    assert.deepEqual(trialLog(file, run({ log: 'runs/${trial}.jsonl' }), { ...trial, log: 'mine.log' }), { path: path.join('/ws', 'tune', 'mine.log'), byRunId: false });
  });

  it('substitutes run.log relative to the run directory', () => {
    assert.deepEqual(trialLog(file, run({ log: 'runs/${trial}/m.jsonl', cwd: '..' }), trial), { path: path.join('/ws', 'runs', '7', 'm.jsonl'), byRunId: false });
  });

  it('falls back to where the runner captures output when the command writes no log', () => {
    assert.equal(trialLog(file, run({}), trial).path, path.join('/ws', 'tune', '.hyperbo', 'runs', 'cifar', 'trial-7.log'));
    assert.equal(trialLog(file, undefined, trial).path, path.join('/ws', 'tune', '.hyperbo', 'runs', 'cifar', 'trial-7.log'));
  });

  it('${run} is the trial\'s run id: each run has its own path, which names the run', () => {
    const r = run({ log: 'runs/${trial}-${run}.jsonl' });
    const first = trialLog(file, r, { ...trial, run: '20261204-181503-a3f9' });
    const second = trialLog(file, r, { ...trial, run: '20261204-190000-0b1c' });
    assert.deepEqual(first, { path: path.join('/ws', 'tune', 'runs', '7-20261204-181503-a3f9.jsonl'), byRunId: true });
    assert.notEqual(first.path, second.path);
    // The path tune records for a run names it; one recorded by an earlier run does not name the current run.
    assert.equal(trialLog(file, r, { ...trial, run: 'R2', log: 'runs/7-R2.jsonl' }).byRunId, true);
    assert.equal(trialLog(file, r, { ...trial, run: 'R2', log: 'runs/7-R1.jsonl' }).byRunId, false);
    // A template without ${run} does not name the run: ownership falls back to the log's mtime.
    assert.equal(trialLog(file, run({ log: 'runs/${trial}.jsonl' }), { ...trial, run: 'R2' }).byRunId, false);
    // The captured output of a run is per run too.
    assert.deepEqual(trialLog(file, run({}), { ...trial, run: 'R2' }), { path: path.join('/ws', 'tune', '.hyperbo', 'runs', 'cifar', 'trial-7-R2.log'), byRunId: true });
  });

  it('fills the command, env values and sbatch options; the reserved names win over parameters of the same name', () => {
    const spec = trialRunSpec(file, run({ command: ['train', '--lr', '${lr}', '--out', 'runs/${trial}/${run}', '${nope}'], env: { TAG: 'lr=${lr}' }, sbatch: ['--job-name=t${trial}'], log: 'runs/${trial}/${run}/log.jsonl' }), { ...trial, run: 'R' });
    assert.deepEqual(spec.command, ['train', '--lr', '0.1', '--out', 'runs/7/R', '${nope}']);
    assert.deepEqual(spec.env, { TAG: 'lr=0.1' });
    assert.deepEqual(spec.sbatch, ['--job-name=t7']);
    assert.equal(spec.cwd, path.join('/ws', 'tune'));
    assert.equal(trialRunSpec(file, run({ cwd: 'work/${trial}', log: 'log.jsonl' }), trial).log.path, path.join('/ws', 'tune', 'work', '7', 'log.jsonl'), 'run.cwd takes placeholders too');
    assert.equal(spec.log.path, path.join('/ws', 'tune', 'runs', '7', 'R', 'log.jsonl'));
    assert.deepEqual(placeholderValues({ id: 3, params: { trial: 9, run: 'x', lr: 1 }, run: 'R' }), { trial: '3', run: 'R', lr: '1' });
    // Before a run started, ${run} is left as written (no log can be at such a path).
    assert.deepEqual(placeholderValues({ id: 3, params: { run: 'x' } }), { trial: '3' });
  });

  it('run ids: UTC start time and four hex digits, sortable, distinct within a second', () => {
    const at = new Date('2026-12-04T18:15:03.999Z');
    assert.equal(newRunId(at, 'a3f9'), '20261204-181503-a3f9');
    assert.match(newRunId(), /^\d{8}-\d{6}-[0-9a-f]{4}$/);
    const ids = new Set(Array.from({ length: 50 }, () => newRunId(at)));
    assert.ok(ids.size >= 45, `${ids.size} distinct ids of 50 in one second`);
  });
});
