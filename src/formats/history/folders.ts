// Tools that write one folder per trial:
// - Ray Tune: <experiment>/<trial>/params.json (the trial's config) and result.json (one JSON object per reported
//   result); a trial that raised has error.txt. The metric is the last reported value (Ray's default scope "last").
// - PyTorch Lightning CSVLogger: <save_dir>/<name>/version_<n>/hparams.yaml and metrics.csv (one row per log call,
//   empty cells for metrics not logged then). The metric is the last value written in its column.
// - Keras Tuner: <directory>/<project>/trial_<id>/trial.json (hyperparameters with their space, metrics with their
//   direction and observations, status). The metric is its best observation, as Keras Tuner scores trials.
// Nested configurations are flattened with '/' (Ray's `config/model/lr` columns, Lightning's nested hparams).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ParamSpec, ParamValue } from '../../engine';
import { parseJsonLogLine, parseNumber, splitCsvLine } from '../logs';
import { HistoryError, inferParam, type HistoryStudy, type HistoryTrial } from './types';

export function flattenParams(value: unknown, prefix = '', out: Record<string, ParamValue> = {}, depth = 0): Record<string, ParamValue> {
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    if (prefix) out[prefix] = value;
  } else if (value && typeof value === 'object' && !Array.isArray(value) && depth < 8) {
    for (const [k, v] of Object.entries(value)) flattenParams(v, prefix ? `${prefix}/${k}` : k, out, depth + 1);
  }
  return out;
}

function withInferredSpace(s: Omit<HistoryStudy, 'space' | 'metrics'> & { space?: ParamSpec[] }): HistoryStudy {
  const metrics = [...new Set(s.trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const known = new Set((s.space ?? []).map((p) => p.name));
  const observed = new Map<string, ParamValue[]>();
  for (const t of s.trials) for (const [k, v] of Object.entries(t.params)) if (!known.has(k)) (observed.get(k) ?? observed.set(k, []).get(k)!).push(v);
  const inferred = [...observed].flatMap(([k, vs]) => inferParam(k, vs) ?? []);
  return { ...s, metrics, space: [...(s.space ?? []), ...inferred] };
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => path.join(dir, d.name)).sort();
  } catch (error) {
    throw new HistoryError(`Cannot read the folder ${dir}: ${(error as Error).message}`);
  }
}

const exists = (f: string) => fs.access(f).then(() => true, () => false);

/** Ray Tune: every trial folder of an experiment folder. */
export async function readRayExperiment(dir: string): Promise<HistoryStudy> {
  const trials: HistoryTrial[] = [];
  let incomplete = 0;
  for (const trialDir of await subdirs(dir)) {
    if (!(await exists(path.join(trialDir, 'params.json')))) continue;
    let config: unknown;
    try {
      config = JSON.parse(await fs.readFile(path.join(trialDir, 'params.json'), 'utf8'));
    } catch {
      incomplete++;
      continue;
    }
    const text = await fs.readFile(path.join(trialDir, 'result.json'), 'utf8').catch(() => '');
    const metrics: Record<string, number> = {};
    for (const line of text.split('\n')) {
      const record = parseJsonLogLine(line);
      if (!record) continue;
      for (const [k, v] of Object.entries(record.metrics)) if (!k.startsWith('config/')) metrics[k] = v;
    }
    if ((await exists(path.join(trialDir, 'error.txt'))) || Object.keys(metrics).length === 0) {
      incomplete++;
      continue;
    }
    trials.push({ params: flattenParams(config), metrics });
  }
  return withInferredSpace({ name: path.basename(dir), format: 'ray-tune', source: dir, directions: {}, trials, incomplete });
}

/** The last non-empty value of each column of a Lightning metrics.csv. */
export function lastValues(csv: string): Record<string, number> {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return {};
  const header = splitCsvLine(lines[0]!, ',');
  const out: Record<string, number> = {};
  for (const line of lines.slice(1)) {
    splitCsvLine(line, ',').forEach((cell, i) => {
      const n = cell === '' ? undefined : parseNumber(cell);
      if (n !== undefined && header[i] !== undefined) out[header[i]!] = n;
    });
  }
  return out;
}

/** Lightning CSVLogger: every version_<n> folder of a logger folder. */
export async function readLightningLogs(dir: string): Promise<HistoryStudy> {
  const trials: HistoryTrial[] = [];
  let incomplete = 0;
  for (const versionDir of await subdirs(dir)) {
    const csv = await fs.readFile(path.join(versionDir, 'metrics.csv'), 'utf8').catch(() => undefined);
    if (csv === undefined) continue;
    let hparams: unknown = {};
    const yamlText = await fs.readFile(path.join(versionDir, 'hparams.yaml'), 'utf8').catch(() => '');
    try {
      hparams = parseYaml(yamlText) ?? {};
    } catch {
      hparams = {};
    }
    const metrics = lastValues(csv);
    for (const k of ['epoch', 'step']) delete metrics[k];
    if (Object.keys(metrics).length === 0) {
      incomplete++;
      continue;
    }
    trials.push({ params: flattenParams(hparams), metrics });
  }
  return withInferredSpace({ name: path.basename(dir), format: 'lightning-csv', source: dir, directions: {}, trials, incomplete });
}

interface KerasHp {
  class_name: string;
  config: Record<string, unknown>;
}

function kerasSpec(hp: KerasHp): ParamSpec | undefined {
  const c = hp.config;
  const name = String(c.name);
  if (hp.class_name === 'Choice' && Array.isArray(c.values)) return { name, type: 'categorical', choices: c.values as ParamValue[] };
  if (hp.class_name === 'Boolean') return { name, type: 'categorical', choices: [false, true] };
  if (hp.class_name === 'Int' || hp.class_name === 'Float') {
    const low = Number(c.min_value);
    const high = Number(c.max_value);
    if (!(high > low)) return undefined;
    const scale = c.sampling === 'log' && low > 0 ? 'log' : 'linear';
    return { name, type: hp.class_name === 'Int' ? 'int' : 'float', low, high, scale };
  }
  return undefined; // Fixed: nothing varies.
}

/** Keras Tuner: every trial_<id>/trial.json of a project folder. */
export async function readKerasTunerProject(dir: string): Promise<HistoryStudy> {
  const trials: HistoryTrial[] = [];
  const space = new Map<string, ParamSpec>();
  const directions: HistoryStudy['directions'] = {};
  let incomplete = 0;
  for (const trialDir of await subdirs(dir)) {
    const text = await fs.readFile(path.join(trialDir, 'trial.json'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let trial: {
      status?: string;
      score?: number | null;
      hyperparameters?: { space?: KerasHp[]; values?: Record<string, ParamValue> };
      metrics?: { metrics?: Record<string, { direction?: string; observations?: { value: number[] | number; step?: number }[] }> };
    };
    try {
      trial = JSON.parse(text);
    } catch {
      incomplete++;
      continue;
    }
    const complete = trial.status === undefined ? trial.score !== null && trial.score !== undefined : trial.status === 'COMPLETED';
    if (!complete) {
      incomplete++;
      continue;
    }
    for (const hp of trial.hyperparameters?.space ?? []) {
      const spec = kerasSpec(hp);
      if (spec) space.set(spec.name, spec);
    }
    const metrics: Record<string, number> = {};
    for (const [name, m] of Object.entries(trial.metrics?.metrics ?? {})) {
      const dir = m.direction === 'max' ? 'maximize' : 'minimize';
      directions[name] = dir;
      const values = (m.observations ?? []).flatMap((o) => (Array.isArray(o.value) ? o.value : [o.value])).filter((v) => typeof v === 'number');
      if (values.length === 0) continue;
      metrics[name] = values.reduce((a, b) => (dir === 'maximize' ? Math.max(a, b) : Math.min(a, b)));
    }
    trials.push({ params: { ...(trial.hyperparameters?.values ?? {}) }, metrics });
  }
  return withInferredSpace({ name: path.basename(dir), format: 'keras-tuner', source: dir, directions, trials, incomplete, space: [...space.values()] });
}
