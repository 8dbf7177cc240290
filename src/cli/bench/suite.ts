// Loading a benchmark suite (task pools sharing one search space) from PD1 JSONL, HPOBench-style task files, or a
// YAHPO surrogate scenario folder (evaluated once on a seeded pool).
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { loadTaskFiles, outputSpecForValues } from '../../formats/taskData';
import type { BenchSuite } from './regret';
import { isYahpoDir, loadYahpo } from './yahpo';

export interface SuiteOptions {
  metric: string;
  goal?: 'minimize' | 'maximize';
  /** Fixed candidate pool of this many configurations per task (same for every method and seed). */
  pool?: number;
  /** Keep only the first N tasks. */
  tasks?: number;
  label?: string;
  /**
   * Score C − value instead of value, with the goal flipped: a loss from a score (100 − accuracy % is the error
   * in %). Applied before anything else, so the output rule and regret see the loss.
   */
  complement?: number;
  /** YAHPO only: leave out the scenario's first N tasks. */
  skipTasks?: number;
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

export async function loadSuite(files: readonly string[], options: SuiteOptions): Promise<BenchSuite> {
  if (files.length === 1 && isDir(files[0]!)) {
    const dir = files[0]!;
    if (!isYahpoDir(dir)) throw new Error(`${dir} is a folder but not a YAHPO scenario (model.onnx, config_space.json, encoding.json).`);
    const y = await loadYahpo(dir, { metric: options.metric, pool: options.pool, tasks: options.tasks, skipTasks: options.skipTasks, seed: 0 });
    return finish(
      { label: options.label ?? `yahpo-${y.scenario}`, metric: options.metric, goal: y.goal, space: y.space, tasks: y.tasks, pd1: false },
      options,
    );
  }
  const data = await loadTaskFiles(files, { metric: options.metric, goal: options.goal, pool: options.pool, seed: 0 });
  const tasks = options.tasks !== undefined ? data.tasks.slice(0, options.tasks) : data.tasks;
  return finish(
    {
      label: options.label ?? path.basename(files[0]!).replace(/\.(jsonl(\.gz)?|json)$/, ''),
      metric: data.metric,
      goal: data.goal,
      space: data.space,
      tasks: tasks.map((t) => ({ name: t.name, configs: t.configs, values: Float64Array.from(t.values) })),
      pd1: data.pd1,
    },
    options,
  );
}

/** Applies --complement and picks the output rule from the (transformed) values. */
function finish(s: Omit<BenchSuite, 'output'> & { pd1: boolean }, options: SuiteOptions): BenchSuite {
  const { pd1, ...suite } = s;
  if (options.complement !== undefined) {
    const c = options.complement;
    if (!Number.isFinite(c)) throw new Error(`--complement must be a number, got ${c}.`);
    suite.goal = suite.goal === 'minimize' ? 'maximize' : 'minimize';
    suite.metric = `${c} − ${suite.metric}`;
    suite.tasks = suite.tasks.map((t) => ({ ...t, values: t.values.map((v) => c - v) }));
  }
  const all = suite.tasks.flatMap((t) => Array.from(t.values));
  return { ...suite, output: outputSpecForValues(all, suite.goal, pd1) };
}
