// prior.from resolved against the disk: the globs (relative to the experiment file), the folders never searched,
// and the split into related experiment files and data files. The rest of what matches is not learned from.
import { statSync } from 'node:fs';
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

/** The files an experiment's prior.from names. */
export async function resolvePriorSources(experimentFile: string, patterns: readonly string[]): Promise<PriorSources> {
  const self = path.resolve(experimentFile);
  const found = await glob(patterns.map((p) => folderPattern(p, path.dirname(self))), {
    cwd: path.dirname(self),
    absolute: true,
    onlyFiles: true,
    ignore: [...PRIOR_GLOB_IGNORE],
  });
  const matched = [...new Set(found.map((f) => path.resolve(f)))].sort();
  const { sources, rest } = await findHistorySources(matched.filter((f) => !isExperimentFile(f)));
  return {
    matched,
    experimentFiles: matched.filter((f) => isExperimentFile(f) && f !== self),
    dataFiles: [...rest.filter(isDataFile), ...sources.flatMap((s) => s.files)].sort(),
    history: sources,
  };
}
