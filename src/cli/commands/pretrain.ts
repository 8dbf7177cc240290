// `hyperbo pretrain`: learn a GP prior from multi-task tuning data and save it as JSON.
import { writeErr, writeOut } from '../print';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../../files/atomicWrite';
import * as path from 'node:path';
import { pretrain, priorFileFromPretrain, serializePrior } from '../../engine';
import { oneOf, optionalInt, parse, requireString, UsageError } from '../args';
import { buildPretrainData, loadTaskFiles, outputSpecFor } from '../../formats/taskData';
import { listFiles, listingNotes } from '../../priors';
import { expandDataGlobs } from '../dataArgs';
import { usesMatchedGroups } from '../../shared/objectiveKind';

const USAGE = `Usage: hyperbo pretrain --data FILE... --metric NAME [--goal minimize|maximize] [--objective nll|ekl|nll+ekl|auto]
         [--optimizer lbfgs|adam] [--steps N] [--pool N] [--exclude TASK]... [--seed S] [--out prior.json]

FILE is PD1 JSONL (.jsonl or .jsonl.gz; tasks are (dataset, model, batch size)), HPOBench task JSON (.json), or
tuning history from other tools, one task per study: an Optuna storage (.db) or journal, an MLflow store (mlflow.db
or an mlruns folder), a Ray Tune experiment folder, a Lightning CSVLogger folder, a Keras Tuner project folder, or a
CSV file with a header (parameters and metric as columns). A folder stands for every file in it; a quoted glob
('runs/*.jsonl.gz') is expanded by hyperbo, in a bounded walk.
Rows whose metric is missing or not finite are skipped and counted. Writes the prior (default prior.json).`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      data: { type: 'string', multiple: true },
      metric: { type: 'string' },
      goal: { type: 'string' },
      objective: { type: 'string' },
      optimizer: { type: 'string' },
      steps: { type: 'string' },
      pool: { type: 'string' },
      exclude: { type: 'string', multiple: true },
      seed: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    writeOut(USAGE + '\n');
    return 0;
  }
  const named = await expandDataGlobs([...(values.data ?? []), ...positionals]);
  const files: string[] = [];
  for (const f of named) {
    const isDir = await stat(f).then((s) => s.isDirectory(), () => false);
    if (!isDir) {
      files.push(f);
      continue;
    }
    // A folder named on the command line is read through the listing prior.from uses, with that folder as its root:
    // links out of it are not followed, a loop is listed once, and SOURCE_LIMITS bound it.
    const folder = path.resolve(f);
    const listing = await listFiles(process.cwd(), [f], { roots: [folder] });
    for (const note of listingNotes(listing)) writeErr(`--data ${f}: ${note}\n`);
    files.push(...listing.files);
  }
  if (named.length === 0) throw new UsageError(`Missing --data.\n\n${USAGE}`);
  const metric = requireString(values.metric, '--metric', USAGE);
  const objective = oneOf(values.objective, '--objective', ['nll', 'ekl', 'nll+ekl', 'auto'] as const, 'auto');
  const optimizer = oneOf(values.optimizer, '--optimizer', ['lbfgs', 'adam'] as const, 'lbfgs');
  const seed = optionalInt(values.seed, '--seed', 0, 0);
  const out = values.out ?? 'prior.json';

  const data = await loadTaskFiles(files, {
    metric,
    goal: values.goal === undefined ? undefined : oneOf(values.goal, '--goal', ['minimize', 'maximize'] as const, 'minimize'),
    pool: values.pool === undefined ? undefined : optionalInt(values.pool, '--pool', 1),
    exclude: values.exclude,
    seed,
  });
  const points = data.tasks.reduce((n, t) => n + t.configs.length, 0);
  writeErr(
    `Loaded ${data.tasks.length} tasks, ${points} points (${data.skipped} rows skipped: metric or hyperparameters missing or not finite, or a cut-off last line); ` +
      `metric ${metric} (${data.goal}).\n`,
  );
  if (data.notes?.length) writeErr(`Search space ${data.space.names.join(', ')}; ${data.notes.join('; ')}.\n`);
  const { data: training, output } = buildPretrainData(data.tasks, data.space, outputSpecFor(data));
  let lastShown = -1;
  const result = pretrain(training, {
    objective,
    optimizer,
    steps: values.steps === undefined ? undefined : optionalInt(values.steps, '--steps', 1),
    seed,
    progress: {
      report(fraction) {
        const pct = Math.floor(fraction * 10) * 10;
        if (pct !== lastShown && process.stderr.isTTY) process.stderr.write(`\rPre-training… ${pct}%`);
        lastShown = pct;
      },
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\r');
  const hash = createHash('sha256');
  for (const f of files) hash.update(await readFile(f));
  // The training tasks' data for a study's first pick, as the editor's and tune's priors carry it: without it
  // `hyperbo suggest` started at the prior mean's argmax, which extrapolates to corners no task measured.
  const file = priorFileFromPretrain(result, data.space, output, {
    dataHash: hash.digest('hex').slice(0, 16),
    metric,
    sources: named.map((f) => path.basename(f)),
    data: training,
  });
  try {
    await mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await writeFileAtomic(out, serializePrior(file));
  } catch (error) {
    throw new UsageError(`Cannot write the prior to ${out}: ${(error as Error).message}. Choose another --out.`, 1);
  }
  const p = result.provenance;
  writeErr(
    `Pre-trained ${result.spec.mean} mean + ${result.spec.kernel}${result.spec.kernelOnFeatures ? ' on MLP features' : ''} ` +
      `with ${result.objective.toUpperCase()} on ${p.tasks.length} tasks${usesMatchedGroups(result.objective) ? ` and ${p.matchedGroups.length} matched group(s)` : ''}: ` +
      `${p.steps} ${p.optimizer} steps in ${(p.durationMs / 1000).toFixed(1)} s, final loss ${result.finalLoss.toFixed(4)} (${p.stopReason}).\n` +
      `Wrote ${out}.\n`,
  );
  return 0;
}
