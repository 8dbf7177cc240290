// The README's main job, measured (not a test): `npm run bench:main-job [-- --seeds 1,2,3,4] [--trials 12]
// [--bounds learning_rate=1e-7:100,...]`.
// For each seed ("file" = the experiment's own seed), copies examples/ and data/pd1-mini/ to a fresh temporary folder
// (examples/ in the repository is never touched), runs
//   hyperbo tune examples/digits-mlp.hyperbo.yaml --trials N [--seed S]
// there with this checkout's CLI (dist/cli.js: run `npm run build` first), and prints a row per seed: wall time, CPU
// time of the tune process and its training runs, the prior line, the first trial's value, the best and its trial,
// diverged/failed runs and runs above 20 % error. The load average is printed with each row. --bounds rewrites
// parameters' low and high in the copy first (a search space reaching past what the prior's data measured).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { applyEdit, parameterBoundsEdits } from '../src/formats/edits';
import { parseExperiment } from '../src/formats/experiment';

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
  /** Whether a rewritten parameter's value lies outside the example's own bounds. */
  outside: boolean;
}

type Bounds = Map<string, { low: number; high: number }>;

/** The example's own numeric bounds (its prior's data span them). */
const EXAMPLE_BOUNDS: Bounds = new Map(
  (parseExperiment(readFileSync(path.join(ROOT, 'examples', 'digits-mlp.hyperbo.yaml'), 'utf8')).experiment?.searchSpace ?? []).flatMap((p) =>
    p.type === 'categorical' ? [] : [[p.name, { low: p.low, high: p.high }] as const],
  ),
);

/** `name=low:high,...` */
function parseBounds(text: string | undefined): Bounds {
  const out: Bounds = new Map();
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const m = /^([\w.-]+)=([^:]+):(.+)$/.exec(part.trim());
    if (!m || !(Number(m[2]) < Number(m[3]))) throw new Error(`--bounds ${part}: expected name=low:high with low < high`);
    if (!EXAMPLE_BOUNDS.has(m[1]!)) throw new Error(`--bounds ${part}: the example has no numeric parameter ${m[1]}`);
    out.set(m[1]!, { low: Number(m[2]), high: Number(m[3]) });
  }
  return out;
}

/** The experiment file with each named parameter's low and high rewritten. */
function withBounds(text: string, bounds: Bounds): string {
  for (const [name, b] of bounds) {
    const edits = parameterBoundsEdits(text, name, b);
    if (!Array.isArray(edits)) throw new Error(`--bounds ${name}: ${edits.message}`);
    text = [...edits].sort((x, y) => y.range.start - x.range.start).reduce(applyEdit, text);
  }
  return text;
}

async function runOnce(seed: string, trials: number, bounds: Bounds): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-main-job-'));
  try {
    cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
    cpSync(path.join(ROOT, 'data', 'pd1-mini'), path.join(dir, 'data', 'pd1-mini'), { recursive: true });
    const file = path.join(dir, 'examples', 'digits-mlp.hyperbo.yaml');
    writeFileSync(file, withBounds(readFileSync(file, 'utf8'), bounds));
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
    const columns = lines[header]!.split('\t');
    const isOutside = (c: string[]) =>
      [...bounds.keys()].some((name) => {
        const v = Number(c[columns.indexOf(name)]);
        const own = EXAMPLE_BOUNDS.get(name)!;
        return v < own.low || v > own.high;
      });
    const rows: Row[] = lines
      .slice(header + 1)
      .map((l) => l.split('\t'))
      .filter((c) => c.length > 3 && /^\d+$/.test(c[0]!))
      .map((c) => ({ id: Number(c[0]), value: c.at(-2) === '—' ? undefined : Number(c.at(-2)), status: c.at(-1)!, outside: isOutside(c) }));
    const done = rows.filter((r) => r.status === 'completed' && r.value !== undefined);
    const best = done.reduce<Row | undefined>((b, r) => (b === undefined || r.value! < b.value! ? r : b), undefined);
    const bad = rows.filter((r) => r.status !== 'completed').length;
    const above = done.filter((r) => r.value! > 0.2).length;
    const outside = rows.filter((r) => r.outside).length;
    const first = rows[0];
    process.stderr.write(`${stdout}\n`);
    return (
      `| ${seed} | ${wall.toFixed(0)} s | ${cpu.toFixed(0)} s | ${first ? (first.value === undefined ? first.status : first.value.toPrecision(4)) : '—'} | ` +
      `${best ? `${best.value!.toPrecision(4)} (trial ${best.id})` : '—'} | ${bad} | ${above} | ${bounds.size ? `${outside} | ` : ''}${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} | ${prior.slice(7)} |`
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: 'file' }, trials: { type: 'string', default: '12' }, bounds: { type: 'string' } } });
  const bounds = parseBounds(values.bounds);
  if (!existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first.');
  const trials = Number(values.trials);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const out: string[] = [
    `hyperbo tune examples/digits-mlp.hyperbo.yaml --trials ${trials} (fresh copy of examples/${values.bounds ? `, bounds ${values.bounds}` : ''}), commit ${commit}, ${new Date().toISOString()}`,
    '',
    `| seed | wall | CPU (tune + training runs) | first trial | best (trial) | failed/diverged | above 20 % error |${bounds.size ? " outside the example's bounds |" : ''} load avg 1-min start → end | prior |`,
    `|---|---|---|---|---|---|---|${bounds.size ? '---|' : ''}---|---|`,
  ];
  for (const seed of values.seeds!.split(',')) {
    const row = await runOnce(seed.trim(), trials, bounds);
    out.push(row);
    process.stderr.write(`${row}\n`);
  }
  console.log(out.join('\n'));
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
