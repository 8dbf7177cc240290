import * as assert from 'node:assert/strict';
import { RunQueue } from '../../../src/client/runner/runQueue';

/** A run that ends when `finish()` is called; records start order. */
function controllable(order: string[]) {
  const finishers = new Map<string, () => void>();
  const make = (group: string, id: string, fail = false) => ({
    group,
    id,
    start: () =>
      new Promise<void>((resolve, reject) => {
        order.push(`${group}/${id}`);
        finishers.set(`${group}/${id}`, fail ? () => reject(new Error('boom')) : resolve);
      }),
  });
  const finish = async (name: string) => {
    finishers.get(name)!();
    // Let the queue's .then handlers run.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { make, finish };
}

describe('client RunQueue', () => {
  it('starts up to `parallel` runs per experiment and queues the rest first-in first-out', async () => {
    const order: string[] = [];
    const { make, finish } = controllable(order);
    const queue = new RunQueue();
    assert.equal(queue.enqueue(make('a', '1'), 2), 'started');
    assert.equal(queue.enqueue(make('a', '2'), 2), 'started');
    assert.equal(queue.enqueue(make('a', '3'), 2), 'queued');
    assert.equal(queue.enqueue(make('a', '4'), 2), 'queued');
    assert.equal(queue.enqueue(make('b', '1'), 1), 'started', 'another experiment has its own limit');
    assert.deepEqual(order, ['a/1', 'a/2', 'b/1']);
    assert.deepEqual(queue.queued('a'), ['3', '4']);
    await finish('a/2');
    assert.deepEqual(order, ['a/1', 'a/2', 'b/1', 'a/3']);
    assert.equal(queue.runningCount('a'), 2);
    await finish('a/1');
    await finish('a/3');
    assert.deepEqual(order.slice(-1), ['a/4']);
    assert.equal(queue.runningCount('a'), 1);
  });

  it('refuses duplicates and lets a queued run be removed', () => {
    const order: string[] = [];
    const { make } = controllable(order);
    const queue = new RunQueue();
    queue.enqueue(make('a', '1'), 1);
    assert.equal(queue.enqueue(make('a', '1'), 1), 'duplicate');
    queue.enqueue(make('a', '2'), 1);
    assert.equal(queue.enqueue(make('a', '2'), 1), 'duplicate');
    assert.equal(queue.isQueued('a', '2'), true);
    assert.equal(queue.dequeue('a', '2'), true);
    assert.equal(queue.dequeue('a', '2'), false);
    assert.equal(queue.dequeue('a', '1'), false, 'a running run is not in the queue');
  });

  it('moves on when a run fails or its start throws, and treats a bad limit as 1', async () => {
    const order: string[] = [];
    const { make, finish } = controllable(order);
    const queue = new RunQueue();
    queue.enqueue(make('a', '1', true), 0);
    queue.enqueue({ group: 'a', id: 'throws', start: () => { throw new Error('sync'); } }, Number.NaN);
    queue.enqueue(make('a', '3'), 1);
    assert.deepEqual(order, ['a/1']);
    await finish('a/1');
    for (let i = 0; i < 10; i++) await Promise.resolve();
    assert.deepEqual(order, ['a/1', 'a/3']);
    assert.equal(queue.isRunning('a', 'throws'), false);
  });
});
