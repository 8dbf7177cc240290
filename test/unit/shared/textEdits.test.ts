// applyTextEdits gives what the server's own offset edits give, for the edits the editor writes to disk.
import assert from 'node:assert/strict';
import { appendTrialEdit, applyEdit, toLspEdit, updateTrialEdit } from '../../../src/formats/edits';
import { applyTextEdits } from '../../../src/shared/textEdits';

const range = (l1: number, c1: number, l2: number, c2: number) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });

describe('shared/textEdits', () => {
  it('applies LSP edits by line and character, with \\n, \\r\\n and lone \\r line breaks', () => {
    assert.equal(applyTextEdits('ab\ncd\n', [{ range: range(1, 1, 1, 2), newText: 'X' }]), 'ab\ncX\n');
    assert.equal(applyTextEdits('ab\r\ncd', [{ range: range(1, 0, 1, 0), newText: '>' }]), 'ab\r\n>cd');
    assert.equal(applyTextEdits('ab\rcd', [{ range: range(0, 2, 1, 0), newText: '|' }]), 'ab|cd');
    // Past the end of a line means its end; past the last line means the end of the text.
    assert.equal(applyTextEdits('ab\ncd', [{ range: range(0, 99, 0, 99), newText: '!' }]), 'ab!\ncd');
    assert.equal(applyTextEdits('ab', [{ range: range(5, 0, 5, 0), newText: '\nz' }]), 'ab\nz');
  });

  it('applies several edits against the original text, in order at one position, and refuses overlaps', () => {
    assert.equal(applyTextEdits('0123', [{ range: range(0, 3, 0, 4), newText: 'c' }, { range: range(0, 0, 0, 1), newText: 'a' }]), 'a12c');
    assert.equal(applyTextEdits('', [{ range: range(0, 0, 0, 0), newText: 'x' }, { range: range(0, 0, 0, 0), newText: 'y' }]), 'xy');
    assert.throws(() => applyTextEdits('0123', [{ range: range(0, 0, 0, 2), newText: '' }, { range: range(0, 1, 0, 3), newText: '' }]), /overlapping/);
  });

  it('gives the text the server-side edit gives for appended and updated trials', () => {
    const text = 'name: e\r\nobjective: { metric: loss, goal: minimize }\r\nsearch_space:\r\n  x: { type: float, low: 0, high: 1 }\r\ntrials:\r\n  - { id: 1, params: { x: 0.5 }, status: pending }\r\n';
    for (const r of [appendTrialEdit(text, { params: { x: 0.25 }, status: 'pending' }), updateTrialEdit(text, 1, { status: 'completed', value: 3 })]) {
      assert.ok(r.ok);
      assert.equal(applyTextEdits(text, [toLspEdit(text, r.edit)]), applyEdit(text, r.edit));
    }
  });
});
