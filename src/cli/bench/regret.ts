// Leave-one-task-out regret benchmark over finite candidate pools (the paper's protocol, HYPERBO.md §7.1).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import {
  createRng,
  pretrain,
  shuffleInPlace,
  Study,
  defaultSpecFor,
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

export const METHODS = ['random', 'zeroshot', 'optuna-tpe', 'stbo', 'hyperbo-nll', 'hyperbo-ekl'] as const;
export type Method = (typeof METHODS)[number];
export const isHyperbo = (m: string): boolean => m.startsWith('hyperbo');

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
  methods: readonly Method[];
  pretrainSteps?: number;
  spec?: (dim: number) => ModelSpec;
  log?: (line: string) => void;
}

export interface MethodSummary extends Band {
  normalized: Band;
  /** Per task: median over seeds of the regret after each evaluation. */
  perTask: Record<string, number[]>;
  seconds: number;
}

export interface RegretReport {
  suite: string;
  metric: string;
  goal: string;
  budget: number;
  seeds: number;
  tasks: { name: string; candidates: number; best: number }[];
  methods: Record<string, MethodSummary>;
  headline: Headline;
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
  /** The same speed-up computed per task (median over seeds), then the median over tasks. */
  medianTaskSpeedup: number | null;
}


/** Pool-order for zero-shot transfer: mean normalised rank of each configuration on the other tasks. */
function zeroShotOrder(suite: BenchSuite, heldOut: number, seed: number): number[] {
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

/** Pre-training data from every task but the held-out one. */
function trainingData(suite: BenchSuite, heldOut: number): { data: PretrainData; output: OutputSpec } {
  return buildPretrainData(suite.tasks.filter((_, t) => t !== heldOut), suite.space, suite.output);
}

/** Runs Optuna's TPE (Debian's python3-optuna) on every (task, seed) job through one Python process. */
async function optunaChoices(
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

function gpChoices(suite: BenchSuite, taskIndex: number, budget: number, seed: number, prior?: { prior: StudyPrior; output: OutputSpec }): number[] {
  const task = suite.tasks[taskIndex]!;
  const study = new Study({ space: suite.space, output: prior?.output ?? suite.output, candidates: task.configs, seed, prior: prior?.prior });
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

export async function runRegretBenchmark(suite: BenchSuite, options: RegretOptions): Promise<RegretReport> {
  const { budget, seeds, methods } = options;
  const log = options.log ?? (() => {});
  const bestOf = (task: BenchTask) =>
    Array.from(task.values).filter(Number.isFinite).reduce((a, b) => (suite.goal === 'minimize' ? Math.min(a, b) : Math.max(a, b)));
  const worstOf = (task: BenchTask) =>
    Array.from(task.values).filter(Number.isFinite).reduce((a, b) => (suite.goal === 'minimize' ? Math.max(a, b) : Math.min(a, b)));
  const curves = new Map<string, { task: number; seed: number; regret: number[]; normalized: number[] }[]>();
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
    const priors: Partial<Record<Method, { prior: StudyPrior; output: OutputSpec }>> = {};
    for (const method of methods.filter(isHyperbo)) {
      const objective: PretrainObjectiveKind = method === 'hyperbo-ekl' ? 'ekl' : 'nll';
      const { data, output } = trainingData(suite, t);
      if (objective === 'ekl' && data.matched.length === 0) {
        log(`${method}: tasks share no configurations; EKL needs matched data — skipped for ${task.name}`);
        continue;
      }
      const start = performance.now();
      const result = pretrain(data, {
        objective,
        spec: options.spec ? options.spec(suite.space.dim) : defaultSpecFor(suite.space.dim, data.tasks, data.matched),
        steps: options.pretrainSteps,
        seed: t,
      });
      const secs = (performance.now() - start) / 1000;
      pretrainSeconds[method] = (pretrainSeconds[method] ?? 0) + secs;
      log(`${task.name}: pre-trained ${method} on ${data.tasks.length} tasks in ${secs.toFixed(1)} s (loss ${result.finalLoss.toFixed(3)})`);
      priors[method] = { prior: { spec: result.spec, theta: result.theta, numTrainingTasks: data.tasks.length }, output };
    }
    for (let s = 0; s < seeds; s++) {
      for (const method of methods) {
        if (method === 'optuna-tpe') continue;
        if (isHyperbo(method) && !priors[method]) continue;
        const chosen = await timed(method, () => {
          switch (method) {
            case 'random':
              return shuffleInPlace(Array.from(task.configs.keys()), createRng(1000 * t + s)).slice(0, b);
            case 'zeroshot':
              return zeroShotOrder(suite, t, 1000 * t + s).slice(0, b);
            case 'stbo':
              return gpChoices(suite, t, b, s);
            default:
              return gpChoices(suite, t, b, s, priors[method]);
          }
        });
        record(method, t, s, chosen);
      }
    }
    log(`${task.name}: done (${t + 1}/${suite.tasks.length})`);
  }

  const summaries: Record<string, MethodSummary> = {};
  for (const [method, runs] of curves) {
    const perTask: Record<string, number[]> = {};
    suite.tasks.forEach((task, t) => {
      const mine = runs.filter((r) => r.task === t);
      if (mine.length) perTask[task.name] = band(mine.map((r) => r.regret)).median;
    });
    summaries[method] = {
      ...band(runs.map((r) => r.regret)),
      normalized: band(runs.map((r) => r.normalized)),
      perTask,
      seconds: seconds[method] ?? 0,
    };
  }
  return {
    suite: suite.label,
    metric: suite.metric,
    goal: suite.goal,
    budget,
    seeds,
    tasks: suite.tasks.map((task) => ({ name: task.name, candidates: task.configs.length, best: bestOf(task) })),
    methods: summaries,
    headline: headline(summaries, suite, curves),
    pretrainSeconds,
  };
}

function headline(
  summaries: Record<string, MethodSummary>,
  suite: BenchSuite,
  curves: Map<string, { task: number; seed: number; normalized: number[] }[]>,
): Headline {
  // Rank by final median regret, ties (often several methods reach 0) broken by the area under the curve.
  const final = (m: string) => summaries[m]!.normalized.median.at(-1)!;
  const area = (m: string) => summaries[m]!.normalized.median.reduce((a, b) => a + b, 0);
  const better = (a: string, b: string) => final(b) < final(a) || (final(b) === final(a) && area(b) < area(a));
  const names = Object.keys(summaries);
  const peers = names.filter((m) => !isHyperbo(m));
  const ours = names.filter(isHyperbo);
  const pick = (list: string[]) => list.reduce((a, b) => (better(a, b) ? b : a), list[0] ?? '');
  const bestPeer = pick(peers);
  const hyperbo = pick(ours);
  if (!bestPeer || !hyperbo) {
    return { bestPeer, hyperbo, peerEvaluationsToMatch: [], hyperboEvaluationsToPeerFinal: null, speedup: null, medianTaskSpeedup: null };
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
  // Per task: medians over seeds, the same speed-up, then the median over tasks (unreached counts as 0).
  const perTaskSpeedups: number[] = [];
  suite.tasks.forEach((_, t) => {
    const med = (m: string) => band(curves.get(m)!.filter((r) => r.task === t).map((r) => r.normalized)).median;
    if (!curves.get(hyperbo)!.some((r) => r.task === t)) return;
    const ours_t = med(hyperbo);
    const peerFinal_t = Math.min(...peers.map((m) => med(m).at(-1)!));
    const k_t = evaluationsToReach(ours_t, peerFinal_t);
    perTaskSpeedups.push(k_t ? ours_t.length / k_t : 0);
  });
  return {
    bestPeer,
    hyperbo,
    peerEvaluationsToMatch,
    hyperboEvaluationsToPeerFinal: k,
    speedup: k ? budget / k : null,
    medianTaskSpeedup: perTaskSpeedups.length ? percentile(perTaskSpeedups, 50) : null,
  };
}
