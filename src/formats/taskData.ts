// Multi-task tuning data (CLI, server, benchmark): PD1 JSONL(.gz) rows or HPOBench task JSON files, as finite pools per task.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { commonSpace, findHistorySources, mapStudy, metricFor, readHistory, type HistorySource } from './history';
import {
  createRng,
  defaultOutputSpec,
  logFloorFor,
  MIN_EKL_POINTS,
  PD1_OUTPUT_SPEC,
  referenceNormalization,
  pd1Config,
  pd1SearchSpace,
  prepareTrainingData,
  sampleWithoutReplacement,
  SearchSpace,
  type Config,
  type OutputSpec,
  type ParamSpec,
  type PretrainData,
  type RawMatchedGroup,
  type RawTask,
} from '../engine';
import { maxOf, minOf } from '../shared/extent';
import { didYouMean } from './text';

export interface TaskPool {
  name: string;
  configs: Config[];
  values: number[];
}

export interface TaskData {
  metric: string;
  goal: 'minimize' | 'maximize';
  space: SearchSpace;
  tasks: TaskPool[];
  /** True for PD1-style data, which uses the paper's output rule (−log error rate). */
  pd1: boolean;
  /** Rows skipped because the metric was missing or not finite. */
  skipped: number;
}

export interface LoadOptions {
  metric: string;
  goal?: 'minimize' | 'maximize';
  /** Draw a fixed pool of this many configurations per task (the same keys for every task, method and seed). */
  pool?: number;
  seed?: number;
  /** Task names to leave out (e.g. the task being tuned). */
  exclude?: readonly string[];
}

/** Data the user gave cannot be used; the message says what and how to fix it. */
export class DataError extends Error {
  override name = 'DataError';
}

const fail = (message: string): never => {
  throw new DataError(message);
};

// Python's json.dumps writes NaN, Infinity and -Infinity (diverged PD1 trials); read them as null, outside strings.
const STRING_OR_NON_FINITE = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
function parseJsonRow(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!text.includes('NaN') && !text.includes('Infinity')) throw error;
    return JSON.parse(text.replace(STRING_OR_NON_FINITE, (token) => (token.startsWith('"') ? token : 'null')));
  }
}

/** Rows of a JSONL(.gz) file; an unparsable last line (an interrupted download or write) is reported, not fatal. */
async function* jsonLines(file: string): AsyncGenerator<{ row: Record<string, unknown>; line: number } | { truncated: number }> {
  const input = file.endsWith('.gz') ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let broken = 0;
  try {
    for await (const text of lines) {
      n++;
      if (!text.trim()) continue;
      if (broken) fail(`${file}:${broken}: not valid JSON. PD1 data is one JSON object per line.`);
      let row: unknown;
      try {
        row = parseJsonRow(text);
      } catch {
        broken = n;
        continue;
      }
      if (row && typeof row === 'object' && !Array.isArray(row)) yield { row: row as Record<string, unknown>, line: n };
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    // A gzip stream cut short still yields the lines before the cut; say so rather than failing the whole file.
    if ((error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' && n > 0) {
      yield { truncated: n };
      return;
    }
    fail(`Cannot read ${file}: ${(error as Error).message}`);
  }
  if (broken) yield { truncated: broken };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN);

/** Metric value of a PD1 row: the column itself, or the best of a per-evaluation array. */
function metricOf(row: Record<string, unknown>, metric: string, goal: 'minimize' | 'maximize'): number {
  const v = row[metric];
  if (Array.isArray(v)) {
    const finite = v.map(num).filter(Number.isFinite);
    if (finite.length === 0) return Number.NaN;
    return goal === 'minimize' ? minOf(finite) : maxOf(finite);
  }
  return num(v);
}

/** A wrong --metric is answered with the metric-like fields of the first rows (bounded: a file may hold millions). */
const ROWS_FOR_FIELDS = 200;
const MAX_LISTED_FIELDS = 64;
const NOT_METRICS = new Set(['global_step', 'epochs', 'step', 'epoch']);

/** Adds the row's fields that could be a metric (numbers, or arrays holding one) to `fields`: named when --metric is wrong. */
function noteMetricFields(row: Record<string, unknown>, fields: Set<string>): void {
  for (const [key, v] of Object.entries(row)) {
    if (fields.size >= MAX_LISTED_FIELDS) return;
    if (key.startsWith('hps.') || NOT_METRICS.has(key) || fields.has(key)) continue;
    if (Number.isFinite(num(v)) || (Array.isArray(v) && v.some((x) => Number.isFinite(num(x))))) fields.add(key);
  }
}

export async function loadPd1(files: readonly string[], options: LoadOptions): Promise<TaskData> {
  const goal = options.goal ?? (/acc|auc|f1|score/i.test(options.metric) && !/error/i.test(options.metric) ? 'maximize' : 'minimize');
  const byTask = new Map<string, TaskPool>();
  let skipped = 0;
  let rows = 0;
  const metricFields = new Set<string>();
  for (const file of files) {
    for await (const item of jsonLines(file)) {
      if ('truncated' in item) {
        skipped++;
        continue;
      }
      const { row } = item;
      rows++;
      if (rows <= ROWS_FOR_FIELDS) noteMetricFields(row, metricFields);
      const name = `${String(row.dataset)}/${String(row.model)}/${String(row['hps.batch_size'])}`;
      if (options.exclude?.includes(name)) continue;
      const value = metricOf(row, options.metric, goal);
      const hp = {
        initialLearningRate: num(row['hps.lr_hparams.initial_value']),
        momentum: num(row['hps.opt_hparams.momentum']),
        power: num(row['hps.lr_hparams.power']),
        decayStepsFactor: num(row['hps.lr_hparams.decay_steps_factor']),
      };
      if (!Number.isFinite(value) || !Object.values(hp).every(Number.isFinite) || hp.momentum >= 1 || hp.initialLearningRate <= 0) {
        skipped++;
        continue;
      }
      let task = byTask.get(name);
      if (!task) byTask.set(name, (task = { name, configs: [], values: [] }));
      task.configs.push(pd1Config(hp));
      task.values.push(value);
    }
  }
  if (rows === 0) fail(`No rows in ${files.join(', ')}.`);
  if (byTask.size === 0) {
    const guess = didYouMean(options.metric, metricFields);
    const listed = [...metricFields].sort();
    fail(
      `No row of ${files.join(', ')} has a finite "${options.metric}" (${skipped} rows skipped). Check --metric` +
        (guess ? `; did you mean "${guess}"?` : '.') +
        (listed.length ? ` The rows' metrics: ${listed.join(', ')}.` : ''),
    );
  }
  const tasks = [...byTask.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { metric: options.metric, goal, space: pd1SearchSpace(), tasks: options.pool ? tasks.map((t) => poolOf(t, options.pool!, options.seed ?? 0)) : tasks, pd1: true, skipped };
}

/** A seeded subset of a task's rows. */
function poolOf(task: TaskPool, size: number, seed: number): TaskPool {
  if (task.configs.length <= size) return task;
  const idx = sampleWithoutReplacement(task.configs.length, size, createRng(seed)).sort((a, b) => a - b);
  return { name: task.name, configs: idx.map((i) => task.configs[i]!), values: idx.map((i) => task.values[i]!) };
}

interface HpoBenchFile {
  benchmark?: string;
  dataset?: string;
  direction?: string;
  params?: { name: string; type?: string; choices: (number | string)[] }[];
  data?: Record<string, number[]>;
}

function spaceFromChoices(params: NonNullable<HpoBenchFile['params']>): ParamSpec[] {
  return params.map((p): ParamSpec => {
    const numeric = p.choices.every((c) => typeof c === 'number' && Number.isFinite(c));
    if (!numeric || p.choices.length < 2) return { name: p.name, type: 'categorical', choices: p.choices };
    const values = p.choices as number[];
    const low = minOf(values);
    const high = maxOf(values);
    const scale = low > 0 && high / low >= 20 ? 'log' : 'linear';
    return p.type === 'int' && values.every(Number.isInteger)
      ? { name: p.name, type: 'int', low, high, scale }
      : { name: p.name, type: 'float', low, high, scale };
  });
}

/** A task JSON file is read into one string: past V8's string limit (≈512 MB) that read would fail deep inside. */
export const MAX_TASK_JSON_BYTES = 256 * 1024 * 1024;

/** HPOBench-style task files (one JSON per task; a shared grid whose keys index each parameter's choices). */
export async function loadHpoBench(files: readonly string[], options: LoadOptions): Promise<TaskData> {
  const parsed: { file: string; json: HpoBenchFile }[] = [];
  for (const file of files) {
    let json: HpoBenchFile;
    try {
      const { size } = await stat(file);
      if (size > MAX_TASK_JSON_BYTES) {
        fail(
          `${file} is ${Math.round(size / 2 ** 20)} MB; a task JSON file is read whole and may be at most ${MAX_TASK_JSON_BYTES / 2 ** 20} MB. ` +
            'Split it into one file per task, or write its rows as JSON Lines (.jsonl), which are read line by line.',
        );
      }
      json = JSON.parse(await readFile(file, 'utf8')) as HpoBenchFile;
    } catch (error) {
      if (error instanceof DataError) throw error;
      return fail(`Cannot read ${file} as a task JSON file: ${(error as Error).message}`);
    }
    if (!Array.isArray(json.params) || !json.data || typeof json.data !== 'object') {
      fail(`${file} is not a task file: it needs "params" (with "choices") and "data".`);
    }
    parsed.push({ file, json });
  }
  const first = parsed[0]!.json;
  const signature = JSON.stringify(first.params);
  for (const { file, json } of parsed) {
    if (JSON.stringify(json.params) !== signature) fail(`${file} has a different search space from ${parsed[0]!.file}; tasks must share one.`);
  }
  const goal = options.goal ?? (first.direction === 'minimize' ? 'minimize' : 'maximize');
  const params = first.params!;
  const space = new SearchSpace(spaceFromChoices(params));
  const allKeys = Object.keys(first.data!).sort();
  const keys = options.pool && options.pool < allKeys.length
    ? sampleWithoutReplacement(allKeys.length, options.pool, createRng(options.seed ?? 0)).sort((a, b) => a - b).map((i) => allKeys[i]!)
    : allKeys;
  const configOf = (key: string): Config => {
    const config: Record<string, number | string> = {};
    params.forEach((p, j) => (config[p.name] = p.choices[Number(key[j])]!));
    return config;
  };
  const configs = keys.map(configOf);
  let skipped = 0;
  const tasks: TaskPool[] = [];
  for (const { file, json } of parsed) {
    const name = json.dataset ?? path.basename(file, '.json');
    if (options.exclude?.includes(name)) continue;
    const values = keys.map((k) => {
      const seeds = (json.data![k] ?? []).filter((v) => Number.isFinite(v));
      if (seeds.length === 0) skipped++;
      return seeds.length ? seeds.reduce((a, b) => a + b, 0) / seeds.length : Number.NaN;
    });
    tasks.push({ name, configs, values });
  }
  return { metric: options.metric, goal, space, tasks, pd1: false, skipped };
}

/**
 * Other tools' tuning history (Optuna, MLflow, Ray Tune, Lightning, Keras Tuner, CSV) as task pools in one search
 * space: the parameters every study sets (the others are reported), bounds covering all studies.
 */
export async function loadHistoryTaskData(sources: readonly HistorySource[], options: LoadOptions): Promise<TaskData & { notes: string[] }> {
  const studies = (await readHistory(sources)).filter((s) => !options.exclude?.includes(s.name));
  const notes: string[] = [];
  const withMetric = studies.filter((s) => {
    if (metricFor(s, options.metric) !== undefined) return true;
    notes.push(`${s.name} (${path.basename(s.source)}) has no metric "${options.metric}" (it has ${s.metrics.slice(0, 8).join(', ') || 'none'}); left out`);
    return false;
  });
  if (withMetric.length === 0) fail(`No study in ${sources.map((s) => s.path).join(', ')} has the metric "${options.metric}". ${notes.join('; ')}.`);
  const { space: params, dropped } = commonSpace(withMetric);
  if (params.length === 0) fail(`The studies in ${sources.map((s) => s.path).join(', ')} share no varied parameter.`);
  if (dropped.length > 0) notes.push(`parameters not set by every study, left out: ${dropped.join(', ')}`);
  const space = new SearchSpace(params);
  const directions = new Set(withMetric.flatMap((s) => s.directions[metricFor(s, options.metric)!] ?? []));
  const goal = options.goal ?? (directions.size === 1 ? [...directions][0]! : 'minimize');
  let skipped = 0;
  const tasks: TaskPool[] = [];
  for (const s of withMetric) {
    const m = mapStudy(s, space, options.metric);
    skipped += m.skippedTrials;
    if (m.configs.length < 2) {
      notes.push(`${s.name}: ${m.unusable ?? `only ${m.configs.length} usable trial(s)`}; left out`);
      continue;
    }
    tasks.push({ name: s.name, configs: m.configs, values: m.values });
  }
  if (tasks.length === 0) fail(`No study has two usable trials: ${notes.join('; ')}.`);
  const pooled = options.pool ? tasks.map((t) => poolOf(t, options.pool!, options.seed ?? 0)) : tasks;
  return { metric: options.metric, goal, space, tasks: pooled, pd1: false, skipped, notes };
}

/**
 * Loads PD1 JSONL(.gz), HPOBench task JSON files, or other tools' tuning history (see findHistorySources); PD1 and
 * HPOBench are told apart by the file names.
 */
export async function loadTaskFiles(files: readonly string[], options: LoadOptions): Promise<TaskData & { notes?: string[] }> {
  if (files.length === 0) fail('No data files given.');
  // A file that is not there is named as such (its kind cannot be told from its name alone).
  for (const file of files) {
    await stat(file).catch((error: Error) => fail(`Cannot read ${file}: ${error.message}`));
  }
  const { sources, rest } = await findHistorySources(files);
  if (sources.length > 0) {
    if (rest.length > 0) fail(`Give either tuning history (${sources.map((s) => s.path).join(', ')}) or PD1/HPOBench data (${rest.join(', ')}), not a mix.`);
    return loadHistoryTaskData(sources, options);
  }
  const jsonl = files.filter((f) => /\.jsonl(\.gz)?$/.test(f));
  if (jsonl.length === files.length) return loadPd1(files, options);
  if (jsonl.length === 0 && files.every((f) => f.endsWith('.json'))) return loadHpoBench(files, options);
  return fail('Give either PD1 data (.jsonl or .jsonl.gz) or task files (.json), not a mix.');
}

/** Identity of a configuration in the unit cube (equal configurations on different tasks share it). */
export function configKey(space: SearchSpace, c: Config): string {
  return Array.from(space.toUnit(c), (u) => u.toFixed(9)).join(',');
}

/**
 * Pre-training data from task pools: every task as unmatched data (all its rows, as the paper does), plus matched
 * groups for EKL. Configurations with a finite value on exactly the same set of ≥ 2 tasks form one group (PD1's
 * shared Halton set, a benchmark grid); a group needs MIN_EKL_POINTS configurations. Grouping by task set rather
 * than requiring every task keeps EKL when tasks come from different PD1 phases or some runs diverged.
 */
export function rawPretrainData(
  tasks: readonly { name: string; configs: readonly Config[]; values: ArrayLike<number> }[],
  space: SearchSpace,
): { tasks: RawTask[]; matched: RawMatchedGroup[] } {
  const keys = tasks.map((task) => task.configs.map((c) => configKey(space, c)));
  const maps = tasks.map((task, t) => new Map(keys[t]!.map((k, i) => [k, task.values[i]!])));
  const groups = new Map<string, { members: number[]; configs: Config[]; keys: string[] }>();
  const seen = new Set<string>();
  tasks.forEach((task, t) =>
    task.configs.forEach((c, i) => {
      const key = keys[t]![i]!;
      if (seen.has(key)) return;
      seen.add(key);
      const members = maps.flatMap((m, j) => (Number.isFinite(m.get(key)) ? [j] : []));
      if (members.length < 2) return;
      const signature = members.join(',');
      let group = groups.get(signature);
      if (!group) groups.set(signature, (group = { members, configs: [], keys: [] }));
      group.configs.push(c);
      group.keys.push(key);
    }),
  );
  const matched: RawMatchedGroup[] = [...groups.values()]
    .filter((g) => g.configs.length >= MIN_EKL_POINTS)
    .sort((a, b) => b.configs.length * b.members.length - a.configs.length * a.members.length)
    .map((g) => ({
      x: space.encode(g.configs),
      taskNames: g.members.map((j) => tasks[j]!.name),
      values: g.keys.flatMap((k) => g.members.map((j) => maps[j]!.get(k)!)),
    }));
  const raw = tasks.map((task) => ({ name: task.name, x: space.encode(task.configs), values: task.values }));
  return { tasks: raw, matched };
}

/** rawPretrainData with the output rule applied per task; the rule gains the training tasks' reference normalisation. */
export function buildPretrainData(
  tasks: readonly { name: string; configs: readonly Config[]; values: ArrayLike<number> }[],
  space: SearchSpace,
  output: OutputSpec,
): { data: PretrainData; output: OutputSpec } {
  const prepared = prepareTrainingData(rawPretrainData(tasks, space), output);
  const reference = output.normalization === 'none' ? undefined : referenceNormalization(prepared.transforms.values());
  return { data: prepared.data, output: reference ? { ...output, reference } : output };
}

/**
 * The output rule for tuning data: the paper's −log(error) for PD1 data (zeros raised to the smallest nonzero value);
 * for accuracies in [0, 1] the HPO-B rule −log(1 − acc); otherwise a log warp for positive values. Tasks are
 * standardised unless PD1. Robust tails 'auto' (engine/warp.ts): per task, absurd values infeasible, skewed bad
 * halves half-rank warped.
 */
export function outputSpecForValues(values: readonly number[], goal: 'minimize' | 'maximize', pd1: boolean): OutputSpec {
  const finite = values.filter(Number.isFinite);
  if (pd1) {
    const floor = logFloorFor(finite);
    return { ...PD1_OUTPUT_SPEC, goal, ...(floor !== undefined ? { floor } : {}), tails: 'auto' };
  }
  if (goal === 'maximize' && finite.length > 0 && finite.every((v) => v >= 0 && v <= 1)) {
    return { goal: 'maximize', warp: 'log1m', normalization: 'standardize', tails: 'auto' };
  }
  return defaultOutputSpec(finite, goal);
}

/** outputSpecForValues over every value of a loaded data set. */
export function outputSpecFor(data: TaskData): OutputSpec {
  return outputSpecForValues(data.tasks.flatMap((t) => t.values), data.goal, data.pd1);
}

