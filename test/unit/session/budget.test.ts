import assert from 'node:assert/strict';
import { budgetLeft, budgetUsedUp, DEFAULT_SESSION_TRIALS, defaultSessionTrials } from '../../../src/session/budget';

describe('session/budget', () => {
  it('leaves budget minus recorded trials, nothing without a budget', () => {
    assert.equal(budgetLeft(20, 12), 8);
    assert.equal(budgetLeft(20, 25), -5);
    assert.equal(budgetLeft(undefined, 12), undefined);
  });

  it('defaults a session to the remainder, else DEFAULT_SESSION_TRIALS, never below one', () => {
    assert.equal(defaultSessionTrials(8), 8);
    assert.equal(defaultSessionTrials(undefined), DEFAULT_SESSION_TRIALS);
    assert.equal(defaultSessionTrials(0), 1);
  });

  it('says how to run more when the budget is used up', () => {
    assert.equal(budgetUsedUp(20, 20, 'a.hyperbo.yaml'), 'The budget of 20 trials is used up (20 recorded); raise budget: in a.hyperbo.yaml to run more.');
    assert.equal(budgetUsedUp(20, 20, 'a.hyperbo.yaml', 'pass --trials N to see more.'), 'The budget of 20 trials is used up (20 recorded); pass --trials N to see more.');
  });
});
