import * as assert from 'node:assert/strict';
import { inlinePlacement, isUnderTrials } from '../../../src/client/providers/inlinePlacement';
import { findTrialOffsets } from '../../../src/client/trialLocation';
import { appendTrialEdit, toLspEdit } from '../../../src/formats/edits';
import { parseExperiment } from '../../../src/formats/experiment';

const head = ['name: t', 'objective: { metric: loss }', 'search_space:', '  x: { type: float, low: 0, high: 1 }'];

/** The server's append edit for this text, as the client receives it. */
function serverEdit(text: string) {
  const result = appendTrialEdit(text, { params: { x: 0.5 }, status: 'pending' });
  assert.ok(result.ok);
  return toLspEdit(text, result.edit);
}

/** Applies the inline placement the way VS Code would (replace the cursor line), plus the `[]` clean-up. */
function accept(lines: string[], cursorLine: number): string {
  const text = lines.join('\n');
  const placement = inlinePlacement(lines, { line: cursorLine, character: lines[cursorLine]!.length }, serverEdit(text));
  assert.ok(placement, 'a placement is offered');
  const out = [...lines];
  out[cursorLine] = out[cursorLine]!.slice(0, placement.startCharacter) + placement.insertText + out[cursorLine]!.slice(placement.endCharacter);
  if (placement.removeEmptyFlowOn) {
    const { line, start, end } = placement.removeEmptyFlowOn;
    const from = out[line]![start - 1] === ' ' ? start - 1 : start;
    out[line] = out[line]!.slice(0, from) + out[line]!.slice(end);
  }
  return out.join('\n');
}

describe('client inline trial placement', () => {
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
    const edit = serverEdit(lines.join('\n'));
    assert.equal(isUnderTrials(lines, 7), false, 'after another top-level key');
    assert.equal(inlinePlacement(lines, { line: 7, character: 0 }, edit), undefined);
    assert.equal(inlinePlacement(lines, { line: 1, character: 0 }, edit), undefined);
    const typed = [...head, 'trials:', '  - { id: 1, params: { x: 0.1 } }', '  - i'];
    assert.equal(inlinePlacement(typed, { line: 6, character: 5 }, serverEdit(typed.join('\n'))), undefined);
  });

  it('finds a trial entry for Reveal in File, flow or block style', () => {
    const text = [...head, 'trials:', '  - { id: 1, params: { x: 0.1 } }', '  - id: 2', '    params: { x: 0.2 }', ''].join('\n');
    const one = findTrialOffsets(text, 1)!;
    assert.equal(text.slice(one.start, one.start + 7), '{ id: 1');
    const two = findTrialOffsets(text, 2)!;
    assert.equal(text.slice(two.start, two.start + 5), 'id: 2');
    assert.equal(findTrialOffsets(text, 3), undefined);
    assert.equal(findTrialOffsets('trials: [', 1), undefined, 'a broken file is not an error');
  });
});
