// Importers of other tools' tuning history. Optuna storages are made here by the real Optuna (Debian's
// python3-optuna) and compared with what Optuna itself reads back; the MLflow, Ray Tune, Lightning and Keras Tuner
// fixtures were written by test/fixtures/history/make_others.py, which follows each tool's on-disk format.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SearchSpace, type ParamSpec } from '../../../src/engine';
import {
  findHistorySources,
  mapStudy,
  readHistory,
  readHistorySource,
  type HistoryStudy,
} from '../../../src/formats/history';
import { readOptunaDatabase, readOptunaJournal } from '../../../src/formats/history/optuna';
import { loadTaskFiles } from '../../../src/formats/taskData';
import { loadDataFileTasks, resolvePriorSources } from '../../../src/priors';

const FIXTURES = path.resolve(__dirname, '../../fixtures/history');
const PARAMS: ParamSpec[] = [
  { name: 'lr', type: 'float', low: 1e-4, high: 0.1, scale: 'log' },
  { name: 'layers', type: 'int', low: 1, high: 4 },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
  { name: 'batch', type: 'categorical', choices: [32, 64, 128] },
];
const space = new SearchSpace(PARAMS);

const python = process.env.HYPERBO_PYTHON ?? '/usr/bin/python3';
function hasOptuna(): boolean {
  try {
    execFileSync(python, ['-c', 'import optuna'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

interface Expected {
  [study: string]: { direction: string; incomplete: number; trials: { params: Record<string, unknown>; value: number | string }[] };
}

const byName = (studies: HistoryStudy[]) => new Map(studies.map((s) => [s.name, s]));

describe('tuning history: Optuna storages made by Optuna', function () {
  this.timeout(120_000);
  let dir = '';
  let expected: Expected;

  before(async function () {
    if (!existsSync(python) || !hasOptuna()) {
      // CI installs it (.ci/install-vscode-tools.sh); locally: apt-get install -y python3-optuna.
      console.log(`      skipped: ${python} cannot import optuna (apt-get install -y python3-optuna)`);
      this.skip();
    }
    dir = await mkdtemp(path.join(tmpdir(), 'hyperbo-optuna-'));
    execFileSync(python, ['-W', 'ignore', path.join(FIXTURES, 'make_optuna.py'), dir], { stdio: 'pipe' });
    expected = JSON.parse(await readFile(path.join(dir, 'expected.json'), 'utf8')) as Expected;
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const same = (study: HistoryStudy, want: Expected[string]) => {
    assert.equal(study.directions.value, want.direction);
    assert.equal(study.incomplete, want.incomplete, 'pruned and failed trials are not complete');
    assert.equal(study.trials.length, want.trials.length);
    study.trials.forEach((t, i) => {
      const w = want.trials[i]!;
      assert.deepEqual(t.params, w.params, `trial ${i}: categorical indices become Optuna's choices`);
      assert.equal(t.metrics.value, w.value === 'inf' ? Infinity : w.value === '-inf' ? -Infinity : w.value);
    });
  };

  it('reads every study of an RDB storage as Optuna reads it back (choices, INF values, COMPLETE only)', async () => {
    const studies = byName(await readOptunaDatabase(path.join(dir, 'optuna.db')));
    assert.deepEqual([...studies.keys()], ['mnist', 'cifar']);
    same(studies.get('mnist')!, expected.mnist!);
    same(studies.get('cifar')!, expected.cifar!);
    assert.ok(studies.get('mnist')!.trials.some((t) => t.metrics.value === Infinity), 'the +inf trial is read as Infinity');
    assert.ok(studies.get('cifar')!.trials.some((t) => t.metrics.value === -Infinity), 'the maximised study stored −inf');
    assert.deepEqual(studies.get('mnist')!.space, [
      { name: 'lr', type: 'float', low: 1e-4, high: 0.1, scale: 'log' },
      { name: 'layers', type: 'int', low: 1, high: 4, scale: 'linear' },
      { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
      { name: 'batch', type: 'categorical', choices: [32, 64, 128] },
    ]);
  });

  it('replays a journal as Optuna does (a deleted study is gone, its trial ids stay used)', async () => {
    const studies = byName(await readOptunaJournal(path.join(dir, 'journal.log')));
    assert.deepEqual([...studies.keys()], ['svhn']);
    same(studies.get('svhn')!, expected.svhn!);
  });

  it('a journal whose last line is cut off (a writer still appending) loses only that operation', async () => {
    const text = await readFile(path.join(dir, 'journal.log'), 'utf8');
    const cut = path.join(dir, 'cut.log');
    await writeFile(cut, text.slice(0, text.trimEnd().lastIndexOf('\n') + 20));
    const [svhn] = await readOptunaJournal(cut);
    // The last operation completed the last trial; without it that trial is still running.
    assert.equal(svhn!.trials.length, expected.svhn!.trials.length - 1);
    assert.equal(svhn!.incomplete, expected.svhn!.incomplete + 1);
    await writeFile(cut, text.replace(/\n\{"op_code": 4/, '\n{"op_code": 4 garbage'));
    await assert.rejects(readOptunaJournal(cut), /cut\.log:\d+: not an Optuna journal operation/);
  });

  it('maps studies onto a search space: unmapped parameters reported, infinite values skipped', async () => {
    const studies = byName(await readOptunaDatabase(path.join(dir, 'optuna.db')));
    const mnist = mapStudy(studies.get('mnist')!, space, 'loss');
    assert.equal(mnist.metric, 'value', "a single-objective study's value stands for the experiment's metric");
    assert.deepEqual(mnist.unmapped, []);
    assert.equal(mnist.configs.length, expected.mnist!.trials.length - 1, 'the +inf trial is left out');
    assert.equal(mnist.skippedTrials, 1);
    const cifar = mapStudy(studies.get('cifar')!, space, 'loss');
    assert.deepEqual(cifar.unmapped, ['dropout'], 'a parameter outside the search space is reported');
    const narrow = mapStudy(studies.get('mnist')!, new SearchSpace([...PARAMS, { name: 'momentum', type: 'float', low: 0, high: 1 }]), 'loss');
    assert.deepEqual(narrow.missing, ['momentum']);
    assert.match(narrow.unusable!, /never sets momentum/);
  });

  it('prior.from naming the storage pre-trains on every study; Provenance names the source and unmapped parameters', async () => {
    const exp = path.join(dir, 'mlp.hyperbo.yaml');
    await writeFile(exp, 'name: mlp\n');
    const sources = await resolvePriorSources(exp, ['optuna.db', 'journal.log'], { roots: [dir] });
    assert.deepEqual(sources.history.map((s) => s.format), ['optuna-journal', 'optuna-rdb']);
    assert.deepEqual(sources.dataFiles, [path.join(dir, 'journal.log'), path.join(dir, 'optuna.db')]);
    const loaded = await loadDataFileTasks(sources.dataFiles, { space, metric: 'loss', goal: 'minimize', exclude: ['svhn'] });
    assert.deepEqual(loaded.tasks.map((t) => t.name), ['mnist', 'cifar']);
    assert.equal(loaded.tasks[0]!.x.n, expected.mnist!.trials.length - 1);
    assert.match(loaded.sourceOf.cifar!, /^optuna\.db \(Optuna storage \(SQLite\), metric value\); not in the search space: dropout$/);
    assert.equal(loaded.skippedRows, 2, 'one +inf trial in each study');
  });

  it('hyperbo pretrain --data reads storages into one search space (parameters not in every study left out)', async () => {
    const data = await loadTaskFiles([path.join(dir, 'optuna.db'), path.join(dir, 'journal.log')], { metric: 'value' });
    assert.deepEqual(data.tasks.map((t) => t.name), ['svhn', 'mnist', 'cifar']);
    assert.deepEqual(data.space.names, ['batch', 'layers', 'lr', 'optimizer']);
    assert.match(data.notes!.join('; '), /left out: dropout/);
    await assert.rejects(loadTaskFiles([path.join(FIXTURES, 'mlflow.db')], { metric: 'accuracy' }), /No study .* has the metric "accuracy".*it has val_loss/);
    await writeFile(path.join(dir, 'x.jsonl'), '{}\n');
    await assert.rejects(loadTaskFiles([path.join(dir, 'optuna.db'), path.join(FIXTURES, 'sweep.csv'), path.join(dir, 'x.jsonl')], { metric: 'value' }), /not a mix/);
  });
});

describe('tuning history: MLflow, Ray Tune, Lightning, Keras Tuner, CSV (fixtures from make_others.py)', () => {
  const studyOf = async (format: Parameters<typeof readHistorySource>[0]['format'], rel: string) => {
    const studies = await readHistorySource({ format, path: path.join(FIXTURES, rel) });
    assert.equal(studies.length, 1, `${rel}: one task (empty experiments are no task)`);
    return studies[0]!;
  };

  it('MLflow SQLite store: FINISHED, not deleted runs; latest metric; NaN metric skipped; string params typed', async () => {
    const s = await studyOf('mlflow-db', 'mlflow.db');
    assert.equal(s.name, 'resnet');
    assert.equal(s.trials.length, 6, '8 runs: one FAILED, one deleted');
    assert.equal(s.incomplete, 1);
    assert.equal(typeof s.trials[0]!.params.lr, 'number');
    assert.ok(Number.isNaN(s.trials[5]!.metrics.val_loss!), 'is_nan = 1 is NaN');
    const m = mapStudy(s, space, 'val_loss');
    assert.equal(m.configs.length, 5);
    assert.deepEqual(m.unmapped, ['seed']);
  });

  it('MLflow mlruns folder: the value at the highest step of each metric file', async () => {
    const s = await studyOf('mlflow-folder', 'mlruns');
    assert.equal(s.name, 'resnet-files');
    assert.equal(s.trials.length, 5);
    assert.equal(s.incomplete, 1, 'status 4 (FAILED)');
    const run = path.join(FIXTURES, 'mlruns', '1', '1'.padStart(32, '0'));
    const last = (await readFile(path.join(run, 'metrics', 'val_loss'), 'utf8')).trim().split('\n').at(-1)!.split(' ');
    assert.equal(s.trials[0]!.metrics.val_loss, Number(last[1]));
    assert.equal(s.trials[0]!.params.optimizer, (await readFile(path.join(run, 'params', 'optimizer'), 'utf8')).trim());
  });

  it('Ray Tune: params.json + the last result; a trial with error.txt is incomplete; nested config flattened', async () => {
    const s = await studyOf('ray-tune', 'ray_results/tune_mlp');
    assert.equal(s.trials.length, 5);
    assert.equal(s.incomplete, 1);
    const m = mapStudy(s, space, 'val_loss');
    assert.deepEqual(m.unmapped, ['extra/warmup']);
    assert.equal(m.configs.length, 5);
  });

  it('Lightning CSVLogger: hparams.yaml and the last value of the metric column (sparse rows)', async () => {
    const s = await studyOf('lightning-csv', 'lightning_logs/mlp');
    assert.equal(s.trials.length, 5);
    const csv = (await readFile(path.join(FIXTURES, 'lightning_logs/mlp/version_0/metrics.csv'), 'utf8')).trim().split('\n');
    assert.equal(s.trials[0]!.metrics.val_loss, Number(csv.at(-1)!.split(',')[3]));
    assert.equal(s.trials[0]!.metrics.train_loss, Number(csv.at(-2)!.split(',')[2]));
    assert.deepEqual(mapStudy(s, space, 'val_loss').unmapped, ['max_epochs']);
  });

  it('Keras Tuner: the recorded space, the best observation by direction, FAILED trials left out', async () => {
    const s = await studyOf('keras-tuner', 'keras_tuner/mlp_search');
    assert.equal(s.trials.length, 5);
    assert.equal(s.incomplete, 1);
    assert.equal(s.directions.val_loss, 'minimize');
    assert.deepEqual(s.space.find((p) => p.name === 'lr'), { name: 'lr', type: 'float', low: 1e-4, high: 0.1, scale: 'log' });
    const trial = JSON.parse(await readFile(path.join(FIXTURES, 'keras_tuner/mlp_search/trial_00/trial.json'), 'utf8'));
    assert.equal(s.trials[0]!.metrics.val_loss, trial.score);
    assert.deepEqual(mapStudy(s, space, 'val_loss').unmapped, ['batchnorm']);
  });

  it('plain CSV: columns are parameters and metrics; an Optuna trials_dataframe export is read by its prefixes', async () => {
    const s = await studyOf('csv', 'sweep.csv');
    const m = mapStudy(s, space, 'val_loss');
    assert.equal(m.configs.length, 6);
    assert.deepEqual(m.unmapped, ['seed']);
    const dir = await mkdtemp(path.join(tmpdir(), 'hyperbo-csv-'));
    try {
      const file = path.join(dir, 'export.csv');
      await writeFile(
        file,
        'number,value,datetime_start,datetime_complete,duration,params_batch,params_layers,params_lr,params_optimizer,state\n' +
          '0,0.5,2024-01-01,2024-01-01,0 days,32,2,0.001,adam,COMPLETE\n1,,2024-01-01,,,64,3,0.01,sgd,PRUNED\n' +
          '2,0.7,2024-01-01,2024-01-01,0 days,128,1,0.05,rmsprop,COMPLETE\n',
      );
      const [e] = await readHistorySource({ format: 'csv', path: file });
      assert.equal(e!.incomplete, 1);
      const em = mapStudy(e!, space, 'loss');
      assert.equal(em.metric, 'value');
      assert.deepEqual(em.unmapped, []);
      assert.deepEqual(em.configs, [
        { lr: 0.001, layers: 2, optimizer: 'adam', batch: 32 },
        { lr: 0.05, layers: 1, optimizer: 'rmsprop', batch: 128 },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds every source among a folder\'s files; the other files of a source folder are not data files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hyperbo-find-'));
    try {
      await cp(FIXTURES, dir, { recursive: true });
      const exp = path.join(dir, 'mlp.hyperbo.yaml');
      await writeFile(exp, 'name: mlp\n');
      const sources = await resolvePriorSources(exp, ['mlflow.db', 'mlruns', 'ray_results/tune_mlp', 'lightning_logs', 'keras_tuner', 'sweep.csv'], { roots: [dir] });
      assert.deepEqual(
        sources.history.map((s) => `${s.format} ${path.relative(dir, s.path)}`),
        ['keras-tuner keras_tuner/mlp_search', 'lightning-csv lightning_logs/mlp', 'mlflow-db mlflow.db', 'mlflow-folder mlruns', 'ray-tune ray_results/tune_mlp', 'csv sweep.csv'],
      );
      assert.ok(!sources.dataFiles.some((f) => f.includes('experiment_state')), "Ray's experiment state is not an HPOBench file");
      const loaded = await loadDataFileTasks(sources.dataFiles, { space, metric: 'val_loss', goal: 'minimize', exclude: [] });
      assert.deepEqual(loaded.tasks.map((t) => t.name).sort(), ['mlp', 'mlp_search', 'resnet', 'resnet-files', 'sweep', 'tune_mlp']);
      const again = await findHistorySources(sources.dataFiles);
      assert.deepEqual(again.sources.map((s) => s.path), sources.history.map((s) => s.path), 'the data files alone classify the same (the worker re-reads them)');
      assert.equal((await readHistory(again.sources)).length, 6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
