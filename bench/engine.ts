// Engine speed benchmark (not a test): `npm run bench:engine`.
// d = 4. Suggestion latency at 50 … 10,000 observations (against Optuna TPE's ask when /usr/bin/python3 has optuna),
// pre-training time for 16 tasks × 96 points and for 100 tasks × 1,000 points (NLL and EKL), and Cholesky at n = 1000 against
// numpy when it is installed. --suggest-only / --pretrain-only run one part.
import { execFileSync } from 'node:child_process';
import { cholesky, choleskyInPlaceScalar } from '../src/engine/linalg';
import { wasmLinalgAvailable } from '../src/engine/wasm/linalg';
import { pretrain } from '../src/engine/pretrain';
import { createRng } from '../src/engine/rng';
import { SearchSpace } from '../src/engine/space';
import { Study } from '../src/engine/study';
import type { MatchedGroup, Task } from '../src/engine/types';

const D = 4;
const rows: [string, string, string, string][] = [];
const add = (what: string, value: string, target = '', verdict = ''): void => {
  rows.push([what, value, target, verdict]);
  console.error(`  ${what}: ${value}`);
};
const ms = (t: number): string => `${t.toFixed(1)} ms`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A smooth synthetic task family: shifted bowls with a task-specific offset and noise. */
function objective(u: Float64Array, o: number, shift: number[]): number {
  let s = 0;
  for (let j = 0; j < D; j++) s += (u[o + j]! - shift[j]!) ** 2 * (j + 1);
  return Math.exp(-s) + 0.3 * Math.sin(6 * u[o]!);
}

function makeTasks(numTasks: number, points: number, seed: number): { tasks: Task[]; groups: MatchedGroup[] } {
  const rng = createRng(seed);
  const shared = Float64Array.from({ length: points * D }, () => rng.next());
  const tasks: Task[] = [];
  const ym = new Float64Array(points * numTasks);
  for (let t = 0; t < numTasks; t++) {
    const shift = Array.from({ length: D }, () => 0.3 + 0.4 * rng.next());
    const x = Float64Array.from({ length: points * D }, () => rng.next());
    const y = new Float64Array(points);
    for (let i = 0; i < points; i++) {
      y[i] = objective(x, i * D, shift) + 0.02 * rng.normal();
      ym[i * numTasks + t] = objective(shared, i * D, shift) + 0.02 * rng.normal();
    }
    tasks.push({ name: `task${t}`, x: { n: points, d: D, data: x }, y });
  }
  const groups: MatchedGroup[] = [
    { x: { n: points, d: D, data: shared }, m: numTasks, y: ym, taskNames: tasks.map((t) => t.name) },
  ];
  return { tasks, groups };
}

/** Median ask() time of Optuna's TPE with n completed trials on the same bowl (d = 4), or undefined without optuna. */
function optunaAskMs(sizes: number[]): Map<number, number> | undefined {
  const script = `
import json, math, random, sys, time
import optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
D = ${D}
dists = {f"x{j}": optuna.distributions.FloatDistribution(0.0, 1.0) for j in range(D)}
out = {}
for n in json.loads(sys.argv[1]):
    rng = random.Random(2)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=3))
    trials = []
    for _ in range(n):
        u = [rng.random() for _ in range(D)]
        s = sum((u[j] - [0.4, 0.6, 0.5, 0.3][j]) ** 2 * (j + 1) for j in range(D))
        trials.append(optuna.trial.create_trial(params={f"x{j}": u[j] for j in range(D)}, distributions=dists, value=math.exp(-s) + 0.3 * math.sin(6 * u[0])))
    study.add_trials(trials)
    ts = []
    for _ in range(5):
        t0 = time.perf_counter(); t = study.ask(dists); ts.append(time.perf_counter() - t0)
        study.tell(t, state=optuna.trial.TrialState.FAIL)
    out[n] = sorted(ts)[2] * 1000
print(json.dumps(out))
`;
  try {
    const text = execFileSync('/usr/bin/python3', ['-c', script, JSON.stringify(sizes)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 600_000 });
    return new Map(Object.entries(JSON.parse(text) as Record<string, number>).map(([k, v]) => [Number(k), v]));
  } catch {
    return undefined;
  }
}

/** Targets for one suggestion with the pre-trained prior (issue 9): at 200 observations, and at 10,000 under 1 s. */
const SUGGEST_TARGET_MS: Record<number, number> = { 200: 150, 10000: 1000 };
/** Issue 9: at 2,000 observations within this factor of Optuna TPE's ask measured in the same run. */
const TPE_TARGETS: Record<number, number> = { 2000: 2 };

function benchSuggest(): void {
  const space = new SearchSpace(Array.from({ length: D }, (_, j) => ({ name: `x${j}`, type: 'float' as const, low: 0, high: 1 })));
  const { tasks } = makeTasks(8, 64, 1);
  const prior = pretrain({ tasks, matched: [] }, { objective: 'nll', seed: 1, steps: 60 });
  const rng = createRng(2);
  const shift = [0.4, 0.6, 0.5, 0.3];
  const sizes = [50, 200, 500, 1000, 2000, 4000, 10000];
  const tpe = optunaAskMs(sizes.filter((n) => n >= 1000));
  for (const n of sizes) {
    const study = new Study({
      space,
      output: { goal: 'maximize', warp: 'none', normalization: 'none' },
      prior: { spec: prior.spec, theta: prior.theta, numTrainingTasks: tasks.length },
      seed: 3,
    });
    for (let i = 0; i < n; i++) {
      const u = Float64Array.from({ length: D }, () => rng.next());
      study.tell(space.fromUnit(u), objective(u, 0, shift));
    }
    const times: number[] = [];
    let subset = '';
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      const [s] = study.ask(1);
      times.push(performance.now() - t0);
      if (s!.subset) subset = `, GP on a subset of ${s!.subset.used}`;
      study.tell(s!.trialId, { status: 'failed' });
    }
    const t = median(times);
    const target = SUGGEST_TARGET_MS[n];
    add(`suggest 1 config, ${n} observations (HyperBO prior${subset})`, ms(t), target ? `< ${target} ms` : '', target ? (t < target ? 'OK' : 'MISS') : '');
    const tpeMs = tpe?.get(n);
    if (tpeMs !== undefined) {
      const ratio = t / tpeMs;
      const limit = TPE_TARGETS[n];
      add(
        `  Optuna TPE ask, ${n} completed trials (same machine)`,
        ms(tpeMs),
        limit ? `HyperBO ≤ ${limit}x TPE` : '',
        `HyperBO / TPE ${ratio.toFixed(1)}x${limit ? (ratio <= limit ? ' OK' : ' MISS') : ''}`,
      );
    } else if (n >= 1000 && !tpe) add(`  Optuna TPE ask, ${n} completed trials`, 'optuna not available', '', 'skipped');
  }
  // Single-task GP (refit on the study's own data) at 50 observations.
  const study = new Study({ space, output: { goal: 'maximize', warp: 'none', normalization: 'standardize' }, seed: 4 });
  for (let i = 0; i < 50; i++) {
    const u = Float64Array.from({ length: D }, () => rng.next());
    study.tell(space.fromUnit(u), objective(u, 0, shift));
  }
  const t0 = performance.now();
  study.ask(1);
  add('suggest 1 config, 50 observations (single-task GP incl. fit)', ms(performance.now() - t0));
}

function benchPretrain(): void {
  const { tasks, groups } = makeTasks(16, 96, 5);
  for (const objectiveKind of ['nll', 'ekl'] as const) {
    const t0 = performance.now();
    const r = pretrain(
      objectiveKind === 'nll' ? { tasks, matched: [] } : { tasks: [], matched: groups },
      { objective: objectiveKind, seed: 1 },
    );
    const t = performance.now() - t0;
    add(
      `pretrain 16 tasks × 96 points, ${objectiveKind.toUpperCase()} (${r.provenance.optimizer}, ${r.provenance.steps} it, ${r.provenance.stopReason})`,
      ms(t),
      '< 30000 ms',
      t < 30000 ? 'OK' : 'MISS',
    );
  }
}

/** Issue 9's pre-training target: 100 tasks × 1,000 points in under 60 s, with the default settings. */
function benchPretrainLarge(): void {
  const { tasks, groups } = makeTasks(100, 1000, 7);
  for (const objectiveKind of ['nll', 'ekl'] as const) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = pretrain(objectiveKind === 'nll' ? { tasks, matched: [] } : { tasks: [], matched: groups }, { objective: objectiveKind, seed: 1 });
    const t = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    add(
      `pretrain 100 tasks × 1,000 points, ${objectiveKind.toUpperCase()} (${r.provenance.optimizer}, ${r.provenance.steps} it, batch ${r.provenance.batchSize}; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`,
      ms(t),
      '< 60000 ms',
      t < 60000 ? 'OK' : 'MISS',
    );
  }
}

function benchCholesky(): void {
  const n = 1000;
  const rng = createRng(9);
  const x = Float64Array.from({ length: n * D }, () => rng.next());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let q = 0;
      for (let k = 0; k < D; k++) q += (x[i * D + k]! - x[j * D + k]!) ** 2;
      a[i * n + j] = a[j * n + i] = Math.exp(-q / 0.5) + (i === j ? 1e-2 : 0);
    }
  // Best of 7 on both sides: the machine is shared, and the minimum is the least disturbed run.
  const bestOf7 = (factor: (work: Float64Array) => unknown): number => {
    const work = new Float64Array(n * n);
    const times: number[] = [];
    for (let r = 0; r < 8; r++) {
      work.set(a);
      const t0 = performance.now();
      factor(work);
      if (r > 0) times.push(performance.now() - t0);
    }
    return Math.min(...times);
  };
  const out = new Float64Array(n * n);
  const ts = bestOf7(() => cholesky(a, n, { out }));
  const kernel = wasmLinalgAvailable() ? 'WebAssembly SIMD kernel' : 'TypeScript loop: WebAssembly SIMD unavailable';
  add(`Cholesky n=1000 (engine: ${kernel}, best of 7)`, ms(ts));
  add('Cholesky n=1000 (TypeScript loop, the fallback)', ms(bestOf7((work) => choleskyInPlaceScalar(work, n))));
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  } catch {
    add('Cholesky n=1000 (numpy)', 'numpy not available', '', 'skipped');
    return;
  }
  const script = `
import numpy as np, time
rng = np.random.default_rng(9); n = 1000
x = rng.random((n, ${D}))
q = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
a = np.exp(-q / 0.5) + 1e-2 * np.eye(n)
np.linalg.cholesky(a)
ts = []
for _ in range(7):
    t0 = time.perf_counter(); np.linalg.cholesky(a); ts.append(time.perf_counter() - t0)
print(min(ts) * 1000)
`;
  const tn = Number(execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim());
  add('Cholesky n=1000 (numpy, default BLAS threads)', ms(tn));
  const ratio = ts / tn;
  add('Cholesky ratio engine / numpy (default threads)', `${ratio.toFixed(2)}x`, '≤ 3x', ratio <= 3 ? 'OK' : 'MISS');
  // The engine runs on one thread; the single-threaded BLAS figure is the like-for-like comparison.
  const single = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const t1 = Number(execFileSync('python3', ['-c', script], { encoding: 'utf8', env: single }).trim());
  add('Cholesky n=1000 (numpy, 1 BLAS thread)', ms(t1));
  add('Cholesky ratio engine / numpy 1 thread', `${(ts / t1).toFixed(2)}x`, '≤ 3x', ts / t1 <= 3 ? 'OK' : 'MISS');
}

console.error('Running engine benchmark (d = 4)…');
const only = process.argv.includes('--suggest-only') ? 'suggest' : process.argv.includes('--pretrain-only') ? 'pretrain' : undefined;
if (!only) benchCholesky();
if (only !== 'pretrain') benchSuggest();
if (only !== 'suggest') benchPretrain();
if (only !== 'suggest') benchPretrainLarge();

const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length), ['measurement', 'value', 'target', ''][c]!.length));
const line = (r: string[]): string => r.map((s, c) => s.padEnd(widths[c]!)).join(' | ');
console.log(line(['measurement', 'value', 'target', 'result']));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(line(r));
