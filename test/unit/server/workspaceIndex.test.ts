// The workspace index hands the parser the text an edit was made from (so an edit inside `trials:` re-parses only the
// trials it touched, formats/yamlIncremental.ts) and does not parse a text it already holds again.
import { strict as assert } from 'node:assert';
import { WorkspaceIndex, type ExperimentParser } from '../../../src/server/service/workspaceIndex';

describe('WorkspaceIndex parsing', () => {
  it('passes the previous text to the parser and keeps the outcome of an unchanged text', () => {
    const calls: [string, string | undefined][] = [];
    const parse: ExperimentParser = (text, _fsPath, previous) => {
      calls.push([text, previous]);
      return { diagnostics: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: text }] };
    };
    const index = new WorkspaceIndex(['/w'], parse);
    const uri = 'file:///w/a.hyperbo.yaml';
    index.setDocument(uri, 'one', 1);
    const same = index.setDocument(uri, 'one', 2);
    assert.equal(same.version, 2);
    assert.equal(same.diagnostics[0]!.message, 'one');
    const edited = index.setDocument(uri, 'two', 3);
    assert.equal(edited.diagnostics[0]!.message, 'two');
    assert.deepEqual(calls, [
      ['one', undefined],
      ['two', 'one'],
    ]);
  });
});
