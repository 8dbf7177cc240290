// `hyperbo bench regret`: leave-one-task-out regret of HyperBO against its peers on real multi-task data.
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../../files/atomicWrite';
import * as path from 'node:path';
import { oneOf, optionalInt, parse, requireString, UsageError } from '../args';
import { expandDataGlobs } from '../dataArgs';
import { markdownReport, svgReport } from '../bench/report';
import { METHODS, runRegretBenchmark, type Method } from '../bench/regret';
import { loadSuite } from '../bench/suite';

const USAGE = `Usage: hyperbo bench regret --data FILE... --metric NAME [--goal minimize|maximize] --budget B --seeds S
         [--methods ${METHODS.join(',')}] [--pool N] [--tasks N] [--steps N] [--label TEXT]
         [--complement C] [--json OUT.json] [--md OUT.md] [--svg OUT.svg]

For each task and seed: pre-train on every other task (each seed pre-trains again), then run BO over
that task's evaluated configurations (a finite pool; --pool N draws a fixed pool of N per task).
Prints a Markdown table; writes JSON/SVG when asked.
--data takes PD1 JSONL(.gz) files, HPOBench-style task JSON files, or a YAHPO surrogate folder (model.onnx,
config_space.json, encoding.json; needs onnxruntime-web), evaluated once on a seeded pool of --pool
configurations (default 300). --complement C scores C − value with the goal flipped (100 − accuracy % = error %).`;

function finiteNumber(text: string, flag: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${flag} must be a number, got "${text}".\n\n${USAGE}`);
  return v;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (sub !== 'regret') throw new UsageError(sub ? `Unknown bench "${sub}".\n\n${USAGE}` : USAGE);
  const { values, positionals } = parse(
    rest,
    {
      data: { type: 'string', multiple: true },
      metric: { type: 'string' },
      goal: { type: 'string' },
      budget: { type: 'string' },
      seeds: { type: 'string' },
      methods: { type: 'string' },
      pool: { type: 'string' },
      tasks: { type: 'string' },
      steps: { type: 'string' },
      label: { type: 'string' },
      complement: { type: 'string' },
      json: { type: 'string' },
      md: { type: 'string' },
      svg: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const patterns = [...(values.data ?? []), ...positionals];
  if (patterns.length === 0) throw new UsageError(`Missing --data.\n\n${USAGE}`);
  const files = await expandDataGlobs(patterns);
  const metric = requireString(values.metric, '--metric', USAGE);
  const budget = optionalInt(values.budget, '--budget', 30);
  const seeds = optionalInt(values.seeds, '--seeds', 3);
  const methods = (values.methods ?? METHODS.join(',')).split(',').map((m) => m.trim()) as Method[];
  for (const m of methods) if (!(METHODS as readonly string[]).includes(m)) throw new UsageError(`Unknown method "${m}"; use ${METHODS.join(', ')}.`);
  const goalFlag = values.goal === undefined ? undefined : oneOf(values.goal, '--goal', ['minimize', 'maximize'] as const, 'minimize');

  const suite = await loadSuite(files, {
    metric,
    goal: goalFlag,
    pool: values.pool === undefined ? undefined : optionalInt(values.pool, '--pool', 0),
    tasks: values.tasks === undefined ? undefined : optionalInt(values.tasks, '--tasks', 2),
    label: values.label,
    complement: values.complement === undefined ? undefined : finiteNumber(values.complement, '--complement'),
  });
  if (suite.tasks.length < 2) throw new UsageError('The benchmark needs at least 2 tasks (one held out, the others to pre-train on).', 1);
  const log = values.quiet ? () => {} : (line: string) => process.stderr.write(`[bench] ${line}\n`);
  log(`${suite.tasks.length} tasks, ${suite.tasks.map((t) => t.configs.length).join('/')} candidates, output ${JSON.stringify(suite.output)}`);
  const report = await runRegretBenchmark(suite, {
    budget,
    seeds,
    methods,
    pretrainSteps: values.steps === undefined ? undefined : optionalInt(values.steps, '--steps', 1),
    log,
  });
  const md = markdownReport(report, `npx hyperbo bench ${argv.map((a) => (/[\s*?]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  process.stdout.write(md + '\n');
  const write = async (file: string | undefined, text: string) => {
    if (!file) return;
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFileAtomic(file, text);
  };
  await write(values.json, JSON.stringify(report, null, 1) + '\n');
  await write(values.md, md + '\n');
  await write(values.svg, svgReport(report));
  return 0;
}
