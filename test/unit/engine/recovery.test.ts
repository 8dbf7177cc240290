// Pre-training recovers a known GP, and BO with the recovered prior beats random search and a
// single-task GP on fresh tasks drawn from the same GP (HyperBO's central claim in miniature).
import { strict as assert } from 'node:assert';
import { describeParams } from '../../../src/engine/model';
import { pretrain, type PretrainResult } from '../../../src/engine/pretrain';
import { HaltonSequence, createRng } from '../../../src/engine/rng';
import { SearchSpace } from '../../../src/engine/space';
import { Study } from '../../../src/engine/study';
import type { MatchedGroup, ModelSpec, Task } from '../../../src/engine/types';
import { sampleFunctions, uniformPoints, type TrueGp } from './gpSamples';

const D = 2;
const TRUE: TrueGp = { kernel: 'matern52', lengthscales: [0.2, 0.5], signal: 1.0, noise: 0.01, constant: 0.5 };
const SPEC: ModelSpec = { dim: D, mean: 'constant', kernel: 'matern52', kernelOnFeatures: false, mlp: [] };
const NUM_TASKS = 40;

function unmatchedTasks(seed: number, points: number): Task[] {
  const rng = createRng(seed);
  return Array.from({ length: NUM_TASKS }, (_, t) => {
    const x = uniformPoints(points, D, rng);
    const { y } = sampleFunctions(TRUE, x, points, 1, rng);
    return { name: `task${t}`, x: { n: points, d: D, data: x }, y };
  });
}

function matchedGroup(seed: number, points: number): MatchedGroup {
  const rng = createRng(seed);
  const x = new HaltonSequence(D, rng).take(points);
  const { y } = sampleFunctions(TRUE, x, points, NUM_TASKS, rng);
  return { x: { n: points, d: D, data: x }, m: NUM_TASKS, y, taskNames: Array.from({ length: NUM_TASKS }, (_, t) => `task${t}`) };
}

function report(label: string, r: PretrainResult): ReturnType<typeof describeParams> {
  const p = describeParams(r.spec, r.theta);
  // Printed so a failure shows how far off the estimate was.
  console.log(
    `      ${label}: ℓ=[${p.lengthscale.map((v) => v.toFixed(3))}] s=${p.signalVariance.toFixed(3)} ` +
      `σ²=${p.noiseVariance.toExponential(2)} c=${p.constant!.toFixed(3)} (${r.provenance.steps} it, ${r.provenance.durationMs} ms)`,
  );
  return p;
}

// Tolerances: lengthscales ±25 %, signal variance ±40 %, noise variance within a factor 2,
// constant ±0.4 (its sampling sd with 40 tasks is ≈ √(s·ρ̄/N) ≈ 0.1–0.15).
function checkRecovered(p: ReturnType<typeof describeParams>): void {
  p.lengthscale.forEach((l, j) => {
    const rel = Math.abs(l - TRUE.lengthscales[j]!) / TRUE.lengthscales[j]!;
    assert.ok(rel < 0.25, `lengthscale ${j}: ${l} vs ${TRUE.lengthscales[j]}`);
  });
  assert.ok(Math.abs(p.signalVariance - TRUE.signal) / TRUE.signal < 0.4, `signal ${p.signalVariance}`);
  assert.ok(p.noiseVariance > TRUE.noise / 2 && p.noiseVariance < TRUE.noise * 2, `noise ${p.noiseVariance}`);
  assert.ok(Math.abs(p.constant! - TRUE.constant) < 0.4, `constant ${p.constant}`);
}

describe('engine: pre-training recovers a known GP and helps BO', function () {
  this.timeout(120000);
  let nllPrior: PretrainResult;

  it('NLL on unmatched tasks (40 tasks × 40 points) recovers ℓ, s, σ², c', () => {
    nllPrior = pretrain({ tasks: unmatchedTasks(1, 40), matched: [] }, { spec: SPEC, objective: 'nll', seed: 1, steps: 200 });
    assert.equal(nllPrior.objective, 'nll');
    checkRecovered(report('NLL', nllPrior));
  });

  it('EKL on matched tasks (40 tasks at 40 shared points) recovers ℓ, s, σ², c', () => {
    const r = pretrain({ tasks: [], matched: [matchedGroup(2, 40)] }, { spec: SPEC, objective: 'auto', seed: 1, steps: 200 });
    assert.equal(r.objective, 'ekl');
    checkRecovered(report('EKL', r));
  });

  it('NLL recovers a linear mean and an SE kernel', () => {
    const gp: TrueGp = { kernel: 'se', lengthscales: [0.3, 0.15], signal: 0.5, noise: 0.005, constant: 0.2, slope: [1.0, -0.6] };
    const rng = createRng(4);
    const tasks = Array.from({ length: NUM_TASKS }, (_, t) => {
      const x = uniformPoints(40, D, rng);
      return { name: `t${t}`, x: { n: 40, d: D, data: x }, y: sampleFunctions(gp, x, 40, 1, rng).y };
    });
    const spec: ModelSpec = { dim: D, mean: 'linear', kernel: 'se', kernelOnFeatures: false, mlp: [] };
    const r = pretrain({ tasks, matched: [] }, { spec, objective: 'nll', seed: 3, steps: 300 });
    const p = describeParams(r.spec, r.theta);
    console.log(`      linear/SE: ℓ=[${p.lengthscale.map((v) => v.toFixed(3))}] s=${p.signalVariance.toFixed(3)} σ²=${p.noiseVariance.toExponential(2)} w=[${p.linearWeights!.map((v) => v.toFixed(2))}] b=${p.linearBias!.toFixed(2)}`);
    p.lengthscale.forEach((l, j) => assert.ok(Math.abs(l - gp.lengthscales[j]!) / gp.lengthscales[j]! < 0.25, `ℓ${j}=${l}`));
    assert.ok(Math.abs(p.signalVariance - gp.signal) / gp.signal < 0.4, `signal ${p.signalVariance}`);
    assert.ok(p.noiseVariance > gp.noise / 2 && p.noiseVariance < gp.noise * 2, `noise ${p.noiseVariance}`);
    gp.slope!.forEach((w, j) => assert.ok(Math.abs(p.linearWeights![j]! - w) < 0.4, `w${j}=${p.linearWeights![j]}`));
    assert.ok(Math.abs(p.linearBias! - gp.constant) < 0.4, `bias ${p.linearBias}`);
  });

  it('NLL + EKL on both kinds of data recovers the parameters', () => {
    const r = pretrain(
      { tasks: unmatchedTasks(5, 30), matched: [matchedGroup(6, 30)] },
      { spec: SPEC, objective: 'nll+ekl', eklWeight: 1, seed: 4, steps: 200 },
    );
    assert.equal(r.objective, 'nll+ekl');
    checkRecovered(report('NLL+EKL', r));
  });

  it('Adam with per-task subsampling gets close too', () => {
    const r = pretrain(
      { tasks: unmatchedTasks(3, 60), matched: [] },
      { spec: SPEC, objective: 'nll', optimizer: 'adam', seed: 2, steps: 600, batchSize: 30, learningRate: 0.03 },
    );
    const p = report('Adam', r);
    p.lengthscale.forEach((l, j) => assert.ok(Math.abs(l - TRUE.lengthscales[j]!) / TRUE.lengthscales[j]! < 0.35, `ℓ${j}=${l}`));
    assert.ok(Math.abs(p.signalVariance - TRUE.signal) < 0.5, `signal ${p.signalVariance}`);
  });

  it('BO with the recovered prior beats random search and a single-task GP (median regret, 16 fresh tasks)', () => {
    const space = new SearchSpace([
      { name: 'a', type: 'float', low: 0, high: 1 },
      { name: 'b', type: 'float', low: 0, high: 1 },
    ]);
    const POOL = 300;
    const BUDGET = 8;
    const regrets: Record<'hyperbo' | 'stbo' | 'random', number[]> = { hyperbo: [], stbo: [], random: [] };
    for (let seed = 0; seed < 16; seed++) {
      const rng = createRng(1000 + seed);
      const x = uniformPoints(POOL, D, rng);
      const { f, y } = sampleFunctions(TRUE, x, POOL, 1, rng);
      const pool = Array.from({ length: POOL }, (_, i) => space.fromUnit(x, i * D));
      const best = Math.max(...f);
      const run = (study: Study): number => {
        let found = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < BUDGET; k++) {
          const [s] = study.ask(1);
          const i = s!.candidateIndex!;
          found = Math.max(found, f[i]!);
          study.tell(s!.trialId, y[i]!);
        }
        return best - found;
      };
      const output = { goal: 'maximize', warp: 'none', normalization: 'none' } as const;
      regrets.hyperbo.push(
        run(new Study({ space, output, prior: { spec: nllPrior.spec, theta: nllPrior.theta, numTrainingTasks: NUM_TASKS }, candidates: pool, seed })),
      );
      regrets.stbo.push(run(new Study({ space, output, candidates: pool, seed })));
      const picks = Array.from({ length: BUDGET }, () => rng.int(POOL));
      regrets.random.push(best - Math.max(...picks.map((i) => f[i]!)));
    }
    const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const m = { hyperbo: median(regrets.hyperbo), stbo: median(regrets.stbo), random: median(regrets.random) };
    console.log(`      median simple regret after ${BUDGET} steps: ${JSON.stringify(m)}`);
    assert.ok(m.hyperbo < m.random, `HyperBO ${m.hyperbo} vs random ${m.random}`);
    assert.ok(m.hyperbo < m.stbo, `HyperBO ${m.hyperbo} vs STBO ${m.stbo}`);
  });
});
