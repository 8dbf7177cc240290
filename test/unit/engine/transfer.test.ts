import { strict as assert } from 'node:assert';
import { paramsFromValues } from '../../../src/engine/model';
import { SearchSpace } from '../../../src/engine/space';
import { Study } from '../../../src/engine/study';
import { checkTransfer, combineTransfer, taskAgreement, transferCandidates, transferScores, transferSupport, transferTaskScores, type TransferTask } from '../../../src/engine/transfer';
import type { ModelSpec, Points } from '../../../src/engine/types';
import { askAndTell } from './studyRuns';

// A 1-D prior whose linear mean 5x extrapolates: its argmax is x = 1, where no training task measured anything.
const spec: ModelSpec = { dim: 1, mean: 'linear', kernel: 'se', kernelOnFeatures: false, mlp: [] };
const theta = paramsFromValues(spec, { linearWeights: [5], linearBias: 0, lengthscale: 0.1, signalVariance: 1, noiseVariance: 1e-4 });
const pts = (...xs: number[]): Points => ({ n: xs.length, d: 1, data: Float64Array.from(xs) });

// Two training tasks measured x in 0.1…0.4; both are best at 0.2.
const task = (ys: number[], center: number, scale: number): TransferTask => ({ x: pts(0.1, 0.2, 0.3, 0.4), y: Float64Array.from(ys), center, scale });
const tasks = [task([0.5, 1.5, 0.8, 0.2], 0.65, 0.47), task([1.0, 2.0, 1.6, 0.9], 1.3, 0.44)];

describe('engine/transfer (first pick from the training tasks)', () => {
  it('transferScores: known answer at a measured point and far from every measurement', () => {
    // One task, one point x0 = 0.5, y0 = 2, centre 0, spread 1; SE kernel s = 1, noise σ² = 1e-4 (+1e-6 jitter).
    const one: TransferTask = { x: pts(0.5), y: Float64Array.of(2), center: 0, scale: 1 };
    const s2 = 1e-4 + 1e-6;
    const noise = paramsFromValues(spec, { linearWeights: [5], linearBias: 0, lengthscale: 0.1, signalVariance: 1, noiseVariance: 1e-4 });
    for (const mean of ['task', 'prior'] as const) {
      const [atX0, far] = transferScores(spec, noise, [one], pts(0.5, 1), { kappa: 1, mean, exact: false, spread: 'posterior' });
      // At x0: μ = m0 + (y0 − m0)/(1 + σ²) with m0 = 2.5 ('prior') or the centre 0 ('task'); var = 1 − 1/(1 + σ²).
      const m0 = mean === 'prior' ? 2.5 : 0;
      const mu = m0 + (2 - m0) / (1 + s2);
      const sd = Math.sqrt(1 - 1 / (1 + s2));
      assert.ok(Math.abs(atX0! - (mu - sd)) < 1e-6, `${mean}: ${atX0} vs ${mu - sd}`);
      // At x = 1 (5 lengthscales away) the data has no say: m(1) = 5 ('prior') or the centre 0 ('task'), sd 1.
      const expectFar = (mean === 'prior' ? 5 : 0) - 1;
      assert.ok(Math.abs(far! - expectFar) < 1e-4, `${mean}: ${far} vs ${expectFar}`);
    }
  });

  it("transferScores ('task'): the configuration best on every training task wins over the mean's extrapolation", () => {
    const candidates = pts(0, 0.1, 0.2, 0.3, 0.4, 0.7, 1);
    const task_ = transferScores(spec, theta, tasks, candidates);
    const best = task_.indexOf(Math.max(...task_));
    assert.equal(candidates.data[best], 0.2);
    // With the learnt mean kept, the unsupported x = 1 wins: the failure the task mean avoids.
    const prior = transferScores(spec, theta, tasks, candidates, { mean: 'prior' });
    assert.equal(candidates.data[prior.indexOf(Math.max(...prior))], 1);
  });

  it("transferScores ('exact'): a measured candidate takes the tasks' measured values; 'tasks' spread penalises their disagreement", () => {
    // Task A measured 0.1 → 3 and 0.3 → 1 (centre 2, spread 1); task B measured 0.1 → 0 and 0.3 → 4 (centre 2, spread 2).
    const a: TransferTask = { x: pts(0.1, 0.3), y: Float64Array.of(3, 1), center: 2, scale: 1 };
    const b: TransferTask = { x: pts(0.1, 0.3), y: Float64Array.of(0, 4), center: 2, scale: 2 };
    const candidates = pts(0.1, 0.3, 0.9);
    // Standardised: at 0.1 A +1, B −1 (mean 0, sd between tasks 1); at 0.3 A −1, B +1 (mean 0, sd 1).
    const exact = transferScores(spec, theta, [a, b], candidates, { exact: true, kappa: 1, spread: 'posterior' });
    assert.ok(Math.abs(exact[0]!) < 1e-12 && Math.abs(exact[1]!) < 1e-12, `${exact[0]} ${exact[1]}`);
    const spread = transferScores(spec, theta, [a, b], candidates, { exact: true, kappa: 1, spread: 'tasks' });
    assert.ok(Math.abs(spread[0]! + 1) < 1e-12 && Math.abs(spread[1]! + 1) < 1e-12, `${spread[0]} ${spread[1]}`);
    // Unmeasured 0.9 (6 lengthscales away): each task-centred GP reverts to its centre (z = 0, no spread between tasks)
    // with the prior's variance 1, i.e. 1 and 1/4 in task sds: score −√((1 + 1/4)/2).
    assert.ok(Math.abs(exact[2]! + Math.sqrt(0.625)) < 1e-4, `${exact[2]}`);
    assert.ok(Math.abs(spread[2]! + Math.sqrt(0.625)) < 1e-4, `${spread[2]}`);
    // Without 'exact' (the rule before) a measured point is the GP's noisy posterior there: close to, not exactly, the
    // measurement.
    const [smooth] = transferScores(spec, theta, [a], pts(0.1), { kappa: 0, exact: false });
    const [measured] = transferScores(spec, theta, [a], pts(0.1), { kappa: 0 }); // the default
    assert.equal(measured, 1);
    assert.ok(Math.abs(smooth! - 1) < 1e-3 && smooth !== 1, `${smooth}`);
  });

  it("transferScores ('tasks' spread): a candidate good on every task beats one excellent on one task and poor on the other; the default leaves the tie", () => {
    const a: TransferTask = { x: pts(0.1, 0.3, 0.5), y: Float64Array.of(2.5, 1.5, 0), center: 1, scale: 1 };
    const b: TransferTask = { x: pts(0.1, 0.3, 0.5), y: Float64Array.of(0.5, 1.5, 1), center: 1, scale: 1 };
    // Means over tasks: 0.1 → (1.5 − 0.5)/2 = 0.5, 0.3 → 0.5; spreads between tasks 1 and 0.
    const plain = transferScores(spec, theta, [a, b], pts(0.1, 0.3), { exact: true, spread: 'posterior' });
    assert.ok(Math.abs(plain[0]! - 0.5) < 1e-12 && Math.abs(plain[1]! - 0.5) < 1e-12, `${plain[0]} ${plain[1]}`);
    const [swing, steady] = transferScores(spec, theta, [a, b], pts(0.1, 0.3), { spread: 'tasks' });
    assert.ok(Math.abs(swing! - (0.5 - 1)) < 1e-12 && Math.abs(steady! - 0.5) < 1e-12, `${swing} ${steady}`);
    // The default is the mean alone, with any number of tasks: zero-shot's ordering, ties left as they are.
    const c: TransferTask = { x: pts(0.1, 0.3, 0.5), y: Float64Array.of(1.5, 1.5, 0.5), center: 1, scale: 1 };
    for (const set of [[a, b], [a, b, c]]) {
      const byDefault = transferScores(spec, theta, set, pts(0.1, 0.3));
      const mean = (i: number) => set.reduce((acc, t) => acc + (t.y[i]! - t.center) / t.scale, 0) / set.length;
      assert.ok(Math.abs(byDefault[0]! - mean(0)) < 1e-12 && Math.abs(byDefault[1]! - mean(1)) < 1e-12, `${byDefault[0]} ${byDefault[1]}`);
    }
  });

  it("combineTransfer ('unmeasured', the default): the spread between tasks counts only where some task did not measure the candidate", () => {
    // Candidate 0: both tasks measured it (z 1 and 3, no posterior variance): the mean alone, 2.
    // Candidate 1: task b's value is its GP's (variance 0.5): mean 1, posterior 0.25, between (4 + 0)/2 − 1 = 1.
    const parts = { z: [Float64Array.of(1, 2), Float64Array.of(3, 0)], variance: [Float64Array.of(0, 0), Float64Array.of(0, 0.5)] };
    const [measured, filled] = combineTransfer(parts, { kappa: 1 });
    assert.ok(Math.abs(measured! - 2) < 1e-12, `${measured}`);
    assert.ok(Math.abs(filled! - (1 - Math.sqrt(1.25))) < 1e-12, `${filled}`);
    const [, posterior] = combineTransfer(parts, { kappa: 1, spread: 'posterior' });
    assert.ok(Math.abs(posterior! - (1 - Math.sqrt(0.25))) < 1e-12, `${posterior}`);
    const [everywhere] = combineTransfer(parts, { kappa: 1, spread: 'tasks' });
    assert.ok(Math.abs(everywhere! - (2 - 1)) < 1e-12, `${everywhere}`);
  });

  it('transferSupport: one row per task and input (matched columns included), non-finite and constant tasks left out, capped', () => {
    const x = pts(0.1, 0.2, 0.3);
    const data = {
      tasks: [
        { name: 'a', x, y: Float64Array.of(1, Number.NaN, 3) },
        { name: 'flat', x, y: Float64Array.of(2, 2, 2) },
      ],
      matched: [{ x: pts(0.3, 0.9), m: 2, taskNames: ['a', 'b'], y: Float64Array.of(3, 5, 7, 6) }],
    };
    const support = transferSupport(data, { values: 'model' });
    assert.equal(support.length, 2);
    const [a, b] = support;
    // a: 0.1 → 1, 0.3 → 3 (once, though the matched group repeats it), 0.9 → 7.
    assert.deepEqual(Array.from(a!.x.data), [0.1, 0.3, 0.9]);
    assert.deepEqual(Array.from(a!.y), [1, 3, 7]);
    assert.equal(a!.center, 3);
    assert.ok(Math.abs(a!.scale - Math.sqrt(((1 - 11 / 3) ** 2 + (3 - 11 / 3) ** 2 + (7 - 11 / 3) ** 2) / 3)) < 1e-12);
    assert.deepEqual(Array.from(b!.y), [5, 6]);
    // Capped per task: the best point is always kept.
    const many = { name: 'm', x: pts(...Array.from({ length: 100 }, (_, i) => i / 100)), y: Float64Array.from({ length: 100 }, (_, i) => -Math.abs(i - 37)) };
    const capped = transferSupport({ tasks: [many], matched: [] }, { perTask: 10 })[0]!;
    assert.equal(capped.x.n, 10);
    assert.ok(Array.from(capped.x.data).includes(0.37));
    // Candidates: every task's inputs once: {0.1, 0.3, 0.9} ∪ {0.3, 0.9}.
    assert.deepEqual(Array.from(transferCandidates(support).data), [0.1, 0.3, 0.9]);
  });

  it("transferSupport ('uniform-ranks', the default): ranks on a uniform scale of unit variance on the task's centre and spread, ties shared", () => {
    // Values 1, 100, 3, 3 (a heavy tail at 100): ranks 0, 3, 1.5, 1.5 of 4 → q = 1/8, 7/8, 1/2, 1/2 → √12·(q − ½).
    const x = pts(0.1, 0.2, 0.3, 0.4);
    const [t] = transferSupport({ tasks: [{ name: 'a', x, y: Float64Array.of(1, 100, 3, 3) }], matched: [] });
    const mean = 107 / 4;
    const sd = Math.sqrt(([1, 100, 3, 3].map((v) => (v - mean) ** 2).reduce((a, b) => a + b, 0)) / 4);
    assert.equal(t!.center, 3);
    assert.ok(Math.abs(t!.scale - sd) < 1e-12);
    const u = [-0.375, 0.375, 0, 0].map((d) => Math.sqrt(12) * d);
    Array.from(t!.y).forEach((v, i) => assert.ok(Math.abs(v - (3 + sd * u[i]!)) < 1e-9, `${i}: ${v}`));
  });

  it("transferSupport ('normal-scores'): ranks as normal quantiles on the task's centre and spread, ties shared", () => {
    // Values 1, 100, 3, 3 (a heavy tail at 100): ranks 0, 3, 1.5, 1.5 of 4 → Φ⁻¹(1/8), Φ⁻¹(7/8), Φ⁻¹(1/2) twice.
    const x = pts(0.1, 0.2, 0.3, 0.4);
    const [t] = transferSupport({ tasks: [{ name: 'a', x, y: Float64Array.of(1, 100, 3, 3) }], matched: [] }, { values: 'normal-scores' });
    const mean = 107 / 4;
    const sd = Math.sqrt(([1, 100, 3, 3].map((v) => (v - mean) ** 2).reduce((a, b) => a + b, 0)) / 4);
    assert.equal(t!.center, 3);
    assert.ok(Math.abs(t!.scale - sd) < 1e-12);
    const z = [-1.1503493803760079, 1.1503493803760079, 0, 0]; // Φ⁻¹(0.125), Φ⁻¹(0.875)
    Array.from(t!.y).forEach((v, i) => assert.ok(Math.abs(v - (3 + sd * z[i]!)) < 1e-7, `${i}: ${v}`));
  });

  it('checkTransfer rejects data of another dimension or outside the unit cube', () => {
    assert.throws(() => checkTransfer(tasks, 2), /2 inputs/);
    assert.throws(() => checkTransfer([{ ...tasks[0]!, x: pts(0.1, 0.2, 0.3, 1.5) }], 1), /unit cube/);
    assert.throws(() => checkTransfer([{ ...tasks[0]!, scale: 0 }], 1), /positive spread/);
  });

  const space = new SearchSpace([{ name: 'x', type: 'float', low: 0, high: 1 }]);
  const output = { goal: 'maximize', warp: 'none', normalization: 'none' } as const;

  it('Study: the first suggestion on a continuous space is the best training configuration, then the acquisition takes over', () => {
    const plain = new Study({ space, output, prior: { spec, theta }, acquisition: { kind: 'ucb', beta: 1 }, seed: 1 });
    const [p] = plain.ask(1);
    assert.ok((p!.config.x as number) > 0.95, `without transfer data the prior mean's argmax: ${p!.config.x}`);
    assert.equal(p!.transfer, undefined);

    const study = new Study({ space, output, prior: { spec, theta, transfer: tasks }, acquisition: { kind: 'ucb', beta: 1 }, seed: 1 });
    const [first, second] = study.ask(2);
    assert.equal(first!.config.x, 0.2);
    assert.equal(first!.transfer, true);
    assert.equal(first!.basis, 'pretrained-prior');
    assert.ok(Number.isFinite(first!.predicted.value) && Number.isFinite(first!.model.sd));
    // A batch before any result: the next-best measured configuration, not a repeat.
    assert.equal(second!.transfer, true);
    assert.ok([0.1, 0.3].includes(second!.config.x as number), `second ${second!.config.x}`);
    study.tell(first!.trialId, 1);
    const [third] = study.ask(1);
    assert.equal(third!.transfer, undefined);
  });

  it('Study: on a pool the first pick is the pool member with the best transfer score, never a tried one', () => {
    const candidates = [1, 0.7, 0.3, 0.2, 0].map((x) => ({ x }));
    const study = new Study({ space, output, prior: { spec, theta, transfer: tasks }, candidates, acquisition: { kind: 'pi' }, seed: 3 });
    const [first] = study.ask(1);
    assert.equal(first!.candidateIndex, 3);
    assert.equal(first!.transfer, true);
    study.tell(first!.trialId, { status: 'failed' });
    // A failed trial is no result: still a transfer pick, but not the same pool member again.
    const [again] = study.ask(1);
    assert.equal(again!.transfer, true);
    assert.equal(again!.candidateIndex, 2);
    const none = new Study({ space, output, prior: { spec, theta }, candidates, acquisition: { kind: 'pi' }, seed: 3 });
    assert.equal(none.ask(1)[0]!.candidateIndex, 0);
  });

  it('combineTransfer: the lower bound of the tasks\' mixture (known answer), as transferScores computes it', () => {
    const parts = { z: [Float64Array.of(1, -1), Float64Array.of(-1, 1)], variance: [Float64Array.of(0, 0.5), Float64Array.of(0, 0.5)] };
    // Mean 0 at both; between-task variance 1; posterior variance 0 at the first, ½ at the second.
    const mixed = combineTransfer(parts, { kappa: 1, spread: 'tasks' });
    assert.ok(Math.abs(mixed[0]! + 1) < 1e-12 && Math.abs(mixed[1]! + Math.sqrt(1.5)) < 1e-12, `${mixed}`);
    // 'unmeasured': the spread only where a task's value is predicted, not measured.
    const unmeasured = combineTransfer(parts, { kappa: 1, spread: 'unmeasured' });
    assert.ok(Math.abs(unmeasured[0]!) < 1e-12 && Math.abs(unmeasured[1]! + Math.sqrt(1.5)) < 1e-12, `${unmeasured}`);
    const candidates = pts(0, 0.1, 0.2, 0.5, 0.9);
    assert.deepEqual(
      Array.from(transferScores(spec, theta, tasks, candidates)),
      Array.from(combineTransfer(transferTaskScores(spec, theta, tasks, candidates))),
    );
  });

  it('Study: only the first suggestion is a transfer pick; later ones come from the GP', () => {
    const small = (): TransferTask => ({ x: pts(0.1, 0.2, 0.3, 0.4), y: Float64Array.of(4, 3, 2, 1), center: 2.5, scale: 1.1 });
    const candidates = [0.1, 0.2, 0.3, 0.4].map((x) => ({ x }));
    const study = new Study({ space, output, prior: { spec, theta, transfer: [small(), small()] }, candidates, acquisition: { kind: 'pi' }, seed: 2 });
    assert.deepEqual(askAndTell(study, 3, (x) => 10 * x).map((s) => s.transfer), [true, undefined, undefined]);
  });
});

describe('engine/transfer: how each training task orders a study\'s results', () => {
  it('counts the pairs a task orders as the results do: all when it agrees, none when reversed, ties left out', () => {
    // The study measured the tasks' own configurations, so each task's values are used as measured.
    const named = [{ ...tasks[0]!, name: 'alike' }, { ...tasks[0]!, name: 'reversed', y: Float64Array.from(tasks[0]!.y, (v) => -v) }];
    const results = Float64Array.of(0.4, 1.2, 0.9, 0.1); // ordered as task 0 (0.5, 1.5, 0.8, 0.2)
    assert.deepEqual(taskAgreement(spec, theta, named, pts(0.1, 0.2, 0.3, 0.4), results), [
      { name: 'alike', pairs: 6, concordant: 6 },
      { name: 'reversed', pairs: 6, concordant: 0 },
    ]);
    // Two equal results make no pair.
    assert.deepEqual(taskAgreement(spec, theta, named.slice(0, 1), pts(0.1, 0.2, 0.3, 0.4), Float64Array.of(0.4, 1.2, 0.4, 0.1))[0], { name: 'alike', pairs: 5, concordant: 5 });
    assert.deepEqual(taskAgreement(spec, theta, named, pts(0.1), Float64Array.of(1)), [], 'one result has no pairs');
  });

  it('transferSupport names each task, and a study with 3 results reports the training tasks\' agreement', () => {
    const support = transferSupport({ tasks: [{ name: 'a', x: pts(0.1, 0.2, 0.3, 0.4), y: Float64Array.of(0.5, 1.5, 0.8, 0.2) }], matched: [] });
    assert.deepEqual(support.map((t) => t.name), ['a']);
    const space = new SearchSpace([{ name: 'x', type: 'float', low: 0, high: 1 }]);
    const study = new Study({ space, output: { goal: 'maximize', warp: 'none', normalization: 'none' }, prior: { spec, theta, numTrainingTasks: 1, transfer: support } });
    assert.deepEqual(study.taskAgreement(), [], 'fewer than 3 results');
    for (const [x, v] of [[0.1, 0.5], [0.2, 1.5], [0.3, 0.8]] as const) study.tell({ x }, v);
    const [a] = study.taskAgreement();
    assert.equal(a!.name, 'a');
    assert.equal(a!.pairs, 3);
    assert.equal(a!.concordant, 3);
  });
});
