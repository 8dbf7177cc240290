// Compute saved vs regret of run.stopping's median rule (src/session/stopping.ts) on pd1-mini's learning curves:
// `npm run bench:stopping [-- --seeds S --trials B --bo-seeds S2 --bo-trials B2]`.
//
// pd1-mini (data/pd1-mini) holds, per task (16: data set × model × batch size), 300 configurations really trained for
// 6–30 epochs, with the validation error rate after every epoch. A tuning run is replayed from these curves, one
// trial at a time (run.parallel 1), each curve checked by the rule at every epoch against the trials completed before
// it (as tune and the editor do at each poll; here a poll after every epoch). A stopped trial costs the epochs it ran;
// a diverged run (training loss non-finite or above 100, pd1-mini's rule) costs its epochs and never completes.
//
// - Random order: the task's configurations shuffled (seeded), the first B run. Reports the epochs used and the best
//   error found (the minimum over epochs, as objective.reduce: min records it) without and with stopping, and with
//   stopping given the epochs the run without stopping used (more trials in the same compute).
// - BO (single-task GP over the task's 300 configurations as the candidate pool, UCB): the same, plus how a stopped trial
//   enters the GP — censored (engine/study.ts: the better of its value and the worst completed value), as observed
//   (its value at the stopping step, as if completed), excluded (like a failure).
//
// Regret is normalised per task: (best found − task's best) / (task's median − task's best), over all 300 configs.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRng, shuffleInPlace } from '../src/engine/rng';
import { pd1Config, pd1SearchSpace } from '../src/engine/space';
import { Study } from '../src/engine/study';
import { median, MedianStopping, type StoppingSpec } from '../src/session/stopping';

interface Run {
  config: Record<string, number>;
  /** Validation error rate after each epoch (NaN after divergence). */
  curve: number[];
  diverged: boolean;
  /** The trial's value if it runs to the end: its minimum over epochs (undefined: diverged before any value). */
  final?: number;
}

interface Task {
  name: string;
  runs: Run[];
  best: number;
  median: number;
}

const ROOT = path.resolve(__dirname, '..');

function loadTasks(): Task[] {
  const byTask = new Map<string, Run[]>();
  for (const file of ['matched.jsonl.gz', 'unmatched.jsonl.gz']) {
    const text = gunzipSync(readFileSync(path.join(ROOT, 'data', 'pd1-mini', file))).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as Record<string, unknown>;
      const name = `${String(row.dataset)}/${String(row.model)}/${String(row['hps.batch_size'])}`;
      const curve = (row['valid/error_rate'] as (number | null)[]).map((v) => (v === null ? NaN : v));
      const finite = curve.filter(Number.isFinite);
      const run: Run = {
        config: pd1Config({
          initialLearningRate: Number(row['hps.lr_hparams.initial_value']),
          momentum: Number(row['hps.opt_hparams.momentum']),
          power: Number(row['hps.lr_hparams.power']),
          decayStepsFactor: Number(row['hps.lr_hparams.decay_steps_factor']),
        }),
        curve,
        diverged: row.status === 'diverged',
        ...(row.status !== 'diverged' && finite.length ? { final: Math.min(...finite) } : {}),
      };
      byTask.set(name, [...(byTask.get(name) ?? []), run]);
    }
  }
  return [...byTask].map(([name, runs]) => {
    const finals = runs.map((r) => r.final).filter((v): v is number => v !== undefined);
    return { name, runs, best: Math.min(...finals), median: median(finals) };
  });
}

type Outcome = { status: 'completed'; value: number; epochs: number } | { status: 'stopped'; value: number; step: number; epochs: number } | { status: 'diverged'; epochs: number };

const points = (curve: readonly number[]) => curve.map((value, i) => ({ step: i + 1, value }));

/** One trial replayed: stopped at the rule's first verdict, else run to its end. */
function replay(run: Run, rule: MedianStopping | undefined): Outcome {
  const verdict = rule?.firstStop(points(run.curve));
  if (verdict) return { status: 'stopped', value: verdict.value, step: verdict.step, epochs: verdict.step };
  if (run.diverged || run.final === undefined) return { status: 'diverged', epochs: run.curve.length };
  return { status: 'completed', value: run.final, epochs: run.curve.length };
}

interface Tally {
  epochs: number;
  trials: number;
  stopped: number;
  best: number;
}

/** A sequence of trials (the next one chosen by `next`) until `trials` ran or `epochBudget` was spent. */
function session(
  spec: StoppingSpec | undefined,
  next: (done: readonly { run: Run; outcome: Outcome }[]) => Run | undefined,
  limit: { trials?: number; epochs?: number },
  onOutcome?: (run: Run, outcome: Outcome) => void,
): Tally {
  const done: { run: Run; outcome: Outcome }[] = [];
  const tally: Tally = { epochs: 0, trials: 0, stopped: 0, best: Infinity };
  while ((limit.trials === undefined || tally.trials < limit.trials) && (limit.epochs === undefined || tally.epochs < limit.epochs)) {
    const run = next(done);
    if (!run) break;
    const completed = done.filter((d) => d.outcome.status === 'completed').map((d) => points(d.run.curve));
    const rule = spec ? new MedianStopping(spec, { goal: 'minimize', reduce: 'min' }, completed) : undefined;
    const outcome = replay(run, rule);
    done.push({ run, outcome });
    onOutcome?.(run, outcome);
    tally.epochs += outcome.epochs;
    tally.trials++;
    if (outcome.status === 'stopped') tally.stopped++;
    if (outcome.status === 'completed') tally.best = Math.min(tally.best, outcome.value);
  }
  return tally;
}

const regret = (task: Task, best: number) => (Number.isFinite(best) ? (best - task.best) / (task.median - task.best) : 1);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const fmt = (x: number) => x.toFixed(3);

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a whole number ≥ 0.`);
  return v;
}

const seeds = argument('seeds', 20);
const trials = argument('trials', 30);
const boSeeds = argument('bo-seeds', 10);
const boTrials = argument('bo-trials', 20);
const SPECS: [string, StoppingSpec][] = [
  ['warmup 5, min_steps 0 (default)', { rule: 'median', minSteps: 0, warmupTrials: 5 }],
  ['warmup 3, min_steps 0', { rule: 'median', minSteps: 0, warmupTrials: 3 }],
  ['warmup 5, min_steps 2', { rule: 'median', minSteps: 2, warmupTrials: 5 }],
  ['warmup 10, min_steps 0', { rule: 'median', minSteps: 0, warmupTrials: 10 }],
];

const started = performance.now();
const tasks = loadTasks();
console.log(`pd1-mini: ${tasks.length} tasks × ${tasks[0]!.runs.length} configurations, validation error rate after each of 6–30 epochs.`);
console.log(`\n## Random order: ${trials} trials per run, ${seeds} seeds per task (${tasks.length * seeds} runs)\n`);
console.log('| rule | epochs used (vs no stopping) | trials stopped | mean normalised regret | median | same epochs as no stopping: trials run, mean regret |');
console.log('|---|---|---|---|---|---|');
const baseline = tasks.flatMap((task) =>
  Array.from({ length: seeds }, (_, seed) => {
    const order = shuffleInPlace([...task.runs], createRng(1000 * seed + 7));
    const t = session(undefined, (done) => order[done.length], { trials });
    return { task, order, tally: t, regret: regret(task, t.best) };
  }),
);
const baseRegrets = baseline.map((b) => b.regret);
console.log(`| no stopping | 100 % (${Math.round(mean(baseline.map((b) => b.tally.epochs)))} per run) | 0 | ${fmt(mean(baseRegrets))} | ${fmt(median(baseRegrets))} | ${trials}, ${fmt(mean(baseRegrets))} |`);
for (const [label, spec] of SPECS) {
  const rows = baseline.map((b) => {
    const same = session(spec, (done) => b.order[done.length], { trials });
    const equal = session(spec, (done) => b.order[done.length], { epochs: b.tally.epochs });
    return { same, equal, regret: regret(b.task, same.best), equalRegret: regret(b.task, equal.best), saved: same.epochs / b.tally.epochs };
  });
  console.log(
    `| ${label} | ${pct(mean(rows.map((r) => r.saved)))} | ${pct(mean(rows.map((r) => r.same.stopped / r.same.trials)))} | ${fmt(mean(rows.map((r) => r.regret)))} | ` +
      `${fmt(median(rows.map((r) => r.regret)))} | ${mean(rows.map((r) => r.equal.trials)).toFixed(1)}, ${fmt(mean(rows.map((r) => r.equalRegret)))} |`,
  );
}

if (boSeeds > 0 && boTrials > 0) {
  console.log(`\n## BO (single-task GP, UCB, the task's configurations as candidates): ${boTrials} trials, ${boSeeds} seeds per task (${tasks.length * boSeeds} runs), default rule\n`);
  console.log('| stopped trials enter the GP | trials run | epochs used (vs no stopping) | trials stopped | mean normalised regret | median |');
  console.log('|---|---|---|---|---|---|');
  const space = pd1SearchSpace();
  const treatments = ['no stopping', 'censored (engine default)', 'as observed', 'excluded', 'censored, up to the epochs of no stopping (at most 2 × the trials)'] as const;
  const results = new Map<string, { epochs: number[]; stopped: number[]; regret: number[]; trials: number[] }>(treatments.map((t) => [t, { epochs: [], stopped: [], regret: [], trials: [] }]));
  const baseEpochs = new Map<string, number>();
  for (const task of tasks) {
    for (let seed = 0; seed < boSeeds; seed++) {
      for (const treatment of treatments) {
        const study = new Study({
          space,
          output: { goal: 'minimize', warp: 'log', normalization: 'standardize', tails: 'auto' },
          candidates: task.runs.map((r) => r.config),
          seed,
        });
        let pendingId = -1;
        const key = `${task.name}#${seed}`;
        const sameEpochs = treatment.startsWith('censored, up to');
        const tally = session(
          treatment === 'no stopping' ? undefined : SPECS[0]![1],
          () => {
            const [s] = study.ask(1);
            pendingId = s!.trialId;
            return task.runs[s!.candidateIndex!];
          },
          sameEpochs ? { epochs: baseEpochs.get(key)!, trials: 2 * boTrials } : { trials: boTrials },
          (_run, outcome) => {
            if (outcome.status === 'completed') study.tell(pendingId, outcome.value);
            else if (outcome.status === 'diverged') study.tell(pendingId, { status: 'diverged' });
            else if (treatment === 'censored (engine default)' || sameEpochs) study.tell(pendingId, { status: 'stopped', value: outcome.value });
            else if (treatment === 'as observed') study.tell(pendingId, outcome.value);
            else study.tell(pendingId, { status: 'failed' });
          },
        );
        if (treatment === 'no stopping') baseEpochs.set(key, tally.epochs);
        const r = results.get(treatment)!;
        r.epochs.push(tally.epochs / baseEpochs.get(key)!);
        r.stopped.push(tally.stopped / tally.trials);
        r.regret.push(regret(task, tally.best));
        r.trials.push(tally.trials);
      }
    }
  }
  for (const t of treatments) {
    const r = results.get(t)!;
    console.log(`| ${t} | ${mean(r.trials).toFixed(1)} | ${pct(mean(r.epochs))} | ${pct(mean(r.stopped))} | ${fmt(mean(r.regret))} | ${fmt(median(r.regret))} |`);
  }
}
console.log(`\n${((performance.now() - started) / 1000).toFixed(0)} s. Regret: (best found − the task's best) / (the task's median − its best) over its 300 configurations; 0 is the task's best.`);
