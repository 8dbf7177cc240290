import assert from 'node:assert/strict';
import { acquisitionValue, DEFAULT_UCB_BETA } from '../../../src/engine';
import type { AcquisitionSpec } from '../../../src/formats/experiment';
import { acquisitionOptionsOf as ofExperiment } from '../../../src/session/acquisition';

/** The options for an experiment with this acquisition section, with or without a prior section. */
const acquisitionOptionsOf = (acquisition: AcquisitionSpec, withPrior: boolean) =>
  ofExperiment({ acquisition, prior: withPrior ? { from: ['related/*.hyperbo.yaml'] } : undefined });

describe('session/acquisition (the file\'s acquisition as the engine takes it, for the server and tune)', () => {
  it('keeps UCB\'s beta and PI\'s xi (as the PI margin); EI takes neither', () => {
    for (const withPrior of [false, true]) {
      assert.deepEqual(acquisitionOptionsOf({ type: 'ucb', beta: 2 }, withPrior), { kind: 'ucb', beta: 2 });
      assert.deepEqual(acquisitionOptionsOf({ type: 'ucb' }, withPrior), { kind: 'ucb' });
      assert.deepEqual(acquisitionOptionsOf({ type: 'pi', xi: 0.3 }, withPrior), { kind: 'pi', piMargin: 0.3 });
      assert.deepEqual(acquisitionOptionsOf({ type: 'pi' }, withPrior), { kind: 'pi' });
      assert.deepEqual(acquisitionOptionsOf({ type: 'ei', xi: 0.3 }, withPrior), { kind: 'ei' });
    }
  });

  it('auto (a file that names no acquisition) is EI without a prior and UCB with β = 1 with one', () => {
    assert.deepEqual(acquisitionOptionsOf({ type: 'auto' }, false), { kind: 'ei' });
    assert.deepEqual(acquisitionOptionsOf({ type: 'auto' }, true), { kind: 'ucb' });
  });

  it('a UCB without beta uses the one default, 1, in the acquisition function itself too (it used 3)', () => {
    assert.equal(DEFAULT_UCB_BETA, 1);
    assert.equal(acquisitionValue({ kind: 'ucb' }, 0.5, 2, 0), 0.5 + 2 * DEFAULT_UCB_BETA);
  });
});
