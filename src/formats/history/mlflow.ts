// MLflow tracking stores: the SQLite store (`mlflow.db`: experiments, runs, params, metrics, latest_metrics) and the
// file store (`mlruns/<experiment id>/meta.yaml`, `mlruns/<experiment id>/<run id>/{meta.yaml, params/<key>,
// metrics/<key>}`). Every experiment is one task; only FINISHED runs that are not deleted count. A run's metric is
// its latest value (highest step, then latest timestamp), as MLflow shows it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ParamValue } from '../../engine';
import { openSqlite, rows, tableNames, type SqlDatabase } from './sqlite';
import { HistoryError, inferParam, type HistoryStudy, type HistoryTrial } from './types';

/** MLflow stores ±inf as ±Float64 max (SQL databases have no infinity). */
const metricValue = (v: number, isNan: boolean): number =>
  isNan ? Number.NaN : v >= Number.MAX_VALUE ? Infinity : v <= -Number.MAX_VALUE ? -Infinity : v;

/** Param values are strings in MLflow; numbers and booleans are read back as such. */
export function paramValue(text: string): ParamValue {
  const t = text.trim();
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  if (t === 'True' || t === 'true') return true;
  if (t === 'False' || t === 'false') return false;
  return text;
}

function study(name: string, format: HistoryStudy['format'], source: string, trials: HistoryTrial[], incomplete: number): HistoryStudy {
  const metrics = [...new Set(trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const observed = new Map<string, ParamValue[]>();
  for (const t of trials) for (const [k, v] of Object.entries(t.params)) (observed.get(k) ?? observed.set(k, []).get(k)!).push(v);
  const space = [...observed].flatMap(([k, vs]) => inferParam(k, vs) ?? []);
  return { name, format, source, metrics, directions: {}, space, trials, incomplete };
}

export function isMlflowDatabase(tables: Set<string>): boolean {
  return tables.has('experiments') && tables.has('runs') && tables.has('params') && tables.has('metrics');
}

export async function readMlflowDatabase(file: string, opened?: SqlDatabase): Promise<HistoryStudy[]> {
  const db = opened ?? (await openSqlite(file));
  try {
    const tables = tableNames(db);
    if (!isMlflowDatabase(tables)) throw new HistoryError(`${file} is not an MLflow tracking store (no experiments/runs/params/metrics tables).`);
    const experiments = rows(db, "SELECT experiment_id, name FROM experiments WHERE lifecycle_stage = 'active' ORDER BY experiment_id");
    const out: HistoryStudy[] = [];
    for (const e of experiments) {
      const runs = rows(db, 'SELECT run_uuid, status, lifecycle_stage FROM runs WHERE experiment_id = ?', [Number(e.experiment_id)]).filter(
        (r) => r.lifecycle_stage !== 'deleted',
      );
      const trials: HistoryTrial[] = [];
      let incomplete = 0;
      for (const r of runs) {
        if (r.status !== 'FINISHED') {
          incomplete++;
          continue;
        }
        const id = String(r.run_uuid);
        const params: Record<string, ParamValue> = {};
        for (const p of rows(db, 'SELECT key, value FROM params WHERE run_uuid = ?', [id])) params[String(p.key)] = paramValue(String(p.value ?? ''));
        const metrics: Record<string, number> = {};
        const latest = tables.has('latest_metrics')
          ? rows(db, 'SELECT key, value, is_nan FROM latest_metrics WHERE run_uuid = ?', [id])
          : rows(db, 'SELECT key, value, is_nan FROM metrics WHERE run_uuid = ? ORDER BY step, timestamp', [id]);
        for (const m of latest) metrics[String(m.key)] = metricValue(Number(m.value), Number(m.is_nan) === 1);
        trials.push({ params, metrics });
      }
      // An experiment without runs (MLflow's "Default") is no task.
      if (trials.length + incomplete > 0) out.push(study(String(e.name), 'mlflow-db', file, trials, incomplete));
    }
    return out;
  } finally {
    if (!opened) db.close();
  }
}

async function readYaml(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v = parseYaml(await fs.readFile(file, 'utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

/** Files under a folder, relative, with nested keys joined by '/' (MLflow keys may contain '/'). */
async function keyFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) out.push(...(await keyFiles(path.join(dir, e.name), `${prefix}${e.name}/`)));
    else if (e.isFile()) out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

// RunStatus in meta.yaml: RUNNING 1, SCHEDULED 2, FINISHED 3, FAILED 4, KILLED 5.
const FINISHED = 3;

/** Every active experiment of an `mlruns` folder. */
export async function readMlflowFolder(root: string): Promise<HistoryStudy[]> {
  const out: HistoryStudy[] = [];
  for (const expId of await listDirs(root)) {
    const expDir = path.join(root, expId);
    const meta = await readYaml(path.join(expDir, 'meta.yaml'));
    if (!meta || meta.lifecycle_stage === 'deleted' || meta.experiment_id === undefined) continue;
    const trials: HistoryTrial[] = [];
    let incomplete = 0;
    for (const runId of await listDirs(expDir)) {
      const runDir = path.join(expDir, runId);
      const runMeta = await readYaml(path.join(runDir, 'meta.yaml'));
      if (!runMeta || runMeta.lifecycle_stage === 'deleted') continue;
      if (Number(runMeta.status) !== FINISHED) {
        incomplete++;
        continue;
      }
      const params: Record<string, ParamValue> = {};
      for (const key of await keyFiles(path.join(runDir, 'params'))) params[key] = paramValue(await fs.readFile(path.join(runDir, 'params', key), 'utf8'));
      const metrics: Record<string, number> = {};
      for (const key of await keyFiles(path.join(runDir, 'metrics'))) {
        // Each line: timestamp value step.
        let best: { step: number; time: number; value: number } | undefined;
        for (const line of (await fs.readFile(path.join(runDir, 'metrics', key), 'utf8')).split('\n')) {
          const [time, value, step] = line.trim().split(/\s+/).map(Number);
          if (time === undefined || value === undefined || line.trim() === '') continue;
          const s = step ?? 0;
          if (!best || s > best.step || (s === best.step && time! >= best.time)) best = { step: s, time: time!, value: value! };
        }
        if (best) metrics[key] = metricValue(best.value, false);
      }
      trials.push({ params, metrics });
    }
    if (trials.length + incomplete > 0) out.push(study(String(meta.name ?? expId), 'mlflow-folder', root, trials, incomplete));
  }
  if (out.length === 0) throw new HistoryError(`${root} holds no MLflow run (no <experiment id>/<run id>/meta.yaml).`);
  return out;
}
