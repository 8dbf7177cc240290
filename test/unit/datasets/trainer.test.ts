import assert from 'node:assert/strict';
import { createRng } from '../../../src/engine';
import { DATASETS, loadSplit, VALID_FRACTION } from '../../../src/trainer/datasets';
import { learningRateAt, train, type Dataset, type TrainConfig } from '../../../src/trainer/mlp';
import { EPOCHS, MODELS, TASK_DATASETS } from '../../../src/trainer/tasks';

/** Two Gaussian blobs per class in 2-D (3 classes): learnable, but not linearly trivial. */
function blobs(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const x = new Float64Array(n * 2);
  const y = new Int32Array(n);
  const centres = [
    [-2, -2],
    [2, 2],
    [-2, 2],
    [2, -2],
    [0, 3],
    [0, -3],
  ];
  for (let i = 0; i < n; i++) {
    const c = rng.int(centres.length);
    x[2 * i] = centres[c]![0]! + 0.6 * rng.normal();
    x[2 * i + 1] = centres[c]![1]! + 0.6 * rng.normal();
    y[i] = c % 3;
  }
  return { name: 'blobs', x, y, n, d: 2, classes: 3 };
}

const base: TrainConfig = {
  hidden: [16],
  activation: 'relu',
  batchSize: 16,
  epochs: 15,
  learningRate: 0.05,
  momentum: 0.9,
  power: 1,
  decayStepsFactor: 0.9,
  seed: 3,
};

describe('trainer: polynomial learning-rate decay', () => {
  const cfg = { learningRate: 0.2, power: 2, decayStepsFactor: 0.5 };
  it('starts at η0, decays polynomially to η0/1000 over decay_steps_factor × total steps, then stays', () => {
    assert.equal(learningRateAt(cfg, 0, 100), 0.2);
    const end = 0.2e-3;
    // Halfway through the 50 decay steps: end + (η0 − end)·0.5².
    assert.ok(Math.abs(learningRateAt(cfg, 25, 100) - (end + (0.2 - end) * 0.25)) < 1e-15);
    assert.ok(Math.abs(learningRateAt(cfg, 50, 100) - end) < 1e-15);
    assert.ok(Math.abs(learningRateAt(cfg, 99, 100) - end) < 1e-15);
  });
  it('power 1 is a straight line and a smaller power decays later', () => {
    const linear = { learningRate: 1, power: 1, decayStepsFactor: 1 };
    const early = learningRateAt(linear, 30, 100);
    assert.ok(Math.abs(early - (1e-3 + (1 - 1e-3) * 0.7)) < 1e-12);
    assert.ok(learningRateAt({ ...linear, power: 0.3 }, 30, 100) > early);
    assert.ok(learningRateAt({ ...linear, power: 2 }, 30, 100) < early);
  });
});

describe('trainer: MLP with SGD + Nesterov momentum', () => {
  const trainSet = blobs(300, 1);
  const valid = blobs(150, 2);

  it('reduces the training loss and beats chance on validation with a sane learning rate', () => {
    const result = train(trainSet, valid, base);
    assert.equal(result.status, 'done');
    assert.equal(result.epochs.length, base.epochs);
    const first = result.epochs[0]!;
    const last = result.epochs.at(-1)!;
    assert.ok(last.trainLoss < 0.6 * first.trainLoss, `loss ${first.trainLoss} → ${last.trainLoss}`);
    assert.ok(last.validErrorRate < 0.2, `validation error ${last.validErrorRate}`);
    assert.ok(last.validCrossEntropy < Math.log(3), `validation cross-entropy ${last.validCrossEntropy}`);
    assert.equal(last.step, base.epochs * Math.ceil(trainSet.n / base.batchSize));
  });

  it('learns with tanh and two hidden layers too', () => {
    const result = train(trainSet, valid, { ...base, hidden: [16, 16], activation: 'tanh' });
    assert.equal(result.status, 'done');
    assert.ok(result.epochs.at(-1)!.validErrorRate < 0.25);
  });

  it('marks a run whose loss blows up as diverged and stops there', () => {
    const result = train(trainSet, valid, { ...base, learningRate: 1e4, momentum: 0.99, decayStepsFactor: 0.99 });
    assert.equal(result.status, 'diverged');
    assert.ok(result.epochs.length < base.epochs);
    const last = result.epochs.at(-1)!;
    assert.ok(Number.isNaN(last.validErrorRate) && Number.isNaN(last.validCrossEntropy) && Number.isNaN(last.trainLoss));
  });

  it('exactCrossEntropy: the same training, the loss from the logits, and a (huge, finite) loss at the diverged epoch', () => {
    const plain = train(trainSet, valid, base);
    const exact = train(trainSet, valid, { ...base, exactCrossEntropy: true });
    assert.deepEqual(exact.epochs.map((e) => e.trainLoss), plain.epochs.map((e) => e.trainLoss));
    assert.deepEqual(exact.epochs.map((e) => e.validErrorRate), plain.epochs.map((e) => e.validErrorRate));
    // No probability below 1e-12 on a sane run: both ways agree to rounding.
    exact.epochs.forEach((e, i) => assert.ok(Math.abs(e.validCrossEntropy - plain.epochs[i]!.validCrossEntropy) < 1e-9));
    const blownUp = { ...base, learningRate: 30, momentum: 0.9, decayStepsFactor: 0.99 };
    const clamped = train(trainSet, valid, blownUp);
    const diverged = train(trainSet, valid, { ...blownUp, exactCrossEntropy: true });
    assert.equal(diverged.status, 'diverged');
    assert.ok(Number.isNaN(clamped.epochs.at(-1)!.validCrossEntropy));
    const last = diverged.epochs.at(-1)!;
    assert.ok(Number.isNaN(last.validErrorRate));
    assert.ok(last.validCrossEntropy > 27.7, `the clamped loss is at most −log(1e-12) ≈ 27.6; got ${last.validCrossEntropy}`);
  });

  it('barely moves with a tiny learning rate (the low end of the PD1 range)', () => {
    const result = train(trainSet, valid, { ...base, learningRate: 1e-5, momentum: 0 });
    assert.equal(result.status, 'done');
    const drop = result.epochs[0]!.trainLoss - result.epochs.at(-1)!.trainLoss;
    assert.ok(Math.abs(drop) < 0.05, `loss moved by ${drop}`);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const a = train(trainSet, valid, base);
    const b = train(trainSet, valid, base);
    const c = train(trainSet, valid, { ...base, seed: 4 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.epochs.map((e) => e.trainLoss), c.epochs.map((e) => e.trainLoss));
  });

  it('reports each epoch as it finishes', () => {
    const seen: number[] = [];
    const result = train(trainSet, valid, { ...base, epochs: 3 }, (e) => seen.push(e.epoch));
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(result.epochs.length, 3);
  });
});

describe('trainer: bundled data sets', () => {
  it('every data set loads, splits by its validation share, and standardises with training statistics', () => {
    for (const name of DATASETS) {
      const { train: tr, valid } = loadSplit(name, 0);
      assert.equal(tr.d, valid.d);
      assert.equal(tr.x.length, tr.n * tr.d);
      const share = valid.n / (tr.n + valid.n);
      assert.ok(Math.abs(share - VALID_FRACTION[name]) < 0.01, `${name}: ${share}`);
      for (const label of [...tr.y, ...valid.y]) assert.ok(label >= 0 && label < tr.classes);
      for (let j = 0; j < tr.d; j++) {
        let mean = 0;
        for (let i = 0; i < tr.n; i++) mean += tr.x[i * tr.d + j]!;
        assert.ok(Math.abs(mean / tr.n) < 1e-9, `${name} feature ${j} mean ${mean / tr.n}`);
      }
      assert.ok(valid.x.every(Number.isFinite));
    }
  });

  it('the split is seeded', () => {
    assert.deepEqual(loadSplit('cars', 1).valid.y, loadSplit('cars', 1).valid.y);
    assert.notDeepEqual(loadSplit('cars', 1).valid.y, loadSplit('cars', 2).valid.y);
  });

  it('rejects an unknown data set with the list of known ones', () => {
    assert.throws(() => loadSplit('mnist' as never), /Unknown data set "mnist"; use one of iris, wine/);
  });

  it('the generated task family trains every model on every task data set without error', () => {
    for (const dataset of TASK_DATASETS) {
      const { train: tr, valid } = loadSplit(dataset, 0);
      const small = { ...tr, n: Math.min(tr.n, 64) };
      for (const model of Object.values(MODELS)) {
        const r = train(small, valid, { ...base, ...model, epochs: 1, batchSize: 32 });
        assert.equal(r.status, 'done');
        assert.ok(r.epochs[0]!.validErrorRate >= 0 && r.epochs[0]!.validErrorRate <= 1);
      }
      assert.ok(EPOCHS[dataset] >= 1);
    }
  });
});
