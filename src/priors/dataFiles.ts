// Related history from data files named in prior.from (PD1 JSONL(.gz) or HPOBench task JSON), expressed
// in the experiment's own search space: raw metric values per task, plus matched groups of the
// configurations that the same tasks evaluated (for EKL), grouped as the CLI and benchmark do.
import * as path from 'node:path';
import type { Config, RawMatchedGroup, RawTask, SearchSpace } from '../engine';
import { DataError, loadTaskFiles, rawPretrainData } from '../formats/taskData';

export interface LoadedDataTasks {
  tasks: RawTask[];
  matched: RawMatchedGroup[];
  /** True for PD1-style data (the paper's −log error output rule applies). */
  pd1: boolean;
  sourceOf: Record<string, string>;
  skipped: { name: string; reason: string }[];
  /** Rows left out: metric or hyperparameters missing or not finite, a cut-off last line, or outside the search space. */
  skippedRows: number;
}

export async function loadDataFileTasks(
  files: readonly string[],
  options: { space: SearchSpace; metric: string; goal: 'minimize' | 'maximize'; exclude: readonly string[] },
): Promise<LoadedDataTasks> {
  const data = await loadTaskFiles(files, { metric: options.metric, goal: options.goal, exclude: options.exclude });
  const names = options.space.names;
  const missing = names.filter((n) => !data.space.names.includes(n));
  if (missing.length > 0) {
    throw new DataError(
      `${files.map((f) => path.basename(f)).join(', ')}: the prior data's parameters (${data.space.names.join(', ')}) ` +
        `differ from search_space (${names.join(', ')}); ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not among them. ` +
        'Name the search-space parameters as the data does.',
    );
  }
  const source = files.length === 1 ? path.basename(files[0]!) : files.map((f) => path.basename(f)).join(', ');
  const sourceOf: Record<string, string> = {};
  const skipped: { name: string; reason: string }[] = [];
  const pools: { name: string; configs: Config[]; values: number[] }[] = [];
  let skippedRows = data.skipped;
  for (const task of data.tasks) {
    const configs: Config[] = [];
    const values: number[] = [];
    for (let i = 0; i < task.configs.length; i++) {
      const c = Object.fromEntries(names.map((n) => [n, task.configs[i]![n]!]));
      try {
        options.space.toUnit(c);
      } catch {
        skippedRows++;
        continue;
      }
      configs.push(c);
      values.push(task.values[i]!);
    }
    if (configs.length < 2) {
      skipped.push({ name: task.name, reason: `only ${configs.length} row(s) fit the search space` });
      continue;
    }
    pools.push({ name: task.name, configs, values });
    sourceOf[task.name] = source;
  }
  const { tasks, matched } = rawPretrainData(pools, options.space);
  return { tasks, matched, pd1: data.pd1, sourceOf, skipped, skippedRows };
}
