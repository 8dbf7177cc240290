// `hyperbo train`: the example training script — trains one of the bundled tasks with the given optimiser
// hyperparameters and appends one JSON line per epoch to --out (flushed as it goes, so the log can be tailed).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DATASETS, loadSplit, type DatasetName } from '../../trainer/datasets';
import { train } from '../../trainer/mlp';
import { MODELS, EPOCHS } from '../../trainer/tasks';
import { parse, requireString, UsageError } from '../args';

const USAGE = `Usage: hyperbo train --dataset ${DATASETS.join('|')} --model ${Object.keys(MODELS).join('|')} --batch-size N
         --learning-rate LR --one-minus-momentum V --decay-power P --decay-steps-factor F --out LOG.jsonl [--epochs N] [--seed S]

Trains an MLP classifier with SGD + Nesterov momentum and polynomial learning-rate decay (PD1's optimiser) and
writes {"epoch", "step", "train/ce_loss", "valid/error_rate", "valid/ce_loss"} per epoch to LOG.jsonl.`;

const positive = (value: string | undefined, flag: string): number => {
  const v = Number(requireString(value, flag, USAGE));
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${flag} must be a positive number, got "${value}".`);
  return v;
};

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      dataset: { type: 'string' },
      model: { type: 'string' },
      'batch-size': { type: 'string' },
      'learning-rate': { type: 'string' },
      'one-minus-momentum': { type: 'string' },
      'decay-power': { type: 'string' },
      'decay-steps-factor': { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const dataset = requireString(values.dataset, '--dataset', USAGE) as DatasetName;
  if (!DATASETS.includes(dataset)) throw new UsageError(`--dataset must be one of ${DATASETS.join(', ')}.`);
  const model = requireString(values.model, '--model', USAGE) as keyof typeof MODELS;
  if (!(model in MODELS)) throw new UsageError(`--model must be one of ${Object.keys(MODELS).join(', ')}.`);
  const oneMinusMomentum = positive(values['one-minus-momentum'], '--one-minus-momentum');
  if (oneMinusMomentum > 1) throw new UsageError('--one-minus-momentum must be in (0, 1].');
  const decayStepsFactor = positive(values['decay-steps-factor'], '--decay-steps-factor');
  if (decayStepsFactor > 1) throw new UsageError('--decay-steps-factor must be in (0, 1].');
  const out = requireString(values.out, '--out', USAGE);
  const { train: trainSet, valid } = loadSplit(dataset);
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, '');
  const result = train(
    trainSet,
    valid,
    {
      ...MODELS[model],
      batchSize: Math.round(positive(values['batch-size'], '--batch-size')),
      epochs: values.epochs ? Math.round(positive(values.epochs, '--epochs')) : EPOCHS[dataset],
      learningRate: positive(values['learning-rate'], '--learning-rate'),
      momentum: 1 - oneMinusMomentum,
      power: positive(values['decay-power'], '--decay-power'),
      decayStepsFactor,
      seed: Number(values.seed ?? 0),
    },
    (e) =>
      appendFileSync(
        out,
        JSON.stringify({
          epoch: e.epoch,
          step: e.step,
          'train/ce_loss': Number.isFinite(e.trainLoss) ? e.trainLoss : 'NaN',
          'valid/error_rate': Number.isFinite(e.validErrorRate) ? e.validErrorRate : 'NaN',
          'valid/ce_loss': Number.isFinite(e.validCrossEntropy) ? e.validCrossEntropy : 'NaN',
        }) + '\n',
      ),
  );
  process.stderr.write(result.status === 'diverged' ? 'Training diverged (the loss became non-finite or exploded).\n' : 'Training done.\n');
  return 0;
}
