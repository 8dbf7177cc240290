import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadSuite } from '../../../src/cli/bench/suite';
import { isYahpoDir, loadYahpo, openSurrogate, YAHPO_SCENARIOS, yahpoInputs, yahpoSpace } from '../../../src/cli/bench/yahpo';

const SHARED = process.env.HYPERBO_SHARED_DATA ?? path.resolve(__dirname, '../../../../shared/data');
const sharedCandidates = [SHARED, '/work/shared/data'];
const shared = sharedCandidates.find((d) => existsSync(path.join(d, 'yahpo-surrogates')));

describe('bench suites', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-suite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('cross-entropy PD1-style rows (pd1-mini-ce)', () => {
    it('keeps exact zeros and huge finite values of the metric, and skips NaN rows', async () => {
      const row = (task: string, lr: number, ce: number | null) =>
        JSON.stringify({
          dataset: task,
          model: 'mlp',
          'hps.batch_size': 16,
          'hps.lr_hparams.initial_value': lr,
          'hps.opt_hparams.momentum': 0.9,
          'hps.lr_hparams.power': 1,
          'hps.lr_hparams.decay_steps_factor': 0.5,
          'final_valid/ce_loss': ce,
        });
      const lines = [row('a', 0.1, 0), row('a', 1, 1e160), row('a', 3, null), row('a', 0.01, 0.4), row('b', 0.1, 0.2), row('b', 1, 5e30), row('b', 0.01, 0.3)];
      const file = path.join(dir, 'ce.jsonl.gz');
      writeFileSync(file, gzipSync(lines.join('\n') + '\n'));
      const suite = await loadSuite([file], { metric: 'final_valid/ce_loss' });
      assert.equal(suite.goal, 'minimize');
      assert.deepEqual(suite.tasks.map((t) => t.name), ['a/mlp/16', 'b/mlp/16']);
      assert.deepEqual(Array.from(suite.tasks[0]!.values), [0, 1e160, 0.4]);
      assert.deepEqual(Array.from(suite.tasks[1]!.values), [0.2, 5e30, 0.3]);
    });
  });

  describe('--complement (NAS-Bench-201 as an error)', () => {
    it('scores C − value with the goal flipped, from HPOBench-style task files', async () => {
      const params = [
        { name: 'Op0', type: 'str', choices: ['none', 'skip_connect', 'nor_conv_3x3'] },
        { name: 'Op1', type: 'str', choices: ['none', 'skip_connect', 'nor_conv_3x3'] },
      ];
      for (const [name, shift] of [['cifar10', 0], ['cifar100', -30]] as const) {
        const data: Record<string, number[]> = {};
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) data[`${i}${j}`] = [10 + 40 * i + 10 * j + shift, 12 + 40 * i + 10 * j + shift];
        writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ benchmark: 'nasbench201', dataset: name, direction: 'maximize', params, data }));
      }
      const files = ['cifar10', 'cifar100'].map((n) => path.join(dir, `${n}.json`));
      const plain = await loadSuite(files, { metric: 'acc' });
      assert.equal(plain.goal, 'maximize');
      const suite = await loadSuite(files, { metric: 'acc', complement: 100 });
      assert.equal(suite.goal, 'minimize');
      assert.equal(suite.metric, '100 − acc');
      assert.equal(suite.output.goal, 'minimize');
      // Key "00": mean of 10 and 12 = 11 → error 89; key "22": 11 + 100 = 111 → −11 (cifar10); cifar100 is 30 worse.
      assert.equal(suite.tasks[0]!.values[0], 89);
      assert.equal(suite.tasks[0]!.values[8], -11);
      assert.equal(suite.tasks[1]!.values[8], 19);
      suite.tasks.forEach((t, i) => t.values.forEach((v, k) => assert.equal(v, 100 - plain.tasks[i]!.values[k]!)));
    });
    it('says when a folder is not a YAHPO scenario', async () => {
      await assert.rejects(loadSuite([dir], { metric: 'x' }), /not a YAHPO scenario/);
    });
  });

  describe('YAHPO surrogates', () => {
    const configSpace = [
      { name: 'OpenML_task_id', type: 'categorical', choices: ['3945', '7593'] },
      { name: 'batch_size', type: 'uniform_int', log: true, lower: 16, upper: 512 },
      { name: 'epoch', type: 'uniform_int', log: false, lower: 1, upper: 52 },
      { name: 'learning_rate', type: 'uniform_float', log: true, lower: 1e-4, upper: 0.1 },
      { name: 'max_dropout', type: 'uniform_float', log: false, lower: 0, upper: 1 },
      { name: 'max_units', type: 'uniform_int', log: true, lower: 64, upper: 1024 },
      { name: 'momentum', type: 'uniform_float', log: false, lower: 0.1, upper: 0.99 },
      { name: 'num_layers', type: 'uniform_int', log: false, lower: 1, upper: 5 },
      { name: 'weight_decay', type: 'uniform_float', log: false, lower: 1e-5, upper: 0.1 },
    ];
    it('tunes every parameter but the task and the fixed fidelity, on the scales of config_space.json', () => {
      const space = yahpoSpace(configSpace, YAHPO_SCENARIOS.lcbench!);
      assert.deepEqual(space.params.map((p) => p.name), ['batch_size', 'learning_rate', 'max_dropout', 'max_units', 'momentum', 'num_layers', 'weight_decay']);
      assert.deepEqual(space.params[0], { name: 'batch_size', type: 'int', low: 16, high: 512, scale: 'log' });
    });
    it('builds the model inputs in YAHPO order: task code in x_cat, raw values with the fixed epoch in x_cont', () => {
      const encoding = { OpenML_task_id: { '#na#': 0, '3945': 34, '7593': 35 } };
      const config = { batch_size: 91, learning_rate: 0.01, max_dropout: 0.5, max_units: 256, momentum: 0.545, num_layers: 3, weight_decay: 0.05 };
      const { cat, cont } = yahpoInputs(YAHPO_SCENARIOS.lcbench!, encoding, '7593', [config, config]);
      assert.deepEqual(Array.from(cat), [35, 35]);
      assert.deepEqual(Array.from(cont.slice(0, 8)), Array.from(Float32Array.from([52, 91, 0.01, 0.545, 0.05, 3, 256, 0.5])));
      assert.throws(() => yahpoInputs(YAHPO_SCENARIOS.lcbench!, encoding, '1', [config]), /no code for OpenML_task_id = 1/);
    });
    it('recognises a scenario folder only with its three files', () => {
      mkdirSync(path.join(dir, 'lcbench'));
      assert.equal(isYahpoDir(path.join(dir, 'lcbench')), false);
    });
    it('evaluates the LCBench surrogate on a seeded pool (the known answers of shared/data/yahpo-surrogates/README.md)', async function () {
      if (!shared) {
        this.skip(); // the surrogates live in the shared data folder, which CI has at ../shared
        return;
      }
      this.timeout(120_000);
      const lcbench = path.join(shared, 'yahpo-surrogates/lcbench');
      const surrogate = await openSurrogate(lcbench, YAHPO_SCENARIOS.lcbench!);
      const base = { batch_size: 91, momentum: 0.545, weight_decay: 0.05, num_layers: 3, max_units: 256, max_dropout: 0.5 };
      const out = await surrogate.predict('3945', [1e-4, 1e-3, 1e-2, 1e-1].map((learning_rate) => ({ ...base, learning_rate })));
      await surrogate.release();
      const accuracy = [0, 1, 2, 3].map((i) => Number(out[i * 6 + 1]!.toFixed(1)));
      assert.deepEqual(accuracy, [88.6, 93.2, 92.6, 87.7]);
      const y = await loadYahpo(path.join(shared, 'yahpo-surrogates/lcbench'), { metric: 'val_accuracy', pool: 20, tasks: 2 });
      assert.equal(y.goal, 'maximize');
      assert.deepEqual(y.tasks.map((t) => t.name), ['3945', '7593']);
      assert.equal(y.tasks[0]!.configs, y.tasks[1]!.configs); // one pool shared by every task (matched data)
      assert.ok(y.tasks.every((t) => t.values.length === 20 && t.values.every((v) => v > 0 && v <= 100)));
      const again = await loadYahpo(path.join(shared, 'yahpo-surrogates/lcbench'), { metric: 'val_accuracy', pool: 20, tasks: 2 });
      assert.deepEqual(again.tasks[1]!.values, y.tasks[1]!.values);
      // skipTasks: a suite of later tasks (the second task first), on the same seeded pool.
      const later = await loadYahpo(path.join(shared, 'yahpo-surrogates/lcbench'), { metric: 'val_accuracy', pool: 20, tasks: 1, skipTasks: 1 });
      assert.deepEqual(later.tasks.map((t) => t.name), ['7593']);
      assert.deepEqual(later.tasks[0]!.values, y.tasks[1]!.values);
      await assert.rejects(loadYahpo(path.join(shared, 'yahpo-surrogates/lcbench'), { metric: 'logloss' }), /no metric "logloss"/);
    });
  });
});
