// A heavy-tailed loss variant of pd1-mini for the robust-output benchmark (bench/README.md, "Robust output").
// The metric is best_valid/ce_loss, changed the way real PD1-style cross-entropy data misbehaves:
// - every diverged run gets a finite absurd loss 10^U(20, 162) (seeded), or (one in three) none (NaN);
// - on every task the best 3 % of runs report exactly 0 (a small validation set scored perfectly), so the best
//   value is a tie.
// Usage: npx tsx bench/robust/heavytail.ts [--from data/pd1-mini] [--out /tmp/pd1-ce-heavy]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createRng } from '../../src/engine';

const { values: args } = parseArgs({ options: { from: { type: 'string', default: 'data/pd1-mini' }, out: { type: 'string', default: '/tmp/pd1-ce-heavy' } } });
const METRIC = 'best_valid/ce_loss';
const rng = createRng(162);
mkdirSync(args.out!, { recursive: true });
type Row = Record<string, unknown> & { study_group: string; status: string };
const files = ['matched.jsonl.gz', 'unmatched.jsonl.gz'];
const rows = files.map((f) =>
  gunzipSync(readFileSync(path.join(args.from!, f)))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row),
);
const all = rows.flat();
let absurd = 0;
let nan = 0;
for (const r of all) {
  if (r.status !== 'diverged') continue;
  if (rng.next() < 1 / 3) {
    r[METRIC] = null;
    nan++;
  } else {
    r[METRIC] = 10 ** (20 + 142 * rng.next());
    absurd++;
  }
}
let zeros = 0;
const byTask = new Map<string, Row[]>();
for (const r of all) if (typeof r[METRIC] === 'number') byTask.set(r.study_group, [...(byTask.get(r.study_group) ?? []), r]);
for (const list of byTask.values()) {
  list.sort((a, b) => (a[METRIC] as number) - (b[METRIC] as number));
  for (const r of list.slice(0, Math.ceil(0.03 * list.length))) {
    r[METRIC] = 0;
    zeros++;
  }
}
files.forEach((f, i) => writeFileSync(path.join(args.out!, f), gzipSync(rows[i]!.map((r) => JSON.stringify(r)).join('\n') + '\n')));
process.stderr.write(`${args.out}: ${all.length} rows, ${absurd} absurd finite losses, ${nan} NaN, ${zeros} exact zeros\n`);
