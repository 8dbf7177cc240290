// The README's main job, measured (not a test): `npm run bench:main-job [-- --seeds 1,2,3,4] [--trials 12]`.
// For each seed ("file" = the experiment's own seed), copies examples/ and data/pd1-mini/ to a fresh temporary folder
// (examples/ in the repository is never touched), runs
//   hyperbo tune examples/digits-mlp.hyperbo.yaml --trials N [--seed S]
// there with this checkout's CLI (dist/cli.js: run `npm run build` first), and prints a row per seed: wall time, CPU
// time of the tune process and its training runs, the prior line, the first trial's value, the best and its trial,
// diverged/failed runs and runs above 20 % error. The load average is printed with each row.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'hyperbo.js');

let ticks: number | undefined;
/** CPU seconds of this process's finished children (cutime + cstime in /proc/self/stat). */
function childrenCpu(): number {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / ticks;
}

interface Row {
  id: number;
  value: number | undefined;
  status: string;
}

async function runOnce(seed: string, trials: number): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-main-job-'));
  try {
    cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
    cpSync(path.join(ROOT, 'data', 'pd1-mini'), path.join(dir, 'data', 'pd1-mini'), { recursive: true });
    const args = [CLI, 'tune', 'examples/digits-mlp.hyperbo.yaml', '--trials', String(trials), ...(seed === 'file' ? [] : ['--seed', seed])];
    const load0 = loadavg()[0]!;
    const cpu0 = childrenCpu();
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const wall = (performance.now() - t0) / 1000;
    const cpu = childrenCpu() - cpu0;
    if (code !== 0) throw new Error(`tune exited with ${code}:\n${stdout}\n${stderr}`);
    const lines = stdout.split('\n');
    const prior = lines.find((l) => l.startsWith('Prior: ')) ?? '(no prior line)';
    const header = lines.findIndex((l) => l.startsWith('trial\t'));
    const rows: Row[] = lines
      .slice(header + 1)
      .map((l) => l.split('\t'))
      .filter((c) => c.length > 3 && /^\d+$/.test(c[0]!))
      .map((c) => ({ id: Number(c[0]), value: c.at(-2) === '—' ? undefined : Number(c.at(-2)), status: c.at(-1)! }));
    const done = rows.filter((r) => r.status === 'completed' && r.value !== undefined);
    const best = done.reduce<Row | undefined>((b, r) => (b === undefined || r.value! < b.value! ? r : b), undefined);
    const bad = rows.filter((r) => r.status !== 'completed').length;
    const above = done.filter((r) => r.value! > 0.2).length;
    const first = rows[0];
    process.stderr.write(`${stdout}\n`);
    return (
      `| ${seed} | ${wall.toFixed(0)} s | ${cpu.toFixed(0)} s | ${first ? (first.value === undefined ? first.status : first.value.toPrecision(4)) : '—'} | ` +
      `${best ? `${best.value!.toPrecision(4)} (trial ${best.id})` : '—'} | ${bad} | ${above} | ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} | ${prior.slice(7)} |`
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: 'file' }, trials: { type: 'string', default: '12' } } });
  if (!existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first.');
  const trials = Number(values.trials);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const out: string[] = [
    `hyperbo tune examples/digits-mlp.hyperbo.yaml --trials ${trials} (fresh copy of examples/), commit ${commit}, ${new Date().toISOString()}`,
    '',
    '| seed | wall | CPU (tune + training runs) | first trial | best (trial) | failed/diverged | above 20 % error | load avg 1-min start → end | prior |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const seed of values.seeds!.split(',')) {
    const row = await runOnce(seed.trim(), trials);
    out.push(row);
    process.stderr.write(`${row}\n`);
  }
  console.log(out.join('\n'));
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
