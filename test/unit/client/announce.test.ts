import assert from 'node:assert/strict';
import { announceRun } from '../../../src/client/runner/announce';

describe('client run announcement (status bar message)', () => {
  it('"trial N started" is removed when the run ends, also when it failed', async () => {
    const shown: string[] = [];
    const disposed: string[] = [];
    const show = (text: string) => {
      shown.push(text);
      return { dispose: () => disposed.push(text) };
    };
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    announceRun(show, 7, 'started', ended);
    assert.deepEqual(shown, ['HyperBO: trial 7 started']);
    await Promise.resolve();
    assert.deepEqual(disposed, [], 'still running');
    end();
    await ended;
    await Promise.resolve();
    assert.deepEqual(disposed, ['HyperBO: trial 7 started']);
    announceRun(show, 8, 'queued', Promise.reject(new Error('x')));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(disposed, ['HyperBO: trial 7 started', 'HyperBO: trial 8 queued']);
  });
});
