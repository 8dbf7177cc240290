// prior.from resolved against the disk: the globs (relative to the experiment file), the folders never searched,
// and the split into related experiment files and data files. The rest of what matches is not learned from.
import { realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { glob } from 'tinyglobby';
import { findHistorySources, type HistorySource } from '../formats/history';

/** Folders prior.from never looks into: dependencies, git internals and HyperBO's own cache and run outputs. */
export const PRIOR_GLOB_IGNORE: readonly string[] = ['**/node_modules/**', '**/.git/**', '**/.hyperbo/**'];

export const EXPERIMENT_SUFFIX = '.hyperbo.yaml';
const DATA_FILE = /\.(jsonl|jsonl\.gz|json)$/;

export function isExperimentFile(fsPath: string): boolean {
  return fsPath.endsWith(EXPERIMENT_SUFFIX);
}

/** PD1 JSONL(.gz) or HPOBench task JSON, by name. */
export function isDataFile(fsPath: string): boolean {
  return !isExperimentFile(fsPath) && DATA_FILE.test(fsPath);
}

export interface PriorSources {
  /** Every matched file (absolute, sorted, de-duplicated). */
  matched: string[];
  /** Related experiment files, the experiment itself left out. */
  experimentFiles: string[];
  /** PD1/HPOBench data files and the files of other tools' tuning history (Optuna, MLflow, Ray Tune, …). */
  dataFiles: string[];
  /** Other tools' tuning history among the matches. */
  history: HistorySource[];
}

/** A pattern naming a folder (an mlruns store, a Ray Tune experiment) means everything in it. */
function folderPattern(pattern: string, base: string): string {
  if (/[*?[\]{}!]/.test(pattern)) return pattern;
  try {
    return statSync(path.resolve(base, pattern)).isDirectory() ? `${pattern.replace(/[\\/]+$/, '')}/**` : pattern;
  } catch {
    return pattern;
  }
}

/** prior.from cannot be used as written; the message says what to change. */
export class PriorSourceError extends Error {
  override name = 'PriorSourceError';
}

/** Bounds on what resolving prior.from may read: a hostile or mistaken pattern never scans the whole disk. */
export interface SourceLimits {
  /** Absolute patterns (/…, ~…, C:\…) are refused unless true (a setting or CLI flag). Default false. */
  allowAbsolute?: boolean;
  /** At most this many matching files (default 20,000). */
  maxFiles?: number;
  /** At most this many bytes of data files in total (default 2 GiB). */
  maxBytes?: number;
  /** The directory walk is abandoned after this long (default 30 s). */
  timeoutMs?: number;
  /** Cancels the walk (e.g. the file changed again). */
  signal?: AbortSignal;
}

export const SOURCE_LIMITS = { maxFiles: 20_000, maxBytes: 2 * 1024 ** 3, timeoutMs: 30_000 } as const;

const isAbsolutePattern = (p: string): boolean => path.isAbsolute(p) || p.startsWith('~') || /^[A-Za-z]:[\\/]/.test(p);

/**
 * The files an experiment's prior.from names. Symbolic links are not followed into folders (a link to / or a loop
 * is never walked), each file is listed once by its real path, and the walk is bounded in files, bytes and time:
 * past a bound it stops with a PriorSourceError saying which bound and how to narrow the pattern.
 */
export async function resolvePriorSources(experimentFile: string, patterns: readonly string[], limits: SourceLimits = {}): Promise<PriorSources> {
  const self = path.resolve(experimentFile);
  const absolute = patterns.filter(isAbsolutePattern);
  if (absolute.length > 0 && !limits.allowAbsolute) {
    throw new PriorSourceError(
      `prior.from ${absolute.map((p) => `"${p}"`).join(', ')} is an absolute path; prior.from is read relative to ${path.basename(self)} ` +
        '(e.g. ../data/*.jsonl). Absolute paths are allowed only when you opt in (hyperbo tune --allow-absolute).',
    );
  }
  const maxFiles = limits.maxFiles ?? SOURCE_LIMITS.maxFiles;
  const maxBytes = limits.maxBytes ?? SOURCE_LIMITS.maxBytes;
  const timeoutMs = limits.timeoutMs ?? SOURCE_LIMITS.timeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = limits.signal ? AbortSignal.any([limits.signal, timeout]) : timeout;
  let found: string[];
  try {
    found = await glob(patterns.map((p) => folderPattern(p, path.dirname(self))), {
      cwd: path.dirname(self),
      absolute: true,
      onlyFiles: true,
      followSymbolicLinks: false,
      ignore: [...PRIOR_GLOB_IGNORE],
      signal,
    });
  } catch (error) {
    if (!signal.aborted) throw error;
    found = [];
  }
  if (timeout.aborted) {
    throw new PriorSourceError(`prior.from (${patterns.join(', ')}) took longer than ${timeoutMs / 1000} s to list; name a smaller folder (e.g. ../data/*.jsonl instead of **).`);
  }
  if (limits.signal?.aborted) throw new PriorSourceError('Resolving prior.from was cancelled.');
  // One entry per real file: a file reached through a link and directly (or twice through a loop) counts once.
  const byReal = new Map<string, string>();
  for (const f of found.map((x) => path.resolve(x)).sort()) {
    let real: string;
    try {
      real = realpathSync(f);
    } catch {
      continue;
    }
    if (!byReal.has(real)) byReal.set(real, f);
    if (byReal.size > maxFiles) {
      throw new PriorSourceError(`prior.from (${patterns.join(', ')}) matches more than ${maxFiles.toLocaleString('en-US')} files; name the data files or folders it should learn from.`);
    }
  }
  const matched = [...byReal.values()].sort();
  const { sources, rest } = await findHistorySources(matched.filter((f) => !isExperimentFile(f)));
  const dataFiles = [...rest.filter(isDataFile), ...sources.flatMap((s) => s.files)].sort();
  let bytes = 0;
  for (const f of dataFiles) {
    try {
      bytes += statSync(f).size;
    } catch {
      // Gone since the walk: the reader reports it.
    }
    if (bytes > maxBytes) {
      throw new PriorSourceError(`prior.from (${patterns.join(', ')}) names more than ${(maxBytes / 1024 ** 3).toFixed(1)} GiB of data files; name fewer files.`);
    }
  }
  return {
    matched,
    experimentFiles: matched.filter((f) => isExperimentFile(f) && f !== self),
    dataFiles,
    history: sources,
  };
}
