// A generated experiment file with many completed trials (d = 2, no prior), for the server's scale test and
// `npm run bench:server`.
import { createRng } from '../../src/engine/rng';

/** The file's text; trial i (1-based) is on line LARGE_FIRST_TRIAL_LINE + i − 1 (0-based lines). */
export function largeExperiment(trials: number, seed = 1): string {
  const rng = createRng(seed);
  const lines = [
    'name: large',
    'objective: { metric: valid/loss, goal: minimize }',
    'search_space:',
    '  learning_rate: { type: float, low: 1.0e-4, high: 1, scale: log }',
    '  momentum: { type: float, low: 0, high: 0.99 }',
    'run:',
    '  command: [python, train.py, --lr, "${learning_rate}", --momentum, "${momentum}"]',
    '  log: runs/${trial}/metrics.jsonl',
    'trials:',
  ];
  for (let i = 1; i <= trials; i++) {
    const u = rng.next();
    const m = rng.next();
    const lr = 10 ** (-4 + 4 * u);
    const loss = (Math.log10(lr) + 2) ** 2 + (m - 0.8) ** 2 + 0.05 * rng.normal();
    lines.push(`  - { id: ${i}, params: { learning_rate: ${lr.toPrecision(4)}, momentum: ${(0.99 * m).toFixed(4)} }, status: completed, value: ${loss.toFixed(5)} }`);
  }
  return lines.join('\n') + '\n';
}


export const LARGE_FIRST_TRIAL_LINE = 9;
