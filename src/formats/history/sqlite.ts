// SQLite files (Optuna and MLflow storages) read with sql.js, SQLite compiled to WebAssembly: nothing native has to
// match the Node or Electron that runs the server, the worker or the CLI. The .wasm file is found next to the bundle
// (dist/sql-wasm.wasm, copied there by esbuild.mjs and shipped in the vsix) or in node_modules when run from source.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { HistoryError } from './types';

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
export type SqlDatabase = InstanceType<SqlJs['Database']>;
export type SqlRow = Record<string, number | string | Uint8Array | null>;

let engine: Promise<SqlJs> | undefined;

/** Where sql-wasm.wasm is: beside the bundle, else sql.js's own copy. */
export function sqlWasmPath(): string {
  const candidates = [path.join(__dirname, 'sql-wasm.wasm')];
  try {
    candidates.push(require.resolve('sql.js/dist/sql-wasm.wasm'));
  } catch {
    // Bundled: node_modules is not there.
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new HistoryError(`Cannot find sql-wasm.wasm (looked in ${candidates.join(', ')}); the installation is incomplete.`);
  return found;
}

function sqlJs(): Promise<SqlJs> {
  if (!engine) {
    const wasm = readFileSync(sqlWasmPath());
    engine = initSqlJs({ wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer });
    engine.catch(() => (engine = undefined));
  }
  return engine;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** Whether the bytes start like an SQLite database. */
export function isSqliteHeader(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, 16)).toString('latin1') === SQLITE_MAGIC;
}

/** Opens a copy of the file in memory (the file itself is never written). */
export async function openSqlite(file: string): Promise<SqlDatabase> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new HistoryError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  if (!isSqliteHeader(bytes)) throw new HistoryError(`${file} is not an SQLite database.`);
  const SQL = await sqlJs();
  try {
    return new SQL.Database(bytes);
  } catch (error) {
    throw new HistoryError(`Cannot open ${file} as SQLite: ${(error as Error).message}`);
  }
}

/** Rows of a query as objects keyed by column name. */
export function rows(db: SqlDatabase, sql: string, params: (string | number)[] = []): SqlRow[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const out: SqlRow[] = [];
    while (stmt.step()) out.push(stmt.getAsObject() as SqlRow);
    return out;
  } finally {
    stmt.free();
  }
}

export function tableNames(db: SqlDatabase): Set<string> {
  return new Set(rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r.name)));
}

export function columnNames(db: SqlDatabase, table: string): Set<string> {
  return new Set(rows(db, `PRAGMA table_info("${table.replace(/"/g, '""')}")`).map((r) => String(r.name)));
}
