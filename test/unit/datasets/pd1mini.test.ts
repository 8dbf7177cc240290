import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PD1_OUTPUT_SPEC } from '../../../src/engine';
import { buildPretrainData, loadPd1 } from '../../../src/formats/taskData';
import { BATCH_SIZES, MODELS, TASK_DATASETS } from '../../../src/trainer/tasks';

const root = path.join(__dirname, '..', '..', '..');
const rowsOf = (file: string) =>
  gunzipSync(readFileSync(file))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const PD1_FIELDS = [
  'dataset',
  'model',
  'hps.batch_size',
  'hps.lr_hparams.initial_value',
  'hps.opt_hparams.momentum',
  'hps.lr_hparams.power',
  'hps.lr_hparams.decay_steps_factor',
  'study_group',
  'trial_dir',
  'status',
  'valid/error_rate',
  'valid/ce_loss',
  'best_valid/error_rate',
  'best_valid/ce_loss',
];

describe('pd1-mini generator (bench/pd1mini/generate.ts)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-gen-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes PD1 rows for matched and unmatched configurations that the loader reads back', async () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'bench', 'pd1mini', 'generate.ts'), '--out', dir, '--matched', '4', '--unmatched', '2', '--tasks', '2'],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const matched = rowsOf(path.join(dir, 'matched.jsonl.gz'));
    const unmatched = rowsOf(path.join(dir, 'unmatched.jsonl.gz'));
    assert.equal(matched.length, 8);
    assert.equal(unmatched.length, 4);
    for (const row of [...matched, ...unmatched]) {
      for (const field of PD1_FIELDS) assert.ok(field in row, `missing ${field}`);
      assert.ok(row.status === 'done' || row.status === 'diverged');
      assert.ok(Array.isArray(row['valid/error_rate']));
    }
    const data = await loadPd1([path.join(dir, 'matched.jsonl.gz'), path.join(dir, 'unmatched.jsonl.gz')], { metric: 'best_valid/error_rate' });
    assert.equal(data.tasks.length, 2);
    // The four Halton configurations are shared exactly by both tasks (unless a run diverged in its first epoch).
    const { data: pre } = buildPretrainData(data.tasks, data.space, { ...PD1_OUTPUT_SPEC });
    const finiteShared = matched.slice(0, 4).filter((row, i) => row['best_valid/error_rate'] !== null && matched[4 + i]!['best_valid/error_rate'] !== null).length;
    assert.equal(pre.matched[0]?.x.n ?? 0, finiteShared >= 4 ? 4 : 0);
  });

  it('rejects a bad count', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'pd1mini', 'generate.ts'), '--out', dir, '--matched', 'x'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--matched must be an integer ≥ 0, got "x"/);
  });
});

describe('the committed pd1-mini data (data/pd1-mini)', () => {
  const files = ['matched', 'unmatched'].map((k) => path.join(root, 'data', 'pd1-mini', `${k}.jsonl.gz`));

  it('holds every task of the family, each with ≥ 64 shared Halton configurations and ≥ 32 of its own', async () => {
    const data = await loadPd1(files, { metric: 'best_valid/error_rate' });
    const expected = TASK_DATASETS.flatMap((d) => Object.keys(MODELS).flatMap((m) => BATCH_SIZES.map((b) => `${d}/${m}/${b}`))).sort();
    assert.deepEqual(data.tasks.map((t) => t.name).sort(), expected);
    assert.ok(expected.length >= 12);
    for (const t of data.tasks) {
      assert.ok(t.values.every((v) => v > 0 && v < 1), `${t.name}: error rates in (0, 1)`);
    }
    const matched = rowsOf(files[0]!);
    const unmatched = rowsOf(files[1]!);
    for (const name of expected) {
      const mine = (rows: Record<string, unknown>[]) => rows.filter((r) => `${String(r.dataset)}/${String(r.model)}/${String(r['hps.batch_size'])}` === name);
      assert.ok(mine(matched).length >= 64 && mine(unmatched).length >= 32, name);
    }
    const { data: pre } = buildPretrainData(data.tasks, data.space, { ...PD1_OUTPUT_SPEC });
    assert.equal(pre.matched[0]!.m, expected.length);
    assert.ok(pre.matched[0]!.x.n >= 64, `${pre.matched[0]!.x.n} configurations shared by every task`);
  });

  it('leaves the example task out when the experiment says so', async () => {
    const data = await loadPd1(files, { metric: 'best_valid/error_rate', exclude: ['digits/mlp-relu-32/128'] });
    assert.equal(data.tasks.length, 15);
    assert.ok(!data.tasks.some((t) => t.name === 'digits/mlp-relu-32/128'));
  });
});
