// Reads one metric's learning curve from a finished training log (JSON Lines, CSV with a header, or key=value text).
import { readFile } from 'node:fs/promises';

export interface MetricCurve {
  values: number[];
  /** A non-finite value of the metric (NaN/inf loss) was logged. */
  diverged: boolean;
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?(?:nan|inf|infinity)$/i;
const toNumber = (s: string): number => {
  const t = s.trim().toLowerCase();
  if (t === 'nan' || t === '+nan' || t === '-nan') return Number.NaN;
  if (/^[-+]?inf(inity)?$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(t);
};

export async function readMetricCurve(file: string, metric: string): Promise<MetricCurve> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const values: number[] = [];
  let diverged = false;
  const push = (v: unknown) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && NUMBER.test(v.trim()) ? toNumber(v) : v === null ? Number.NaN : undefined;
    if (n === undefined) return;
    if (Number.isFinite(n)) values.push(n);
    else diverged = true;
  };
  const lines = text.split('\n').filter((l) => l.trim());
  const header = lines[0]?.includes(',') && !lines[0].trim().startsWith('{') ? lines[0].split(',').map((h) => h.trim()) : undefined;
  const column = header?.indexOf(metric) ?? -1;
  for (const [i, line] of lines.entries()) {
    const trimmed = line.trim();
    if (trimmed.startsWith('{')) {
      try {
        const row = JSON.parse(trimmed) as Record<string, unknown>;
        if (metric in row) push(row[metric]);
      } catch {
        // A half-written last line of a log still being written.
      }
    } else if (header && column >= 0) {
      if (i > 0) push(line.split(',')[column]);
    } else {
      const escaped = metric.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      const m = new RegExp(`(?:^|[\\s|,;])${escaped}\\s*[=:]\\s*([^\\s|,;]+)`).exec(line);
      if (m) push(m[1]);
    }
  }
  return { values, diverged };
}
