// The server's trial edits without an LSP connection (service/trialEdits.ts): appending a configuration or suggestion
// #i of the batch the user saw, updating a trial when its run starts or ends (its value from its own log), where a
// trial is and the next trial's ghost text, on the text the server holds or the text sent. Real experiment files
// and logs in a temp workspace, real worker threads for suggestions.
import * as assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseExperiment } from '../../../src/formats/experiment';
import { LineIndex } from '../../../src/formats/text';
import { JobRunner } from '../../../src/server/jobs/jobRunner';
import { UserError } from '../../../src/server/service/errors';
import { parseExperimentFile } from '../../../src/server/service/experimentAdapter';
import { ModelQueries } from '../../../src/server/service/modelQueries';
import { PriorService } from '../../../src/server/service/priorService';
import { DEFAULT_SETTINGS, type ServerSettings } from '../../../src/server/service/settings';
import { TrialEdits } from '../../../src/server/service/trialEdits';
import { TrialState } from '../../../src/server/service/trialState';
import { WorkspaceIndex } from '../../../src/server/service/workspaceIndex';
import type { TextEditDTO } from '../../../src/shared/dto';
import { runCli } from '../cli/harness';
import { removeFolder, tempFolder } from './fixtures';

const HEAD = [
  'name: quadratic',
  'objective: { metric: loss, goal: minimize }',
  'search_space:',
  '  lr: { type: float, low: 1.0e-4, high: 1, scale: log }',
  '  m: { type: float, low: 0, high: 0.99 }',
  'run:',
  '  command: [node, train.js]',
  '  log: runs/${trial}.jsonl',
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

/** Applies LSP edits computed on `text`, as a WorkspaceEdit does. */
function apply(text: string, edits: readonly TextEditDTO[]): string {
  const lines = new LineIndex(text);
  let out = text;
  for (const e of edits.map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText })).sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  }
  return out;
}

describe('server TrialEdits (no connection)', function () {
  this.timeout(120_000);
  let root: string;
  let file: string;
  let uri: string;
  let index: WorkspaceIndex;
  let jobs: JobRunner;
  let queries: ModelQueries;
  let trials: TrialState;
  let edits: TrialEdits;
  const settings: ServerSettings = { ...DEFAULT_SETTINGS, logs: { pollInterval: 0 } };

  const onDisk = async (text: string): Promise<string> => {
    await writeFile(file, text);
    await index.reloadFromDisk(uri);
    return text;
  };
  const trialsOf = (text: string) => {
    const parsed = parseExperiment(text);
    assert.ok(parsed.ok, JSON.stringify(parsed.diagnostics));
    return parsed.experiment!.trials;
  };

  beforeEach(async () => {
    root = await tempFolder('trial-edits');
    file = path.join(root, 'exp.hyperbo.yaml');
    uri = pathToFileURL(file).toString();
    index = new WorkspaceIndex([root], parseExperimentFile);
    jobs = new JobRunner();
    trials = new TrialState({ index, settings: async () => settings });
    const of = trials.of.bind(trials);
    const priors = new PriorService({ root, index, trials: of, jobs, settings: async () => settings });
    queries = new ModelQueries({ index, trials: of, priors, jobs, settings: async () => settings, status: () => undefined });
    edits = new TrialEdits({ index, queries, trials });
  });
  afterEach(async () => {
    trials.dispose();
    await jobs.dispose();
    await removeFolder(root);
  });

  it('appends a configuration as a pending trial on the held text or the text sent; outside the space or without a valid state is the user\'s', async () => {
    const text = await onDisk([...HEAD, ...TRIALS, ''].join('\n'));
    const held = edits.addTrial(uri, { lr: 0.05, m: 0.3 });
    assert.equal(held.trialId, 4);
    const after = apply(text, held.edits);
    assert.ok(after.startsWith(text.trimEnd()), 'only the new trial is added');
    assert.deepEqual(trialsOf(after).at(-1), { id: 4, params: { lr: 0.05, m: 0.3 }, status: 'pending' });
    // hyperbo tune appended trial 4 on disk; the index still holds the three-trial text.
    const disk = [...HEAD, ...TRIALS, '  - { id: 4, params: { lr: 0.2, m: 0.1 }, status: running }', ''].join('\n');
    assert.equal(edits.addTrial(uri, { lr: 0.05, m: 0.3 }, disk).trialId, 5, 'the id comes from the text sent');
    assert.throws(() => edits.addTrial(uri, { lr: 5, m: 0.3 }), (e: Error) => e instanceof UserError && /outside the search space of quadratic/.test(e.message));
    assert.throws(() => edits.addTrial(pathToFileURL(path.join(root, 'missing.hyperbo.yaml')).toString(), { lr: 0.05, m: 0.3 }), /No experiment file/);
    const broken = pathToFileURL(path.join(root, 'broken.hyperbo.yaml')).toString();
    index.setDocument(broken, 'objective: [', 1);
    assert.throws(() => edits.addTrial(broken, { lr: 0.05, m: 0.3 }), (e: Error) => e instanceof UserError && /has errors/.test(e.message));
  });

  it('applies suggestion #index of the batch the user saw; an index past the batch is the user\'s', async () => {
    const text = await onDisk([...HEAD, ...TRIALS, ''].join('\n'));
    const shown = await queries.suggest(uri, 2);
    const second = await edits.applySuggestion(uri, 1, 2);
    assert.equal(second.trialId, 4);
    assert.deepEqual(second.params, shown.suggestions[1]!.params);
    const added = trialsOf(apply(text, second.edits)).at(-1)!;
    assert.deepEqual([added.id, added.status, added.params], [4, 'pending', shown.suggestions[1]!.params]);
    await assert.rejects(edits.applySuggestion(uri, 16, 2), (e: Error) => e instanceof UserError && /no suggestion #16/.test(e.message));
    await assert.rejects(edits.applySuggestion(uri, 1.5), UserError);
  });

  it('finds a trial\'s entry in the current text, also while that text is broken', async () => {
    await onDisk([...HEAD, ...TRIALS, ''].join('\n'));
    assert.deepEqual(edits.trialLocation(uri, 1)!.range.start, { line: HEAD.length + 1, character: 4 });
    assert.deepEqual(edits.trialLocation(uri, 2)!.range.start, { line: HEAD.length + 2, character: 4 });
    assert.equal(edits.trialLocation(uri, 9), null);
    index.setDocument(uri, [...HEAD, 'budget: 20', 'seed: [', ...TRIALS, ''].join('\n'), 2);
    assert.deepEqual(edits.trialLocation(uri, 2)!.range.start, { line: HEAD.length + 4, character: 4 });
  });

  it('offers Apply\'s text as ghost text on a blank line in the trials block only, for the text of the version asked about', async () => {
    const text = [...HEAD, ...TRIALS, '  ', '', 'budget: 20', ''].join('\n');
    index.setDocument(uri, text, 1);
    const blank = HEAD.length + TRIALS.length;
    const placement = await edits.inlineTrial(uri, { line: blank, character: 2 }, { version: 1 });
    assert.ok(placement);
    assert.deepEqual(placement.range, { start: { line: blank, character: 0 }, end: { line: blank, character: 2 } });
    const accepted = apply(text, [{ range: placement.range, newText: placement.insertText }]);
    assert.deepEqual(trialsOf(accepted).map((t) => [t.id, t.status]), [[1, 'completed'], [2, 'completed'], [3, 'completed'], [4, 'pending']]);
    const applied = await edits.applySuggestion(uri, 0, 1);
    assert.equal(placement.insertText, applied.edits[0]!.newText.replace(/^\n/, ''), 'the same text as Apply');
    assert.equal(await edits.inlineTrial(uri, { line: blank - 1, character: 0 }, { version: 1 }), null, 'a line with text');
    assert.equal(await edits.inlineTrial(uri, { line: blank + 3, character: 0 }, { version: 1 }), null, 'after the next top-level key');
    assert.equal(await edits.inlineTrial(uri, { line: blank, character: 0 }, { version: 7 }), null, 'another version of the text');
  });

  it('records a run\'s end: a completed run without a value takes its own log\'s, last line included; a diverged log says so; a rerun drops the old reason', async () => {
    const started = new Date(Date.now() - 60_000).toISOString();
    const text = await onDisk(
      [...HEAD, ...TRIALS,
        `  - { id: 4, params: { lr: 0.2, m: 0.1 }, status: running, started: "${started}", reason: "exit code 1" }`,
        `  - { id: 5, params: { lr: 0.3, m: 0.1 }, status: running, started: "${started}" }`, ''].join('\n'),
    );
    await mkdir(path.join(root, 'runs'));
    // The writer exited before the newline of its last line.
    await writeFile(path.join(root, 'runs', '4.jsonl'), '{"step": 0, "loss": 0.5}\n{"step": 1, "loss": 0.125}');
    await writeFile(path.join(root, 'runs', '5.jsonl'), '{"step": 0, "loss": 1}\n{"step": 1, "loss": 1e9}\n');
    await trials.refresh();
    const finished = new Date().toISOString();
    const done = await edits.updateTrial({ uri, trialId: 4, status: 'completed', finished });
    assert.deepEqual([done.status, done.value], ['completed', 0.125]);
    const four = trialsOf(apply(text, done.edits)).find((t) => t.id === 4)!;
    assert.deepEqual([four.status, four.value, four.finished, four.reason], ['completed', 0.125, finished, undefined]);
    const diverged = await edits.updateTrial({ uri, trialId: 5, status: 'completed', finished });
    assert.equal(diverged.status, 'diverged');
    assert.match(trialsOf(apply(text, diverged.edits)).find((t) => t.id === 5)!.reason!, /loss/);
    // A value the client sends is written as is, on the text it sends.
    const sent = [...HEAD, ...TRIALS, '  - { id: 6, params: { lr: 0.2, m: 0.1 }, status: running }', ''].join('\n');
    const six = await edits.updateTrial({ uri, trialId: 6, status: 'completed', value: 0.25, text: sent });
    assert.deepEqual(trialsOf(apply(sent, six.edits)).at(-1), { id: 6, params: { lr: 0.2, m: 0.1 }, status: 'completed', value: 0.25 });
    await assert.rejects(edits.updateTrial({ uri, trialId: 9, status: 'failed' }), UserError);
  });
  it('the editor records the value hyperbo tune records for the same trial and 3,000-point log (reduce: min at one odd step)', async () => {
    // The command writes 3,000 points whose minimum (0.01) sits at one odd step the server's thinned curve drops.
    await writeFile(
      path.join(root, 'train.js'),
      "const fs = require('node:fs'); fs.mkdirSync('runs', { recursive: true });\n" +
        "const lines = []; for (let i = 0; i < 3000; i++) lines.push(JSON.stringify({ step: i, loss: i === 1237 ? 0.01 : 0.5 + (i % 7) / 100 }));\n" +
        "fs.writeFileSync('runs/' + process.argv[2] + '.jsonl', lines.join('\\n') + '\\n');\n",
    );
    const text = [
      ...HEAD.map((l) =>
        l.startsWith('objective:') ? 'objective: { metric: loss, goal: minimize, reduce: min }' : l.startsWith('  command:') ? '  command: [node, train.js, "${trial}"]' : l,
      ),
      'trials: []',
      '',
    ].join('\n');
    await writeFile(file, text);
    const tune = runCli(['tune', file, '--trials', '1'], root, 120_000);
    assert.equal(tune.status, 0, tune.stdout + tune.stderr);
    const byTune = trialsOf(await readFile(file, 'utf8'))[0]!;
    assert.deepEqual([byTune.status, byTune.value], ['completed', 0.01], 'tune reduces the exact curve');
    // The same trial as the editor's runner leaves it when the same run ends: running, its log written since it started.
    const running = (await readFile(file, 'utf8')).replace(/status: completed/, 'status: running').replace(/\n\s*value: 0\.01\b[^\n]*/, '').replace(/value: 0\.01, /, '');
    await onDisk(running);
    assert.equal(trialsOf(running)[0]!.value, undefined);
    await trials.refresh();
    const shown = trials.of(index.get(uri)!).find((t) => t.id === 1)!;
    assert.ok(shown.curve && shown.curve.length < 3000 && !shown.curve.some((p) => p.value === 0.01), 'the curve the editor shows is thinned past the minimum');
    const byEditor = await edits.updateTrial({ uri, trialId: 1, status: 'completed', finished: new Date().toISOString() });
    assert.deepEqual([byEditor.status, byEditor.value], [byTune.status, byTune.value], 'the editor records what tune recorded');
    assert.equal(trialsOf(apply(running, byEditor.edits))[0]!.value, byTune.value);
  });

  it('settles a trial whose tune died before its pid (Stop Stray Runs): the log decides, a failure names the tune; runner is reported and cleared', async () => {
    const started = new Date(Date.now() - 60_000).toISOString();
    const text = await onDisk(
      [...HEAD, ...TRIALS,
        `  - { id: 4, params: { lr: 0.2, m: 0.1 }, status: running, started: "${started}", runner: 999991 }`,
        `  - { id: 5, params: { lr: 0.3, m: 0.1 }, status: running, started: "${started}", runner: 999992 }`, ''].join('\n'),
    );
    await mkdir(path.join(root, 'runs'));
    await writeFile(path.join(root, 'runs', '4.jsonl'), '{"step": 0, "loss": 0.5}\n{"step": 1, "loss": 0.2}\n');
    await trials.refresh();
    assert.deepEqual(trials.of(index.experiment(uri)).filter((t) => t.id >= 4).map((t) => t.runner), [999991, 999992]);
    const finished = new Date().toISOString();
    const four = await edits.updateTrial({ uri, trialId: 4, status: 'completed', finished, pid: null, runnerGone: 999991 });
    assert.deepEqual([four.status, four.value], ['completed', 0.2]);
    const written4 = trialsOf(apply(text, four.edits)).find((t) => t.id === 4)!;
    assert.deepEqual([written4.status, written4.value, written4.runner, written4.reason], ['completed', 0.2, undefined, undefined]);
    const five = await edits.updateTrial({ uri, trialId: 5, status: 'completed', finished, pid: null, runnerGone: 999992 });
    assert.equal(five.status, 'failed');
    const written5 = trialsOf(apply(text, five.edits)).find((t) => t.id === 5)!;
    assert.equal(written5.runner, undefined);
    assert.match(written5.reason!, /^the hyperbo tune that started it \(pid 999992\) ended before recording its command's process; .*wrote no log at runs\/5\.jsonl/);
  });
});
