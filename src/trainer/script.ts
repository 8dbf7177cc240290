// The training script behind examples/train.ts and `hyperbo train`: optimiser hyperparameters in, a real MLP
// trained on one task of the bundled PD1-style family, one JSON line per epoch out (flushed, so it can be tailed).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { checkOptions, UsageError as OptionError } from '../cli/args';
import { DATASETS, loadSplit, type DatasetName } from './datasets';
import { train, type EpochResult } from './mlp';
import { EPOCHS, MODELS } from './tasks';
import { minOf } from '../shared/extent';

const usage = (program: string) => `Usage: ${program} --lr LR (--momentum B | --one-minus-momentum V) --power P
         --decay-steps-factor F --out LOG.jsonl [--dataset ${DATASETS.join('|')}]
         [--model ${Object.keys(MODELS).join('|')}] [--batch-size N] [--epochs N] [--seed S]`;

class UsageError extends Error {}

function number(value: string | undefined, flag: string, check: (v: number) => boolean, range: string): number {
  if (value === undefined) throw new UsageError(`${flag} is required.`);
  const v = Number(value);
  if (!Number.isFinite(v) || !check(v)) throw new UsageError(`${flag} must be ${range}, got "${value}".`);
  return v;
}

const OPTIONS = {
  lr: { type: 'string' },
  'learning-rate': { type: 'string' },
  momentum: { type: 'string' },
  'one-minus-momentum': { type: 'string' },
  power: { type: 'string' },
  'decay-power': { type: 'string' },
  'decay-steps-factor': { type: 'string' },
  dataset: { type: 'string', default: 'digits' },
  model: { type: 'string', default: 'mlp-relu-32' },
  'batch-size': { type: 'string', default: '128' },
  epochs: { type: 'string' },
  seed: { type: 'string', default: '0' },
  out: { type: 'string' },
} as const;

function main(argv: string[]): number {
  // checkOptions names the nearest option for a typo and takes "--seed -1" as the number it is.
  const { values } = parseArgs({ args: checkOptions(argv, OPTIONS), options: OPTIONS, strict: true });
  const dataset = values.dataset as DatasetName;
  if (!DATASETS.includes(dataset)) throw new UsageError(`--dataset must be one of ${DATASETS.join(', ')}, got "${values.dataset}".`);
  const model = values.model as keyof typeof MODELS;
  if (!(model in MODELS)) throw new UsageError(`--model must be one of ${Object.keys(MODELS).join(', ')}, got "${values.model}".`);
  const learningRate = number(values.lr ?? values['learning-rate'], '--lr', (v) => v > 0, 'a positive number');
  const momentum =
    values['one-minus-momentum'] !== undefined
      ? 1 - number(values['one-minus-momentum'], '--one-minus-momentum', (v) => v > 0 && v <= 1, 'in (0, 1]')
      : number(values.momentum, '--momentum', (v) => v >= 0 && v < 1, 'in [0, 1)');
  const power = number(values.power ?? values['decay-power'], '--power', (v) => v > 0, 'a positive number');
  const decayStepsFactor = number(values['decay-steps-factor'], '--decay-steps-factor', (v) => v > 0 && v <= 1, 'in (0, 1]');
  const batchSize = number(values['batch-size'], '--batch-size', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  const epochs = values.epochs === undefined ? EPOCHS[dataset] : number(values.epochs, '--epochs', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  const seed = number(values.seed, '--seed', Number.isInteger, 'an integer');
  if (!values.out) throw new UsageError('--out is required (the JSONL log to write).');
  const out = values.out;

  const { train: trainSet, valid } = loadSplit(dataset);
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, '');
  // JSON has no NaN: a diverged epoch writes "NaN", which log readers take as not-a-number.
  const metric = (v: number) => (Number.isFinite(v) ? v : 'NaN');
  const log = (e: EpochResult) =>
    appendFileSync(
      out,
      JSON.stringify({
        epoch: e.epoch,
        step: e.step,
        'train/ce_loss': metric(e.trainLoss),
        'valid/error_rate': metric(e.validErrorRate),
        'valid/ce_loss': metric(e.validCrossEntropy),
      }) + '\n',
    );
  const result = train(trainSet, valid, { ...MODELS[model], batchSize, epochs, learningRate, momentum, power, decayStepsFactor, seed }, log);
  const finite = result.epochs.map((e) => e.validErrorRate).filter(Number.isFinite);
  process.stderr.write(
    result.status === 'diverged'
      ? `Diverged at epoch ${result.epochs.length} (the training loss became non-finite or exploded).\n`
      : `Done: best validation error rate ${minOf(finite).toFixed(4)} over ${epochs} epochs.\n`,
  );
  return 0;
}

/**
 * Runs the training script with command-line arguments; returns the exit code (2 for usage errors, which are
 * printed with the usage). Used by examples/train.ts and `hyperbo train`.
 */
export function runTrainingScript(argv: string[], program: string): number {
  try {
    return main(argv);
  } catch (error) {
    const isUsage = error instanceof UsageError || error instanceof OptionError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`${program}: ${(error as Error).message}\n${isUsage ? usage(program) + '\n' : ''}`);
    return 2;
  }
}
