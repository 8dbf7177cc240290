import { strict as assert } from 'node:assert';
import { condition, paramsFromValues } from '../../../src/engine/model';
import { pretrain, simpleSpec } from '../../../src/engine/pretrain';
import { createRng } from '../../../src/engine/rng';
import { SearchSpace, pd1Config, pd1SearchSpace } from '../../../src/engine/space';
import { normalQuantile, PD1_OUTPUT_SPEC } from '../../../src/engine/warp';
import { prepareTrainingData } from '../../../src/engine/pretrain';
import { Study, studyFromRecord } from '../../../src/engine/study';
import { fitSingleTask } from '../../../src/engine/singleTask';
import type { Task } from '../../../src/engine/types';

const space = new SearchSpace([
  { name: 'lr', type: 'float', low: 1e-4, high: 1, scale: 'log' },
  { name: 'wd', type: 'float', low: 0, high: 0.1 },
  { name: 'layers', type: 'int', low: 1, high: 6 },
  { name: 'opt', type: 'categorical', choices: ['sgd', 'adam'] },
]);

// A loss with its minimum near lr = 1e-2 (u ≈ 0.5), wd = 0.03, 3 layers.
function loss(c: Record<string, unknown>): number {
  const u = space.toUnit(c as never);
  return 0.1 + (u[0]! - 0.5) ** 2 + 0.5 * (u[1]! - 0.3) ** 2 + 0.2 * (u[2]! - 0.4) ** 2 + (c.opt === 'sgd' ? 0.05 : 0);
}

describe('engine/study', () => {
  it('without a prior: in-bounds suggestions that improve on the first ones', () => {
    const study = new Study({ space, output: { goal: 'minimize', warp: 'log', normalization: 'standardize' }, seed: 1 });
    const values: number[] = [];
    for (let i = 0; i < 14; i++) {
      const [s] = study.ask(1);
      assert.equal(s!.basis, i < 2 ? 'default-prior' : 'single-task-gp');
      assert.ok(space.contains(s!.config), JSON.stringify(s!.config));
      assert.ok(Number.isFinite(s!.predicted.value) && Number.isFinite(s!.acquisition));
      const v = loss(s!.config);
      values.push(v);
      study.tell(s!.trialId, v);
    }
    const best = Math.min(...values);
    assert.ok(best < 0.16, `best ${best}`);
    assert.ok(best < Math.min(...values.slice(0, 3)));
  });

  it('batch ask gives distinct points and accounts for pending trials', () => {
    const study = new Study({ space, output: { goal: 'minimize', warp: 'none', normalization: 'standardize' }, seed: 2 });
    const rng = createRng(3);
    for (let i = 0; i < 6; i++) {
      const c = space.sample(rng);
      study.tell(c, loss(c));
    }
    const batch = study.ask(4);
    assert.equal(batch.length, 4);
    const keys = new Set(batch.map((b) => JSON.stringify(b.config)));
    assert.equal(keys.size, 4);
    assert.equal(study.trials.filter((t) => t.status === 'pending').length, 4);
    // A further ask must differ from the pending ones.
    const [next] = study.ask(1);
    assert.ok(!keys.has(JSON.stringify(next!.config)));
  });

  it('NaN, infinite, failed and diverged results never poison the model', () => {
    for (const policy of ['worst', 'exclude'] as const) {
      const study = new Study({
        space,
        output: { goal: 'minimize', warp: 'log', normalization: 'standardize' },
        divergedPolicy: policy,
        seed: 4,
      });
      const rng = createRng(5);
      for (let i = 0; i < 5; i++) {
        const c = space.sample(rng);
        study.tell(c, loss(c));
      }
      study.tell(space.sample(rng), Number.NaN);
      study.tell(space.sample(rng), Number.POSITIVE_INFINITY);
      study.tell(space.sample(rng), -1); // outside the log warp's domain
      study.tell(space.sample(rng), { status: 'diverged' });
      study.tell(space.sample(rng), { status: 'failed' });
      const obs = study.observations();
      assert.equal(obs.x.n, policy === 'worst' ? 6 : 5);
      assert.ok(obs.y.every(Number.isFinite));
      assert.equal(study.trials.filter((t) => t.status === 'failed').length, 4);
      for (const s of study.ask(3)) {
        assert.ok(space.contains(s.config));
        assert.ok(Number.isFinite(s.predicted.value) && Number.isFinite(s.model.sd) && Number.isFinite(s.acquisition));
      }
    }
  });

  it('a finite but absurd loss (1e162) enters the model like a diverged run, at the worst feasible value', () => {
    const study = new Study({ space, output: { goal: 'minimize', warp: 'log', normalization: 'standardize', tails: 'auto' }, seed: 4 });
    const rng = createRng(8);
    for (let i = 0; i < 8; i++) {
      const c = space.sample(rng);
      study.tell(c, loss(c));
    }
    const absurd = study.tell(space.sample(rng), 1e162);
    assert.equal(absurd.status, 'completed', 'the recorded value is kept as the user reported it');
    const obs = study.observations();
    assert.equal(obs.x.n, 9);
    const worst = Math.min(...Array.from(obs.y.subarray(0, 8)));
    assert.equal(obs.y[8], worst);
    assert.ok(Math.max(...obs.y) - worst < 5, `model range ${worst}..${Math.max(...obs.y)}`);
    const [s] = study.ask(1);
    assert.ok(Number.isFinite(s!.predicted.value) && s!.predicted.value < 10);
  });

  it('held-out check: keeps a prior that predicts the task, drops one that mispredicts it (negative transfer)', () => {
    // A 1-D task y = sin(6u). A prior as good as the GP fitted to the task itself (its hyperparameters) is kept; one whose
    // mean is far off with a tiny variance is dropped.
    const space1 = new SearchSpace([{ name: 'u', type: 'float', low: 0, high: 1 }]);
    const xs = Array.from({ length: 10 }, (_, i) => (i + 0.5) / 10);
    const fitted = fitSingleTask({ n: 10, d: 1, data: Float64Array.from(xs) }, Float64Array.from(xs, (u) => Math.sin(6 * u)), { seed: 1 });
    const spec = fitted.spec;
    const good = fitted.theta;
    const bad = paramsFromValues(spec, { constant: 3, lengthscale: [0.01], signalVariance: 0.01, noiseVariance: 1e-4 }, good);
    const run = (theta: Float64Array) => {
      const study = new Study({ space: space1, output: { goal: 'maximize', warp: 'none', normalization: 'none' }, prior: { spec, theta }, adaptation: 'held-out', seed: 1 });
      for (let i = 0; i < 10; i++) study.tell({ u: (i + 0.5) / 10 }, Math.sin(6 * ((i + 0.5) / 10)));
      return { check: study.priorCheck()!, basis: study.ask(1)[0]!.basis, theta: study.modelParameters().theta };
    };
    const kept = run(good);
    assert.equal(kept.check.verdict, 'kept');
    assert.equal(kept.check.points, 10);
    assert.equal(kept.basis, 'pretrained-prior');
    const dropped = run(bad);
    assert.equal(dropped.check.verdict, 'dropped');
    assert.ok(dropped.check.singleTaskLogLik > dropped.check.priorLogLik + 1);
    assert.equal(dropped.basis, 'single-task-gp');
    assert.deepEqual(kept.theta, good, 'a kept prior is the model the study reports');
    assert.notDeepEqual(dropped.theta, bad, 'a dropped prior is not reported as the model');
    assert.ok(dropped.check.priorMeanZ2 > 4, `the bad prior's errors are far beyond its predicted spread (mean z² ${dropped.check.priorMeanZ2})`);
    // Too few results, or adaptation 'none': no check.
    const few = new Study({ space: space1, output: { goal: 'maximize', warp: 'none', normalization: 'none' }, prior: { spec, theta: bad }, adaptation: 'held-out' });
    few.tell({ u: 0.5 }, 0.1);
    assert.equal(few.priorCheck(), undefined);
  });

  it('held-out check: keeps a prior that led to a good region, although a GP fitted to those similar values alone scores higher', () => {
    // The main job's pattern: the first trials, guided by the prior, land on near-equal good values. A single-task GP fitted
    // to them claims a tiny variance and wins the leave-one-out score by nats, yet the prior's errors are well within the
    // spread it predicts (mean z² < 1): no negative transfer, so the prior stays.
    const space1 = new SearchSpace([{ name: 'u', type: 'float', low: 0, high: 1 }]);
    const base = fitSingleTask({ n: 3, d: 1, data: Float64Array.from([0.1, 0.5, 0.9]) }, Float64Array.from([0, 1, 0]), { seed: 1 });
    const spec = base.spec;
    const wide = paramsFromValues(spec, { constant: 0, lengthscale: [0.3], signalVariance: 1, noiseVariance: 1e-3 }, base.theta);
    const study = new Study({ space: space1, output: { goal: 'maximize', warp: 'none', normalization: 'none' }, prior: { spec, theta: wide }, adaptation: 'held-out', seed: 1 });
    for (let i = 0; i < 6; i++) study.tell({ u: 0.4 + 0.04 * i }, 0.3 + 0.002 * ((i * 7) % 3));
    const check = study.priorCheck()!;
    assert.ok(check.singleTaskLogLik > check.priorLogLik + 1, `the fitted GP wins by nats (${check.singleTaskLogLik} vs ${check.priorLogLik})`);
    assert.ok(check.priorMeanZ2 < 1, `the prior's errors are within its spread (mean z² ${check.priorMeanZ2})`);
    assert.equal(check.verdict, 'kept');
    assert.equal(study.ask(1)[0]!.basis, 'pretrained-prior');
  });

  it("the new task's level: estimated under a learnt mean with a shape (auto), fixed under a constant mean", () => {
    // A task 3 above the prior's linear mean, observed at u = 0.2 and 0.3; the kernel's lengthscale is short, so at
    // u = 0.9 only the level can carry what the results say.
    const space1 = new SearchSpace([{ name: 'u', type: 'float', low: 0, high: 1 }]);
    const output = { goal: 'maximize', warp: 'none', normalization: 'none' } as const;
    const linear = { dim: 1, mean: 'linear', kernel: 'matern52', kernelOnFeatures: false, mlp: [] } as const;
    const theta = paramsFromValues(linear, { linearWeights: [1], lengthscale: [0.05], signalVariance: 0.1, noiseVariance: 1e-4 });
    const at = (level: 'auto' | 'fixed', spec: typeof linear | ReturnType<typeof simpleSpec>, t: Float64Array) => {
      const study = new Study({ space: space1, output, prior: { spec, theta: t }, level, seed: 1 });
      study.tell({ u: 0.2 }, 3.2);
      study.tell({ u: 0.3 }, 3.3);
      const p = study.predict([{ u: 0.9 }]);
      return { mean: p.mean[0]!, sd: p.sd[0]! };
    };
    const estimated = at('auto', linear, theta);
    assert.ok(Math.abs(estimated.mean - 3.9) < 0.01, `the task's offset carries over: ${estimated.mean}`);
    const fixed = at('fixed', linear, theta);
    assert.ok(Math.abs(fixed.mean - 0.9) < 0.01, `the learnt mean's level: ${fixed.mean}`);
    assert.ok(estimated.sd > fixed.sd, 'the estimated level adds its own uncertainty');
    // A constant mean is the only thing such a prior knows: auto keeps it.
    const constant = simpleSpec(1);
    const constantTheta = paramsFromValues(constant, { constant: 0, lengthscale: [0.05], signalVariance: 0.1, noiseVariance: 1e-4 });
    assert.ok(Math.abs(at('auto', constant, constantTheta).mean) < 0.01);
    assert.throws(() => new Study({ space: space1, output, level: 'free' as 'auto' }), /Unknown level "free"/);
  });

  it('studies of different spaces never share a single-task fit, even with no observations (the fits are shared by data)', () => {
    const output = { goal: 'minimize', warp: 'none', normalization: 'none' } as const;
    const three = new Study({ space, output, seed: 3 });
    assert.equal(three.modelParameters().spec.dim, space.dim);
    const one = new Study({ space: new SearchSpace([{ name: 'u', type: 'float', low: 0, high: 1 }]), output, seed: 3 });
    assert.equal(one.modelParameters().spec.dim, 1);
    assert.equal(one.predict([{ u: 0.5 }]).mean.length, 1);
  });

  it('with a finite pool picks only pool members, never twice', () => {
    const rng = createRng(6);
    const pool = Array.from({ length: 40 }, () => space.sample(rng));
    const study = new Study({ space, output: { goal: 'minimize', warp: 'none', normalization: 'none' }, candidates: pool, seed: 7 });
    const seen = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const [s] = study.ask(1);
      assert.ok(s!.candidateIndex !== undefined && !seen.has(s!.candidateIndex));
      seen.add(s!.candidateIndex!);
      study.tell(s!.trialId, loss(s!.config));
    }
  });

  it('works with a pre-trained prior from the first ask and is deterministic per seed', () => {
    const rng = createRng(8);
    const d = 2;
    const space2 = new SearchSpace([
      { name: 'a', type: 'float', low: 0, high: 1 },
      { name: 'b', type: 'float', low: 0, high: 1 },
    ]);
    const tasks: Task[] = Array.from({ length: 6 }, (_, t) => {
      const x = Float64Array.from({ length: 30 * d }, () => rng.next());
      const y = Float64Array.from({ length: 30 }, (_, i) => -((x[i * d]! - 0.7) ** 2) - (x[i * d + 1]! - 0.2) ** 2 + 0.05 * t);
      return { name: `t${t}`, x: { n: 30, d, data: x }, y };
    });
    const prior = pretrain({ tasks, matched: [] }, { spec: simpleSpec(d), objective: 'nll', seed: 1, steps: 60 });
    const make = (): Study =>
      new Study({ space: space2, output: { goal: 'maximize', warp: 'none', normalization: 'none' }, prior, seed: 9 });
    const a = make().ask(2);
    const b = make().ask(2);
    assert.deepEqual(a.map((s) => s.config), b.map((s) => s.config));
    assert.ok(a.every((s) => Number.isFinite(s.predicted.value) && s.model.sd > 0 && s.basis === 'pretrained-prior'));
    assert.notDeepEqual(a[0]!.config, a[1]!.config);
    // A prior for another dimension is refused.
    assert.throws(() => new Study({ space, output: { goal: 'maximize', warp: 'none', normalization: 'none' }, prior }), /2 inputs/);
  });

  it('PD1 end to end: error rates → −log warp prior → suggestions in bounds with predicted error rates in (0, 1)', () => {
    const space = pd1SearchSpace();
    const rng = createRng(12);
    // Error rate is lowest near lr = 0.1, 1 − β = 0.1; each task shifts the optimum a little.
    const errorRate = (c: Record<string, number>, shift: number): number => {
      const a = Math.log10(c.learning_rate!) + 1 - shift;
      const b = Math.log10(c.one_minus_momentum!) + 1;
      return Math.min(0.9, 0.05 + 0.08 * a * a + 0.05 * b * b + 0.02 * c.lr_decay_power!);
    };
    const rows = (shift: number, n: number) =>
      Array.from({ length: n }, () =>
        pd1Config({
          initialLearningRate: 10 ** (-5 + 6 * rng.next()),
          momentum: 1 - 10 ** (-3 * rng.next()),
          power: 0.1 + 1.9 * rng.next(),
          decayStepsFactor: 0.01 + 0.98 * rng.next(),
        }),
      ).map((c) => ({ c, v: errorRate(c, shift) }));
    const raw = [0, 0.3, -0.3, 0.15, -0.15].map((shift, t) => {
      const r = rows(shift, 40);
      return { name: `task${t}`, x: space.encode(r.map((q) => q.c)), values: r.map((q) => q.v) };
    });
    const prepared = prepareTrainingData({ tasks: raw }, PD1_OUTPUT_SPEC);
    const prior = pretrain(prepared.data, { objective: 'nll', seed: 1, steps: 80 });
    const study = new Study({ space, output: PD1_OUTPUT_SPEC, prior: { ...prior, numTrainingTasks: 5 }, acquisition: { kind: 'pi' }, seed: 3 });
    let best = 1;
    for (let i = 0; i < 6; i++) {
      const [s] = study.ask(1);
      assert.ok(space.contains(s!.config));
      assert.ok(s!.predicted.value > 0 && s!.predicted.value < 1, `predicted ${s!.predicted.value}`);
      const v = errorRate(s!.config as Record<string, number>, 0.1);
      best = Math.min(best, v);
      study.tell(s!.trialId, v);
    }
    assert.ok(best < 0.09, `best error ${best}`);
  });
});

describe('engine/study default acquisition', () => {
  const space = new SearchSpace([{ name: 'a', type: 'float', low: 0, high: 1 }]);
  const output = { goal: 'minimize', warp: 'none', normalization: 'none' } as const;
  const prior = { spec: simpleSpec(1), theta: paramsFromValues(simpleSpec(1), { constant: 0, lengthscale: 0.3, signalVariance: 1, noiseVariance: 0.01 }) };

  it('defaults to UCB with β = 1, with or without a prior, and keeps an explicit β', () => {
    assert.deepEqual(new Study({ space, output, prior }).acquisition, { kind: 'ucb', beta: 1 });
    assert.deepEqual(new Study({ space, output }).acquisition, { kind: 'ucb', beta: 1 });
    assert.deepEqual(new Study({ space, output, prior, acquisition: { kind: 'ucb' } }).acquisition, { kind: 'ucb', beta: 1 });
    assert.deepEqual(new Study({ space, output, prior, acquisition: { kind: 'ucb', beta: 3 } }).acquisition, { kind: 'ucb', beta: 3 });
    assert.deepEqual(new Study({ space, output, acquisition: { kind: 'pi' } }).acquisition, { kind: 'pi' });
  });

  it('the default reaches the suggestion: with the prior, the acquisition is the model mean + 1·sd', () => {
    const [s] = new Study({ space, output, prior, seed: 1 }).ask(1);
    assert.ok(s!.model.sd > 0.1, 'an uncertain point, so β matters');
    assert.ok(Math.abs(s!.acquisition - (s!.model.mean + s!.model.sd)) < 1e-9, JSON.stringify(s));
  });
});

describe('engine/study initial design (no prior)', () => {
  const space = new SearchSpace([
    { name: 'a', type: 'float', low: 0, high: 1 },
    { name: 'b', type: 'float', low: 0, high: 1 },
    { name: 'c', type: 'float', low: 1e-4, high: 1, scale: 'log' },
  ]);
  const output = { goal: 'minimize', warp: 'none', normalization: 'standardize' } as const;
  const unit = (c: Record<string, unknown>) => Array.from(space.toUnit(c as never));
  const f = (c: Record<string, unknown>) => (Number(c.a) - 0.3) ** 2 + (Number(c.b) - 0.6) ** 2;

  it('starts with d + 1 spread-out points instead of corners, then follows the acquisition', () => {
    const study = new Study({ space, output, seed: 4 });
    const points: number[][] = [];
    const flags: boolean[] = [];
    for (let k = 0; k < 6; k++) {
      const [s] = study.ask(1);
      flags.push(s!.initialDesign === true);
      points.push(unit(s!.config));
      study.tell(s!.trialId, f(s!.config));
    }
    assert.deepEqual(flags, [true, true, true, true, false, false]);
    for (const p of points.slice(0, 4)) assert.ok(p.some((v) => v > 0.02 && v < 0.98), `a corner: ${p}`);
    let closest = Infinity;
    for (let i = 0; i < 4; i++) for (let j = 0; j < i; j++) closest = Math.min(closest, Math.hypot(...points[i]!.map((v, k) => v - points[j]![k]!)));
    assert.ok(closest > 0.2, `design points ${closest.toFixed(3)} apart`);
    // Deterministic per seed.
    const again = new Study({ space, output, seed: 4 });
    assert.deepEqual(unit(again.ask(1)[0]!.config), points[0]);
  });

  it('counts the trials the study already holds, fills a batch with distinct design points, and can be turned off', () => {
    const study = new Study({ space, output, seed: 5 });
    study.tell({ a: 0.5, b: 0.5, c: 0.01 }, 0.1);
    study.tell({ a: 0.1, b: 0.9, c: 0.1 }, 0.4);
    const batch = study.ask(3);
    assert.deepEqual(batch.map((s) => s.initialDesign === true), [true, true, false]);
    assert.ok(Math.hypot(...unit(batch[0]!.config).map((v, k) => v - unit(batch[1]!.config)[k]!)) > 0.05);
    assert.equal(new Study({ space, output, seed: 5, initialDesign: 0 }).ask(1)[0]!.initialDesign, undefined);
    assert.throws(() => new Study({ space, output, initialDesign: -1 }), /initialDesign must be a whole number/);
  });

  it('is not used with a pre-trained prior', () => {
    const spec = simpleSpec(3);
    const theta = paramsFromValues(spec, { constant: 0, lengthscale: 0.3, signalVariance: 1, noiseVariance: 0.01 });
    assert.equal(new Study({ space, output, prior: { spec, theta }, seed: 1 }).ask(1)[0]!.initialDesign, undefined);
  });
});

describe('engine/study from recorded trials (editor and CLI)', () => {
  const space = new SearchSpace([
    { name: 'a', type: 'float', low: 0, high: 1 },
    { name: 'b', type: 'float', low: 0, high: 1 },
  ]);
  const options = { space, goal: 'minimize', seed: 2 } as const;

  it('tells results and divergences, holds pending, running and failed trials as pending, and skips the rest', () => {
    const study = studyFromRecord(options, [
      { params: { a: 0.1, b: 0.1 }, status: 'completed', value: 3 },
      { params: { a: 0.2, b: 0.2 }, status: 'completed', value: 1 },
      { params: { a: 0.3, b: 0.3 }, status: 'diverged' },
      { params: { a: 0.4, b: 0.4 }, status: 'failed' },
      { params: { a: 0.5, b: 0.5 }, status: 'running' },
      { params: { a: 0.6, b: 0.6 }, status: 'pending' },
      { params: { a: 0.7, b: 0.7 }, status: 'completed', value: Number.NaN },
      { params: { a: 0.8, b: 0.8 }, status: 'completed', value: 2, outsideSpace: true },
      { params: { a: 0.9 }, status: 'completed', value: 2 },
    ]);
    assert.deepEqual(
      study.trials.map((t) => [t.config.a, t.status, t.value ?? null]),
      [
        [0.1, 'completed', 3],
        [0.2, 'completed', 1],
        [0.3, 'diverged', null],
        [0.4, 'pending', null],
        [0.5, 'pending', null],
        [0.6, 'pending', null],
      ],
    );
    // Without a prior the output rule comes from the completed values: standardised around them.
    const [next] = study.ask(1);
    for (const t of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]) {
      assert.ok(Math.hypot(Number(next!.config.a) - t, Number(next!.config.b) - t) > 0.01, `re-suggested the trial at ${t}`);
    }
  });
});

describe('engine/study stopped trials (run.stopping): censored at their value when stopped', () => {
  const space = new SearchSpace([{ name: 'a', type: 'float', low: 0, high: 1 }]);
  const output = { goal: 'minimize', warp: 'none', normalization: 'standardize', tails: 'none' } as const;
  const completed = (study: Study) => {
    for (const [a, v] of [[0.1, 1], [0.2, 2], [0.3, 3], [0.4, 4]] as const) study.tell({ a }, v);
  };

  it('an early-stopped loss far above every finished run counts as the worst completed run, not as an outlier', () => {
    const study = new Study({ space, output, seed: 1 });
    completed(study);
    const stopped = study.tell({ a: 0.9 }, { status: 'stopped', value: 50 });
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.value, 50, 'the recorded value is kept');
    const obs = study.observations();
    assert.equal(obs.x.n, 5);
    // Standardised over 1..4 (mean 2.5, sample sd √(5/3)) with the sign folded: the worst (4) is −1.5/√(5/3).
    const worst = -1.5 / Math.sqrt(5 / 3);
    assert.ok(Math.abs(obs.y[4]! - worst) < 1e-9, `stopped y ${obs.y[4]}, worst ${worst}`);
    assert.equal(obs.y[4], Math.min(...obs.y));
    // The output rule is fitted on completed values only: the stopped value does not shift it.
    const without = new Study({ space, output, seed: 1 });
    completed(without);
    assert.deepEqual(Array.from(without.observations().y), Array.from(obs.y.subarray(0, 4)));
  });

  it('a run stopped late, within the finished runs\' range, keeps its value (it would have ended at least that well)', () => {
    const study = new Study({ space, output, seed: 1 });
    completed(study);
    study.tell({ a: 0.9 }, { status: 'stopped', value: 3.5 });
    const obs = study.observations();
    assert.ok(Math.abs(obs.y[4]! - -1 / Math.sqrt(5 / 3)) < 1e-9, `y ${obs.y[4]}`);
  });

  it('without a completed value, or without a value at all, a stopped run is treated as diverged', () => {
    const study = new Study({ space, output, seed: 1 });
    study.tell({ a: 0.9 }, { status: 'stopped', value: 2 });
    assert.deepEqual(Array.from(study.observations().y), [-3], 'the diverged fill before any result');
    const later = new Study({ space, output, seed: 1 });
    completed(later);
    later.tell({ a: 0.9 }, { status: 'stopped' });
    const y = later.observations().y;
    assert.equal(y[4], Math.min(...y.subarray(0, 4)));
  });

  it('studyFromRecord tells stopped trials with their value, and the configuration is not suggested again', () => {
    const study = studyFromRecord({ space, goal: 'minimize', seed: 3 }, [
      { params: { a: 0.1 }, status: 'completed', value: 1 },
      { params: { a: 0.3 }, status: 'completed', value: 2 },
      { params: { a: 0.5 }, status: 'completed', value: 3 },
      { params: { a: 0.7 }, status: 'stopped', value: 40 },
    ]);
    assert.deepEqual(study.trials.map((t) => [t.status, t.value]), [['completed', 1], ['completed', 2], ['completed', 3], ['stopped', 40]]);
    for (const s of study.ask(3)) assert.ok(Math.abs(Number(s.config.a) - 0.7) > 0.01, `re-suggested the stopped 0.7: ${s.config.a}`);
  });
});

describe('engine/study diverged trials before any result', () => {
  const space = new SearchSpace([
    { name: 'a', type: 'float', low: 0, high: 1 },
    { name: 'b', type: 'float', low: 0, high: 1 },
  ]);
  const output = { goal: 'minimize', warp: 'none', normalization: 'none' } as const;
  const unitDistance = (p: Record<string, unknown>, q: Record<string, unknown>) => Math.hypot(Number(p.a) - Number(q.a), Number(p.b) - Number(q.b));
  // A prior with a learnt linear mean, under which the study estimates the task's level.
  const linearPrior = () => {
    const spec = { dim: 2, mean: 'linear', kernel: 'matern52', kernelOnFeatures: false, mlp: [] } as const;
    const theta = new Float64Array(pretrain(
      { tasks: [{ name: 't', x: { n: 5, d: 2, data: Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1]) }, y: Float64Array.from([-1, -2, -3, -2, -1]) }], matched: [] },
      { spec, steps: 20, seed: 1 },
    ).theta);
    return { spec, theta };
  };
  // The task's level estimated from the first n observations (its measured results) alone.
  const levelOfFirst = ({ spec, theta }: ReturnType<typeof linearPrior>, obs: { x: { data: Float64Array }; y: Float64Array }, n: number) =>
    condition(spec, theta, { n, d: 2, data: obs.x.data.slice(0, 2 * n) }, obs.y.slice(0, n), { level: 'estimated' }).level;

  it('moves away from a diverged suggestion when nothing has completed (with a prior)', () => {
    const spec = simpleSpec(2);
    const theta = new Float64Array(pretrain(
      { tasks: [{ name: 't', x: { n: 5, d: 2, data: Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1]) }, y: Float64Array.from([1, 2, 3, 2, 1]) }], matched: [] },
      { spec, steps: 20, seed: 1 },
    ).theta);
    const study = new Study({ space, output, prior: { spec, theta }, seed: 3 });
    const [first] = study.ask(1);
    study.tell(first!.trialId, { status: 'diverged' });
    const [second] = study.ask(1);
    assert.ok(unitDistance(first!.config, second!.config) > 0.05, `repeated ${JSON.stringify(first!.config)}`);
  });

  it('a diverged first trial under a learnt mean: the level stays the prior\'s until a result is measured', () => {
    // Estimated from the diverged run's stand-in value alone, the level would shift every prediction down by it, and
    // the region that diverged would look as good as the rest.
    const spec = { dim: 2, mean: 'linear', kernel: 'matern52', kernelOnFeatures: false, mlp: [] } as const;
    const theta = new Float64Array(pretrain(
      { tasks: [{ name: 't', x: { n: 5, d: 2, data: Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1]) }, y: Float64Array.from([1, 2, 3, 2, 1]) }], matched: [] },
      { spec, steps: 20, seed: 1 },
    ).theta);
    const predictions = (level: 'auto' | 'fixed') => {
      const study = new Study({ space, output, prior: { spec, theta }, seed: 3, level });
      const [first] = study.ask(1);
      study.tell(first!.trialId, { status: 'diverged' });
      const p = study.predict([first!.config, { a: 0.5, b: 0.5 }]);
      return { study, atDiverged: p.mean[0]!, elsewhere: p.mean[1]! };
    };
    const auto = predictions('auto');
    const fixed = predictions('fixed');
    assert.ok(auto.atDiverged < auto.elsewhere, `the diverged region looks worse (${auto.atDiverged} vs ${auto.elsewhere})`);
    assert.ok(Math.abs(auto.elsewhere - fixed.elsewhere) < 1e-9, 'the prior\'s level, as with level: fixed');
    // A measured result: the level is estimated from then on.
    for (const { study } of [auto, fixed]) study.tell({ a: 0.9, b: 0.9 }, 0.5);
    const centre = [{ a: 0.5, b: 0.5 }];
    assert.ok(Math.abs(auto.study.predict(centre).mean[0]! - fixed.study.predict(centre).mean[0]!) > 1e-3);
  });

  it('after one good result, a diverged run never makes its region look better', () => {
    // The worst completed value is then the good result itself: standing in for the diverged run, it told the model
    // that the region which blew up was as good as the best, and more so under an estimated level.
    const { spec, theta } = linearPrior();
    const corners = [{ a: 0, b: 0 }, { a: 1, b: 0 }, { a: 0, b: 1 }, { a: 1, b: 1 }];
    for (const level of ['auto', 'fixed'] as const) {
      const study = new Study({ space, output, prior: { spec, theta }, seed: 3, level });
      const initial = study.predict(corners);
      const metric = initial.metric.map((m) => m.value);
      const good = metric.indexOf(Math.min(...metric));
      const poor = metric.indexOf(Math.max(...metric));
      study.tell(corners[good]!, metric[good]! - 3);
      // Model units, larger is better.
      const before = study.predict([corners[poor]!]).mean[0]!;
      study.tell(corners[poor]!, { status: 'diverged' });
      const after = study.predict([corners[poor]!]).mean[0]!;
      assert.ok(after < before, `level ${level}: ${after} after the diverged run there, ${before} before`);
      const obs = study.observations();
      const standIn = obs.y[1]!;
      // At the task's level, estimated from the measured result alone, when the level is estimated (auto, linear mean).
      const taskLevel = level === 'fixed' ? 0 : levelOfFirst({ spec, theta }, obs, 1);
      assert.ok(standIn <= obs.y[0]! + 1e-12, `stand-in ${standIn}: no better than the result`);
      assert.ok(standIn <= initial.mean[poor]! + taskLevel - initial.sd[poor]! + 1e-9, `stand-in ${standIn}: one prior sd below the prior's mean at the task's level (${taskLevel}) at most`);
    }
  });

  it('under a prior, an absurd completed loss stands in like a diverged run: one prior sd below the mean at the task\'s level', () => {
    const { spec, theta } = linearPrior();
    // Model units are −log(loss) with no normalisation, so the prior's prediction is comparable before and after.
    const logOutput = { goal: 'minimize', warp: 'log', normalization: 'none', tails: 'auto' } as const;
    const study = new Study({ space, output: logOutput, prior: { spec, theta }, seed: 5 });
    const rng = createRng(12);
    // Eight results close together, as BO's first ones often are: their worst is about their best.
    const points = Array.from({ length: 8 }, () => ({ a: 0.2 + 0.05 * rng.next(), b: 0.7 + 0.05 * rng.next() }));
    const at = { a: 0.3, b: 0.8 };
    const prior = study.predict([at]);
    const expected = study.predict(points).metric.map((m) => m.value);
    // A task below the training tasks' level (three times the loss the prior expects): the worst of the close results
    // sits below the prior's mean − 1 sd there, so only the task's level makes the stand-in worse than them.
    points.forEach((p, i) => study.tell(p, expected[i]! * (3 + 0.03 * rng.next())));
    study.tell(at, 1e162);
    const obs = study.observations();
    assert.equal(obs.x.n, 9);
    const standIn = obs.y[8]!;
    const taskLevel = levelOfFirst({ spec, theta }, obs, 8);
    assert.ok(taskLevel < -0.5, `the task's level ${taskLevel}: below the prior's`);
    assert.ok(Number.isFinite(standIn));
    assert.ok(standIn <= Math.min(...obs.y.subarray(0, 8)) + 1e-12, `stand-in ${standIn}: no better than the worst result`);
    assert.ok(standIn <= prior.mean[0]! + taskLevel - prior.sd[0]! + 1e-9, `stand-in ${standIn}: one prior sd below the prior's mean (${prior.mean[0]}) at the task's level at most`);
    assert.ok(standIn > -10, `stand-in ${standIn}: a bad value, not the absurd one (−log 1e162 ≈ −373)`);
  });

  it('moves away from a diverged suggestion when nothing has completed (single-task GP)', () => {
    const study = new Study({ space, output, seed: 3 });
    const [first] = study.ask(1);
    study.tell(first!.trialId, { status: 'diverged' });
    const [second] = study.ask(1);
    assert.ok(unitDistance(first!.config, second!.config) > 0.05, `repeated ${JSON.stringify(first!.config)}`);
  });
});

describe('engine/study never re-suggests a tried configuration on a continuous space', () => {
  const space = new SearchSpace([
    { name: 'a', type: 'float', low: 0, high: 1 },
    { name: 'b', type: 'float', low: 0, high: 1 },
  ]);
  const output = { goal: 'maximize', warp: 'none', normalization: 'none' } as const;
  // A noisy frozen prior (noise sd ≈ 0.45): with the best observation on top of a bump, PI's target
  // (best + 0.1) is reached with the highest probability right at that observation.
  const spec = simpleSpec(2);
  const prior = { spec, theta: paramsFromValues(spec, { constant: 0, lengthscale: 0.3, signalVariance: 1, noiseVariance: 0.2 }) };
  const bump = (c: Record<string, unknown>): number => 1 - 3 * ((Number(c.a) - 0.5) ** 2 + (Number(c.b) - 0.5) ** 2);
  const observed = [[0.5, 0.5], [0.3, 0.5], [0.7, 0.5], [0.5, 0.3], [0.5, 0.7]];
  const unitDistance = (p: Record<string, unknown>, q: Record<string, unknown>) => Math.hypot(Number(p.a) - Number(q.a), Number(p.b) - Number(q.b));
  // 1 % of the unit square's diagonal, the documented minimum separation in 2 continuous dimensions.
  const minimum = 0.01 * Math.SQRT2;

  const assertKeepsDistance = (study: Study, label: string): void => {
    const trials = study.trials;
    const last = trials[trials.length - 1]!;
    for (const t of trials.slice(0, -1)) {
      if (t.status === 'failed') continue;
      const d = unitDistance(last.config, t.config);
      assert.ok(d >= minimum, `${label}: suggested ${JSON.stringify(last.config)}, ${d.toFixed(5)} from ${t.status} ${JSON.stringify(t.config)}`);
    }
  };

  for (const kind of ['pi', 'ei', 'ucb'] as const) {
    it(`${kind}: every suggestion keeps its distance from observed and pending points, deterministically`, () => {
      const run = (): Record<string, unknown>[] => {
        const study = new Study({ space, output, prior, acquisition: { kind }, seed: 5 });
        for (const [a, b] of observed) study.tell({ a: a!, b: b! }, bump({ a, b }));
        const configs: Record<string, unknown>[] = [];
        for (let i = 0; i < 6; i++) {
          const [s] = study.ask(1);
          assertKeepsDistance(study, `${kind} ask ${i + 1}`);
          assert.ok(Number.isFinite(s!.acquisition) && Number.isFinite(s!.model.mean) && s!.model.sd > 0);
          configs.push(s!.config);
          study.tell(s!.trialId, bump(s!.config));
        }
        // A running trial next to the optimum and a batch: each suggestion avoids it and the others.
        study.addPending({ a: 0.52, b: 0.49 });
        for (const s of study.ask(3)) {
          const upTo = study.trials.findIndex((t) => t.id === s.trialId);
          const earlier = study.trials.slice(0, upTo);
          for (const t of earlier) assert.ok(unitDistance(s.config, t.config) >= minimum, `${kind} batch: ${JSON.stringify(s.config)} near ${JSON.stringify(t.config)}`);
          configs.push(s.config);
        }
        return configs;
      };
      const first = run();
      assert.deepEqual(run(), first);
    });
  }

  it('PI without the exclusion (excludeTried: false) does repeat the observed optimum, so the test above can fail', () => {
    const study = new Study({ space, output, prior, acquisition: { kind: 'pi' }, excludeTried: false, seed: 5 });
    for (const [a, b] of observed) study.tell({ a: a!, b: b! }, bump({ a, b }));
    const [s] = study.ask(1);
    assert.ok(unitDistance(s!.config, { a: 0.5, b: 0.5 }) < minimum, JSON.stringify(s!.config));
  });

  it('integer and categorical parameters: a different value is a distinct configuration; an exhausted space still answers', () => {
    const discrete = new SearchSpace([
      { name: 'layers', type: 'int', low: 1, high: 3 },
      { name: 'opt', type: 'categorical', choices: ['sgd', 'adam'] },
    ]);
    const study = new Study({ space: discrete, output: { goal: 'minimize', warp: 'none', normalization: 'standardize' }, acquisition: { kind: 'pi' }, seed: 6 });
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const [s] = study.ask(1);
      const key = JSON.stringify(s!.config);
      assert.ok(!seen.has(key), `repeated ${key} after ${[...seen].join(' ')}`);
      seen.add(key);
      study.tell(s!.trialId, Number(s!.config.layers) + (s!.config.opt === 'sgd' ? 0.5 : 0));
    }
    // All six configurations are tried: the next ask repeats one rather than failing.
    const [again] = study.ask(1);
    assert.ok(seen.has(JSON.stringify(again!.config)) && Number.isFinite(again!.acquisition));
  });
});

describe('engine/study with objective.normalize: copula', () => {
  const space = new SearchSpace([{ name: 'a', type: 'float', low: 0, high: 1 }]);
  it('objective.normalize: copula without a prior: the GP sees normal scores of ranks, and predictions come back in metric units', () => {
    // Values 26 … 2026 spread over two orders of magnitude: the model sees only their ranks.
    const trials = [0.1, 0.3, 0.5, 0.7, 0.9].map((a) => ({ params: { a }, status: 'completed' as const, value: 1 + 1e4 * (a - 0.45) ** 2 }));
    const study = studyFromRecord({ space, goal: 'minimize', seed: 3, outputOverrides: { normalization: 'copula' } }, trials);
    assert.equal(study.output.normalization, 'copula');
    const y = Array.from(study.observations().y).sort((p, q) => p - q);
    assert.deepEqual(y, [0.5, 1.5, 2.5, 3.5, 4.5].map((r) => normalQuantile(r / 5)));
    const [p] = study.predict([{ a: 0.5 }]).metric;
    assert.ok(p!.value > 26 / 2 && p!.value < 2026, `prediction ${p!.value} in metric units`);
    const [next] = study.ask(1);
    assert.ok(Number(next!.config.a) >= 0 && Number(next!.config.a) <= 1);
  });
});
