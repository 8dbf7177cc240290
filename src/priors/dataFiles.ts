// Related history from data files named in prior.from (PD1 JSONL(.gz), HPOBench task JSON, or other tools' tuning
// history: Optuna, MLflow, Ray Tune, Lightning, Keras Tuner, CSV — see formats/history), expressed
// in the experiment's own search space: raw metric values per task, plus matched groups of the
// configurations that the same tasks evaluated (for EKL), grouped as the CLI and benchmark do.
import * as path from 'node:path';
import type { Config, RawMatchedGroup, RawTask, SearchSpace } from '../engine';
import { findHistorySources, HISTORY_FORMAT_LABEL, mapStudy, readHistory } from '../formats/history';
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
  const { sources, rest } = await findHistorySources(files);
  const names = options.space.names;
  const sourceOf: Record<string, string> = {};
  const skipped: { name: string; reason: string }[] = [];
  const pools: { name: string; configs: Config[]; values: number[] }[] = [];
  let skippedRows = 0;
  // Other tools' tuning history: each study placed in the search space, what does not map named in its source.
  for (const study of await readHistory(sources)) {
    if (options.exclude.includes(study.name)) continue;
    const m = mapStudy(study, options.space, options.metric);
    const where = `${path.basename(study.source)} (${HISTORY_FORMAT_LABEL[study.format]}${m.metric && m.metric !== options.metric ? `, metric ${m.metric}` : ''})`;
    skippedRows += m.skippedTrials;
    if (m.unusable || m.configs.length < 2) {
      skipped.push({ name: study.name, reason: `${where}: ${m.unusable ?? `only ${m.configs.length} completed trial(s) fit the search space`}` });
      continue;
    }
    pools.push({ name: study.name, configs: m.configs, values: m.values });
    sourceOf[study.name] = m.unmapped.length ? `${where}; not in the search space: ${m.unmapped.join(', ')}` : where;
  }
  if (rest.length === 0) {
    const { tasks, matched } = rawPretrainData(pools, options.space);
    return { tasks, matched, pd1: false, sourceOf, skipped, skippedRows };
  }
  const data = await loadTaskFiles(rest, { metric: options.metric, goal: options.goal, exclude: options.exclude });
  const missing = names.filter((n) => !data.space.names.includes(n));
  if (missing.length > 0) {
    throw new DataError(
      `${rest.map((f) => path.basename(f)).join(', ')}: the prior data's parameters (${data.space.names.join(', ')}) ` +
        `differ from search_space (${names.join(', ')}); ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not among them. ` +
        'Name the search-space parameters as the data does.',
    );
  }
  const source = rest.length === 1 ? path.basename(rest[0]!) : rest.map((f) => path.basename(f)).join(', ');
  skippedRows += data.skipped;
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
