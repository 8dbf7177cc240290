// Builds a PD1-style multi-task tuning data set by really training networks (issue 4).
// Tasks are (data set, model, batch size); each task trains on one shared Halton set of configurations
// (matched data, as PD1's matched files) plus its own random configurations (unmatched data), over PD1's
// search space. Rows use PD1's JSONL field names, so the same loader reads real PD1 files and these.
//
//   nice -n 10 npx tsx bench/pd1mini/generate.ts [--out data/pd1-mini] [--matched 200] [--unmatched 100]
//                                                [--tasks N] [--seed 0] [--datasets a,b,...] [--exact-ce]
//
// --exact-ce (the cross-entropy variant, data/pd1-mini-ce): validation cross-entropy from the logits, with no
// clamping, also evaluated at the epoch where a run diverged; rows gain `final_valid/ce_loss` and
// `final_valid/error_rate` (the last evaluation, as a user's training script would report it).
//
// Output: <out>/matched.jsonl.gz and <out>/unmatched.jsonl.gz (as PD1's pd1_matched_* / pd1_unmatched_* files).
// Everything is seeded: the same arguments give byte-identical files.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { createRng, HaltonSequence, pd1SearchSpace } from '../../src/engine';
import { DATASETS, loadSplit, type DatasetName } from '../../src/trainer/datasets';
import { train } from '../../src/trainer/mlp';
import { BATCH_SIZES, EPOCHS, MODELS, TASK_DATASETS } from '../../src/trainer/tasks';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'data/pd1-mini' },
    matched: { type: 'string', default: '200' },
    unmatched: { type: 'string', default: '100' },
    tasks: { type: 'string' },
    seed: { type: 'string', default: '0' },
    datasets: { type: 'string' },
    'exact-ce': { type: 'boolean', default: false },
  },
});
const count = (text: string | undefined, flag: string, min: number): number => {
  const v = Number(text);
  if (Number.isInteger(v) && v >= min) return v;
  process.stderr.write(`generate.ts: ${flag} must be an integer ≥ ${min}, got "${text}".\n`);
  process.exit(2);
};
const seed = count(values.seed, '--seed', 0);
const matchedCount = count(values.matched, '--matched', 0);
const unmatchedCount = count(values.unmatched, '--unmatched', 0);
const space = pd1SearchSpace();
const halton = new HaltonSequence(space.dim, createRng(seed)).take(matchedCount);

const exactCrossEntropy = values['exact-ce'] === true;
const datasetNames = values.datasets ? values.datasets.split(',').map((d) => d.trim()) : [...TASK_DATASETS];
for (const d of datasetNames) {
  if (!(DATASETS as readonly string[]).includes(d)) {
    process.stderr.write(`generate.ts: unknown data set "${d}"; use ${DATASETS.join(', ')}.\n`);
    process.exit(2);
  }
}
const tasks = (datasetNames as DatasetName[]).flatMap((dataset) =>
  (Object.keys(MODELS) as (keyof typeof MODELS)[]).flatMap((model) => BATCH_SIZES.map((batchSize) => ({ dataset, model, batchSize }))),
).slice(0, values.tasks ? count(values.tasks, '--tasks', 1) : undefined);

const round = (v: number) => Number(v.toPrecision(6));
const finiteOrNull = (v: number) => (Number.isFinite(v) ? round(v) : null);

const rows: Record<'matched' | 'unmatched', string[]> = { matched: [], unmatched: [] };
const started = performance.now();
let runs = 0;
let diverged = 0;
tasks.forEach((task, t) => {
  const taskStarted = performance.now();
  const { train: trainSet, valid } = loadSplit(task.dataset, seed);
  const random = createRng(seed * 7919 + t + 1);
  const unmatched = Float64Array.from({ length: unmatchedCount * space.dim }, () => random.next());
  for (const [kind, units] of [['matched', halton], ['unmatched', unmatched]] as const) {
    for (let i = 0; i < units.length / space.dim; i++) {
      const c = space.fromUnit(units, i * space.dim) as Record<string, number>;
      const hps = {
        learningRate: c.learning_rate!,
        momentum: 1 - c.one_minus_momentum!,
        power: c.lr_decay_power!,
        decayStepsFactor: c.lr_decay_steps_factor!,
      };
      const result = train(trainSet, valid, {
        ...MODELS[task.model],
        batchSize: task.batchSize,
        epochs: EPOCHS[task.dataset],
        ...hps,
        seed: seed + i,
        ...(exactCrossEntropy ? { exactCrossEntropy } : {}),
      });
      runs++;
      if (result.status === 'diverged') diverged++;
      const done = result.epochs.filter((e) => Number.isFinite(e.validErrorRate));
      const best = (key: 'validErrorRate' | 'validCrossEntropy') => (done.length ? round(Math.min(...done.map((e) => e[key]))) : null);
      const last = result.epochs.at(-1);
      const final = exactCrossEntropy
        ? { 'final_valid/ce_loss': finiteOrNull(last?.validCrossEntropy ?? Number.NaN), 'final_valid/error_rate': finiteOrNull(last?.validErrorRate ?? Number.NaN) }
        : {};
      rows[kind].push(
        JSON.stringify({
          dataset: task.dataset,
          model: task.model,
          'hps.batch_size': task.batchSize,
          'hps.lr_hparams.initial_value': hps.learningRate,
          'hps.opt_hparams.momentum': hps.momentum,
          'hps.lr_hparams.power': hps.power,
          'hps.lr_hparams.decay_steps_factor': hps.decayStepsFactor,
          'hps.lr_hparams.schedule': 'polynomial',
          'hps.opt_hparams.nesterov': true,
          study_group: `${task.dataset}_${task.model},${task.dataset},${task.model},${task.batchSize}`,
          trial_dir: `${kind}/${task.dataset}/${task.model}/${task.batchSize}/${i}`,
          status: result.status,
          epochs: EPOCHS[task.dataset],
          global_step: result.epochs.map((e) => e.step),
          'valid/error_rate': result.epochs.map((e) => finiteOrNull(e.validErrorRate)),
          'valid/ce_loss': result.epochs.map((e) => finiteOrNull(e.validCrossEntropy)),
          'train/ce_loss': result.epochs.map((e) => finiteOrNull(e.trainLoss)),
          'best_valid/error_rate': best('validErrorRate'),
          'best_valid/ce_loss': best('validCrossEntropy'),
          ...final,
        }),
      );
    }
  }
  const secs = (performance.now() - taskStarted) / 1000;
  const total = (performance.now() - started) / 1000;
  process.stderr.write(
    `[${t + 1}/${tasks.length}] ${task.dataset} ${task.model} bs=${task.batchSize}: ${secs.toFixed(1)} s ` +
      `(${((1000 * secs) / (matchedCount + unmatchedCount)).toFixed(0)} ms/run); total ${runs} runs, ${diverged} diverged, ${total.toFixed(0)} s\n`,
  );
});
mkdirSync(values.out!, { recursive: true });
for (const kind of ['matched', 'unmatched'] as const) {
  if (rows[kind].length === 0) continue;
  writeFileSync(path.join(values.out!, `${kind}.jsonl.gz`), gzipSync(rows[kind].join('\n') + '\n', { level: 9 }));
}
process.stderr.write(`Wrote ${runs} runs (${diverged} diverged) to ${values.out} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
