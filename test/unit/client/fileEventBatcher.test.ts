// The client's batching of watched-file events, on a hand-driven clock (no real time). The language client's own
// delivery re-arms a 250 ms timer on every event, so a log appended to every 150 ms kept everything from the server.
import * as assert from 'node:assert/strict';
import type { FileEvent } from 'vscode-languageserver-protocol';
import { dedupe, FileEventBatcher, type BatchTimers } from '../../../src/client/fileEventBatcher';

/** A clock that moves only when told, running due callbacks in order. */
class ManualClock implements BatchTimers {
  private time = 0;
  private nextId = 0;
  private readonly due = new Map<number, { at: number; callback: () => void }>();
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.due.set(id, { at: this.time + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }
  advanceTo(target: number): void {
    for (;;) {
      const next = [...this.due.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next) break;
      this.due.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
    }
    this.time = target;
  }
}

const created = (uri: string): FileEvent => ({ uri, type: 1 });
const changed = (uri: string): FileEvent => ({ uri, type: 2 });
const deleted = (uri: string): FileEvent => ({ uri, type: 3 });

function harness() {
  const clock = new ManualClock();
  const sent: { at: number; changes: FileEvent[] }[] = [];
  const errors: unknown[] = [];
  const batcher = new FileEventBatcher(
    async (changes) => {
      sent.push({ at: clock.now(), changes });
    },
    (error) => errors.push(error),
    { quietMs: 250, maxDelayMs: 1000 },
    clock,
  );
  return { clock, sent, errors, batcher };
}

describe('client FileEventBatcher', () => {
  it('sends a new experiment file while a log is written every 150 ms, within a second, and keeps sending', () => {
    const { clock, sent, batcher } = harness();
    for (let t = 0; t <= 3000; t += 150) {
      clock.advanceTo(t);
      batcher.push(changed('file:///w/runs/a.log'));
      if (t === 300) batcher.push(created('file:///w/new.hyperbo.yaml'));
    }
    // While the log was being written (the library's debounce sent nothing in that time):
    assert.deepEqual(sent.map((b) => b.at), [1000, 2050], 'a batch at most a second after its first event');
    assert.ok(sent[0]!.changes.some((c) => c.uri.endsWith('new.hyperbo.yaml')), 'the new file is in the first batch');
    assert.deepEqual(sent[0]!.changes, [created('file:///w/new.hyperbo.yaml'), changed('file:///w/runs/a.log')], 'the repeated change is sent once');
    clock.advanceTo(3250);
    assert.deepEqual(sent.map((b) => b.at), [1000, 2050, 3100], 'and so on while it lasts');
  });

  it('sends after a quiet spell, one batch for a burst', () => {
    const { clock, sent, batcher } = harness();
    batcher.push(created('file:///w/a.hyperbo.yaml'));
    clock.advanceTo(50);
    batcher.push(changed('file:///w/a.hyperbo.yaml'));
    clock.advanceTo(299);
    assert.equal(sent.length, 0, 'still within the quiet spell after the last event');
    clock.advanceTo(300);
    assert.deepEqual(sent, [{ at: 300, changes: [created('file:///w/a.hyperbo.yaml'), changed('file:///w/a.hyperbo.yaml')] }]);
    clock.advanceTo(5000);
    assert.equal(sent.length, 1, 'nothing more without events');
  });

  it('drops duplicates (one per file and kind, at its last place) so a file\'s last event stays last', () => {
    const a = 'file:///w/a.hyperbo.yaml';
    assert.deepEqual(dedupe([created(a), created(a), changed(a), changed(a)]), [created(a), changed(a)]);
    assert.deepEqual(dedupe([created(a), deleted(a), created(a)]), [deleted(a), created(a)]);
    assert.deepEqual(dedupe([deleted(a), created(a), deleted(a)]), [created(a), deleted(a)]);
  });

  it('reports a failed send, and sends nothing once disposed', async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    let sends = 0;
    const batcher = new FileEventBatcher(
      () => {
        sends++;
        return Promise.reject(new Error('Client is not running'));
      },
      (error) => errors.push(error),
      { quietMs: 250, maxDelayMs: 1000 },
      clock,
    );
    batcher.push(changed('file:///w/a.log'));
    clock.advanceTo(250);
    await Promise.resolve();
    assert.equal(sends, 1);
    assert.match(String(errors[0]), /not running/);
    batcher.push(changed('file:///w/a.log'));
    batcher.dispose();
    clock.advanceTo(5000);
    batcher.push(changed('file:///w/a.log'));
    clock.advanceTo(10_000);
    assert.equal(sends, 1);
  });
});
