// `hyperbo tune`: a headless tuning session on an experiment file — pre-train the prior, then ask → run → tell.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  parsePrior,
  pretrain,
  priorFileFromPretrain,
  SearchSpace,
  serializePrior,
  Study,
  studyPriorFromFile,
  TRAINING_RULES_VERSION,
  type AcquisitionOptions,
  type Config,
  type OutputSpec,
  type ParamSpec,
  type StudyPrior,
} from '../../engine';
import { optionalInt, parse, requireString, UsageError } from '../args';
import { buildPretrainData, expandGlobs, loadTaskFiles, outputSpecFor } from '../../formats/taskData';
import { assessValues } from '../../formats/curve';
import { appendTrialEdit, applyEdit, updateTrialEdit, type EditResult } from '../../formats/edits';
import { LineIndex, parseExperiment, substitutePlaceholders, type Diagnostic, type ReduceRule } from '../../formats/experiment';
import { parseLog } from '../../formats/logs';

const USAGE = `Usage: hyperbo tune EXPERIMENT.hyperbo.yaml [--trials N] [--seed S] [--dry-run]

Pre-trains the experiment's prior on the data named in prior.from (cached under .hyperbo/), then repeats
N times: suggest a configuration, append it to the file's trials, run the experiment's command, read the
objective from the trial's log, and record the result. Prints each trial and the best configuration.`;

interface Experiment {
  name: string;
  metric: string;
  goal: 'minimize' | 'maximize';
  reduce: ReduceRule;
  divergenceFactor: number;
  space: SearchSpace;
  prior: { from: string[]; metric?: string; exclude: string[]; objective: 'nll' | 'ekl' | 'nll+ekl' | 'auto' };
  acquisition: AcquisitionOptions;
  budget?: number;
  run: { command: string[]; log: string; cwd: string; env: Record<string, string> };
  trials: { id: number; params: Config; status: string; value?: number }[];
  seed: number;
}

const fail = (file: string, message: string): never => {
  throw new UsageError(`${file}: ${message}`, 1);
};

/** Parses and validates the file with the same rules as the editor; any error stops the session with its location. */
function readExperiment(file: string, text: string): Experiment {
  const { experiment: e, diagnostics, ok } = parseExperiment(text, { fileName: file });
  const lines = new LineIndex(text);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!ok || !e) {
    const where = (d: Diagnostic) => {
      const p = lines.positionAt(d.range.start);
      return `${path.basename(file)}:${p.line + 1}:${p.character + 1}: ${d.message}`;
    };
    throw new UsageError(`${file} has ${errors.length || 'unusable'} error(s):\n${errors.map(where).join('\n')}`, 1);
  }
  if (!e.run || e.run.command.length === 0) fail(file, 'needs run.command to launch trials.');
  if (!e.run!.log) fail(file, 'needs run.log, the log each trial writes, e.g. runs/${trial}/metrics.jsonl.');
  return {
    name: e.name ?? path.basename(file),
    metric: e.objective.metric,
    goal: e.objective.goal,
    reduce: e.objective.reduce,
    divergenceFactor: e.objective.divergenceFactor,
    space: new SearchSpace(e.searchSpace.map(({ range: _range, ...p }) => p as ParamSpec)),
    prior: {
      from: e.prior?.from ?? [],
      metric: e.prior?.metric,
      exclude: e.prior?.exclude ?? [],
      objective: e.prior?.objective ?? 'auto',
    },
    acquisition: { kind: e.acquisition.type, ...(e.acquisition.beta !== undefined ? { beta: e.acquisition.beta } : {}) },
    budget: e.budget,
    run: { command: e.run!.command, log: e.run!.log!, cwd: path.resolve(path.dirname(file), e.run!.cwd ?? '.'), env: e.run!.env },
    trials: e.trials,
    seed: e.seed,
  };
}

/** Pre-trains (or loads from the cache) the prior named by the experiment's prior.from. */
async function loadPrior(file: string, exp: Experiment, seed: number): Promise<{ prior?: StudyPrior; output: OutputSpec; summary: string }> {
  const plain: OutputSpec = { goal: exp.goal, warp: 'none', normalization: 'standardize' };
  if (exp.prior.from.length === 0) return { output: plain, summary: 'no prior.from: a GP fitted to this experiment alone' };
  const base = path.dirname(file);
  const files = await expandGlobs(exp.prior.from, base);
  if (files.length === 0) fail(file, `prior.from matches no file (${exp.prior.from.join(', ')}).`);
  const hash = createHash('sha256').update(JSON.stringify({ rules: TRAINING_RULES_VERSION, prior: exp.prior, space: exp.space.params, seed }));
  for (const f of files) hash.update(await readFile(f));
  const key = hash.digest('hex').slice(0, 16);
  const cacheFile = path.join(base, '.hyperbo', 'priors', `${key}.json`);
  if (existsSync(cacheFile)) {
    const loaded = parsePrior(await readFile(cacheFile, 'utf8'));
    return { prior: studyPriorFromFile(loaded), output: loaded.output, summary: `cached prior ${path.relative(process.cwd(), cacheFile)}` };
  }
  const data = await loadTaskFiles(files, { metric: exp.prior.metric ?? exp.metric, goal: exp.goal, exclude: exp.prior.exclude, seed });
  const names = data.space.names;
  const missing = exp.space.names.filter((n) => !names.includes(n));
  if (missing.length || names.length !== exp.space.dim) {
    fail(file, `the prior data's parameters (${names.join(', ')}) differ from search_space (${exp.space.names.join(', ')}).`);
  }
  // Re-express the data in the experiment's own space (same names; the experiment's bounds and order).
  const tasks = data.tasks.map((t) => ({ ...t, configs: t.configs.map((c) => Object.fromEntries(exp.space.names.map((n) => [n, c[n]!]))) }));
  const { data: training, output } = buildPretrainData(tasks, exp.space, outputSpecFor({ ...data, tasks }));
  const started = performance.now();
  const result = pretrain(training, { objective: exp.prior.objective, seed });
  const priorFile = priorFileFromPretrain(result, exp.space, output, { dataHash: key, metric: exp.prior.metric ?? exp.metric, sources: files.map((f) => path.relative(base, f)) });
  await mkdir(path.dirname(cacheFile), { recursive: true });
  await writeFile(cacheFile, serializePrior(priorFile));
  const points = tasks.reduce((n, t) => n + t.configs.length, 0);
  return {
    prior: { spec: result.spec, theta: result.theta, numTrainingTasks: tasks.length },
    output,
    summary:
      `pre-trained on ${tasks.length} tasks (${points} points${data.skipped ? `, ${data.skipped} rows skipped` : ''}) with ` +
      `${result.objective.toUpperCase()} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  };
}

const formatValue = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v));

function runCommand(argv: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, ...env }, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => (output = (output + String(d)).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => resolve({ code: null, output: e.message }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { trials: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const file = path.resolve(requireString(positionals[0], 'the experiment file', USAGE));
  const text = await readFile(file, 'utf8').catch((e: Error) => fail(file, `cannot read: ${e.message}`));
  const exp = readExperiment(file, text);
  const seed = optionalInt(values.seed, '--seed', exp.seed, 0);
  const count = optionalInt(values.trials, '--trials', exp.budget ? Math.max(1, exp.budget - exp.trials.length) : 10);
  const out = (line: string) => process.stdout.write(line + '\n');

  out(`Experiment ${exp.name}: ${exp.goal} ${exp.metric} over ${exp.space.names.join(', ')}`);
  const { prior, output, summary } = await loadPrior(file, exp, seed);
  out(`Prior: ${summary}`);
  const study = new Study({ space: exp.space, output, prior, acquisition: exp.acquisition, seed });
  let nextId = 1;
  for (const t of exp.trials) {
    nextId = Math.max(nextId, Number(t.id) + 1);
    if (t.status === 'completed' && typeof t.value === 'number') study.tell(t.params, t.value);
    else if (t.status === 'failed' || t.status === 'diverged') study.tell(t.params, { status: t.status });
  }
  if (exp.trials.length) out(`Resuming after ${exp.trials.length} recorded trials.`);

  const names = exp.space.names;
  const header = ['trial', ...names, 'predicted', exp.metric, 'status'];
  out(header.join('\t'));
  // Each edit re-reads the file, so changes made while a trial runs are kept; only the trial's own lines change.
  const edit = async (change: (text: string) => EditResult) => {
    const current = await readFile(file, 'utf8');
    const result = change(current);
    if (!result.ok) throw new UsageError(`${file}: cannot record the trial: ${result.message}`, 1);
    await writeFile(file, applyEdit(current, result.edit));
  };
  for (let k = 0; k < count; k++) {
    const [s] = study.ask(1);
    const id = nextId++;
    const params = s!.config;
    const vars: Record<string, string> = { trial: String(id), ...Object.fromEntries(names.map((n) => [n, String(params[n])])) };
    const logPath = path.resolve(exp.run.cwd, substitutePlaceholders(exp.run.log, vars));
    const started = new Date().toISOString();
    await edit((t) => appendTrialEdit(t, { id, params, status: 'running', log: path.relative(path.dirname(file), logPath), started }));
    const argvForTrial = exp.run.command.map((a) => substitutePlaceholders(a, vars));
    await mkdir(path.dirname(logPath), { recursive: true });
    const result = await runCommand(argvForTrial, exp.run.cwd, exp.run.env);
    let status: 'completed' | 'failed' | 'diverged';
    let value: number | undefined;
    let reason: string | undefined;
    if (result.code !== 0) {
      status = 'failed';
      reason = `exit ${result.code ?? 'error'}`;
      process.stderr.write(`trial ${id} failed (exit ${result.code ?? 'error'}): ${result.output.trim().split('\n').slice(-3).join(' | ')}\n`);
    } else {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      const values = parseLog(log).records.map((r) => r.metrics[exp.metric]).filter((v): v is number => v !== undefined);
      const outcome = assessValues(values, exp.reduce, exp.divergenceFactor);
      if (outcome.status === 'completed') {
        status = 'completed';
        value = outcome.value;
      } else {
        status = outcome.status === 'diverged' ? 'diverged' : 'failed';
        reason = outcome.status === 'diverged' ? outcome.reason.replace(/^value/, exp.metric) : `the log ${path.relative(process.cwd(), logPath)} has no "${exp.metric}" values`;
        process.stderr.write(`trial ${id}: ${reason}.\n`);
      }
    }
    study.tell(s!.trialId, status === 'completed' ? value! : { status: status === 'diverged' ? 'diverged' : 'failed' });
    await edit((t) => updateTrialEdit(t, id, { status, ...(value !== undefined ? { value } : {}), ...(reason ? { reason } : {}), finished: new Date().toISOString() }));
    out([id, ...names.map((n) => formatValue(params[n])), `${formatValue(s!.predicted.value)}±${formatValue(s!.predicted.sd)}`, value === undefined ? '—' : formatValue(value), status].join('\t'));
  }
  const done = study.trials.filter((t) => t.status === 'completed' && t.value !== undefined);
  if (done.length === 0) {
    out('No trial completed.');
    return 1;
  }
  const best = done.reduce((a, b) => ((exp.goal === 'minimize' ? b.value! < a.value! : b.value! > a.value!) ? b : a));
  out(`Best ${exp.metric} = ${formatValue(best.value)} with ${names.map((n) => `${n}=${formatValue(best.config[n])}`).join(' ')}`);
  return 0;
}
