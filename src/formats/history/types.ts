// Tuning history written by other tools (Optuna, MLflow, Ray Tune, Lightning, Keras Tuner, plain CSV), read into one
// shape: a study per task, its completed trials' parameters and metrics, and the search space when the tool records
// one. mapStudy then places a study in an experiment's search space and says what did not fit.
import { SearchSpace, type Config, type ParamSpec, type ParamValue } from '../../engine';

export type HistoryFormat =
  | 'optuna-rdb'
  | 'optuna-journal'
  | 'mlflow-db'
  | 'mlflow-folder'
  | 'ray-tune'
  | 'lightning-csv'
  | 'keras-tuner'
  | 'csv';

export const HISTORY_FORMAT_LABEL: Record<HistoryFormat, string> = {
  'optuna-rdb': 'Optuna storage (SQLite)',
  'optuna-journal': 'Optuna journal',
  'mlflow-db': 'MLflow tracking store (SQLite)',
  'mlflow-folder': 'MLflow mlruns folder',
  'ray-tune': 'Ray Tune experiment',
  'lightning-csv': 'Lightning CSVLogger',
  'keras-tuner': 'Keras Tuner project',
  csv: 'CSV',
};

export interface HistoryTrial {
  params: Record<string, ParamValue>;
  /** The trial's final metric values by name (an Optuna objective is `value`, or `values_<i>` for several). */
  metrics: Record<string, number>;
}

export interface HistoryStudy {
  /** Task name: the study, experiment or project name. */
  name: string;
  format: HistoryFormat;
  /** The file or folder it was read from (absolute). */
  source: string;
  /** Metric names its trials carry, the tool's objective(s) first. */
  metrics: string[];
  /** The tool's optimisation direction per objective metric, when it records one. */
  directions: Record<string, 'minimize' | 'maximize'>;
  /** The search space as the tool recorded it (Optuna distributions, Keras Tuner hyperparameters), else inferred. */
  space: ParamSpec[];
  /** Completed trials. */
  trials: HistoryTrial[];
  /** Trials left out because they did not complete (pruned, failed, running, killed). */
  incomplete: number;
}

/**
 * A history file or folder cannot be read; the message says which and why. Named DataError: the CLI and the server
 * show it as they show any bad data a user gave (taskData's DataError), without a stack.
 */
export class HistoryError extends Error {
  override name = 'DataError';
}

/** The metric a study's trials are judged by for an experiment metric: the same name, else a tool's single objective. */
export function metricFor(study: Pick<HistoryStudy, 'metrics' | 'format'>, metric: string): string | undefined {
  if (study.metrics.includes(metric)) return metric;
  const optuna = study.format === 'optuna-rdb' || study.format === 'optuna-journal';
  if (study.metrics.length === 1 && (optuna || study.metrics[0] === 'value')) return study.metrics[0];
  // Loggers prefix metrics with their phase (val/loss, val_loss); accept one unambiguous match on the last segment.
  const tail = study.metrics.filter((m) => m.split(/[/.]/).pop() === metric);
  return tail.length === 1 ? tail[0] : undefined;
}

export interface StudyMapping {
  name: string;
  format: HistoryFormat;
  source: string;
  /** The study's metric used for the experiment's metric, or undefined when it has none. */
  metric?: string;
  /** The search-space parameters the study's trials set. */
  mapped: string[];
  /** Parameters the study varied that the search space does not have (their effect cannot be learned). */
  unmapped: string[];
  /** Search-space parameters the study never set (its trials cannot be placed). */
  missing: string[];
  /** Trials placed in the search space with a finite metric. */
  configs: Config[];
  values: number[];
  /** Completed trials left out: metric missing or not finite, or a value that does not fit the parameter. */
  skippedTrials: number;
  incomplete: number;
  /** Why no trial could be used, if none could. */
  unusable?: string;
}

/** A raw history value as the search-space parameter's type wants it, or undefined when it cannot be one. */
export function coerceValue(p: ParamSpec, value: ParamValue): ParamValue | undefined {
  if (p.type === 'categorical') {
    const found = p.choices.find((c) => c === value || String(c) === String(value));
    return found;
  }
  const v = typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : Number(String(value).trim() || Number.NaN);
  return Number.isFinite(v) ? v : undefined;
}

/** Places a study's completed trials in the experiment's search space; reports what does not map. */
export function mapStudy(study: HistoryStudy, space: SearchSpace, metric: string): StudyMapping {
  const names = space.names;
  const seen = new Set<string>(study.space.map((p) => p.name));
  for (const t of study.trials) for (const k of Object.keys(t.params)) seen.add(k);
  const mapped = names.filter((n) => seen.has(n));
  const missing = names.filter((n) => !seen.has(n));
  const used = metricFor(study, metric);
  const unmapped = [...seen].filter((n) => !names.includes(n) && n !== used).sort();
  const base = { name: study.name, format: study.format, source: study.source, mapped, unmapped, missing, incomplete: study.incomplete };
  const configs: Config[] = [];
  const values: number[] = [];
  let skippedTrials = 0;
  if (used !== undefined && missing.length === 0) {
    for (const t of study.trials) {
      const value = t.metrics[used];
      const config: Record<string, ParamValue> = {};
      let ok = value !== undefined && Number.isFinite(value);
      for (const p of space.params) {
        if (!ok) break;
        const raw = t.params[p.name];
        const v = raw === undefined ? undefined : coerceValue(p, raw);
        if (v === undefined) ok = false;
        else config[p.name] = v;
      }
      if (ok) {
        try {
          space.toUnit(config);
        } catch {
          ok = false;
        }
      }
      if (!ok) {
        skippedTrials++;
        continue;
      }
      configs.push(config);
      values.push(value!);
    }
  } else skippedTrials = study.trials.length;
  let unusable: string | undefined;
  if (used === undefined) {
    unusable = `no metric "${metric}"${study.metrics.length ? ` (it has ${study.metrics.slice(0, 8).join(', ')}${study.metrics.length > 8 ? ', …' : ''})` : ''}`;
  } else if (missing.length > 0) {
    unusable = `never sets ${missing.join(', ')} of the search space`;
  } else if (configs.length === 0) {
    unusable = study.trials.length === 0 ? 'no completed trial' : 'no completed trial fits the search space with a finite metric';
  }
  return { ...base, ...(used !== undefined ? { metric: used } : {}), configs, values, skippedTrials, ...(unusable ? { unusable } : {}) };
}

/**
 * One search space for several studies (for `hyperbo pretrain --data`, which has no experiment file): parameters
 * every study sets, bounds widened to cover all of them. Recorded distributions are used where the tool keeps them,
 * otherwise the values seen (numbers spanning ≥ 20× on a positive range get a log scale).
 */
export function commonSpace(studies: readonly HistoryStudy[]): { space: ParamSpec[]; dropped: string[] } {
  const perStudy = studies.map((s) => {
    const byName = new Map<string, ParamSpec>(s.space.map((p) => [p.name, p]));
    const observed = new Map<string, ParamValue[]>();
    for (const t of s.trials) for (const [k, v] of Object.entries(t.params)) (observed.get(k) ?? observed.set(k, []).get(k)!).push(v);
    for (const [k, vs] of observed) if (!byName.has(k)) {
      const inferred = inferParam(k, vs);
      if (inferred) byName.set(k, inferred);
    }
    return byName;
  });
  const all = new Set(perStudy.flatMap((m) => [...m.keys()]));
  const common = [...all].filter((n) => perStudy.every((m) => m.has(n))).sort();
  const dropped = [...all].filter((n) => !common.includes(n)).sort();
  const space: ParamSpec[] = common.map((name) => perStudy.map((m) => m.get(name)!).reduce(mergeParam));
  return { space, dropped };
}

function mergeParam(a: ParamSpec, b: ParamSpec): ParamSpec {
  if (a.type === 'categorical' || b.type === 'categorical') {
    const choices: ParamValue[] = [];
    const add = (cs: readonly ParamValue[]) => cs.forEach((c) => choices.some((d) => d === c) || choices.push(c));
    add(a.type === 'categorical' ? a.choices : [a.low, a.high]);
    add(b.type === 'categorical' ? b.choices : [b.low, b.high]);
    return { name: a.name, type: 'categorical', choices };
  }
  const type = a.type === 'int' && b.type === 'int' ? 'int' : 'float';
  const scale = a.scale === 'log' && b.scale === 'log' ? 'log' : 'linear';
  return { name: a.name, type, low: Math.min(a.low, b.low), high: Math.max(a.high, b.high), scale };
}

/** A parameter spec from observed values; undefined for a parameter that never varied (nothing to learn from it). */
export function inferParam(name: string, values: readonly ParamValue[]): ParamSpec | undefined {
  const numbers = values.map((v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN));
  if (numbers.every(Number.isFinite)) {
    let low = Infinity;
    let high = -Infinity;
    for (const v of numbers) {
      if (v < low) low = v;
      if (v > high) high = v;
    }
    if (!(high > low)) return undefined;
    const scale = low > 0 && high / low >= 20 ? 'log' : 'linear';
    return numbers.every(Number.isInteger) ? { name, type: 'int', low, high, scale } : { name, type: 'float', low, high, scale };
  }
  const choices: ParamValue[] = [];
  for (const v of values) if (!choices.includes(v)) choices.push(v);
  return choices.length >= 2 ? { name, type: 'categorical', choices } : undefined;
}
