// Summarises PD1-style data as a Markdown table: per task the rows kept and skipped, diverged runs, best and
// median metric, and how related the tasks are (Spearman rank correlation on the configurations they share).
//
//   npx tsx bench/pd1mini/summarize.ts [--metric best_valid/error_rate] data/pd1-mini/*.jsonl.gz
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { configKey, loadPd1 } from '../../src/formats/taskData';

const { values, positionals } = parseArgs({ options: { metric: { type: 'string', default: 'best_valid/error_rate' } }, allowPositionals: true });
if (positionals.length === 0) throw new Error('Usage: npx tsx bench/pd1mini/summarize.ts [--metric NAME] FILE...');

/** Ranks with ties averaged. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

async function statusCounts(files: readonly string[]): Promise<Map<string, { rows: number; diverged: number }>> {
  const counts = new Map<string, { rows: number; diverged: number }>();
  for (const file of files) {
    const input = file.endsWith('.gz') ? createReadStream(file).pipe(createGunzip()) : createReadStream(file);
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as Record<string, unknown>;
      const name = `${String(row.dataset)}/${String(row.model)}/${String(row['hps.batch_size'])}`;
      const c = counts.get(name) ?? { rows: 0, diverged: 0 };
      c.rows++;
      if (row.status === 'diverged') c.diverged++;
      counts.set(name, c);
    }
  }
  return counts;
}

async function main(): Promise<void> {
  const data = await loadPd1(positionals, { metric: values.metric! });
  const status = await statusCounts(positionals);
  const median = (xs: readonly number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const best = (xs: readonly number[]) => (data.goal === 'minimize' ? Math.min(...xs) : Math.max(...xs));
  const atBest = (xs: readonly number[]) => xs.filter((v) => v === best(xs)).length;
  console.log(`| task | rows | kept | diverged | best ${values.metric} | runs at best | median |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const t of data.tasks) {
    const s = status.get(t.name)!;
    console.log(`| ${t.name} | ${s.rows} | ${t.values.length} | ${s.diverged} | ${best(t.values).toFixed(4)} | ${atBest(t.values)} | ${median(t.values).toFixed(4)} |`);
  }
  const maps = data.tasks.map((t) => new Map(t.configs.map((c, i) => [configKey(data.space, c), t.values[i]!])));
  const correlations: number[] = [];
  for (let a = 0; a < maps.length; a++) {
    for (let b = a + 1; b < maps.length; b++) {
      const shared = [...maps[a]!.keys()].filter((k) => maps[b]!.has(k));
      if (shared.length < 10) continue;
      correlations.push(pearson(ranks(shared.map((k) => maps[a]!.get(k)!)), ranks(shared.map((k) => maps[b]!.get(k)!))));
    }
  }
  correlations.sort((x, y) => x - y);
  const q = (p: number) => correlations[Math.round(p * (correlations.length - 1))]!;
  console.log(
    `\n${data.tasks.length} tasks, ${data.tasks.reduce((s, t) => s + t.values.length, 0)} rows kept, ${data.skipped} skipped (metric missing or not finite).`,
  );
  if (correlations.length) {
    console.log(
      `Spearman correlation of ${values.metric} between task pairs on shared configurations (${correlations.length} pairs): ` +
        `min ${q(0).toFixed(2)}, median ${q(0.5).toFixed(2)}, max ${q(1).toFixed(2)}.`,
    );
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
