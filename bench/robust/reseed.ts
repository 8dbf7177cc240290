// Is a pd1-mini-style task's pool best a property of its configuration or of one training run's seed? For each task,
// retrain its best K configurations (by the metric) with the seed they were generated with (a check that the rows are
// reproduced) and with R other seeds, and report how often the pool's best is still the best of those K (bench/README.md,
// "Why the exact best is hard to reach in 6"). The 5x target asks for the pool's best itself.
//   npx tsx bench/robust/reseed.ts [--data data/pd1-mini-ce] [--metric final_valid/ce_loss] [--top 5] [--reseeds 3]
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { loadSplit, type DatasetName } from '../../src/trainer/datasets';
import { train } from '../../src/trainer/mlp';
import { EPOCHS, MODELS } from '../../src/trainer/tasks';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'data/pd1-mini-ce' },
    metric: { type: 'string', default: 'final_valid/ce_loss' },
    top: { type: 'string', default: '5' },
    reseeds: { type: 'string', default: '3' },
  },
});
const metric = values.metric!;
const top = Number(values.top);
const reseeds = Number(values.reseeds);
const [when, what] = metric.split('/') as [string, string];
if (!['final_valid', 'best_valid'].includes(when) || !['ce_loss', 'error_rate'].includes(what)) {
  throw new Error('reseed.ts retrains for final_valid/ or best_valid/ ce_loss or error_rate.');
}

type Row = Record<string, unknown> & { dataset: DatasetName; model: keyof typeof MODELS; 'hps.batch_size': number; trial_dir: string };
const rows: Row[] = readdirSync(values.data!)
  .filter((f) => f.endsWith('.jsonl.gz'))
  .flatMap((f) => gunzipSync(readFileSync(path.join(values.data!, f))).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row));
// Data made with generate.ts --exact-ce (rows with final_valid/*) were trained with the exact cross-entropy.
const exactCrossEntropy = rows.some((r) => 'final_valid/ce_loss' in r);
const value = (r: Row) => (typeof r[metric] === 'number' ? (r[metric] as number) : Infinity);
const tasks = new Map<string, Row[]>();
for (const r of rows) {
  const name = `${r.dataset}/${r.model}/${r['hps.batch_size']}`;
  const list = tasks.get(name);
  if (list) list.push(r);
  else tasks.set(name, [r]);
}
// Each data set's split (seed 0, as generate.ts), read once.
const splits = new Map<DatasetName, ReturnType<typeof loadSplit>>();

function run(r: Row, seed: number): number {
  let split = splits.get(r.dataset);
  if (!split) splits.set(r.dataset, (split = loadSplit(r.dataset, 0)));
  const { train: trainSet, valid } = split;
  const result = train(trainSet, valid, {
    ...MODELS[r.model],
    batchSize: r['hps.batch_size'],
    epochs: EPOCHS[r.dataset],
    learningRate: r['hps.lr_hparams.initial_value'] as number,
    momentum: r['hps.opt_hparams.momentum'] as number,
    power: r['hps.lr_hparams.power'] as number,
    decayStepsFactor: r['hps.lr_hparams.decay_steps_factor'] as number,
    seed,
    ...(exactCrossEntropy ? { exactCrossEntropy } : {}),
  });
  const key = what === 'ce_loss' ? 'validCrossEntropy' : 'validErrorRate';
  const done = result.epochs.filter((e) => Number.isFinite(e.validErrorRate)).map((e) => e[key]);
  const v = when === 'final_valid' ? result.epochs.at(-1)?.[key] : done.length ? Math.min(...done) : undefined;
  return v !== undefined && Number.isFinite(v) ? v : Infinity;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
let kept = 0;
let reproduced = 0;
let checked = 0;
const wins: number[] = [];
const ratios: number[] = [];
console.log(`| task | pool best, runner-up | best's re-runs | runner-up's re-runs | best still first of the top ${top} on the mean of re-runs | seeds where it is first |`);
console.log('|---|---|---|---|---|---|');
for (const [name, taskRows] of [...tasks].sort(([a], [b]) => a.localeCompare(b))) {
  const best = [...taskRows].sort((a, b) => value(a) - value(b)).slice(0, top);
  // The generator's seed for a row is its index within its kind (data set split seed 0).
  const original = best.map((r) => Number(r.trial_dir.split('/').at(-1)));
  for (const [i, r] of best.entries()) {
    const again = run(r, original[i]!);
    checked++;
    if (Math.abs(again - value(r)) <= 1e-5 * Math.max(1, Math.abs(value(r)))) reproduced++;
  }
  const reruns = best.map((r, i) => Array.from({ length: reseeds }, (_, s) => run(r, 100_000 * (s + 1) + original[i]!)));
  const means = reruns.map(mean);
  const firstOnMean = means.indexOf(Math.min(...means)) === 0;
  if (firstOnMean) kept++;
  const firstPerSeed = Array.from({ length: reseeds }, (_, s) => reruns.every((x) => reruns[0]![s]! <= x[s]!)).filter(Boolean).length;
  wins.push(firstPerSeed / reseeds);
  ratios.push((value(best[1]!) - value(best[0]!)) / Math.max(1e-12, sd(reruns[0]!)));
  const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(3) : 'diverged');
  console.log(`| ${name} | ${fmt(value(best[0]!))}, ${fmt(value(best[1]!))} | ${reruns[0]!.map(fmt).join(' ')} | ${reruns[1]!.map(fmt).join(' ')} | ${firstOnMean ? 'yes' : 'no'} | ${firstPerSeed}/${reseeds} |`);
}
const sorted = [...ratios].sort((a, b) => a - b);
console.log(`\nRows reproduced by their own seed: ${reproduced}/${checked}.`);
console.log(`The pool's best is still first of its task's top ${top} on the mean of ${reseeds} re-runs on ${kept}/${tasks.size} tasks; first on a single re-run ${(100 * mean(wins)).toFixed(0)} % of the time.`);
console.log(`Gap between the pool's best and runner-up, in sds of the best's re-runs: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)}.`);
