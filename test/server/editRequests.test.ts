// The requests through which the client changes and navigates an experiment file without reading YAML:
// hyperbo/applySuggestion, hyperbo/trialLocation, hyperbo/inlineTrial — and the code lenses and hovers that
// place themselves by the same structure index. The real server in-process over streams.
import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseExperiment } from '../../src/formats/experiment';
import { AddPriorSourcesEditRequest, AddTrialEditRequest, ApplySuggestionRequest, InlineTrialRequest, SuggestRequest, TrialLocationRequest, UpdateTrialEditRequest } from '../../src/shared/protocol';
import { applyLspEdits, removeWorkspace, startTestServer, tempWorkspace, uriOf, type TestServer } from './harness';

const FAST = { pretrain: { steps: 15 }, logs: { pollInterval: 100 } };

const HEAD = [
  'name: quadratic',
  'objective: { metric: valid/loss, goal: minimize }',
  'search_space:',
  '  lr: { type: float, low: 1.0e-4, high: 1, scale: log }',
  '  m: { type: float, low: 0, high: 0.99 }',
];

const TRIALS = [
  'trials: # history',
  '  - { id: 1, params: { lr: 0.1, m: 0.5 }, status: completed, value: 0.9 }',
  '  - id: 2 # block style',
  '    params: { lr: 0.01, m: 0.9 }',
  '    status: completed',
  '    value: 0.35',
  '  - { id: 3, params: { lr: 0.001, m: 0.2 }, status: completed, value: 0.52 }',
];

const applyEdits = applyLspEdits;

describe('server: edit and location requests (the client never reads YAML)', function () {
  this.timeout(120_000);
  let root: string;
  let file: string;
  let server: TestServer | undefined;

  beforeEach(async () => {
    root = await tempWorkspace();
    file = path.join(root, 'exp.hyperbo.yaml');
  });
  afterEach(async () => {
    await server?.dispose();
    server = undefined;
    await removeWorkspace(root);
  });

  /** Opens or changes the document and waits until the server has indexed that text. */
  async function show(text: string, version: number): Promise<void> {
    const uri = uriOf(file);
    const count = server!.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics' && (n.params as { uri: string }).uri === uri).length;
    if (version === 1) await server!.open(file, text, 1);
    else await server!.change(file, text, version);
    let seen = 0;
    await server!.waitFor<{ uri: string }>('textDocument/publishDiagnostics', (p) => p.uri === uri && ++seen > count);
  }

  it('applySuggestion returns the edit appending suggestion #index of the batch the user saw', async () => {
    const text = [...HEAD, ...TRIALS, ''].join('\n');
    await writeFile(file, text);
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    const shown = await server.client.sendRequest(SuggestRequest.type, { uri, count: 2 });
    const second = await server.client.sendRequest(ApplySuggestionRequest.type, { uri, index: 1, count: 2 });
    assert.equal(second.trialId, 4);
    assert.deepEqual(second.params, shown.suggestions[1]!.params);
    assert.equal(second.edits.length, 1);
    const after = applyEdits(text, second.edits);
    // Only the new trial was added: everything before it, comments included, is byte-for-byte the same.
    assert.ok(after.startsWith(text.trimEnd()), after);
    const parsed = parseExperiment(after);
    assert.ok(parsed.ok, JSON.stringify(parsed.diagnostics));
    const added = parsed.experiment!.trials.find((t) => t.id === 4)!;
    assert.equal(added.status, 'pending');
    assert.deepEqual(added.params, shown.suggestions[1]!.params);
    // The new item copies the style of the last one (flow).
    assert.match(after.split('\n').at(-2)!, /^ {2}- \{ id: 4, params: \{ lr: .*, m: .* \}, status: pending \}$/);
    await assert.rejects(server.client.sendRequest(ApplySuggestionRequest.type, { uri, index: 16, count: 2 }), /no suggestion #16/);
    await assert.rejects(server.client.sendRequest(ApplySuggestionRequest.type, { uri: uriOf(path.join(root, 'missing.hyperbo.yaml')), index: 0 }), /missing|No experiment/);
  });

  it('computes add/update/prior.from edits on the text the client read from disk under the lock, not on its own (older) copy', async () => {
    const text = [...HEAD, ...TRIALS, ''].join('\n');
    await writeFile(file, text);
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    // Another writer (hyperbo tune) appended trial 4 on disk; the server still holds the three-trial text.
    const disk = [...HEAD, ...TRIALS, '  - { id: 4, params: { lr: 0.2, m: 0.1 }, status: running }', ''].join('\n');
    const add = await server.client.sendRequest(AddTrialEditRequest.type, { uri, params: { lr: 0.05, m: 0.3 }, text: disk });
    assert.equal(add.trialId, 5, 'the id comes from the text sent (4 is taken there)');
    const added = applyEdits(disk, add.edits);
    assert.ok(added.startsWith(disk.trimEnd()) && /id: 5, params: \{ lr: 0\.05, m: 0\.3 \}/.test(added), added);
    const update = await server.client.sendRequest(UpdateTrialEditRequest.type, { uri, trialId: 4, status: 'completed', value: 0.25, text: added });
    const updated = parseExperiment(applyEdits(added, update.edits));
    assert.ok(updated.ok, JSON.stringify(updated.diagnostics));
    assert.deepEqual(updated.experiment!.trials.map((t) => [t.id, t.status]), [[1, 'completed'], [2, 'completed'], [3, 'completed'], [4, 'completed'], [5, 'pending']]);
    const prior = await server.client.sendRequest(AddPriorSourcesEditRequest.type, { uri, entries: ['runs/*.jsonl'], text: added });
    const withPrior = parseExperiment(applyEdits(added, prior.edits));
    assert.ok(withPrior.ok && withPrior.experiment!.trials.length === 5, 'the prior.from edit keeps the trials of the text sent');
    // Without a text the server's own copy is used, as before.
    assert.equal((await server.client.sendRequest(AddTrialEditRequest.type, { uri, params: { lr: 0.05, m: 0.3 } })).trialId, 4);
  });

  it('trialLocation finds flow and block items in the current text, and follows edits', async () => {
    const text = [...HEAD, ...TRIALS, ''].join('\n');
    await writeFile(file, text);
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    const one = await server.client.sendRequest(TrialLocationRequest.type, { uri, trialId: 1 });
    assert.deepEqual(one!.range.start, { line: 6, character: 4 });
    const two = await server.client.sendRequest(TrialLocationRequest.type, { uri, trialId: 2 });
    assert.deepEqual(two!.range.start, { line: 7, character: 4 });
    assert.equal(await server.client.sendRequest(TrialLocationRequest.type, { uri, trialId: 9 }), null);
    // Two lines inserted above the trials in the editor: the location moves with the text, even while the
    // text is broken (the last good experiment is still served, the location is the current text's).
    await show([...HEAD, 'budget: 20', 'seed: [', ...TRIALS, ''].join('\n'), 1);
    const moved = await server.client.sendRequest(TrialLocationRequest.type, { uri, trialId: 2 });
    assert.deepEqual(moved!.range.start, { line: 9, character: 4 });
    const lenses = (await server.client.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as { range: { start: { line: number } }; command: { title: string } }[];
    const lensOfTwo = lenses.find((l) => /trial 2:/.test(l.command.title))!;
    assert.equal(lensOfTwo.range.start.line, 9, 'the trial lens sits on the current text');
  });

  it('inlineTrial offers Apply\'s text on a blank line inside the trials block only', async () => {
    const text = [...HEAD, ...TRIALS, '  ', '', 'budget: 20', ''].join('\n');
    await writeFile(file, text);
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    await show(text, 1);
    const blank = TRIALS.length + HEAD.length; // the '  ' line
    const placement = await server.client.sendRequest(InlineTrialRequest.type, { uri, position: { line: blank, character: 2 }, version: 1 });
    assert.ok(placement, 'ghost text on the blank line after the last trial');
    assert.deepEqual(placement.range, { start: { line: blank, character: 0 }, end: { line: blank, character: 2 } });
    const accepted = applyEdits(text, [{ range: placement.range, newText: placement.insertText }]);
    const parsed = parseExperiment(accepted);
    assert.ok(parsed.ok, JSON.stringify(parsed.diagnostics));
    assert.deepEqual(parsed.experiment!.trials.map((t) => [t.id, t.status]), [[1, 'completed'], [2, 'completed'], [3, 'completed'], [4, 'pending']]);
    const applied = await server.client.sendRequest(ApplySuggestionRequest.type, { uri, index: 0, count: 1 });
    assert.equal(placement.insertText, applied.edits[0]!.newText.replace(/^\n/, ''), 'the same text as Apply');
    // Not on a line with text, not after the next top-level key, not for another version of the text.
    assert.equal(await server.client.sendRequest(InlineTrialRequest.type, { uri, position: { line: blank - 1, character: 0 }, version: 1 }), null);
    assert.equal(await server.client.sendRequest(InlineTrialRequest.type, { uri, position: { line: blank + 3, character: 0 }, version: 1 }), null);
    assert.equal(await server.client.sendRequest(InlineTrialRequest.type, { uri, position: { line: blank, character: 0 }, version: 7 }), null);
  });

  it('inlineTrial under `trials: []` says which brackets to remove', async () => {
    const text = [...HEAD, 'trials: []', '', ''].join('\n');
    await writeFile(file, text);
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    const placement = await server.client.sendRequest(InlineTrialRequest.type, { uri, position: { line: HEAD.length + 1, character: 0 } });
    assert.ok(placement);
    assert.deepEqual(placement.removeEmptyFlow, { start: { line: HEAD.length, character: 8 }, end: { line: HEAD.length, character: 10 } });
    let accepted = applyEdits(text, [{ range: placement.range, newText: placement.insertText }]);
    accepted = applyEdits(accepted, [{ range: { start: { line: HEAD.length, character: 7 }, end: placement.removeEmptyFlow!.end }, newText: '' }]);
    const parsed = parseExperiment(accepted);
    assert.ok(parsed.ok, `${JSON.stringify(parsed.diagnostics)}\n${accepted}`);
    assert.equal(parsed.experiment!.trials.length, 1);
  });

  it('escapes a hostile metric name in the posterior hover', async () => {
    const metric = 'x ![i](https://example.invalid/a.png)';
    const text = [HEAD[0], `objective: { metric: "${metric}", goal: minimize }`, ...HEAD.slice(2), ...TRIALS, ''].join('\n');
    await writeFile(file, text);
    server = await startTestServer(root, FAST);
    const uri = uriOf(file);
    const hover = (await server.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 6, character: 10 } })) as { contents: { value: string } };
    assert.match(hover.contents.value, /Trial 1.*posterior/s);
    assert.ok(!hover.contents.value.includes('![i]('), hover.contents.value);
    assert.ok(hover.contents.value.includes('x \\!\\[i\\]\\(https\\://example\\.invalid/a\\.png\\)'), hover.contents.value);
  });
});
