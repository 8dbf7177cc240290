// The 5× count against one peer instead of each task's best: the wording ("the best non-transfer peer") read
// as the single non-transfer method with the lowest pooled regret at k = B, whose own per-task k = B regret is then the
// target on every task. The committed headline is the stricter reading (each task's best non-transfer method).
// Usage: npx tsx bench/robust/single-peer.ts [bench/results/<suite>.json ...]   (default: every suite's result)
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RegretReport } from '../../src/cli/bench/regret';

const dir = path.join(__dirname, '..', 'results');
const files = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.time.json')).map((f) => path.join(dir, f));
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};
console.log('| suite | variant | each task\'s best peer | the single best peer | that peer |');
console.log('|---|---|---|---|---|');
for (const file of files) {
  const r = JSON.parse(readFileSync(file, 'utf8')) as RegretReport;
  const peer = r.headline?.bestNonTransfer;
  if (!peer || !r.methods[peer]) continue;
  const peers = ['random', 'optuna-tpe', 'stbo'].filter((m) => r.methods[m]);
  for (const [variant, headline] of Object.entries(r.headlines ?? {})) {
    const curves = r.methods[variant]!.perTask;
    // Evaluations until the variant's median-over-seeds regret reaches the target (Infinity: not within B).
    const count = (task: string, target: number) => {
      const k = curves[task]!.findIndex((v) => v <= target + 1e-12);
      return k < 0 ? Infinity : k + 1;
    };
    const names = r.tasks.map((t) => t.name);
    const perTaskBest = median(names.map((n) => count(n, Math.min(...peers.map((m) => r.methods[m]!.perTask[n]!.at(-1)!)))));
    const single = median(names.map((n) => count(n, r.methods[peer]!.perTask[n]!.at(-1)!)));
    console.log(`| ${path.basename(file, '.json')} | ${variant} | ${perTaskBest} (headline ${headline.nonTransfer?.medianEvaluations}) | ${single} | ${peer} |`);
  }
}
