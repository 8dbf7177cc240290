// Leave-one-task-out regret benchmark over finite candidate pools (the paper's protocol, HYPERBO.md §7.1).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import {
  createRng,
  logFloorFor,
  pretrain,
  recommendedSpec,
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
  type StudyOptions,
  type StudyPrior,
  type TransferValues,
  transferSupport,
} from '../../engine';
import { buildPretrainData, configKey as key } from '../../formats/taskData';
import { band, evaluationsToReach, medianEvaluations, regretCurve, robustScale, type Band } from './stats';
import { usesMatchedGroups } from '../../shared/objectiveKind';

export const METHODS = ['random', 'zeroshot', 'optuna-tpe', 'stbo', 'hyperbo-nll', 'hyperbo-ekl', 'hyperbo-nllekl'] as const;
export type Method = (typeof METHODS)[number];
export const isHyperbo = (m: string): boolean => m.startsWith('hyperbo');

/** For HyperboSettings.spec: the engine's recommended model with other MLP widths (and other fields). */
export const mlpSpec = (widths: number[], extra: Partial<ModelSpec> = {}) => (dim: number): ModelSpec => ({ ...recommendedSpec(dim), mlp: widths, ...extra });
/** Peers that learn nothing from other tasks: HyperBO must beat the best of these at k = B. */
export const NON_TRANSFER = ['random', 'optuna-tpe', 'stbo'] as const;
/** The simplest transfer peer: HyperBO must match it at k = 1. */
export const ZERO_SHOT = 'zeroshot';

/** How one HyperBO variant is pre-trained and run (the knobs the ablations in bench/EXPERIMENTS.md turn). */
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
  /** The study's output rule, from pre-training's (`trained`) and the suite's (`base`); default pre-training's. */
  studyOutput?: (trained: OutputSpec, base: OutputSpec) => OutputSpec;
  /** Study options for this variant (default: the Study's). */
  study?: Pick<StudyOptions, 'adaptation' | 'transferScore' | 'level'>;
  /** Give the study the training tasks' data for its first pick (engine transfer.ts); default true, as `hyperbo tune` does. */
  transfer?: boolean;
  /** Points per training task kept for the first pick (default the engine's TRANSFER_POINTS_PER_TASK, as a prior file keeps). */
  transferPoints?: number;
  /** What the first pick averages per training task (engine TransferValues; default the engine's). */
  transferValues?: TransferValues;
  /** L-BFGS starts in pre-training; default the engine's (EKL_RESTARTS for EKL, 1 for NLL). */
  restarts?: number;
  /** Shifts every pre-training seed by 1000 × this (default 0; see `pretrainSeed`), to measure its effect. */
  pretrainSeedOffset?: number;
  /** Each training task's level in pre-training (engine PretrainOptions.level); default the engine's. */
  pretrainLevel?: 'fixed' | 'estimated' | 'auto';
}

/**
 * The paper's acquisition for HyperBO: PI with τ = max y + 0.1 (model units). Measured against the Study's
 * default UCB β = 3 on both suites (bench/EXPERIMENTS.md): lower mean regret on pd1-mini, no worse on HPOBench MLP.
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
  /**
   * Regret divided by the task's robust scale |median − best| of its pool (stats.robustScale), pooled over
   * tasks × seeds: 0 is the pool's best, 1 a typical configuration. Never the range, which one diverged run
   * (1e160) would turn into a divisor that makes every regret look like zero.
   */
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

export interface TaskInfo {
  name: string;
  candidates: number;
  /** Best finite value in the pool (metric units). */
  best: number;
  /** Median of the pool, non-finite values counted as the worst. */
  median: number;
  /** The normalising scale (stats.robustScale), metric units. */
  scale: number;
  /** Pool values that are not finite (diverged runs kept by the loader). */
  nonFinite: number;
}

export interface RegretReport {
  suite: string;
  metric: string;
  goal: string;
  budget: number;
  seeds: number;
  /** How `normalized` is computed (in words). */
  normalization: string;
  tasks: TaskInfo[];
  methods: Record<string, MethodSummary>;
  /** The best HyperBO variant (by pooled normalised regret at k = B). */
  headline: Headline;
  /** The same for every HyperBO variant run. */
  headlines: Record<string, Headline>;
  pretrainSeconds: Record<string, number>;
}

/** One task's target: the reference method that is best on this task at k = B, and when HyperBO gets there. */
export interface TaskTarget {
  /** The reference method with the lowest median (over seeds) regret at k = B on this task. */
  method: string;
  /** Its median regret at k = B (metric units). */
  regret: number;
  /** Evaluations HyperBO's median (over seeds) regret needs to get to `regret` (null: not within B). */
  evaluations: number | null;
}

/** HyperBO against a group of reference methods, task by task (each task against the group's best on that task). */
export interface Comparison {
  /** The reference methods of this group that were run. */
  methods: string[];
  perTask: Record<string, TaskTarget>;
  /** Median over tasks of `evaluations` (a task not reached counts as beyond B); null: the median task is not reached. */
  medianEvaluations: number | null;
  /** B / medianEvaluations; 0 when the median task is not reached. */
  speedup: number;
  /** Tasks on which HyperBO reached the target within B. */
  reached: number;
}

export interface Headline {
  /** The HyperBO variant. */
  hyperbo: string;
  /** Best non-transfer method (random, optuna-tpe, stbo) by pooled median normalised regret at k = B. */
  bestNonTransfer: string;
  /** Per task against the best non-transfer method on that task (null: no non-transfer method was run). */
  nonTransfer: Comparison | null;
  /** Per task against zero-shot transfer (null: zero-shot was not run). */
  zeroShot: Comparison | null;
  /** Issue 9's bar, on pooled median normalised regret (null: the peer was not run). */
  checks: {
    /** HyperBO at k = 1 at most zero-shot at k = 1. */
    k1VsZeroShot: { hyperbo: number; zeroshot: number; ok: boolean } | null;
    /** HyperBO at k = B at most the best non-transfer method at k = B. */
    budgetVsNonTransfer: { hyperbo: number; peer: number; ok: boolean } | null;
    /** On the median task HyperBO reaches the best non-transfer method's k = B regret within B/5 evaluations (5×). */
    fiveFold: boolean | null;
  };
  /** All three checks hold. */
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

/**
 * Pre-training's seed for a held-out task and a benchmark seed: seed 0 keeps the task's index, the seed used when
 * every seed shared one prior, so seed 0's runs are unchanged.
 */
export function pretrainSeed(task: number, seed: number, offset = 0): number {
  return task + 1000 * (offset + seed);
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
    ...(prior?.settings.study ?? {}),
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
  const scales = suite.tasks.map((task) => robustScale(task.values, suite.goal));
  const curves: Curves = new Map();
  const seconds: Record<string, number> = {};
  const pretrainSeconds: Record<string, number> = {};
  const record = (method: string, task: number, seed: number, chosen: number[]) => {
    const t = suite.tasks[task]!;
    const regret = regretCurve(chosen.map((i) => t.values[i]!), bestOf(t), suite.goal);
    const list = curves.get(method) ?? [];
    list.push({ task, seed, regret, normalized: regret.map((r) => r / scales[task]!) });
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
    // Every seed repeats the whole method, pre-training included: one prior per task would make the seeds
    // repeat only the BO loop, which on a finite pool is nearly deterministic (bench/README, "How noisy").
    const shared = variants.size > 0 ? trainingData(suite, t) : undefined;
    const preparePriors = (seed: number): Map<string, PreparedPrior> => {
      const priors = new Map<string, PreparedPrior>();
      if (!shared) return priors;
      // Variants that differ only in how the study runs share one pre-training (same data, objective and seed).
      const trained = new Map<string, ReturnType<typeof pretrain>>();
      for (const [method, settings] of variants) {
        const { data, output } = settings.output ? trainingData(suite, t, settings.output) : shared;
        if (usesMatchedGroups(settings.objective) && data.matched.length === 0) {
          if (seed === 0) log(`${method}: tasks share no configurations; EKL needs matched data — skipped for ${task.name}`);
          continue;
        }
        const start = performance.now();
        const shareKey = settings.spec || settings.output ? undefined : JSON.stringify([settings.objective, settings.eklWeight, settings.steps, settings.batchSize, settings.restarts, settings.pretrainSeedOffset ?? 0, settings.pretrainLevel]);
        const result =
          (shareKey !== undefined ? trained.get(shareKey) : undefined) ??
          train(data, {
            objective: settings.objective,
            eklWeight: settings.eklWeight,
            spec: settings.spec ? settings.spec(suite.space.dim, data) : defaultSpecFor(suite.space.dim, data.tasks, data.matched),
            steps: settings.steps,
            batchSize: settings.batchSize,
            restarts: settings.restarts,
            level: settings.pretrainLevel,
            seed: pretrainSeed(t, seed, settings.pretrainSeedOffset),
          });
        if (shareKey !== undefined) trained.set(shareKey, result);
        const secs = (performance.now() - start) / 1000;
        pretrainSeconds[method] = (pretrainSeconds[method] ?? 0) + secs;
        log(`${task.name} (seed ${seed}): pre-trained ${method} on ${data.tasks.length} tasks in ${secs.toFixed(1)} s (loss ${result.finalLoss.toFixed(3)})`);
        const numTrainingTasks = settings.varianceFactor === false ? undefined : data.tasks.length;
        const transfer = settings.transfer === false ? undefined : transferSupport(data, { perTask: settings.transferPoints, values: settings.transferValues });
        const studyOutput = settings.studyOutput ? settings.studyOutput(output, heldOutOutput(suite, t)) : output;
        priors.set(method, { prior: { spec: result.spec, theta: result.theta, numTrainingTasks, transfer }, output: studyOutput, settings });
      }
      return priors;
    };
    for (let s = 0; s < seeds; s++) {
      const priors = preparePriors(s);
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
  const sign = suite.goal === 'minimize' ? 1 : -1;
  return {
    suite: suite.label,
    metric: suite.metric,
    goal: suite.goal,
    budget,
    seeds,
    normalization: "regret / |median − best| of the task's pool (diverged values count as the worst)",
    tasks: suite.tasks.map((task, t) => {
      const best = bestOf(task);
      return {
        name: task.name,
        candidates: task.configs.length,
        best,
        median: best + sign * (robustMedianGap(task.values, suite.goal) ?? Infinity),
        scale: scales[t]!,
        nonFinite: Array.from(task.values).filter((v) => !Number.isFinite(v)).length,
      };
    }),
    methods: summaries,
    headline: headline(summaries, taskNames),
    headlines: Object.fromEntries(ours.map((m) => [m, headline(summaries, taskNames, m)])),
    pretrainSeconds,
  };
}

/** |median − best| of a pool with non-finite values as the worst (undefined when the median is itself non-finite). */
function robustMedianGap(values: ArrayLike<number>, goal: 'minimize' | 'maximize'): number | undefined {
  const sign = goal === 'minimize' ? 1 : -1;
  const losses = Array.from(values, (v) => (Number.isFinite(v) ? sign * v : Infinity)).sort((a, b) => a - b);
  const finite = losses.filter(Number.isFinite);
  if (!finite.length) return undefined;
  const mid = (losses.length - 1) / 2;
  const median = (losses[Math.floor(mid)]! + losses[Math.ceil(mid)]!) / 2;
  return Number.isFinite(median) ? median - finite[0]! : undefined;
}

type Curves = Map<string, { task: number; seed: number; regret: number[]; normalized: number[] }[]>;

/** The curve with the lowest final value, ties (several methods often reach 0) broken by the lower area under the curve. */
function bestCurve(curves: Record<string, readonly number[]>): string {
  const names = Object.keys(curves);
  const final = (m: string) => curves[m]!.at(-1)!;
  const area = (m: string) => curves[m]!.reduce((a, b) => a + b, 0);
  const better = (a: string, b: string) => final(b) < final(a) || (final(b) === final(a) && area(b) < area(a));
  return names.reduce((a, b) => (better(a, b) ? b : a), names[0] ?? '');
}

/** Orders methods by final median normalised regret, ties broken by the area under the curve. */
export function bestMethod(summaries: Record<string, Pick<MethodSummary, 'normalized'>>, names: readonly string[]): string {
  return bestCurve(Object.fromEntries(names.map((m) => [m, summaries[m]!.normalized.median])));
}

/**
 * HyperBO against a group of reference methods, task by task: on each task the group's best method at k = B
 * (median over seeds, metric units) sets the target, and the result is when HyperBO's median curve on that task
 * gets there. Per task, so the scale of one task never decides another's.
 */
export function compareTasks(
  summaries: Record<string, Pick<MethodSummary, 'perTask'>>,
  taskNames: readonly string[],
  hyperbo: string,
  references: readonly string[],
): Comparison | null {
  const methods = references.filter((m) => summaries[m]);
  const ours = summaries[hyperbo];
  if (methods.length === 0 || !ours) return null;
  const perTask: Record<string, TaskTarget> = {};
  let budget = 0;
  for (const name of taskNames) {
    const mine = ours.perTask[name];
    const curves = Object.fromEntries(methods.flatMap((m) => (summaries[m]!.perTask[name] ? [[m, summaries[m]!.perTask[name]!]] : [])));
    if (!mine || Object.keys(curves).length === 0) continue;
    budget = mine.length;
    const method = bestCurve(curves);
    const regret = curves[method]!.at(-1)!;
    perTask[name] = { method, regret, evaluations: evaluationsToReach(mine, regret) };
  }
  const evaluations = Object.values(perTask).map((t) => t.evaluations);
  const median = medianEvaluations(evaluations);
  return {
    methods,
    perTask,
    medianEvaluations: median,
    speedup: median ? budget / median : 0,
    reached: evaluations.filter((e) => e !== null).length,
  };
}

/** The headline numbers for one HyperBO variant (default: the best one by pooled normalised regret at k = B). */
export function headline(
  summaries: Record<string, Pick<MethodSummary, 'normalized' | 'perTask'>>,
  taskNames: readonly string[],
  variant?: string,
): Headline {
  const names = Object.keys(summaries);
  const nonTransfer = names.filter((m) => (NON_TRANSFER as readonly string[]).includes(m));
  const hyperbo = variant ?? bestMethod(summaries, names.filter(isHyperbo));
  const bestNonTransfer = bestMethod(summaries, nonTransfer);
  const empty: Headline = {
    hyperbo,
    bestNonTransfer,
    nonTransfer: null,
    zeroShot: null,
    checks: { k1VsZeroShot: null, budgetVsNonTransfer: null, fiveFold: null },
    goalMet: false,
  };
  if (!hyperbo || !summaries[hyperbo]) return empty;
  const ours = summaries[hyperbo]!.normalized.median;
  const budget = ours.length;
  const nt = compareTasks(summaries, taskNames, hyperbo, NON_TRANSFER);
  const zs = compareTasks(summaries, taskNames, hyperbo, [ZERO_SHOT]);
  const tolerance = (v: number) => 1e-12 * Math.max(1, Math.abs(v));
  const zero = summaries[ZERO_SHOT]?.normalized.median;
  const peer = bestNonTransfer ? summaries[bestNonTransfer]!.normalized.median : undefined;
  const checks: Headline['checks'] = {
    k1VsZeroShot: zero ? { hyperbo: ours[0]!, zeroshot: zero[0]!, ok: ours[0]! <= zero[0]! + tolerance(zero[0]!) } : null,
    budgetVsNonTransfer: peer
      ? { hyperbo: ours[budget - 1]!, peer: peer.at(-1)!, ok: ours[budget - 1]! <= peer.at(-1)! + tolerance(peer.at(-1)!) }
      : null,
    fiveFold: nt ? nt.medianEvaluations !== null && nt.medianEvaluations <= budget / 5 : null,
  };
  return {
    hyperbo,
    bestNonTransfer,
    nonTransfer: nt,
    zeroShot: zs,
    checks,
    goalMet: checks.k1VsZeroShot?.ok === true && checks.budgetVsNonTransfer?.ok === true && checks.fiveFold === true,
  };
}
