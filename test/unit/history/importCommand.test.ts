// The server side of "Import Tuning History…": the bounded scan that finds sources next to an experiment and maps
// them onto its search space, and the prior.from edit in each style an experiment file may use.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ParamSpec } from '../../../src/engine';
import { applyEdit } from '../../../src/formats/edits';
import { addPriorSourcesEdit } from '../../../src/formats/priorFromEdit';
import { structureOf } from '../../../src/formats/structure';
import { scanHistory } from '../../../src/priors/historyScan';

const FIXTURES = path.resolve(__dirname, '../../fixtures/history');
const SPACE: ParamSpec[] = [
  { name: 'lr', type: 'float', low: 1e-4, high: 0.1, scale: 'log' },
  { name: 'layers', type: 'int', low: 1, high: 4 },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
  { name: 'batch', type: 'categorical', choices: [32, 64, 128] },
];

const add = (text: string, entries: string[]) => {
  const r = addPriorSourcesEdit(structureOf(text), entries);
  return r.ok ? applyEdit(text, r.edit) : `error: ${r.message}`;
};

describe('Import Tuning History (server side)', () => {
  it('adds entries to prior.from in the style the file uses, never twice', () => {
    assert.equal(add('name: a\nprior:\n  from: [x.db]\n  exclude: [t]\n', ['x.db', 'mlruns']), 'name: a\nprior:\n  from: [x.db, mlruns]\n  exclude: [t]\n');
    assert.equal(add('name: a\nprior:\n  from: []\n', ['a b/o.db']), 'name: a\nprior:\n  from: ["a b/o.db"]\n');
    assert.equal(
      add('name: a\nprior:\n  from:\n    - x.db\n    - "*.jsonl"\n  metric: m\n', ['mlruns']),
      'name: a\nprior:\n  from:\n    - x.db\n    - "*.jsonl"\n    - mlruns\n  metric: m\n',
    );
    assert.equal(add('name: a\nprior:\n  from: "*.db"\n', ['mlruns']), 'name: a\nprior:\n  from: ["*.db", mlruns]\n');
    assert.equal(add('name: a\nprior: { exclude: [t] }\n', ['o.db']), 'name: a\nprior: { from: [o.db], exclude: [t] }\n');
    assert.equal(add('name: a\nprior:\n  exclude: [t]\n', ['o.db']), 'name: a\nprior:\n  from: [o.db]\n  exclude: [t]\n');
    assert.equal(add('name: a\ntrials:\n  - { id: 1 }\n', ['o.db']), 'name: a\nprior:\n  from: [o.db]\ntrials:\n  - { id: 1 }\n', 'before trials, which stay last');
    assert.equal(add('name: a', ['o.db']), 'name: a\nprior:\n  from: [o.db]\n');
    assert.equal(add('name: a\nprior:\n  from: [o.db]\n', ['o.db']), 'error: prior.from already lists every chosen source.');
    assert.match(add('name: [a\n', ['o.db']), /^error: .*YAML errors/);
  });

  it('finds every kind of source next to an experiment, maps each study and skips CSVs that share no parameter', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-scan-'));
    try {
      cpSync(FIXTURES, path.join(dir, 'history'), { recursive: true });
      mkdirSync(path.join(dir, 'runs', '1'), { recursive: true });
      writeFileSync(path.join(dir, 'runs', '1', 'metrics.csv'), 'step,loss\n1,0.5\n');
      mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
      cpSync(path.join(FIXTURES, 'sweep.csv'), path.join(dir, 'node_modules', 'x', 'sweep.csv'));
      const { found, truncated } = await scanHistory(dir, { space: SPACE, metric: 'val_loss' });
      assert.equal(truncated, false);
      assert.deepEqual(
        found.map((f) => `${f.entry} · ${f.format}`),
        [
          'history/keras_tuner/mlp_search · Keras Tuner project',
          'history/lightning_logs/mlp · Lightning CSVLogger',
          'history/mlflow.db · MLflow tracking store (SQLite)',
          'history/mlruns · MLflow mlruns folder',
          'history/ray_results/tune_mlp · Ray Tune experiment',
          'history/sweep.csv · CSV',
        ],
      );
      const ray = found.find((f) => f.entry.endsWith('tune_mlp'))!.studies[0]!;
      assert.deepEqual(ray.unmapped, ['extra/warmup']);
      assert.deepEqual(ray.mapped, ['lr', 'layers', 'optimizer', 'batch']);
      const bounded = await scanHistory(dir, { space: SPACE, metric: 'val_loss' }, { maxFiles: 3 });
      assert.equal(bounded.truncated, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
