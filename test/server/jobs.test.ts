// The job runner: real worker threads running engine jobs, progress, cancellation, failure isolation.
import * as assert from 'node:assert/strict';
import { JobCancelledError, JobRunner } from '../../src/server/jobs/jobRunner';
import type { ModelInput } from '../../src/server/jobs/compute';
import { SearchSpace, createRng, paramsFromValues, simpleSpec } from '../../src/engine';

const space = [
  { name: 'lr', type: 'float' as const, low: 1e-4, high: 1, scale: 'log' as const },
  { name: 'momentum', type: 'float' as const, low: 0, high: 0.99 },
];

function input(n: number, seed = 0): ModelInput {
  const rng = createRng(seed + 100);
  const s = new SearchSpace(space);
  const trials = Array.from({ length: n }, (_, i) => {
    const params = s.fromUnit([rng.next(), rng.next()]);
    const lr = params.lr as number;
    return { id: i + 1, params, status: 'completed' as const, value: (Math.log10(lr) + 2) ** 2 + 0.1 * (params.momentum as number) };
  });
  return { space, goal: 'minimize', acquisition: { kind: 'ucb', beta: 3 }, trials, seed };
}

describe('server job runner (worker threads)', function () {
  this.timeout(60_000);
  let runner: JobRunner;
  beforeEach(() => (runner = new JobRunner({ cancelGraceMs: 500 })));
  afterEach(async () => runner.dispose());

  it('suggests in the worker: in bounds, finite mean and sd, deterministic for a seed', async () => {
    const a = await runner.run({ kind: 'suggest', input: input(6), count: 2 });
    const b = await runner.run({ kind: 'suggest', input: input(6), count: 2 });
    assert.equal(a.length, 2);
    for (const s of a) {
      const lr = s.params.lr as number;
      assert.ok(lr >= 1e-4 && lr <= 1, `lr ${lr} in bounds`);
      assert.ok(Number.isFinite(s.predictedMean) && s.predictedSd > 0);
    }
    assert.deepEqual(a, b);
    // With 2 of the 3 space-filling starts done (2-D, no prior), the next one comes from the design, then the GP.
    const start = await runner.run({ kind: 'suggest', input: input(2), count: 2 });
    assert.deepEqual(start.map((s) => s.initialDesign === true), [true, false]);
  });

  it('reports a bad input as an error with the engine message, and keeps working', async () => {
    const bad = { ...input(3), space: [{ name: 'x', type: 'float' as const, low: 1, high: 0 }] };
    await assert.rejects(runner.run({ kind: 'suggest', input: bad, count: 1 }), /inverted bounds/);
    const ok = await runner.run({ kind: 'suggest', input: input(3), count: 1 });
    assert.equal(ok.length, 1);
  });

  it('cancels a queued job and a running one; the lane keeps working', async () => {
    const controller = new AbortController();
    const slow = runner.run({ kind: 'heldOut', input: input(60) }, { signal: controller.signal });
    const queued = new AbortController();
    const second = runner.run({ kind: 'heldOut', input: input(5) }, { signal: queued.signal });
    queued.abort();
    await assert.rejects(second, JobCancelledError);
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(slow, JobCancelledError);
    const after = await runner.run({ kind: 'heldOut', input: input(4) });
    assert.ok(after && after.points === 4 && Number.isFinite(after.rmse));
  });

  it('computes posterior slices and a contour through an anchor', async () => {
    const result = await runner.run({
      kind: 'posterior',
      input: input(8),
      options: { anchor: { lr: 0.01, momentum: 0.5 }, resolution: 12, pair: ['lr', 'momentum'], includePrior: true },
    });
    assert.equal(result.slices.length, 2);
    const lr = result.slices[0]!;
    assert.equal(lr.xs.length, 12);
    assert.equal(lr.xs[0], 1e-4);
    assert.ok(lr.mean.every(Number.isFinite) && lr.sd.every((v) => v >= 0));
    assert.equal(lr.priorMean!.length, 12);
    assert.equal(result.contour!.mean.length, 12);
    assert.equal(result.contour!.mean[0]!.length, 12);
  });

  it('an appended trial extends the experiment\'s posterior in the worker (no refactorisation), equal to conditioning afresh', async () => {
    const spec = simpleSpec(2);
    const prior = { spec, theta: Array.from(paramsFromValues(spec, { constant: 0, lengthscale: 0.3, signalVariance: 1, noiseVariance: 1e-2 })), numTrainingTasks: 5 };
    const experiment = 'file:///tmp/appended.hyperbo.yaml';
    const all = input(301, 4);
    const version = (n: number): ModelInput => ({ ...all, prior, trials: all.trials.slice(0, n), experiment });
    const configs = all.trials.slice(0, 20).map((t) => t.params);
    await runner.run({ kind: 'predict', input: version(300), configs });
    const kept = await runner.run({ kind: 'predict', input: version(301), configs });
    const counts = await runner.run({ kind: 'conditioningCounts', experiment });
    assert.deepEqual([counts?.full, counts?.extended], [1, 1]);
    // Without an experiment name nothing is kept: the study factors its covariance afresh.
    const { experiment: _, ...anonymous } = version(301);
    const fresh = await runner.run({ kind: 'predict', input: anonymous, configs });
    kept.forEach((p, i) => {
      assert.ok(Math.abs(p.mean - fresh[i]!.mean) <= 1e-9 * Math.max(1, Math.abs(fresh[i]!.mean)), `mean ${i}: ${p.mean} vs ${fresh[i]!.mean}`);
      assert.ok(Math.abs(p.sd - fresh[i]!.sd) <= 1e-8 * Math.max(1, fresh[i]!.sd), `sd ${i}: ${p.sd} vs ${fresh[i]!.sd}`);
    });
    assert.deepEqual((await runner.run({ kind: 'conditioningCounts', experiment }))?.full, 1);
  });
});
