import { strict as assert } from 'node:assert';
import { buildPriorFile, parsePrior, priorFileFromPretrain, serializePrior, studyPriorFromFile, type PriorFile } from '../../../src/engine/prior';
import { pretrain, simpleSpec } from '../../../src/engine/pretrain';
import { trainingCoverage } from '../../../src/engine/coverage';
import { createRng } from '../../../src/engine/rng';
import { pd1SearchSpace } from '../../../src/engine/space';
import { EngineError, type ModelSpec } from '../../../src/engine/types';
import { PD1_OUTPUT_SPEC, type OutputSpec } from '../../../src/engine/warp';
import { describeParams, paramLayout } from '../../../src/engine/model';

const spec: ModelSpec = { dim: 4, mean: 'constant', kernel: 'matern52', kernelOnFeatures: false, mlp: [] };

function sample(): PriorFile {
  const n = paramLayout(spec).size;
  const theta = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 1.2345678901234567);
  return buildPriorFile({
    spec,
    theta,
    output: PD1_OUTPUT_SPEC,
    space: pd1SearchSpace(),
    parameters: describeParams(spec, theta),
    training: {
      objective: 'nll',
      optimizer: 'lbfgs',
      finalLoss: 12.5,
      steps: 100,
      seed: 1,
      tasks: [{ name: 'cifar10/wrn/256', points: 96 }],
      matchedGroups: [],
      dataHash: 'sha256:abc',
    },
    createdAt: new Date('2026-01-02T03:04:05Z'),
  });
}

describe('engine/prior', () => {
  it('save → load is the identity on spec, theta (bit-exact), space and output', () => {
    const file = sample();
    const loaded = parsePrior(serializePrior(file));
    assert.deepEqual(loaded.spec, spec);
    assert.deepEqual(Array.from(loaded.theta), file.theta);
    assert.deepEqual(loaded.space.toJSON(), pd1SearchSpace().toJSON());
    assert.deepEqual(loaded.output, PD1_OUTPUT_SPEC);
    assert.equal(loaded.file.training.dataHash, 'sha256:abc');
    assert.equal(loaded.file.createdAt, '2026-01-02T03:04:05.000Z');
  });

  it('rejects bad files with clear messages', () => {
    const good = sample();
    const cases: [unknown, RegExp][] = [
      ['{not json', /not valid JSON/],
      [[], /JSON object/],
      [{ ...good, format: 'other' }, /"format"/],
      [{ ...good, version: 99 }, /version 99 is not supported/],
      [{ ...good, theta: [...good.theta, 1] }, /entries but the spec needs/],
      [{ ...good, theta: good.theta.map((v, i) => (i === 0 ? null : v)) }, /finite numbers/],
      [{ ...good, spec: { ...spec, kernel: 'rbf' } }, /spec.kernel/],
      [{ ...good, spec: { ...spec, dim: 3 } }, /spec|space/],
      [{ ...good, spec: { ...spec, mean: 'linear-mlp', mlp: [] } }, /MLP/],
      [{ ...good, output: { ...good.output, goal: 'up' } }, /output.goal/],
      [{ ...good, space: [{ name: 'a', type: 'float', low: 1, high: 1 }] }, /zero-width/],
      [{ ...good, training: { ...good.training, finalLoss: 'x' } }, /finalLoss/],
      [{ ...good, training: { ...good.training, level: 'per-task' } }, /training.level/],
    ];
    for (const [input, re] of cases) {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      assert.throws(() => parsePrior(text), (e: unknown) => e instanceof EngineError && re.test(e.message), String(re));
    }
  });

  it('a pre-trained prior survives save → load and gives identical predictions', async () => {
    const rng = createRng(1);
    const tasks = Array.from({ length: 3 }, (_, t) => {
      const x = Float64Array.from({ length: 60 }, () => rng.next());
      const y = Float64Array.from({ length: 15 }, (_, i) => Math.sin(3 * x[i * 4]!) + 0.1 * t);
      return { name: `t${t}`, x: { n: 15, d: 4, data: x }, y };
    });
    const result = pretrain({ tasks, matched: [] }, { spec: simpleSpec(4), steps: 20, seed: 2 });
    const file = priorFileFromPretrain(result, pd1SearchSpace(), PD1_OUTPUT_SPEC, { dataHash: 'h' });
    const loaded = parsePrior(serializePrior(file));
    const prior = studyPriorFromFile(loaded);
    assert.equal(prior.numTrainingTasks, 3);
    assert.deepEqual(Array.from(prior.theta), Array.from(result.theta));
    assert.equal(loaded.file.training.tasks[0]!.points, 15);
    assert.equal(loaded.file.training.level, 'fixed', 'a constant mean keeps one level, and the file says so');
    assert.equal(loaded.transfer, undefined, 'without the training data the file has no transfer subset');
    assert.equal(loaded.coverage, undefined, 'nor coverage');
    // With them it keeps both: the first pick's subset and where the data lie in each parameter.
    const withData = parsePrior(serializePrior(priorFileFromPretrain(result, pd1SearchSpace(), PD1_OUTPUT_SPEC, { data: { tasks, matched: [] } })));
    assert.equal(withData.transfer!.length, 3);
    assert.deepEqual(withData.coverage, trainingCoverage({ tasks, matched: [] }, pd1SearchSpace()));
    assert.throws(() => parsePrior(JSON.stringify({ ...withData.file, coverage: withData.coverage!.slice(1) })), /"coverage" must list the 4 parameters/);
    const shaped = pretrain({ tasks, matched: [] }, { spec: { ...simpleSpec(4), mean: 'linear' }, steps: 5, seed: 2 });
    assert.equal(parsePrior(serializePrior(priorFileFromPretrain(shaped, pd1SearchSpace(), PD1_OUTPUT_SPEC))).file.training.level, 'estimated');
    const { condition } = await import('../../../src/engine/model');
    const q = { n: 2, d: 4, data: Float64Array.from({ length: 8 }, () => rng.next()) };
    const a = condition(result.spec, result.theta, tasks[0]!.x, tasks[0]!.y).predict(q);
    const b = condition(prior.spec, prior.theta, tasks[0]!.x, tasks[0]!.y).predict(q);
    assert.deepEqual(Array.from(a.mean), Array.from(b.mean));
  });

  it('the output rule survives save → load whole: a study under the loaded prior reads what pre-training used', () => {
    const rng = createRng(5);
    const tasks = [0, 1].map((t) => ({ name: `t${t}`, x: { n: 6, d: 4, data: Float64Array.from({ length: 24 }, () => rng.next()) }, y: Float64Array.from({ length: 6 }, () => rng.normal()) }));
    const result = pretrain({ tasks, matched: [] }, { spec: simpleSpec(4), steps: 5, seed: 1 });
    const rules: OutputSpec[] = [
      { goal: 'minimize', warp: 'log', normalization: 'standardize', tails: 'auto', floor: 1e-4, reference: { center: -1.5, scale: 0.25 } },
      { goal: 'maximize', warp: 'log1m', normalization: 'copula', tails: 'half-rank', reference: { center: 2, scale: 3 } },
      { ...PD1_OUTPUT_SPEC, tails: 'none' },
    ];
    for (const output of rules) {
      const loaded = parsePrior(serializePrior(priorFileFromPretrain(result, pd1SearchSpace(), { ...output, infeasibleInTraining: 'drop' }, { dataHash: 'h' })));
      // infeasibleInTraining is pre-training's alone; everything else is the study's rule.
      assert.deepEqual(loaded.output, output);
    }
  });

  it('keeps the training tasks\' data for the first pick (transfer) bit-exact, and rejects a malformed one', async () => {
    const { transferSupport } = await import('../../../src/engine/transfer');
    const rng = createRng(4);
    const tasks = Array.from({ length: 2 }, (_, t) => ({
      name: `t${t}`,
      x: { n: 5, d: 4, data: Float64Array.from({ length: 20 }, () => rng.next()) },
      y: Float64Array.from({ length: 5 }, () => rng.normal() + t),
    }));
    const transfer = transferSupport({ tasks, matched: [] });
    const file = buildPriorFile({ ...sample(), space: pd1SearchSpace(), theta: Float64Array.from(sample().theta), transfer, createdAt: new Date(0) });
    const loaded = parsePrior(serializePrior(file));
    const prior = studyPriorFromFile(loaded);
    assert.equal(prior.transfer!.length, 2);
    prior.transfer!.forEach((t, i) => {
      assert.deepEqual(Array.from(t.x.data), Array.from(transfer[i]!.x.data));
      assert.deepEqual(Array.from(t.y), Array.from(transfer[i]!.y));
      assert.equal(t.center, transfer[i]!.center);
      assert.equal(t.scale, transfer[i]!.scale);
      assert.equal(t.name, `t${i}`, 'the task\'s name survives save → load');
    });
    // Older priors have none: the study falls back to the acquisition's argmax.
    assert.equal(studyPriorFromFile(parsePrior(serializePrior(sample()))).transfer, undefined);
    const bad: [unknown, RegExp][] = [
      [{ tasks: 'x' }, /"transfer" must be/],
      [{ tasks: [{ x: [[0.1, 0.2]], y: [1], center: 0, scale: 1 }] }, /list of 4 numbers/],
      [{ tasks: [{ x: [[0.1, 0.2, 0.3, 2]], y: [1], center: 0, scale: 1 }] }, /unit cube/],
      [{ tasks: [{ x: [[0.1, 0.2, 0.3, 0.4]], y: [1], center: 0, scale: 0 }] }, /positive spread/],
      [{ tasks: [{ name: 3, x: [[0.1, 0.2, 0.3, 0.4]], y: [1], center: 0, scale: 1 }] }, /name must be a string/],
    ];
    for (const [t, re] of bad) {
      assert.throws(() => parsePrior(JSON.stringify({ ...file, transfer: t })), (e: unknown) => e instanceof EngineError && re.test(e.message), String(re));
    }
  });
});
