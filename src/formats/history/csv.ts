// Plain CSV with a header row: one trial per row, parameters and metrics as columns. Optuna's
// `study.trials_dataframe().to_csv()` is read as Optuna writes it: `params_<name>` columns are the parameters, `value`
// (or `values_<i>`) the objective, and only rows whose `state` is COMPLETE count. A `task` (or `study`) column splits
// the rows into tasks; otherwise the file is one task named after it.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ParamValue } from '../../engine';
import { parseNumber, splitCsvLine } from '../logs';
import { HistoryError, inferParam, type HistoryStudy, type HistoryTrial } from './types';

const BOOKKEEPING = new Set(['number', 'datetime_start', 'datetime_complete', 'duration', 'state', 'status', 'task', 'study', 'trial', 'trial_id', 'id']);
const DONE = new Set(['complete', 'completed', 'finished', 'success', 'succeeded', 'ok', 'done']);

export async function readCsvHistory(file: string): Promise<HistoryStudy[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HistoryError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new HistoryError(`${file} has no rows under its header.`);
  const first = lines[0]!;
  const delimiter = [',', '\t', ';'].find((d) => first.includes(d)) ?? ',';
  const header = splitCsvLine(first, delimiter);
  if (header.some((h) => h === '' || parseNumber(h) !== undefined)) throw new HistoryError(`${file}: the first line is not a header of column names.`);
  const prefixed = header.some((h) => h.startsWith('params_'));
  const lower = header.map((h) => h.toLowerCase());
  const taskCol = lower.findIndex((h) => h === 'task' || h === 'study');
  const stateCol = lower.findIndex((h) => h === 'state' || h === 'status');
  const isParam = (h: string) => (prefixed ? h.startsWith('params_') : !BOOKKEEPING.has(h.toLowerCase()));
  const paramName = (h: string) => (prefixed ? h.slice('params_'.length) : h);
  const byTask = new Map<string, { trials: HistoryTrial[]; incomplete: number }>();
  const fallback = path.basename(file).replace(/\.[^.]*$/, '');
  for (const line of lines.slice(1)) {
    const cells = splitCsvLine(line, delimiter);
    const task = taskCol >= 0 && cells[taskCol] ? cells[taskCol]! : fallback;
    let entry = byTask.get(task);
    if (!entry) byTask.set(task, (entry = { trials: [], incomplete: 0 }));
    if (stateCol >= 0 && cells[stateCol] && !DONE.has(cells[stateCol]!.toLowerCase())) {
      entry.incomplete++;
      continue;
    }
    const params: Record<string, ParamValue> = {};
    const metrics: Record<string, number> = {};
    header.forEach((h, i) => {
      const cell = cells[i];
      if (cell === undefined || cell === '' || i === taskCol || i === stateCol) return;
      const n = parseNumber(cell);
      if (isParam(h)) params[paramName(h)] = n !== undefined && Number.isFinite(n) ? n : cell === 'True' ? true : cell === 'False' ? false : cell;
      if (n !== undefined && !(prefixed && isParam(h)) && !BOOKKEEPING.has(h.toLowerCase())) metrics[h] = n;
    });
    entry.trials.push({ params, metrics });
  }
  return [...byTask].map(([name, { trials, incomplete }]) => {
    const metrics = [...new Set(trials.flatMap((t) => Object.keys(t.metrics)))];
    // The objective columns first: value, values_<i>.
    metrics.sort((a, b) => Number(!/^values?(_\d+)?$/.test(a)) - Number(!/^values?(_\d+)?$/.test(b)));
    const observed = new Map<string, ParamValue[]>();
    for (const t of trials) for (const [k, v] of Object.entries(t.params)) (observed.get(k) ?? observed.set(k, []).get(k)!).push(v);
    const space = [...observed].flatMap(([k, vs]) => inferParam(k, vs) ?? []);
    return { name, format: 'csv' as const, source: file, metrics, directions: {}, space, trials, incomplete };
  });
}
