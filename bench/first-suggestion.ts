// How good is the prior's very first suggestion on the example's task, and how much does it depend on the
// pre-training seed? For each seed: pre-train on the 15 other tasks of data/pd1-mini (as the example does),
// take the first suggestion, really train the example's network with it, and print its best validation error.
//
// The study gets the training tasks' data for the first pick, as `hyperbo tune` gives it (transfer.ts); --values and
// --spread choose the first-pick rule (defaults: the engine's), --no-transfer leaves the data out (the prior mean's
// argmax, the rule before the first pick from the training tasks).
//
// Usage: npx tsx bench/first-suggestion.ts [--objective auto|nll|ekl|nll+ekl] [--restarts N] [--batch N] [--seeds N]
//          [--values uniform-ranks|normal-scores|model] [--spread posterior|tasks] [--no-transfer]
import { parseArgs } from 'node:util';
import { pretrain, Study, transferSupport, type PretrainObjectiveKind, type TransferSpread, type TransferValues } from '../src/engine';
import { buildPretrainData, loadTaskFiles, outputSpecFor } from '../src/formats/taskData';
import { loadSplit } from '../src/trainer/datasets';
import { train } from '../src/trainer/mlp';
import { EPOCHS, MODELS } from '../src/trainer/tasks';

const { values } = parseArgs({
  options: {
    objective: { type: 'string', default: 'auto' },
    restarts: { type: 'string' },
    batch: { type: 'string' },
    seeds: { type: 'string', default: '10' },
    values: { type: 'string' },
    spread: { type: 'string' },
    'no-transfer': { type: 'boolean', default: false },
  },
});
const objective = values.objective as PretrainObjectiveKind | 'auto';
const restarts = values.restarts === undefined ? undefined : Number(values.restarts);
const seeds = Number(values.seeds);
const batchSize = values.batch === undefined ? undefined : Number(values.batch);

const HELD_OUT = 'digits/mlp-relu-32/128';

async function main(): Promise<void> {
  const split = loadSplit('digits');
  const errors: number[] = [];
  let diverged = 0;
  const rule = values['no-transfer'] ? 'no transfer data' : `transfer values ${values.values ?? 'default'}, spread ${values.spread ?? 'default'}`;
  console.log(`first suggestion on ${HELD_OUT}, prior pre-trained with objective ${objective}, restarts ${restarts ?? 'default'}, batch ${batchSize ?? 'default'}, ${rule}`);
  for (let seed = 1; seed <= seeds; seed++) {
    const data = await loadTaskFiles(['data/pd1-mini/matched.jsonl.gz', 'data/pd1-mini/unmatched.jsonl.gz'], {
      metric: 'best_valid/error_rate',
      exclude: [HELD_OUT],
      seed,
    });
    const { data: training, output } = buildPretrainData(data.tasks, data.space, outputSpecFor(data));
    const started = performance.now();
    const prior = pretrain(training, { objective, seed, ...(restarts !== undefined ? { restarts } : {}), ...(batchSize !== undefined ? { batchSize } : {}) });
    const seconds = (performance.now() - started) / 1000;
    const transfer = values['no-transfer'] ? undefined : transferSupport(training, values.values ? { values: values.values as TransferValues } : {});
    const study = new Study({
      space: data.space,
      output,
      prior: { spec: prior.spec, theta: prior.theta, numTrainingTasks: data.tasks.length, transfer },
      seed,
      ...(values.spread ? { transferScore: { spread: values.spread as TransferSpread } } : {}),
    });
    const [first] = study.ask(1);
    const c = first!.config as Record<string, number>;
    const run = train(split.train, split.valid, {
      ...MODELS['mlp-relu-32'],
      batchSize: 128,
      epochs: EPOCHS.digits,
      learningRate: c.learning_rate!,
      momentum: 1 - c.one_minus_momentum!,
      power: c.lr_decay_power!,
      decayStepsFactor: c.lr_decay_steps_factor!,
      seed: 0,
    });
    const best = run.status === 'diverged' ? Number.NaN : Math.min(...run.epochs.map((e) => e.validErrorRate));
    if (Number.isNaN(best)) diverged++;
    else errors.push(best);
    console.log(
      `seed ${String(seed).padStart(2)}  ${prior.objective} ${seconds.toFixed(1)} s loss ${prior.finalLoss.toFixed(3).padStart(8)} (start ${prior.provenance.keptRestart + 1}/${prior.provenance.restarts})  ` +
        `${Object.entries(c).map(([k, v]) => `${k}=${v}`).join(' ')}  →  ${Number.isNaN(best) ? 'diverged' : best.toFixed(4)}`,
    );
  }
  const mean = errors.reduce((a, b) => a + b, 0) / Math.max(errors.length, 1);
  console.log(`mean of non-diverged ${mean.toFixed(4)}, worst ${Math.max(...errors).toFixed(4)}, diverged ${diverged} of ${seeds}`);
}

void main();
