// Loading a benchmark suite (task pools sharing one search space) from PD1 JSONL or HPOBench task files.
import * as path from 'node:path';
import { loadTaskFiles, outputSpecFor } from '../../formats/taskData';
import type { BenchSuite } from './regret';

export interface SuiteOptions {
  metric: string;
  goal?: 'minimize' | 'maximize';
  /** Fixed candidate pool of this many configurations per task (same for every method and seed). */
  pool?: number;
  /** Keep only the first N tasks. */
  tasks?: number;
  label?: string;
}

export async function loadSuite(files: readonly string[], options: SuiteOptions): Promise<BenchSuite> {
  const data = await loadTaskFiles(files, { metric: options.metric, goal: options.goal, pool: options.pool, seed: 0 });
  const tasks = options.tasks !== undefined ? data.tasks.slice(0, options.tasks) : data.tasks;
  return {
    label: options.label ?? path.basename(files[0]!).replace(/\.(jsonl(\.gz)?|json)$/, ''),
    metric: data.metric,
    goal: data.goal,
    space: data.space,
    output: outputSpecFor(data),
    tasks: tasks.map((t) => ({ name: t.name, configs: t.configs, values: Float64Array.from(t.values) })),
  };
}
