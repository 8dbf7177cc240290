// Leave-one-task-out regret benchmark over finite candidate pools (the paper's protocol, HYPERBO.md §7.1).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import {
  createRng,
  logFloorFor,
  pretrain,
  shuffleInPlace,
  Study,
  defaultSpecFor,
  type AcquisitionOptions,
  type Config,
  type ModelSpec,
  type PretrainData,
  type OutputSpec,
  type PretrainObjectiveKind,
  type SearchSpace,
  type StudyPrior,
} from '../../engine';
import { buildPretrainData, configKey as key } from '../../formats/taskData';
import { band, evaluationsToReach, percentile, regretCurve, type Band } from './stats';

export const METHODS = ['random', 'zeroshot', 'optuna-tpe', 'stbo', 'hyperbo-nll', 'hyperbo-ekl', 'hyperbo-nllekl'] as const;
export type Method = (typeof METHODS)[number];
export const isHyperbo = (m: string): boolean => m.startsWith('hyperbo');

/** How one HyperBO variant is pre-trained and run (the knobs the ablations in bench/README.md turn). */
export interface HyperboSettings {
  objective: PretrainObjectiveKind;
  /** Weight c in NLL + c·EKL (objective 'nll+ekl'). */
  eklWeight?: number;
  /** Model structure for the training data; default the engine's defaultSpecFor. */
  spec?: (dim: number, data: PretrainData) => ModelSpec;
  /** L-BFGS iterations; default the engine's. */
  steps?: number;
  /** Points per task per pre-training subsample; default the engine's. */
  batchSize?: number;
  /** Default: the Study's default acquisition. */
  acquisition?: AcquisitionOptions;
  /** Apply the paper's N/(N−1) predictive-variance factor (default true). */
  varianceFactor?: boolean;
  /** Changes the suite's output rule (warp, normalisation) for this variant. */
  output?: (base: OutputSpec) => OutputSpec;
}

/**
 * The paper's acquisition for HyperBO: PI with τ = max y + 0.1 (model units). Measured against the Study's
 * default UCB β = 3 on both suites (bench/README.md): lower mean regret on pd1-mini, no worse on HPOBench MLP.
 */
export const HYPERBO_ACQUISITION: AcquisitionOptions = { kind: 'pi', piMargin: 0.1 };

/** The HyperBO methods: the engine's default model with each pre-training objective (NLL + 1·EKL for nllekl). */
export const HYPERBO_METHODS: Record<string, HyperboSettings> = {
  'hyperbo-nll': { objective: 'nll', acquisition: HYPERBO_ACQUISITION },
  'hyperbo-ekl': { objective: 'ekl', acquisition: HYPERBO_ACQUISITION },
  'hyperbo-nllekl': { objective: 'nll+ekl', eklWeight: 1, acquisition: HYPERBO_ACQUISITION },
};

/** One task's finite pool: configurations and their measured metric values (metric units). */
export interface BenchTask {
  name: string;
  configs: Config[];
  values: Float64Array;
}

export interface BenchSuite {
  label: string;
  metric: string;
  goal: 'minimize' | 'maximize';
  space: SearchSpace;
  output: OutputSpec;
  tasks: BenchTask[];
}

export interface RegretOptions {
  budget: number;
  seeds: number;
  /** Method names: the peers, HYPERBO_METHODS, or names defined in `variants`. */
  methods: readonly string[];
  /** Extra or overriding HyperBO variants by method name (names must start with "hyperbo"). */
  variants?: Record<string, HyperboSettings>;
  /** Overrides every variant's pre-training steps (the CLI's --steps). */
  pretrainSteps?: number;
  /** Acquisition for the single-task GP baseline; default HYPERBO_ACQUISITION, so STBO and HyperBO differ only in the prior. */
  stboAcquisition?: AcquisitionOptions;
  log?: (line: string) => void;
  /** The pre-training function (default the engine's); tests pass a spy to see what it receives. */
  pretrainFn?: typeof pretrain;
}

export interface MethodSummary extends Band {
  /** Regret divided by the task's range (worst − best value in its pool), so tasks are comparable. */
  normalized: Band;
  /** Per task: median over seeds of the regret after each evaluation (metric units). */
  perTask: Record<string, number[]>;
  /** Per task: median over seeds of the normalised regret. */
  perTaskNormalized: Record<string, number[]>;
  /** Time choosing configurations (BO loop), summed over tasks and seeds. */
  seconds: number;
  /** HyperBO only: pre-training time summed over the held-out tasks. */
  pretrainSeconds?: number;
}

export interface RegretReport {
  suite: string;
  metric: string;
  goal: string;
  budget: number;
  seeds: number;
  tasks: { name: string; candidates: number; best: number }[];
  methods: Record<string, MethodSummary>;
  /** The best HyperBO variant against the best peer. */
  headline: Headline;
  /** The same for every HyperBO variant run. */
  headlines: Record<string, Headline>;
  pretrainSeconds: Record<string, number>;
}

export interface Headline {
  /** Best non-HyperBO method by median normalised regret at the full budget. */
  bestPeer: string;
  /** Best HyperBO variant by the same measure. */
  hyperbo: string;
  /** Per k = 1..B: evaluations the best peer needs to reach HyperBO's median normalised regret at k (null: not within budget). */
  peerEvaluationsToMatch: (number | null)[];
  /** Evaluations HyperBO needs to reach the best peer's median normalised regret at the full budget (null: never). */
  hyperboEvaluationsToPeerFinal: number | null;
  /** budget / hyperboEvaluationsToPeerFinal (≥ 3 meets the paper's claim). */
  speedup: number | null;
  /** The same speed-up computed per task (median over seeds, against the best peer on that task), then the median over tasks. */
  medianTaskSpeedup: number | null;
  /** Per task: budget / evaluations HyperBO needs to reach the best peer's final regret on that task (0: not within budget). */
  perTaskSpeedup: Record<string, number>;
  /** The goal: on the median task HyperBO needs at most a third of the budget (medianTaskSpeedup ≥ 3). */
  goalMet: boolean;
}


/** Pool-order for zero-shot transfer: mean normalised rank of each configuration on the other tasks. */
export function zeroShotOrder(suite: BenchSuite, heldOut: number, seed: number): number[] {
  const sums = new Map<string, { total: number; count: number }>();
  suite.tasks.forEach((task, t) => {
    if (t === heldOut) return;
    const order = Array.from(task.values.keys()).filter((i) => Number.isFinite(task.values[i]));
    const sign = suite.goal === 'minimize' ? 1 : -1;
    order.sort((a, b) => sign * (task.values[a]! - task.values[b]!));
    order.forEach((i, rank) => {
      const k = key(suite.space, task.configs[i]!);
      const s = sums.get(k) ?? { total: 0, count: 0 };
      s.total += order.length > 1 ? rank / (order.length - 1) : 0;
      s.count += 1;
      sums.set(k, s);
    });
  });
  const task = suite.tasks[heldOut]!;
  const rng = createRng(seed);
  const tieBreak = task.configs.map(() => rng.next());
  const score = task.configs.map((c) => {
    const s = sums.get(key(suite.space, c));
    return s ? s.total / s.count : 2; // never seen elsewhere: after every seen configuration
  });
  return Array.from(task.configs.keys()).sort((a, b) => score[a]! - score[b]! || tieBreak[a]! - tieBreak[b]!);
}

/**
 * The output rule seen while task `heldOut` is tuned: the suite's rule, with any log floor (the smallest
 * non-zero value, used when a value is 0) recomputed from the other tasks so nothing about the held-out
 * task's values shapes it.
 */
export function heldOutOutput(suite: BenchSuite, heldOut: number): OutputSpec {
  if (suite.output.floor === undefined) return suite.output;
  const others = suite.tasks.filter((_, t) => t !== heldOut).flatMap((task) => Array.from(task.values));
  const { floor: _unused, ...rest } = suite.output;
  const floor = logFloorFor(others);
  return floor === undefined ? rest : { ...rest, floor };
}

/** Pre-training data from every task but the held-out one. */
export function trainingData(
  suite: BenchSuite,
  heldOut: number,
  outputRule: (base: OutputSpec) => OutputSpec = (o) => o,
): { data: PretrainData; output: OutputSpec } {
  return buildPretrainData(
    suite.tasks.filter((_, t) => t !== heldOut),
    suite.space,
    outputRule(heldOutOutput(suite, heldOut)),
  );
}

/** Runs Optuna's TPE (Debian's python3-optuna) on every (task, seed) job through one Python process. */
export async function optunaChoices(
  suite: BenchSuite,
  budget: number,
  seeds: number,
): Promise<Map<string, number[]>> {
  const script = [path.join(__dirname, '..', 'bench', 'optuna_tpe.py'), path.join(process.cwd(), 'bench', 'optuna_tpe.py')].find(existsSync);
  if (!script) throw new Error('bench/optuna_tpe.py not found next to the CLI.');
  const python = process.env.HYPERBO_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const child = spawn(python, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const results = new Map<string, number[]>();
  const lines = createInterface({ input: child.stdout });
  const done = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      const r = JSON.parse(line) as { id: string; chosen: number[] };
      results.set(r.id, r.chosen);
    });
    child.on('error', (e) => reject(new Error(`Could not start ${python} for optuna-tpe: ${e.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`optuna-tpe failed (exit ${code}). Install it with: apt-get install -y python3-optuna\n${stderr.trim()}`)),
    );
  });
  suite.tasks.forEach((task, t) => {
    const sign = suite.goal === 'minimize' ? 1 : -1;
    const candidates = task.configs.map((c) => Array.from(suite.space.toUnit(c)));
    const values = Array.from(task.values, (v) => (Number.isFinite(v) ? sign * v : 1e300));
    for (let s = 0; s < seeds; s++) {
      child.stdin.write(JSON.stringify({ id: `${t}/${s}`, candidates, values, budget, seed: s }) + '\n');
    }
  });
  child.stdin.end();
  await done;
  return results;
}

interface PreparedPrior {
  prior: StudyPrior;
  output: OutputSpec;
  settings: HyperboSettings;
}

/** BO over the task's pool with a Study: a frozen pre-trained prior, or (none given) the single-task GP. */
function gpChoices(
  suite: BenchSuite,
  taskIndex: number,
  budget: number,
  seed: number,
  prior: PreparedPrior | undefined,
  stboAcquisition?: AcquisitionOptions,
): number[] {
  const task = suite.tasks[taskIndex]!;
  const study = new Study({
    space: suite.space,
    output: prior?.output ?? heldOutOutput(suite, taskIndex),
    candidates: task.configs,
    seed,
    prior: prior?.prior,
    acquisition: prior ? prior.settings.acquisition : stboAcquisition,
  });
  const chosen: number[] = [];
  for (let step = 0; step < Math.min(budget, task.configs.length); step++) {
    const [s] = study.ask(1);
    const index = s!.candidateIndex!;
    chosen.push(index);
    const v = task.values[index]!;
    study.tell(s!.trialId, Number.isFinite(v) ? v : { status: 'diverged' });
  }
  return chosen;
}

/** Settings of every HyperBO method requested, with the CLI's step override applied. */
function hyperboSettings(options: RegretOptions): Map<string, HyperboSettings> {
  const all = { ...HYPERBO_METHODS, ...options.variants };
  const out = new Map<string, HyperboSettings>();
  for (const method of options.methods.filter(isHyperbo)) {
    const settings = all[method];
    if (!settings) throw new Error(`Unknown HyperBO method "${method}"; known: ${Object.keys(all).join(', ')}.`);
    out.set(method, options.pretrainSteps !== undefined ? { ...settings, steps: options.pretrainSteps } : settings);
  }
  return out;
}

const PEERS = new Set<string>(['random', 'zeroshot', 'optuna-tpe', 'stbo']);

export async function runRegretBenchmark(suite: BenchSuite, options: RegretOptions): Promise<RegretReport> {
  const { budget, seeds, methods } = options;
  if (!Number.isInteger(budget) || budget < 1) throw new Error(`The budget must be a whole number ≥ 1, got ${budget}.`);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`The number of seeds must be a whole number ≥ 1, got ${seeds}.`);
  for (const m of methods) if (!isHyperbo(m) && !PEERS.has(m)) throw new Error(`Unknown method "${m}".`);
  const variants = hyperboSettings(options);
  const train = options.pretrainFn ?? pretrain;
  const log = options.log ?? (() => {});
  const bestOf = (task: BenchTask) =>
    Array.from(task.values).filter(Number.isFinite).reduce((a, b) => (suite.goal === 'minimize' ? Math.min(a, b) : Math.max(a, b)));
  const worstOf = (task: BenchTask) =>
    Array.from(task.values).filter(Number.isFinite).reduce((a, b) => (suite.goal === 'minimize' ? Math.max(a, b) : Math.min(a, b)));
  const curves: Curves = new Map();
  const seconds: Record<string, number> = {};
  const pretrainSeconds: Record<string, number> = {};
  const record = (method: string, task: number, seed: number, chosen: number[]) => {
    const t = suite.tasks[task]!;
    const best = bestOf(t);
    const range = Math.abs(worstOf(t) - best) || 1;
    const regret = regretCurve(chosen.map((i) => t.values[i]!), best, suite.goal);
    const list = curves.get(method) ?? [];
    list.push({ task, seed, regret, normalized: regret.map((r) => r / range) });
    curves.set(method, list);
  };
  const timed = async <T>(method: string, fn: () => T | Promise<T>): Promise<T> => {
    const start = performance.now();
    const out = await fn();
    seconds[method] = (seconds[method] ?? 0) + (performance.now() - start) / 1000;
    return out;
  };

  if (methods.includes('optuna-tpe')) {
    log('optuna-tpe: running all tasks and seeds');
    const choices = await timed('optuna-tpe', () => optunaChoices(suite, budget, seeds));
    suite.tasks.forEach((_, t) => {
      for (let s = 0; s < seeds; s++) record('optuna-tpe', t, s, choices.get(`${t}/${s}`)!);
    });
  }
  for (let t = 0; t < suite.tasks.length; t++) {
    const task = suite.tasks[t]!;
    const b = Math.min(budget, task.configs.length);
    const priors = new Map<string, PreparedPrior>();
    if (variants.size > 0) {
      const shared = trainingData(suite, t);
      for (const [method, settings] of variants) {
        const { data, output } = settings.output ? trainingData(suite, t, settings.output) : shared;
        if (settings.objective !== 'nll' && data.matched.length === 0) {
          log(`${method}: tasks share no configurations; EKL needs matched data — skipped for ${task.name}`);
          continue;
        }
        const start = performance.now();
        const result = train(data, {
          objective: settings.objective,
          eklWeight: settings.eklWeight,
          spec: settings.spec ? settings.spec(suite.space.dim, data) : defaultSpecFor(suite.space.dim, data.tasks, data.matched),
          steps: settings.steps,
          batchSize: settings.batchSize,
          seed: t,
        });
        const secs = (performance.now() - start) / 1000;
        pretrainSeconds[method] = (pretrainSeconds[method] ?? 0) + secs;
        log(`${task.name}: pre-trained ${method} on ${data.tasks.length} tasks in ${secs.toFixed(1)} s (loss ${result.finalLoss.toFixed(3)})`);
        const numTrainingTasks = settings.varianceFactor === false ? undefined : data.tasks.length;
        priors.set(method, { prior: { spec: result.spec, theta: result.theta, numTrainingTasks }, output, settings });
      }
    }
    for (let s = 0; s < seeds; s++) {
      for (const method of methods) {
        if (method === 'optuna-tpe') continue;
        if (isHyperbo(method) && !priors.has(method)) continue;
        const chosen = await timed(method, () => {
          switch (method) {
            case 'random':
              return shuffleInPlace(Array.from(task.configs.keys()), createRng(1000 * t + s)).slice(0, b);
            case 'zeroshot':
              return zeroShotOrder(suite, t, 1000 * t + s).slice(0, b);
            case 'stbo':
              return gpChoices(suite, t, b, s, undefined, options.stboAcquisition ?? HYPERBO_ACQUISITION);
            default:
              return gpChoices(suite, t, b, s, priors.get(method));
          }
        });
        record(method, t, s, chosen);
      }
    }
    log(`${task.name}: done (${t + 1}/${suite.tasks.length})`);
  }

  const summaries: Record<string, MethodSummary> = {};
  for (const method of methods) {
    const runs = curves.get(method);
    if (!runs) continue;
    const perTask: Record<string, number[]> = {};
    const perTaskNormalized: Record<string, number[]> = {};
    suite.tasks.forEach((task, t) => {
      const mine = runs.filter((r) => r.task === t);
      if (mine.length) {
        perTask[task.name] = band(mine.map((r) => r.regret)).median;
        perTaskNormalized[task.name] = band(mine.map((r) => r.normalized)).median;
      }
    });
    summaries[method] = {
      ...band(runs.map((r) => r.regret)),
      normalized: band(runs.map((r) => r.normalized)),
      perTask,
      perTaskNormalized,
      seconds: seconds[method] ?? 0,
      ...(pretrainSeconds[method] !== undefined ? { pretrainSeconds: pretrainSeconds[method] } : {}),
    };
  }
  const taskNames = suite.tasks.map((task) => task.name);
  const ours = Object.keys(summaries).filter(isHyperbo);
  return {
    suite: suite.label,
    metric: suite.metric,
    goal: suite.goal,
    budget,
    seeds,
    tasks: suite.tasks.map((task) => ({ name: task.name, candidates: task.configs.length, best: bestOf(task) })),
    methods: summaries,
    headline: headline(summaries, taskNames),
    headlines: Object.fromEntries(ours.map((m) => [m, headline(summaries, taskNames, m)])),
    pretrainSeconds,
  };
}

type Curves = Map<string, { task: number; seed: number; regret: number[]; normalized: number[] }[]>;

/** Orders methods by final median normalised regret, ties (several methods often reach 0) broken by the area under the curve. */
export function bestMethod(summaries: Record<string, Pick<MethodSummary, 'normalized'>>, names: readonly string[]): string {
  const final = (m: string) => summaries[m]!.normalized.median.at(-1)!;
  const area = (m: string) => summaries[m]!.normalized.median.reduce((a, b) => a + b, 0);
  const better = (a: string, b: string) => final(b) < final(a) || (final(b) === final(a) && area(b) < area(a));
  return names.reduce((a, b) => (better(a, b) ? b : a), names[0] ?? '');
}

/**
 * The headline numbers for one HyperBO variant (default: the best one) against the peers, from the
 * per-method median normalised regret curves (overall and per task).
 */
export function headline(
  summaries: Record<string, Pick<MethodSummary, 'normalized' | 'perTaskNormalized'>>,
  taskNames: readonly string[],
  variant?: string,
): Headline {
  const names = Object.keys(summaries);
  const peers = names.filter((m) => !isHyperbo(m));
  const bestPeer = bestMethod(summaries, peers);
  const hyperbo = variant ?? bestMethod(summaries, names.filter(isHyperbo));
  if (!bestPeer || !hyperbo) {
    return { bestPeer, hyperbo, peerEvaluationsToMatch: [], hyperboEvaluationsToPeerFinal: null, speedup: null, medianTaskSpeedup: null, perTaskSpeedup: {}, goalMet: false };
  }
  const ourCurve = summaries[hyperbo]!.normalized.median;
  const peerCurves = peers.map((m) => summaries[m]!.normalized.median);
  const peerEvaluationsToMatch = ourCurve.map((target) => {
    const hits = peerCurves.map((c) => evaluationsToReach(c, target)).filter((v): v is number => v !== null);
    return hits.length ? Math.min(...hits) : null;
  });
  const peerFinal = Math.min(...peerCurves.map((c) => c.at(-1)!));
  const k = evaluationsToReach(ourCurve, peerFinal);
  const budget = ourCurve.length;
  // Per task: medians over seeds; the best peer on that task at the full budget; B / evaluations HyperBO needs (0 if never).
  const perTaskSpeedup: Record<string, number> = {};
  for (const name of taskNames) {
    const ours = summaries[hyperbo]!.perTaskNormalized[name];
    if (!ours) continue;
    const finals = peers.map((m) => summaries[m]!.perTaskNormalized[name]?.at(-1)).filter((v): v is number => v !== undefined);
    if (finals.length === 0) continue;
    const k_t = evaluationsToReach(ours, Math.min(...finals));
    perTaskSpeedup[name] = k_t ? ours.length / k_t : 0;
  }
  const speedups = Object.values(perTaskSpeedup);
  const medianTaskSpeedup = speedups.length ? percentile(speedups, 50) : null;
  return {
    bestPeer,
    hyperbo,
    peerEvaluationsToMatch,
    hyperboEvaluationsToPeerFinal: k,
    speedup: k ? budget / k : null,
    medianTaskSpeedup,
    perTaskSpeedup,
    goalMet: medianTaskSpeedup !== null && medianTaskSpeedup >= 3,
  };
}
