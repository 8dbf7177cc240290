// "HyperBO: Import Tuning History…" as a user runs it: from the command palette, the quick pick lists the history
// found next to the experiment (MLflow, Ray Tune, Lightning, Keras Tuner, CSV fixtures made by the real tools or
// their documented generators in test/fixtures/history) with how each maps onto the search space; picking one
// adds it to prior.from in the editor, and undo takes it out again.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './codeServer';
import { workbench } from './setup';

const FOLDER = 'import-demo';
const EXPERIMENT = 'import-check.hyperbo.yaml';
const editorText = '.part.editor .monaco-editor';
const quickInput = '.quick-input-widget';
/** The experiment: the fixtures' parameters, no prior.from yet (the integration test uses it too). */
const TEXT = readFileSync(join(repoRoot, 'test', 'fixtures', 'experiments', EXPERIMENT), 'utf8');

describe('Import Tuning History (e2e)', function () {
  this.timeout(180_000);

  it('lists the history found next to the experiment, adds the picked source to prior.from, and undo takes it out', async () => {
    const vs = workbench();
    const folder = join(vs.workspace, FOLDER);
    mkdirSync(folder, { recursive: true });
    cpSync(join(repoRoot, 'test', 'fixtures', 'history'), join(folder, 'history'), { recursive: true });
    writeFileSync(join(folder, EXPERIMENT), TEXT);
    await vs.openFile(`${FOLDER}/${EXPERIMENT}`);

    await vs.runCommand('HyperBO: Import Tuning History…', 60_000, { opensQuickInput: true });
    // One row per source: its entry, its format, and per study the trials it brings and how they map.
    const rows = vs.page.locator(`${quickInput} .monaco-list-row`);
    for (const entry of ['history/mlflow.db', 'history/mlruns', 'history/ray_results/tune_mlp', 'history/lightning_logs/mlp', 'history/keras_tuner/mlp_search', 'history/sweep.csv']) {
      await rows.filter({ hasText: entry }).first().waitFor({ state: 'visible', timeout: 60_000 });
    }
    await vs.waitForText(/MLflow tracking store \(SQLite\)/, { within: quickInput });
    await vs.waitForText(/not in the search space: extra\/warmup/, { within: quickInput });
    await vs.screenshot('import-history-quick-pick');

    // Tick the MLflow store (clicking a row of a multi-select pick toggles it) and accept with OK.
    await rows.filter({ hasText: 'history/mlflow.db' }).first().locator('.label-name').first().click();
    await vs.waitForText('1 Selected', { within: quickInput });
    await vs.page.locator(quickInput).getByRole('button', { name: 'OK' }).click();
    await vs.page.locator(quickInput).waitFor({ state: 'hidden' });
    await vs.waitForText(/prior:\s*from: \[history\/mlflow\.db\]/, { within: editorText });
    await vs.screenshot('import-history-added');
    const shown = await vs.page.locator(`${editorText} .view-lines`).first().innerText();
    // Monaco shows spaces as no-break spaces, which \s matches.
    assert.match(shown, /batch:\s\{[^}]*\}\s+prior:\s+from:\s\[history\/mlflow\.db\]\s+trials:\s\[\]/, shown);

    // Undo in the editor takes the edit out again; the file on disk ends as it began.
    await vs.focusEditorArea();
    await vs.page.keyboard.press('Control+Z');
    await vs.waitForTextGone(/prior:/, { within: editorText });
    // Save from the editor that has the focus (the palette's File: Save once acted on no editor), and wait for the
    // disk: the save completes after the key press.
    const file = join(folder, EXPERIMENT);
    const savedWithin = async (ms: number): Promise<boolean> => {
      for (const until = Date.now() + ms; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 200))) {
        if (readFileSync(file, 'utf8') === TEXT) return true;
      }
      return readFileSync(file, 'utf8') === TEXT;
    };
    await vs.focusEditorArea();
    await vs.page.keyboard.press('Control+S');
    if (!(await savedWithin(15_000))) {
      await vs.runCommand('File: Save');
      await savedWithin(15_000);
    }
    assert.equal(readFileSync(file, 'utf8'), TEXT);
    await vs.runCommand('View: Close All Editors');
  });
});
