import assert from 'node:assert/strict';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { condition, GP_JITTER, initialParams, paramLayout, priorCovariance, priorMean } from '../../../src/engine/model';
import {
  combinedObjective,
  combinedValueAndGrad,
  eklObjective,
  eklValueAndGrad,
  nllObjective,
  nllValueAndGrad,
} from '../../../src/engine/objectives';
import { createRng } from '../../../src/engine/rng';
import { EngineError, type KernelKind, type MatchedGroup, type MeanKind, type ModelSpec, type Rng, type Task } from '../../../src/engine/types';
import { assertClose, finiteDifferenceGradient, maxRelativeError } from '../helpers/approx';

const MEANS: MeanKind[] = ['zero', 'constant', 'linear', 'linear-mlp'];
const KERNELS: KernelKind[] = ['se', 'matern32', 'matern52'];

function randomPoints(n: number, d: number, rng: Rng) {
  return { n, d, data: Float64Array.from({ length: n * d }, () => rng.next()) };
}

function makeTask(name: string, n: number, d: number, rng: Rng): Task {
  const x = randomPoints(n, d, rng);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.sin(4 * x.data[i * d]) + 0.5 * x.data[i * d + d - 1] + 0.1 * rng.normal();
  return { name, x, y };
}

function makeGroup(n: number, m: number, d: number, rng: Rng): MatchedGroup {
  const x = randomPoints(n, d, rng);
  const y = new Float64Array(n * m);
  for (let j = 0; j < m; j++) {
    const shift = rng.normal();
    for (let i = 0; i < n; i++) y[i * m + j] = Math.cos(3 * x.data[i * d]) + shift + 0.2 * rng.normal();
  }
  return { x, m, y, taskNames: Array.from({ length: m }, (_, j) => `t${j}`) };
}

/** Random, non-default parameters so every gradient entry is exercised. */
function randomTheta(spec: ModelSpec, rng: Rng): Float64Array {
  const theta = initialParams(spec, rng);
  const layout = paramLayout(spec);
  for (let c = 0; c < layout.kernelDim; c++) theta[layout.lengthscale + c] = -0.5 + rng.next();
  theta[layout.signalVariance] = 0.3 * rng.normal();
  theta[layout.noiseVariance] = -2 + 0.5 * rng.normal();
  if (layout.constant >= 0) theta[layout.constant] = rng.normal();
  if (layout.linearBias >= 0) theta[layout.linearBias] = rng.normal();
  if (layout.mlp >= 0) for (let i = 0; i < layout.mlpCount; i++) theta[layout.mlp + i] += 0.1 * rng.normal();
  return theta;
}

const GRADIENT_TOLERANCE = 1e-5;

describe('engine/objectives: analytic gradients vs central finite differences', () => {
  for (const mean of MEANS) {
    for (const kernel of KERNELS) {
      for (const kernelOnFeatures of [false, true]) {
        const spec: ModelSpec = { dim: 2, mean, kernel, kernelOnFeatures, mlp: mean === 'linear-mlp' || kernelOnFeatures ? [3, 2] : [] };
        const label = `${mean} mean, ${kernel}${kernelOnFeatures ? ' on MLP features' : ''}`;
        it(label, () => {
          const rng = createRng(1000 + MEANS.indexOf(mean) * 10 + KERNELS.indexOf(kernel) * 2 + (kernelOnFeatures ? 1 : 0));
          const tasks = [makeTask('a', 5, 2, rng), makeTask('b', 4, 2, rng), makeTask('empty', 0, 2, rng)];
          const groups = [makeGroup(5, 3, 2, rng), makeGroup(4, 2, 2, rng)];
          const theta = randomTheta(spec, rng);
          const objectives = {
            nll: nllObjective(spec, tasks),
            ekl: eklObjective(spec, groups),
            combined: combinedObjective(spec, { tasks, matched: groups }, 0.7),
            'nll, levels estimated': nllObjective(spec, tasks, { level: 'estimated' }),
            'ekl, levels estimated': eklObjective(spec, groups, { level: 'estimated' }),
            'combined, levels estimated': combinedObjective(spec, { tasks, matched: groups }, 0.7, { level: 'estimated' }),
          };
          for (const [name, objective] of Object.entries(objectives)) {
            const { value, grad } = objective(theta);
            assert.ok(Number.isFinite(value), `${name} value`);
            const fd = finiteDifferenceGradient((t) => objective(t).value, theta, 1e-5);
            const error = maxRelativeError(grad, fd, 1e-2);
            assert.ok(error < GRADIENT_TOLERANCE, `${name}: max relative gradient error ${error.toExponential(2)}\n analytic ${Array.from(grad).map((v) => v.toFixed(6))}\n fd       ${Array.from(fd).map((v) => v.toFixed(6))}`);
          }
        });
      }
    }
  }

  it('linear mean, Matérn 5/2 with a 4-choice input seen one-hot (spec.categories, the single-task GP on mixed spaces)', () => {
    const spec: ModelSpec = { dim: 2, mean: 'linear', kernel: 'matern52', kernelOnFeatures: false, mlp: [], categories: [0, 4] };
    const rng = createRng(1999);
    const tasks = [makeTask('a', 7, 2, rng), makeTask('b', 5, 2, rng)];
    const theta = randomTheta(spec, rng);
    for (const [name, objective] of Object.entries({ nll: nllObjective(spec, tasks), 'nll, levels estimated': nllObjective(spec, tasks, { level: 'estimated' }) })) {
      const { value, grad } = objective(theta);
      assert.ok(Number.isFinite(value), name);
      const error = maxRelativeError(grad, finiteDifferenceGradient((t) => objective(t).value, theta, 1e-5), 1e-2);
      assert.ok(error < GRADIENT_TOLERANCE, `${name}: max relative gradient error ${error.toExponential(2)}`);
    }
  });
});

describe('engine/objectives: values', () => {
  const spec: ModelSpec = { dim: 3, mean: 'linear', kernel: 'matern52', kernelOnFeatures: false, mlp: [] };

  it('NLL is the mean over non-empty tasks of the posterior negative log likelihood', () => {
    const rng = createRng(5);
    const tasks = [makeTask('a', 7, 3, rng), makeTask('b', 9, 3, rng), makeTask('empty', 0, 3, rng)];
    const theta = randomTheta(spec, rng);
    const expected = (condition(spec, theta, tasks[0].x, tasks[0].y).negLogLikelihood + condition(spec, theta, tasks[1].x, tasks[1].y).negLogLikelihood) / 2;
    assertClose(nllValueAndGrad(spec, theta, tasks).value, expected, { rel: 1e-12 });
  });

  it("with levels estimated, NLL is the limit of a task level's N(0, v) prior integrated out, as v grows", () => {
    const rng = createRng(9);
    const tasks = [makeTask('a', 7, 3, rng), makeTask('b', 9, 3, rng)];
    const theta = randomTheta(spec, rng);
    const v = 1e6;
    let expected = 0;
    for (const task of tasks) {
      const n = task.x.n;
      const covariance = priorCovariance(spec, theta, task.x, { includeNoise: true });
      const k = new Matrix(Array.from({ length: n }, (_, i) => Array.from(covariance.subarray(i * n, (i + 1) * n))));
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k.set(i, j, k.get(i, j) + v + (i === j ? GP_JITTER : 0));
      const mean = priorMean(spec, theta, task.x);
      const r = Matrix.columnVector(Array.from(task.y, (y, i) => y - mean[i]!));
      const chol = new CholeskyDecomposition(k);
      const quad = r.transpose().mmul(chol.solve(r)).get(0, 0);
      let logDet = 0;
      for (let i = 0; i < n; i++) logDet += 2 * Math.log(chol.lowerTriangularMatrix.get(i, i));
      // The marginal NLL under b ~ N(0, v), less the prior's own normalisation ½log(2πv).
      expected += (0.5 * quad + 0.5 * logDet + 0.5 * n * Math.log(2 * Math.PI) - 0.5 * Math.log(2 * Math.PI * v)) / tasks.length;
    }
    assertClose(nllValueAndGrad(spec, theta, tasks, { level: 'estimated' }).value, expected, { rel: 1e-5 });
    assert.ok(Math.abs(nllValueAndGrad(spec, theta, tasks).value - expected) > 1e-2, 'a fixed level is a different likelihood');
  });

  it('partial EKL equals twice the mean NLL of the group columns minus n·log 2π', () => {
    const rng = createRng(6);
    const group = makeGroup(8, 5, 3, rng);
    const theta = randomTheta(spec, rng);
    let meanNll = 0;
    for (let j = 0; j < group.m; j++) {
      const column = Float64Array.from({ length: group.x.n }, (_, i) => group.y[i * group.m + j]);
      meanNll += condition(spec, theta, group.x, column).negLogLikelihood / group.m;
    }
    assertClose(eklValueAndGrad(spec, theta, [group]).value, 2 * meanNll - group.x.n * Math.log(2 * Math.PI), { rel: 1e-10 });
  });

  it('with levels estimated, partial EKL is twice the mean restricted NLL of the group columns minus (n − 1)·log 2π', () => {
    const rng = createRng(7);
    const group = makeGroup(8, 5, 3, rng);
    const theta = randomTheta(spec, rng);
    const columns: Task[] = Array.from({ length: group.m }, (_, j) => ({
      name: `t${j}`,
      x: group.x,
      y: Float64Array.from({ length: group.x.n }, (_, i) => group.y[i * group.m + j]),
    }));
    const meanNll = nllValueAndGrad(spec, theta, columns, { level: 'estimated' }).value;
    assertClose(eklValueAndGrad(spec, theta, [group], { level: 'estimated' }).value, 2 * meanNll - (group.x.n - 1) * Math.log(2 * Math.PI), { rel: 1e-10 });
  });

  it('combined objective is NLL + c·EKL and degrades to either part when the other has no data', () => {
    const rng = createRng(8);
    const tasks = [makeTask('a', 6, 3, rng)];
    const groups = [makeGroup(5, 4, 3, rng)];
    const theta = randomTheta(spec, rng);
    const nll = nllValueAndGrad(spec, theta, tasks).value;
    const ekl = eklValueAndGrad(spec, theta, groups).value;
    assertClose(combinedValueAndGrad(spec, theta, { tasks, matched: groups }, 2.5).value, nll + 2.5 * ekl, { rel: 1e-12 });
    assertClose(combinedValueAndGrad(spec, theta, { tasks, matched: [] }, 2.5).value, nll, { rel: 1e-12 });
    assertClose(combinedValueAndGrad(spec, theta, { tasks: [], matched: groups }, 2.5).value, 2.5 * ekl, { rel: 1e-12 });
    assert.throws(() => combinedValueAndGrad(spec, theta, { tasks: [], matched: [] }, 1), EngineError);
  });
});

describe('engine/objectives: bad input', () => {
  const spec: ModelSpec = { dim: 2, mean: 'constant', kernel: 'se', kernelOnFeatures: false, mlp: [] };
  const rng = createRng(9);
  const theta = initialParams(spec, rng);

  it('rejects NaN targets, NaN inputs and mismatched dimensions with the task named', () => {
    const good = makeTask('good', 4, 2, rng);
    const nanY: Task = { name: 'broken', x: good.x, y: Float64Array.from([1, NaN, 2, 3]) };
    assert.throws(() => nllObjective(spec, [good, nanY]), (e: unknown) => e instanceof EngineError && /broken/.test(e.message) && /NaN/.test(e.message));
    const nanX: Task = { name: 'badx', x: { n: 1, d: 2, data: Float64Array.from([0.1, Infinity]) }, y: Float64Array.from([1]) };
    assert.throws(() => nllValueAndGrad(spec, theta, [nanX]), (e: unknown) => e instanceof EngineError && /badx/.test(e.message) && /non-finite/.test(e.message));
    const wrongDim: Task = { name: 'threeD', x: { n: 1, d: 3, data: Float64Array.from([0.1, 0.2, 0.3]) }, y: Float64Array.from([1]) };
    assert.throws(() => nllValueAndGrad(spec, theta, [wrongDim]), (e: unknown) => e instanceof EngineError && /threeD/.test(e.message) && /dimension/.test(e.message));
    const wrongCount: Task = { name: 'short', x: good.x, y: Float64Array.from([1, 2]) };
    assert.throws(() => nllValueAndGrad(spec, theta, [wrongCount]), (e: unknown) => e instanceof EngineError && /short/.test(e.message));
    assert.throws(() => nllValueAndGrad(spec, new Float64Array(2), [good]), (e: unknown) => e instanceof EngineError && /parameter vector/.test(e.message));
    assert.throws(() => nllValueAndGrad(spec, theta, [makeTask('empty', 0, 2, rng)]), (e: unknown) => e instanceof EngineError && /observations/.test(e.message));
    const badGroup: MatchedGroup = { x: good.x, m: 2, y: new Float64Array(5), taskNames: ['p', 'q'] };
    assert.throws(() => eklObjective(spec, [badGroup]), (e: unknown) => e instanceof EngineError && /expected 4×2/.test(e.message));
  });

  it('returns +Infinity (or throws on request) when parameters make the covariance unusable', () => {
    const task = makeTask('t', 4, 2, rng);
    const broken = Float64Array.from(theta);
    broken[paramLayout(spec).signalVariance] = NaN;
    const result = nllValueAndGrad(spec, broken, [task]);
    assert.equal(result.value, Infinity);
    assert.ok(result.grad.every((g) => g === 0));
    assert.throws(() => nllValueAndGrad(spec, broken, [task], { throwOnFailure: true }), (e: unknown) => e instanceof EngineError && /non-finite/.test(e.message));
  });

  it('survives exactly duplicated points (jitter and noise keep K positive definite)', () => {
    const x = { n: 4, d: 2, data: Float64Array.from([0.2, 0.3, 0.2, 0.3, 0.2, 0.3, 0.9, 0.1]) };
    const task: Task = { name: 'dups', x, y: Float64Array.from([1, 1.1, 0.9, 0]) };
    const lowNoise = Float64Array.from(theta);
    lowNoise[paramLayout(spec).noiseVariance] = -40;
    const { value, grad } = nllValueAndGrad(spec, lowNoise, [task], { throwOnFailure: true });
    assert.ok(Number.isFinite(value));
    assert.ok(grad.every(Number.isFinite));
  });
});
