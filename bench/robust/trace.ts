// Diagnostic (bench/EXPERIMENTS.md, "The new task's level"): per step of HyperBO on one task, the chosen member's
// true rank in the pool, and before it the study's normalisation scale against the one fitted on the whole pool, the
// pool's mean z² under the posterior (1 when calibrated), the pool's best's rank under the posterior mean and its
// z-score against the predicted top, and the true ranks of the predicted top ten. Usage:
//   npx tsx bench/robust/trace.ts '<glob or YAHPO folder>' <metric> [pool] [tasks] [complement] [ekl|nll]
//     [tasks to trace, e.g. 0,3] [seeds] [budget] [auto|fixed|estimated] [pre-training level: auto|fixed|estimated]
//     ('-' leaves a suite argument out)
import { applyOutput, defaultSpecFor, fitOutputTransform, pretrain, Study, transferSupport } from '../../src/engine';
import { HYPERBO_ACQUISITION, pretrainSeed, trainingData } from '../../src/cli/bench/regret';
import { suiteFromArgs } from './suiteArgs';

async function main() {
  const args = process.argv.slice(2);
  const { suite } = await suiteFromArgs(args.slice(0, 5), 'npx tsx bench/robust/trace.ts');
  const [objective = 'ekl', tasksArg = '0', seedsArg = '1', budgetArg = '12', level = 'auto', pretrainLevel = 'auto'] = args.slice(5);
  const sign = suite.goal === 'minimize' ? 1 : -1;
  for (const t of tasksArg.split(',').map(Number)) {
    const task = suite.tasks[t]!;
    const order = Array.from(task.values.keys()).sort((a, b) => sign * (task.values[a]! - task.values[b]!));
    const trueRank = new Map(order.map((i, r) => [i, r + 1]));
    const best = order[0]!;
    for (let s = 0; s < Number(seedsArg); s++) {
      const { data, output } = trainingData(suite, t);
      const result = pretrain(data, { objective: objective as 'ekl', spec: defaultSpecFor(suite.space.dim, data.tasks, data.matched), seed: pretrainSeed(t, s), level: pretrainLevel as 'auto' });
      const study = new Study({ level: level as 'auto', space: suite.space, output, candidates: task.configs, seed: s, acquisition: HYPERBO_ACQUISITION,
        prior: { spec: result.spec, theta: result.theta, numTrainingTasks: data.tasks.length, transfer: transferSupport(data, {}) } });
      const line: string[] = [];
      for (let k = 0; k < Number(budgetArg); k++) {
        let info = '';
        if (k > 0) {
          const p = study.predict(task.configs);
          const pm = Array.from(p.mean.keys()).sort((a, b) => p.mean[b]! - p.mean[a]!);
          const r = pm.indexOf(best) + 1;
          const topTrue = pm.slice(0, 10).map((i) => trueRank.get(i)).join('/');
          const tr = study.outputTransform();
          const full = fitOutputTransform(Array.from(task.values), output);
          let z2 = 0;
          for (let j = 0; j < task.configs.length; j++) { const y = applyOutput(tr, task.values[j]!); z2 += ((y - p.mean[j]!) / p.sd[j]!) ** 2; }
          info = `[scale ${(tr.scale / full.scale).toFixed(2)} z2 ${(z2 / task.configs.length).toFixed(1)} best@${r} z=${((p.mean[best]! - p.mean[pm[0]!]!) / p.sd[best]!).toFixed(1)} top10true=${topTrue}]`;
        }
        const [sg] = study.ask(1);
        const i = sg!.candidateIndex!;
        study.tell(sg!.trialId, task.values[i]!);
        line.push(`${k + 1}:${trueRank.get(i)}${info}`);
        if (i === best) break;
      }
      console.log(`${task.name} seed ${s}: ${line.join(' ')}`);
    }
  }
}
main();
