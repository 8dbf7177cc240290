// How the new task's output normalisation and level affect HyperBO's steps to the pool's best (bench/EXPERIMENTS.md,
// "The new task's level"). Variants: default (the study's own normalisation, level auto), oracle (the task's
// normalisation fitted on its whole pool, which no tuner has), and either with -fixed (the learnt mean's level).
//   npx tsx bench/robust/scalecheck.ts '<glob or YAHPO folder>' <metric> [pool] [tasks] [complement] [ekl|nll]
//     [variants, e.g. default,oracle,default-fixed] [seeds] [budget]      ('-' leaves a suite argument out)
import { defaultSpecFor, fitOutputTransform, pretrain, Study, transferSupport, type OutputSpec } from '../../src/engine';
import { HYPERBO_ACQUISITION, pretrainSeed, trainingData } from '../../src/cli/bench/regret';
import { suiteFromArgs } from './suiteArgs';

async function main() {
  const args = process.argv.slice(2);
  const { suite } = await suiteFromArgs(args.slice(0, 5), 'npx tsx bench/robust/scalecheck.ts');
  const [objective = 'ekl', variantsArg = 'default,oracle', seedsArg = '3', budgetArg = '30'] = args.slice(5);
  const sign = suite.goal === 'minimize' ? 1 : -1;
  const variants = variantsArg.split(',');
  const counts: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
  for (let t = 0; t < suite.tasks.length; t++) {
    const task = suite.tasks[t]!;
    const bestValue = Math.min(...Array.from(task.values).filter(Number.isFinite).map((v) => sign * v));
    const perVariant: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v, []]));
    for (let s = 0; s < Number(seedsArg); s++) {
      const { data, output } = trainingData(suite, t);
      const result = pretrain(data, { objective: objective as 'ekl', spec: defaultSpecFor(suite.space.dim, data.tasks, data.matched), seed: pretrainSeed(t, s) });
      const full = fitOutputTransform(Array.from(task.values), output);
      for (const v of variants) {
        let out: OutputSpec = output;
        if (v.startsWith('oracle')) out = { ...output, reference: { center: full.center, scale: full.scale }, referenceWeight: Infinity };
        const level = v.endsWith('-fixed') ? 'fixed' : 'auto';
        const study = new Study({ level, space: suite.space, output: out, candidates: task.configs, seed: s, acquisition: HYPERBO_ACQUISITION,
          prior: { spec: result.spec, theta: result.theta, numTrainingTasks: data.tasks.length, transfer: transferSupport(data, {}) } });
        let found = Infinity;
        for (let k = 0; k < Number(budgetArg); k++) {
          const [sg] = study.ask(1);
          const i = sg!.candidateIndex!;
          const val = task.values[i]!;
          study.tell(sg!.trialId, Number.isFinite(val) ? val : { status: 'diverged' });
          if (sign * val <= bestValue) { found = k + 1; break; }
        }
        perVariant[v]!.push(found);
      }
    }
    for (const v of variants) {
      const sorted = [...perVariant[v]!].sort((a, b) => a - b);
      counts[v]!.push(sorted[Math.floor(sorted.length / 2)]!);
    }
    console.error(`${task.name}: ${variants.map((v) => `${v} ${perVariant[v]!.join('/')}`).join('  ')}`);
  }
  const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2; };
  for (const v of variants) console.log(`${v}: median task ${med(counts[v]!)}; per task ${counts[v]!.join(' ')}`);
}
main();
