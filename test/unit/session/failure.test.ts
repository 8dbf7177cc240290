import assert from 'node:assert/strict';
import { failureReason, OutputTail, REASON_MAX_CHARS } from '../../../src/session/failure';

describe('session/failure (why a trial failed)', () => {
  it('OutputTail keeps the last non-blank lines across chunks that split lines', () => {
    const tail = new OutputTail(64);
    for (const chunk of ['a\nb', 'b\n\n  \r\nc\r\n', 'd\n']) tail.add(chunk);
    assert.deepEqual(tail.lastLines(3), ['bb', 'c', 'd']);
    tail.add('x'.repeat(100));
    assert.deepEqual(tail.lastLines(), ['x'.repeat(64)]);
  });

  it('the reason is how the command ended, then its last lines; old lines go first when it is too long', () => {
    assert.equal(failureReason('The command exited with code 1.', ['Error: no GPU']), 'The command exited with code 1. Last output: Error: no GPU');
    assert.equal(failureReason('The command exited with code 1.', []), 'The command exited with code 1. It printed nothing.');
    const long = failureReason('E.', ['first', 'y'.repeat(425), 'z'.repeat(150)]);
    assert.ok(long.length <= REASON_MAX_CHARS, String(long.length));
    assert.equal(long, `E. Last output: ${'y'.repeat(425)} ⏎ ${'z'.repeat(150)}`);
    const huge = failureReason('E.', ['w'.repeat(2000)]);
    assert.equal(huge.length, REASON_MAX_CHARS);
    assert.ok(huge.endsWith('w') && huge.includes('Last output: …'));
  });
});
