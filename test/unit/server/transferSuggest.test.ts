import { strict as assert } from 'node:assert';
import { paramsFromValues } from '../../../src/engine/model';
import { suggest, type SerializedPrior } from '../../../src/server/jobs/compute';

// The editor's suggestion path (worker computation) takes the prior file's training-task data like hyperbo tune:
// the first suggestion is the measured configuration best on both training tasks, not the prior mean's argmax (x = 1).
describe('server compute: first suggestion from the prior file’s transfer data', () => {
  const spec = { dim: 1, mean: 'linear', kernel: 'se', kernelOnFeatures: false, mlp: [] } as const;
  const theta = Array.from(paramsFromValues(spec, { linearWeights: [5], linearBias: 0, lengthscale: 0.1, signalVariance: 1, noiseVariance: 1e-4 }));
  const x = [[0.1], [0.2], [0.3], [0.4]];
  const transfer = {
    tasks: [
      { x, y: [0.5, 1.5, 0.8, 0.2], center: 0.65, scale: 0.47 },
      { x, y: [1.0, 2.0, 1.6, 0.9], center: 1.3, scale: 0.44 },
    ],
  };
  const input = (prior: SerializedPrior) => ({
    space: [{ name: 'x', type: 'float' as const, low: 0, high: 1 }],
    goal: 'maximize' as const,
    output: { goal: 'maximize' as const, warp: 'none' as const, normalization: 'none' as const },
    prior,
    acquisition: { kind: 'ucb' as const, beta: 1 },
    trials: [],
    seed: 1,
  });

  it('uses the transfer data when the prior has it, the acquisition otherwise', () => {
    const [withData] = suggest(input({ spec, theta, numTrainingTasks: 2, transfer }), 1);
    assert.equal(withData!.params.x, 0.2);
    const [without] = suggest(input({ spec, theta, numTrainingTasks: 2 }), 1);
    assert.ok((without!.params.x as number) > 0.95, String(without!.params.x));
  });

  it('rejects malformed transfer data with the engine’s message', () => {
    assert.throws(() => suggest(input({ spec, theta, numTrainingTasks: 2, transfer: { tasks: [{ x: [[2]], y: [1], center: 0, scale: 1 }] } }), 1), /unit cube/);
  });
});
