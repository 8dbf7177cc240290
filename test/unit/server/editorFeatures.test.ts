// Code lenses, hovers and completion on an experiment file without an LSP connection: the lens above `trials:` is
// the next suggestion, one lens per trial where the current text has it (the last good state may list more), the
// hover joins the key's documentation and the posterior at the trial under the cursor.
import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobRunner } from '../../../src/server/jobs/jobRunner';
import { COMPUTING_SUGGESTION_TITLE, EditorFeatures } from '../../../src/server/service/editorFeatures';
import { parseExperimentFile } from '../../../src/server/service/experimentAdapter';
import { ModelQueries } from '../../../src/server/service/modelQueries';
import { PriorService } from '../../../src/server/service/priorService';
import { DEFAULT_SETTINGS } from '../../../src/server/service/settings';
import { WorkspaceIndex } from '../../../src/server/service/workspaceIndex';
import { completedTrial, fileTrials, HEAD, removeFolder, tempFolder } from './fixtures';

const TEXT = 'name: bowl\n' + HEAD + 'trials:\n' + [completedTrial(1, 0.001, 0.2), completedTrial(2, 0.03, 0.5), completedTrial(3, 0.3, 0.9)].join('\n') + '\n';

describe('server EditorFeatures (no connection)', function () {
  this.timeout(120_000);
  let root: string;
  let uri: string;
  let index: WorkspaceIndex;
  let jobs: JobRunner;
  let editor: EditorFeatures;

  beforeEach(async () => {
    root = await tempFolder('editor');
    const file = path.join(root, 'bowl.hyperbo.yaml');
    await writeFile(file, TEXT);
    uri = pathToFileURL(file).toString();
    index = new WorkspaceIndex([root], parseExperimentFile);
    await index.scan();
    jobs = new JobRunner();
    const settings = async () => DEFAULT_SETTINGS;
    const priors = new PriorService({ root, index, trials: fileTrials, jobs, settings });
    const queries = new ModelQueries({ index, trials: fileTrials, priors, jobs, settings });
    editor = new EditorFeatures({ index, queries, trials: fileTrials, metricNames: () => [], suggestionWaitMs: Infinity });
  });
  afterEach(async () => {
    await jobs.dispose();
    await removeFolder(root);
  });

  it('puts the next suggestion above trials: and each trial\'s status and value on its line', async () => {
    const lenses = await editor.codeLenses(uri);
    const titles = lenses.map((l) => [l.range.start.line, l.command?.title]);
    assert.equal(titles[0]![0], 5, 'above trials:');
    assert.match(String(titles[0]![1]), /^▶ next: lr=[\d.e-]+ mom=[\d.]+ {2}predicted [-\d.e]+ ± [\d.e-]+$/);
    assert.deepEqual(lenses[0]!.command?.arguments, [uri, 0]);
    assert.deepEqual(titles.slice(1), [
      [5, 'Apply & Run'],
      [6, '✓ trial 1: completed · score 2.29'],
      [7, '✓ trial 2: completed · score 0.01052'],
      [8, '✓ trial 3: completed · score 1.205'],
    ]);
  });

  it('offers Tune… beside Apply & Run when the file has a run.command (trials can be launched)', async () => {
    index.setDocument(uri, 'name: bowl\n' + HEAD + 'run: { command: [python, train.py, "${lr}"], log: "runs/${trial}.log" }\n' + TEXT.slice(TEXT.indexOf('trials:')), 2);
    const lenses = await editor.codeLenses(uri);
    const tune = lenses.find((l) => l.command?.title === 'Tune…');
    assert.ok(tune, `lenses: ${lenses.map((l) => l.command?.title).join(' | ')}`);
    assert.equal(tune.command?.command, 'hyperbo.tune');
    assert.deepEqual(tune.command?.arguments, [uri]);
    assert.equal(tune.range.start.line, lenses[0]!.range.start.line, 'on the suggestion line');
  });

  it('a lens does not wait for a slow suggestion: a placeholder, then a refresh and the suggestion', async () => {
    let refreshed = 0;
    const settings = async () => DEFAULT_SETTINGS;
    const priors = new PriorService({ root, index, trials: fileTrials, jobs, settings });
    const queries = new ModelQueries({ index, trials: fileTrials, priors, jobs, settings });
    const impatient = new EditorFeatures({ index, queries, trials: fileTrials, metricNames: () => [], suggestionWaitMs: 0, lensesChanged: () => refreshed++ });
    const first = await impatient.codeLenses(uri);
    assert.equal(first[0]!.command?.title, COMPUTING_SUGGESTION_TITLE);
    assert.deepEqual(first.slice(1).map((l) => l.command?.title.slice(0, 9)), ['✓ trial 1', '✓ trial 2', '✓ trial 3']);
    while (refreshed === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const again = await impatient.codeLenses(uri);
    assert.match(String(again[0]!.command?.title), /^▶ next: /);
    assert.equal(refreshed, 1, 'the ready suggestion answers at once: no further refresh');
  });

  it('with no trials yet the lens says the first trials are a space-filling design, not "predicted 0 ± 1"', async () => {
    index.setDocument(uri, 'name: bowl\n' + HEAD + 'trials: []\n', 2);
    const settings = async () => DEFAULT_SETTINGS;
    const priors = new PriorService({ root, index, trials: fileTrials, jobs, settings });
    const queries = new ModelQueries({ index, trials: fileTrials, priors, jobs, settings });
    // Waits for the suggestion however loaded the machine is (the placeholder is another test's).
    const patient = new EditorFeatures({ index, queries, trials: fileTrials, metricNames: () => [], suggestionWaitMs: 120_000 });
    const [next] = await patient.codeLenses(uri);
    assert.match(next!.command!.title, /^▶ next: lr=\S+ mom=\S+ {2}\(space-filling start: the first trials spread over the search space\)$/);
    assert.doesNotMatch(next!.command!.title, /predicted/);
  });

  it('a broken edit keeps the last good trials but lenses only those the text still has, where they are now', async () => {
    // Trial 2 deleted and a syntax error added: the state is the last good one (three trials), the text has two.
    const broken = TEXT.replace(completedTrial(2, 0.03, 0.5) + '\n', '').replace('name: bowl', 'name: [bowl');
    index.setDocument(uri, broken, 2);
    assert.equal(index.get(uri)?.experiment?.trials.length, 3);
    const lenses = await editor.codeLenses(uri);
    assert.deepEqual(lenses.filter((l) => l.command?.title.includes('trial')).map((l) => [l.range.start.line, l.command?.title.slice(0, 9)]), [
      [6, '✓ trial 1'],
      [7, '✓ trial 3'],
    ]);
  });

  it('over a result the output rule treats as infeasible, the hover says so, as hyperbo tune does', async () => {
    const absurd = TEXT.replace(/( {2}- \{ id: 3, .*value: )[^ ]+ \}/, (_, line: string) => `${line}1.0e+300 }`);
    assert.notEqual(absurd, TEXT);
    index.setDocument(uri, absurd, 2);
    const onTrial = await editor.hover(uri, { line: 8, character: 10 });
    assert.ok(onTrial && typeof onTrial.contents === 'object' && 'value' in onTrial.contents);
    assert.match(onTrial.contents.value, /\*\*Trial 3\*\* — posterior score/);
    assert.match(onTrial.contents.value, /The output rule treats score 1e\+300 as \*\*infeasible\*\* \(absurdly bad\)/);
  });

  it('hovers: the key\'s documentation, and over a trial the posterior there; completion offers the format\'s keys', async () => {
    const onGoal = await editor.hover(uri, { line: 1, character: 30 });
    assert.ok(onGoal && typeof onGoal.contents === 'object' && 'value' in onGoal.contents);
    assert.doesNotMatch(onGoal.contents.value, /posterior/);
    const onTrial = await editor.hover(uri, { line: 7, character: 10 });
    assert.ok(onTrial && typeof onTrial.contents === 'object' && 'value' in onTrial.contents);
    assert.match(onTrial.contents.value, /\*\*Trial 2\*\* — posterior score at these parameters: \*\*[-\d.e]+ ± [\d.e-]+\*\*/);
    assert.match(onTrial.contents.value, /GP fitted to this experiment, conditioned on 3 completed trials/);
    assert.doesNotMatch(onTrial.contents.value, /infeasible/);
    // The editor's text (sent by the client) wins over the index's: a blank key line offers top-level keys.
    const items = editor.completions(uri, { line: 0, character: 0 }, '\n' + TEXT);
    assert.ok(items.some((i) => i.label === 'budget'), items.map((i) => i.label).join(', '));
  });
});
