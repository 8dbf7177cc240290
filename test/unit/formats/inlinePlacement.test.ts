import * as assert from 'node:assert/strict';
import { appendTrialEdit, inlineTrialPlacement, isInTrialsBlock } from '../../../src/formats/edits';
import { parseExperiment } from '../../../src/formats/experiment';
import { structureOf } from '../../../src/formats/structure';

const head = ['name: t', 'objective: { metric: loss }', 'search_space:', '  x: { type: float, low: 0, high: 1 }'];

/** The append edit for this text, as Apply computes it. */
function serverEdit(text: string) {
  const result = appendTrialEdit(text, { params: { x: 0.5 }, status: 'pending' });
  assert.ok(result.ok);
  return result.edit;
}

const placementAt = (lines: string[], cursorLine: number) => {
  const text = lines.join('\n');
  return inlineTrialPlacement(structureOf(text), cursorLine, serverEdit(text));
};

/** Applies the inline placement the way the client does (replace the cursor line, then drop the `[]` and the space before it). */
function accept(lines: string[], cursorLine: number): string {
  const text = lines.join('\n');
  const placement = placementAt(lines, cursorLine);
  assert.ok(placement, 'a placement is offered');
  let out = text.slice(0, placement.range.start) + placement.insertText + text.slice(placement.range.end);
  if (placement.removeEmptyFlow) {
    const { start, end } = placement.removeEmptyFlow;
    assert.equal(text.slice(start, end), '[]');
    const from = text[start - 1] === ' ' ? start - 1 : start;
    out = out.slice(0, from) + out.slice(end);
  }
  return out;
}

describe('formats inline trial placement (the server\'s answer to hyperbo/inlineTrial)', () => {
  it('puts the next trial on the blank line after the last block trial, same text as Apply', () => {
    const lines = [...head, 'trials:', '  - id: 1', '    params: { x: 0.1 }', '    status: completed', '    value: 0.3', '  ', ''];
    const accepted = accept(lines, lines.length - 2);
    const applied = (() => {
      const text = lines.join('\n');
      const e = appendTrialEdit(text, { params: { x: 0.5 }, status: 'pending' });
      assert.ok(e.ok);
      return text.slice(0, e.edit.range.start) + e.edit.newText + text.slice(e.edit.range.end);
    })();
    // Same file as Apply, except that the whitespace-only cursor line is consumed.
    assert.equal(accepted, applied.replace('\n  \n', '\n'));
    const parsed = parseExperiment(accepted);
    assert.equal(parsed.ok, true);
    assert.deepEqual(parsed.experiment?.trials.map((t) => t.id), [1, 2]);
  });

  it('works under an empty `trials:` and under `trials: []` (the brackets go)', () => {
    for (const key of ['trials:', 'trials: []', 'trials: [] # none yet']) {
      const lines = [...head, key, '', ''];
      const accepted = accept(lines, head.length + 1);
      const parsed = parseExperiment(accepted);
      assert.equal(parsed.ok, true, `${key}: ${JSON.stringify(parsed.diagnostics)}\n${accepted}`);
      assert.deepEqual(parsed.experiment?.trials.map((t) => t.id), [1], key);
      assert.ok(!accepted.includes('[]'), key);
      if (key.includes('#')) assert.ok(accepted.includes('# none yet'), 'the comment stays');
    }
  });

  it('offers nothing off a blank line, outside the trials block, or with text between', () => {
    const lines = [...head, 'trials:', '  - { id: 1, params: { x: 0.1 } }', 'budget: 3', '', ''];
    const s = structureOf(lines.join('\n'));
    assert.equal(isInTrialsBlock(s, 7), false, 'after another top-level key');
    assert.equal(isInTrialsBlock(s, 4), false, 'the trials line itself');
    assert.equal(isInTrialsBlock(s, 5), true);
    assert.equal(placementAt(lines, 7), undefined);
    assert.equal(placementAt(lines, 1), undefined);
    const typed = [...head, 'trials:', '  - { id: 1, params: { x: 0.1 } }', '  - i'];
    assert.equal(placementAt(typed, 6), undefined);
    // A comment after the trials still belongs to the block; a blank line after a later key does not.
    const commented = [...head, 'trials:', '  - id: 1', '    params: { x: 0.1 }', '  # more to come', '', 'budget: 3', ''];
    assert.ok(placementAt(commented, 8) === undefined, 'text (the comment) between the last trial and the cursor');
    assert.equal(isInTrialsBlock(structureOf(commented.join('\n')), 8), true);
    assert.equal(isInTrialsBlock(structureOf(commented.join('\n')), 10), false);
  });

  it('works with CRLF line ends', () => {
    const lines = [...head, 'trials:', '  - id: 1', '    params: { x: 0.1 }', '', ''];
    const text = lines.join('\r\n');
    const placement = inlineTrialPlacement(structureOf(text), 7, serverEdit(text));
    assert.ok(placement);
    assert.equal(text.slice(placement.range.start, placement.range.end), '');
    assert.match(placement.insertText, /^ {2}- id: 2\r?\n/);
  });
});
