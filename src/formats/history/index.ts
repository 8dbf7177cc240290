// Tuning history from other tools: which of a list of files (prior.from's matches, `hyperbo pretrain --data`) belong
// to which source, and reading each source into studies (one task each).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readCsvHistory } from './csv';
import { readKerasTunerProject, readLightningLogs, readRayExperiment } from './folders';
import { isMlflowDatabase, readMlflowDatabase, readMlflowFolder } from './mlflow';
import { isOptunaDatabase, looksLikeOptunaJournal, readOptunaDatabase, readOptunaJournal } from './optuna';
import { isSqliteHeader, openSqlite, tableNames } from './sqlite';
import { HistoryError, type HistoryFormat, type HistoryStudy } from './types';

export * from './types';
export { sqlWasmPath } from './sqlite';

export interface HistorySource {
  format: HistoryFormat;
  /** The database or journal file, or the folder (mlruns root, Ray experiment, Lightning logger, Keras Tuner project). */
  path: string;
  /** The files it is read from, among those given (what a cache key hashes). */
  files: string[];
}

const SQLITE_NAME = /\.(db|sqlite|sqlite3)$/i;
const JOURNAL_NAME = /\.(log|jsonl|journal)$/i;

async function head(file: string, bytes: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const exists = (f: string) => fs.access(f).then(() => true, () => false);

/** The SQLite storage kind of a file, if it is one HyperBO reads. */
async function sqliteKind(file: string): Promise<HistoryFormat | undefined> {
  const start = await head(file, 16).catch(() => undefined);
  if (!start || !isSqliteHeader(start)) return undefined;
  // An SQLite file that cannot be opened (or a missing sql-wasm.wasm) is an error to show, not another kind of file.
  const db = await openSqlite(file);
  try {
    const tables = tableNames(db);
    return isOptunaDatabase(tables) ? 'optuna-rdb' : isMlflowDatabase(tables) ? 'mlflow-db' : undefined;
  } finally {
    db.close();
  }
}

/**
 * Splits files into history sources and the rest. A file inside a Ray Tune trial folder (params.json + result.json),
 * a Lightning version folder (hparams.yaml + metrics.csv), a Keras Tuner trial folder (trial.json) or an `mlruns`
 * tree belongs to that folder's source; SQLite files are Optuna or MLflow storages by their tables; .log/.jsonl
 * files whose first line is an Optuna journal operation are journals; other .csv files are plain CSV.
 */
export async function findHistorySources(files: readonly string[]): Promise<{ sources: HistorySource[]; rest: string[] }> {
  const sources = new Map<string, HistorySource>();
  const rest: string[] = [];
  const folderKind = new Map<string, { format: HistoryFormat; root: string; keep: Set<string> } | null>();
  const add = (format: HistoryFormat, root: string, file: string | undefined) => {
    const key = `${format}\u0000${root}`;
    let s = sources.get(key);
    if (!s) sources.set(key, (s = { format, path: root, files: [] }));
    if (file) s.files.push(file);
  };
  const trialFolder = async (dir: string) => {
    if (folderKind.has(dir)) return folderKind.get(dir)!;
    let kind: { format: HistoryFormat; root: string; keep: Set<string> } | null = null;
    if ((await exists(path.join(dir, 'params.json'))) && (await exists(path.join(dir, 'result.json')))) {
      kind = { format: 'ray-tune', root: path.dirname(dir), keep: new Set(['params.json', 'result.json', 'error.txt']) };
    } else if ((await exists(path.join(dir, 'hparams.yaml'))) && (await exists(path.join(dir, 'metrics.csv')))) {
      kind = { format: 'lightning-csv', root: path.dirname(dir), keep: new Set(['hparams.yaml', 'metrics.csv']) };
    } else if (/^trial_/.test(path.basename(dir)) && (await exists(path.join(dir, 'trial.json')))) {
      kind = { format: 'keras-tuner', root: path.dirname(dir), keep: new Set(['trial.json']) };
    }
    folderKind.set(dir, kind);
    return kind;
  };
  for (const file of files) {
    const parts = file.split(path.sep);
    const mlruns = parts.lastIndexOf('mlruns', parts.length - 2);
    if (mlruns >= 0) {
      const inside = parts.slice(mlruns + 1);
      const relevant = inside.at(-1) === 'meta.yaml' || inside[2] === 'params' || inside[2] === 'metrics';
      add('mlflow-folder', parts.slice(0, mlruns + 1).join(path.sep), relevant ? file : undefined);
      continue;
    }
    const folder = await trialFolder(path.dirname(file));
    if (folder) {
      add(folder.format, folder.root, folder.keep.has(path.basename(file)) ? file : undefined);
      continue;
    }
    if (path.basename(file) === 'oracle.json' && (await fs.readdir(path.dirname(file)).catch(() => [])).some((n) => n.startsWith('trial_'))) {
      add('keras-tuner', path.dirname(file), file);
      continue;
    }
    if (SQLITE_NAME.test(file)) {
      const kind = await sqliteKind(file);
      if (kind) {
        add(kind, file, file);
        continue;
      }
    }
    if (JOURNAL_NAME.test(file)) {
      const firstLine = (await head(file, 4096).catch(() => Buffer.alloc(0))).toString('utf8').split('\n')[0] ?? '';
      if (looksLikeOptunaJournal(firstLine)) {
        add('optuna-journal', file, file);
        continue;
      }
    }
    if (/\.(csv|tsv)$/i.test(file)) {
      add('csv', file, file);
      continue;
    }
    rest.push(file);
  }
  for (const s of sources.values()) s.files.sort();
  // Other files under a folder source (Ray's experiment_state-*.json, checkpoints) belong to it, not to the rest.
  const folders = [...sources.values()].filter((s) => !s.files.includes(s.path)).map((s) => s.path + path.sep);
  const outside = rest.filter((f) => !folders.some((root) => f.startsWith(root)));
  return { sources: [...sources.values()].sort((a, b) => a.path.localeCompare(b.path)), rest: outside };
}

/** Reads one source's studies. */
export async function readHistorySource(source: Pick<HistorySource, 'format' | 'path'>): Promise<HistoryStudy[]> {
  switch (source.format) {
    case 'optuna-rdb':
      return readOptunaDatabase(source.path);
    case 'optuna-journal':
      return readOptunaJournal(source.path);
    case 'mlflow-db':
      return readMlflowDatabase(source.path);
    case 'mlflow-folder':
      return readMlflowFolder(source.path);
    case 'ray-tune':
      return [await readRayExperiment(source.path)];
    case 'lightning-csv':
      return [await readLightningLogs(source.path)];
    case 'keras-tuner':
      return [await readKerasTunerProject(source.path)];
    case 'csv':
      return readCsvHistory(source.path);
    default:
      throw new HistoryError(`Unknown history format ${String(source.format)}.`);
  }
}

/** Reads every source; task names are made unique (a study name seen twice gets its source appended). */
export async function readHistory(sources: readonly Pick<HistorySource, 'format' | 'path'>[]): Promise<HistoryStudy[]> {
  const studies: HistoryStudy[] = [];
  for (const s of sources) studies.push(...(await readHistorySource(s)));
  const count = new Map<string, number>();
  for (const s of studies) count.set(s.name, (count.get(s.name) ?? 0) + 1);
  return studies.map((s) => (count.get(s.name)! > 1 ? { ...s, name: `${s.name} (${path.basename(s.source)})` } : s));
}
