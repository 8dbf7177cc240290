// The suite a diagnostic script names on its command line: '<glob or YAHPO folder>' <metric> [pool] [tasks]
// [complement] ('-' leaves one out), listed through the bounded walk of `hyperbo bench --data`; with the files read.
import type { BenchSuite } from '../../src/cli/bench/regret';
import { loadSuite } from '../../src/cli/bench/suite';
import { listNamedPattern } from '../../src/priors/listing';

export async function suiteFromArgs(args: readonly string[], usage: string): Promise<{ suite: BenchSuite; files: string[] }> {
  const [pattern, metric, pool, tasks, complement] = args;
  if (!pattern || !metric) throw new Error(`Usage: ${usage} '<glob or YAHPO folder>' <metric> [pool] [tasks] [complement]`);
  const given = (v: string | undefined): v is string => v !== undefined && v !== '-';
  const files = pattern.includes('*') ? (await listNamedPattern(process.cwd(), pattern)).files.sort() : [pattern];
  const suite = await loadSuite(files, {
    metric,
    label: usage,
    ...(given(pool) ? { pool: Number(pool) } : {}),
    ...(given(tasks) ? { tasks: Number(tasks) } : {}),
    ...(given(complement) ? { complement: Number(complement) } : {}),
  });
  return { suite, files };
}
