// Runs the real `hyperbo` CLI (src/cli/main.ts through tsx) as a child process, and builds small PD1-style data
// files from the bundled data/pd1-mini rows.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseExperiment, type Trial } from '../../../src/formats/experiment';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');
// Resolved from the repository, so the CLI can run with a temporary directory as its working directory.
const TSX = pathToFileURL(require.resolve('tsx')).href;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const cliArgv = (args: readonly string[]) => ['--import', TSX, MAIN, ...args];

/** `hyperbo ARGS...` run in `cwd`. */
export function runCli(args: readonly string[], cwd: string, timeoutMs = 60_000): CliResult {
  const r = spawnSync(process.execPath, cliArgv(args), { cwd, encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI without waiting; `done` resolves when it exits. */
export function startCli(args: readonly string[], cwd: string) {
  const child = spawn(process.execPath, cliArgv(args), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  return { child, done };
}

export interface ExperimentFolder {
  dir: string;
  file: string;
  /** The experiment file's text now. */
  read: () => string;
  /** Its trials now (the file must parse). */
  trials: () => Trial[];
}

/** A new folder `dir` with objective.mjs (`objectiveScript`) and quadratic.hyperbo.yaml (`text`) for `hyperbo tune`. */
export function experimentFolder(dir: string, objectiveScript: string, text: string): ExperimentFolder {
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'objective.mjs'), objectiveScript);
  const file = path.join(dir, 'quadratic.hyperbo.yaml');
  writeFileSync(file, text);
  const read = () => readFileSync(file, 'utf8');
  const trials = () => {
    const parsed = parseExperiment(read(), { fileName: file });
    assert.ok(parsed.ok, JSON.stringify(parsed.diagnostics));
    return parsed.experiment!.trials;
  };
  return { dir, file, read, trials };
}

export type Pd1Row = Record<string, unknown>;
export const METRIC = 'best_valid/error_rate';
export const taskOf = (row: Pd1Row): string => `${String(row.dataset)}/${String(row.model)}/${String(row['hps.batch_size'])}`;
/** Index of a row within its task's shared (Halton) configurations. */
const indexOf = (row: Pd1Row): number => Number(String(row.trial_dir).split('/').at(-1));

let matchedRows: Pd1Row[] | undefined;
function allMatchedRows(): Pd1Row[] {
  matchedRows ??= gunzipSync(readFileSync(path.join(ROOT, 'data', 'pd1-mini', 'matched.jsonl.gz')))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Pd1Row);
  return matchedRows;
}

/**
 * Real pd1-mini rows: for each task, the first `perTask` shared configurations on which every one of the tasks has a
 * finite metric (so the tasks form one matched group, and no row is skipped).
 */
export function pd1Rows(tasks: readonly string[], perTask: number): Pd1Row[] {
  const byTask = new Map(tasks.map((t) => [t, new Map<number, Pd1Row>()]));
  for (const row of allMatchedRows()) byTask.get(taskOf(row))?.set(indexOf(row), row);
  const first = byTask.get(tasks[0]!)!;
  const shared = [...first.keys()]
    .sort((a, b) => a - b)
    .filter((i) => tasks.every((t) => Number.isFinite(byTask.get(t)!.get(i)?.[METRIC])))
    .slice(0, perTask);
  if (shared.length < perTask) throw new Error(`pd1-mini has only ${shared.length} shared finite rows for ${tasks.join(', ')}`);
  return tasks.flatMap((t) => shared.map((i) => byTask.get(t)!.get(i)!));
}

/** Writes rows as JSON lines (gzipped when the name ends in .gz); `extraLines` are appended verbatim. */
export function writeJsonl(file: string, rows: readonly Pd1Row[], extraLines: readonly string[] = []): void {
  const text = [...rows.map((r) => JSON.stringify(r)), ...extraLines].join('\n') + '\n';
  writeFileSync(file, file.endsWith('.gz') ? gzipSync(text) : text);
}

/** JSON lines of stdout, parsed. */
export const jsonLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
