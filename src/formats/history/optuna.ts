// Optuna storages: the RDB storage as SQLite (`sqlite:///study.db`) and the JournalStorage file (JSON Lines of
// operations). Every study in a storage is one task. Only COMPLETE trials count; a categorical parameter is stored as
// the index of its choice in the distribution (distribution_json), and an infinite objective as a value type
// (INF_POS / INF_NEG) with a NULL value.
import { readFile } from 'node:fs/promises';
import type { ParamSpec, ParamValue } from '../../engine';
import { columnNames, openSqlite, rows, tableNames, type SqlDatabase } from './sqlite';
import { HistoryError, type HistoryStudy } from './types';

interface Distribution {
  name: string;
  attributes: Record<string, unknown>;
}

function parseDistribution(json: unknown): Distribution | undefined {
  try {
    const d = (typeof json === 'string' ? JSON.parse(json) : json) as Distribution;
    return d && typeof d.name === 'string' && d.attributes && typeof d.attributes === 'object' ? d : undefined;
  } catch {
    return undefined;
  }
}

/** A parameter's value as the user saw it: the choice for a categorical index, an integer for int distributions. */
export function externalValue(d: Distribution, internal: number): ParamValue | undefined {
  if (d.name === 'CategoricalDistribution') {
    const choices = d.attributes.choices as ParamValue[] | undefined;
    const c = Array.isArray(choices) ? choices[internal] : undefined;
    return c === null ? 'None' : c;
  }
  if (!Number.isFinite(internal)) return undefined;
  return /^Int/.test(d.name) ? Math.round(internal) : internal;
}

/** The distribution as a search-space parameter (old names such as LogUniformDistribution included). */
export function distributionSpec(name: string, d: Distribution): ParamSpec | undefined {
  const a = d.attributes;
  if (d.name === 'CategoricalDistribution') {
    const choices = (a.choices as ParamValue[] | undefined)?.map((c) => (c === null ? 'None' : c));
    return choices && choices.length > 0 ? { name, type: 'categorical', choices } : undefined;
  }
  const low = Number(a.low);
  const high = Number(a.high);
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(high > low)) return undefined;
  const log = a.log === true || /Log/.test(d.name);
  const scale = log && low > 0 ? 'log' : 'linear';
  return /^Int/.test(d.name) ? { name, type: 'int', low, high, scale } : { name, type: 'float', low, high, scale };
}

const objectiveName = (i: number, count: number, names?: unknown): string =>
  Array.isArray(names) && typeof names[i] === 'string' ? (names[i] as string) : count === 1 ? 'value' : `values_${i}`;

interface Building {
  name: string;
  directions: ('minimize' | 'maximize')[];
  metricNames?: unknown;
  space: Map<string, ParamSpec>;
  trials: Map<number, { state: string; params: Record<string, ParamValue>; values: (number | null)[] }>;
}

function finish(b: Building, source: string, format: HistoryStudy['format']): HistoryStudy {
  const count = Math.max(1, b.directions.length);
  const metrics = Array.from({ length: count }, (_, i) => objectiveName(i, count, b.metricNames));
  const directions: HistoryStudy['directions'] = {};
  b.directions.forEach((d, i) => (directions[metrics[i]!] = d));
  let incomplete = 0;
  const trials: HistoryStudy['trials'] = [];
  for (const t of b.trials.values()) {
    if (t.state !== 'COMPLETE') {
      incomplete++;
      continue;
    }
    const m: Record<string, number> = {};
    t.values.forEach((v, i) => {
      if (v !== null && i < metrics.length) m[metrics[i]!] = v;
    });
    trials.push({ params: t.params, metrics: m });
  }
  return { name: b.name, format, source, metrics, directions, space: [...b.space.values()], trials, incomplete };
}

const direction = (d: unknown): 'minimize' | 'maximize' | undefined => {
  const s = String(d).toUpperCase();
  return s === 'MINIMIZE' || s === '1' ? 'minimize' : s === 'MAXIMIZE' || s === '2' ? 'maximize' : undefined;
};

/** Whether an SQLite database is an Optuna RDB storage. */
export function isOptunaDatabase(tables: Set<string>): boolean {
  return tables.has('studies') && tables.has('trials') && tables.has('trial_params');
}

/** Every study of an Optuna RDB storage. */
export async function readOptunaDatabase(file: string, opened?: SqlDatabase): Promise<HistoryStudy[]> {
  const db = opened ?? (await openSqlite(file));
  try {
    const tables = tableNames(db);
    if (!isOptunaDatabase(tables)) throw new HistoryError(`${file} is not an Optuna storage (it has no studies/trials/trial_params tables).`);
    const studies = new Map<number, Building>();
    for (const r of rows(db, 'SELECT study_id, study_name FROM studies ORDER BY study_id')) {
      studies.set(Number(r.study_id), { name: String(r.study_name), directions: [], space: new Map(), trials: new Map() });
    }
    if (tables.has('study_directions')) {
      for (const r of rows(db, 'SELECT study_id, objective, direction FROM study_directions ORDER BY study_id, objective')) {
        const d = direction(r.direction);
        const s = studies.get(Number(r.study_id));
        if (s && d) s.directions[Number(r.objective)] = d;
      }
    } else if (columnNames(db, 'studies').has('direction')) {
      // Optuna < 2.4 kept one direction on the study.
      for (const r of rows(db, 'SELECT study_id, direction FROM studies')) {
        const d = direction(r.direction);
        const s = studies.get(Number(r.study_id));
        if (s && d) s.directions = [d];
      }
    }
    if (tables.has('study_system_attributes')) {
      for (const r of rows(db, "SELECT study_id, value_json FROM study_system_attributes WHERE key = 'study:metric_names'")) {
        const s = studies.get(Number(r.study_id));
        try {
          if (s) s.metricNames = JSON.parse(String(r.value_json));
        } catch {
          // An unreadable attribute leaves the default names.
        }
      }
    }
    const trialStudy = new Map<number, Building['trials'] extends Map<number, infer T> ? T : never>();
    const trialColumns = columnNames(db, 'trials');
    const legacyValue = trialColumns.has('value');
    for (const r of rows(db, `SELECT trial_id, study_id, state${legacyValue ? ', value' : ''} FROM trials ORDER BY trial_id`)) {
      const s = studies.get(Number(r.study_id));
      if (!s) continue;
      const t = { state: String(r.state).toUpperCase(), params: {}, values: legacyValue && r.value !== null ? [Number(r.value)] : [] };
      s.trials.set(Number(r.trial_id), t);
      trialStudy.set(Number(r.trial_id), t);
    }
    const studyOfTrial = new Map<number, Building>();
    for (const s of studies.values()) for (const id of s.trials.keys()) studyOfTrial.set(id, s);
    for (const r of rows(db, 'SELECT trial_id, param_name, param_value, distribution_json FROM trial_params')) {
      const id = Number(r.trial_id);
      const t = trialStudy.get(id);
      const d = parseDistribution(r.distribution_json);
      if (!t || !d) continue;
      const name = String(r.param_name);
      const v = externalValue(d, Number(r.param_value));
      if (v !== undefined) t.params[name] = v;
      const spec = distributionSpec(name, d);
      if (spec) studyOfTrial.get(id)!.space.set(name, spec);
    }
    if (tables.has('trial_values')) {
      const typed = columnNames(db, 'trial_values').has('value_type');
      for (const r of rows(db, `SELECT trial_id, objective, value${typed ? ', value_type' : ''} FROM trial_values`)) {
        const t = trialStudy.get(Number(r.trial_id));
        if (!t) continue;
        const type = typed ? String(r.value_type) : 'FINITE';
        const v = type === 'INF_POS' ? Infinity : type === 'INF_NEG' ? -Infinity : r.value === null ? null : Number(r.value);
        t.values[Number(r.objective)] = v;
      }
    }
    return [...studies.values()].map((b) => finish(b, file, 'optuna-rdb'));
  } finally {
    if (!opened) db.close();
  }
}

// JournalOperation codes (optuna/storages/_journal/storage.py).
const OP = { CREATE_STUDY: 0, DELETE_STUDY: 1, SET_STUDY_SYSTEM_ATTR: 3, CREATE_TRIAL: 4, SET_TRIAL_PARAM: 5, SET_TRIAL_STATE_VALUES: 6 } as const;
// TrialState values.
const STATE = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];

// Python's json.dumps writes NaN, Infinity and -Infinity; map them outside strings before JSON.parse.
const NON_FINITE = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
const NON_FINITE_TOKEN: Record<string, string> = { NaN: '"\\u0000nan"', Infinity: '"\\u0000inf"', '-Infinity': '"\\u0000-inf"' };
function parseLine(line: string): Record<string, unknown> | undefined {
  const text = line.includes('NaN') || line.includes('Infinity') ? line.replace(NON_FINITE, (t) => NON_FINITE_TOKEN[t] ?? t) : line;
  try {
    const v = JSON.parse(text, (_k, value) =>
      value === '\u0000nan' ? Number.NaN : value === '\u0000inf' ? Infinity : value === '\u0000-inf' ? -Infinity : value,
    ) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a text's first line is an Optuna journal operation. */
export function looksLikeOptunaJournal(firstLine: string): boolean {
  const op = parseLine(firstLine.trim());
  return !!op && typeof op.op_code === 'number' && 'worker_id' in op;
}

/**
 * Every study of an Optuna journal file, replayed as Optuna replays it: study and trial ids are handed out in order
 * of creation (a second study of the same name is ignored), and a cut-off last line (a writer still appending) is
 * left out.
 */
export async function readOptunaJournal(file: string): Promise<HistoryStudy[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HistoryError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  const lines = text.split('\n');
  const studies = new Map<number, Building>();
  const trialStudy = new Map<number, Building>();
  let nextStudy = 0;
  let nextTrial = 0;
  let ops = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const op = parseLine(line);
    if (!op || typeof op.op_code !== 'number') {
      if (i >= lines.length - 2) continue; // the last line, still being written
      throw new HistoryError(`${file}:${i + 1}: not an Optuna journal operation.`);
    }
    ops++;
    switch (op.op_code) {
      case OP.CREATE_STUDY: {
        const name = String(op.study_name);
        if ([...studies.values()].some((s) => s.name === name)) break;
        const dirs = Array.isArray(op.directions) ? op.directions.map(direction).filter((d) => d !== undefined) : [];
        studies.set(nextStudy++, { name, directions: dirs, space: new Map(), trials: new Map() });
        break;
      }
      case OP.DELETE_STUDY:
        studies.delete(Number(op.study_id));
        break;
      case OP.SET_STUDY_SYSTEM_ATTR: {
        const s = studies.get(Number(op.study_id));
        const attr = op.system_attr as Record<string, unknown> | undefined;
        if (s && attr && 'study:metric_names' in attr) s.metricNames = attr['study:metric_names'];
        break;
      }
      case OP.CREATE_TRIAL: {
        const s = studies.get(Number(op.study_id));
        if (!s) break;
        const id = nextTrial++;
        const params: Record<string, ParamValue> = {};
        const dists = (op.distributions ?? {}) as Record<string, unknown>;
        for (const [name, internal] of Object.entries((op.params ?? {}) as Record<string, number>)) {
          const d = parseDistribution(dists[name]);
          if (!d) continue;
          const v = externalValue(d, internal);
          if (v !== undefined) params[name] = v;
          const spec = distributionSpec(name, d);
          if (spec) s.space.set(name, spec);
        }
        const values = Array.isArray(op.values) ? (op.values as (number | null)[]) : typeof op.value === 'number' ? [op.value] : [];
        s.trials.set(id, { state: STATE[Number(op.state ?? 0)] ?? 'RUNNING', params, values });
        trialStudy.set(id, s);
        break;
      }
      case OP.SET_TRIAL_PARAM: {
        const s = trialStudy.get(Number(op.trial_id));
        const t = s?.trials.get(Number(op.trial_id));
        const d = parseDistribution(op.distribution);
        if (!s || !t || !d || t.state !== 'RUNNING') break;
        const name = String(op.param_name);
        const v = externalValue(d, Number(op.param_value_internal));
        if (v !== undefined) t.params[name] = v;
        const spec = distributionSpec(name, d);
        if (spec) s.space.set(name, spec);
        break;
      }
      case OP.SET_TRIAL_STATE_VALUES: {
        const t = trialStudy.get(Number(op.trial_id))?.trials.get(Number(op.trial_id));
        if (!t || (t.state !== 'RUNNING' && t.state !== 'WAITING')) break;
        t.state = STATE[Number(op.state)] ?? t.state;
        if (Array.isArray(op.values)) t.values = op.values as (number | null)[];
        break;
      }
      default:
        break;
    }
  }
  if (ops === 0) throw new HistoryError(`${file} holds no Optuna journal operation.`);
  return [...studies.values()].map((b) => finish(b, file, 'optuna-journal'));
}
