// What a user sees, fix by fix (issue 12): panels as tabs of one group beside the file, the lens before any data,
// the Suggestions panel's words, the posterior band and axes of an error rate, the empty best-so-far chart, one
// diagnostic for a bounds error, the CLI's errors in the terminal, and a .vsix without source maps.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { withoutTrials } from '../exampleCopy';
import { repoRoot } from './codeServer';
import { tableOverflow, vsixPath } from './harness';
import { workbench } from './setup';

const editorText = '.part.editor .monaco-editor';

const SPACE = `search_space:
  learning_rate: { type: float, low: 1.0e-4, high: 1, scale: log }
  width:         { type: int, low: 8, high: 128 }
`;
/** No prior and no trials: the first suggestions are the space-filling design. */
const FRESH = `name: fresh-start
objective: { metric: valid/error_rate, goal: minimize }
${SPACE}run:
  command: [node, -e, "0", "\${learning_rate}", "\${width}"]
  log: runs/fresh-\${trial}.jsonl
trials: []
`;
/** Five completed trials with error rates near 0 and one far off: the band used to reach −0.5. */
const RATES = `name: error-rates
objective: { metric: valid/error_rate, goal: minimize }
${SPACE}acquisition: { type: ei }
trials:
  - { id: 1, params: { learning_rate: 0.0003, width: 16 }, status: completed, value: 0.61 }
  - { id: 2, params: { learning_rate: 0.003, width: 100 }, status: completed, value: 0.09 }
  - { id: 3, params: { learning_rate: 0.03, width: 64 }, status: completed, value: 0.031 }
  - { id: 4, params: { learning_rate: 0.1, width: 32 }, status: completed, value: 0.045 }
  - { id: 5, params: { learning_rate: 0.6, width: 120 }, status: completed, value: 0.48 }
`;
/** low > high on learning_rate, whose placeholder the command uses. */
const BOUNDS = `name: bounds-slip
objective: { metric: loss, goal: minimize }
search_space:
  learning_rate: { type: float, low: 1, high: 1.0e-4, scale: log }
  width:         { type: int, low: 8, high: 128 }
run:
  command: [python, train.py, --lr, "\${learning_rate}", --width, "\${width}"]
  log: runs/\${trial}.jsonl
trials: []
`;

/** The tick labels of a plotly axis in a webview and their boxes on the page. */
async function tickLabels(frame: Frame, plot: number, axis: 'ytick' | 'xtick' | 'y2tick') {
  return frame.evaluate(
    ({ plot, axis }) => {
      const root = document.querySelectorAll('.js-plotly-plot')[plot];
      if (!root) return [];
      return Array.from(root.querySelectorAll<SVGTextElement>(`g.${axis} text`)).map((t) => {
        const r = t.getBoundingClientRect();
        return { text: t.textContent ?? '', left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      });
    },
    { plot, axis },
  );
}

/** Significant digits of a tick label ("0.0012" → 2, "0.25" → 2, "1.5e−3" → 2). */
function significantDigits(label: string): number {
  const mantissa = label.replace(/^[−-]/, '').split(/e/i)[0]!.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return mantissa.length;
}

/**
 * Runs a command while the panels' group is the active one (its active tab clicked), as a user does after looking at
 * a panel; Workbench.runCommand would click the file's editor first. By its test keybinding, not the palette: the
 * webview taking focus as its tab activates would close the palette.
 */
async function runCommandFromPanelGroup(vs: ReturnType<typeof workbench>, command: string): Promise<void> {
  const group = vs.page.locator('.part.editor .editor-group-container').nth(1);
  await group.locator('.tab.active').first().click();
  await until('the panels\' group to be the active one', async () => /\bactive\b/.test((await group.getAttribute('class')) ?? ''));
  await vs.pressCommandKey(command);
}

/** The example experiment as the repository has it, with no trials (earlier tests add some to the workspace's copy). */
const pristineExample = (): string => withoutTrials(readFileSync(join(repoRoot, 'examples', 'digits-mlp.hyperbo.yaml'), 'utf8'));

/**
 * Writes an experiment file into the workspace and opens it alone, then runs `body`; afterwards closes the editors and
 * removes the file, with a screenshot of what the window showed first when `body` failed.
 */
async function withOpenExperiment(vs: ReturnType<typeof workbench>, name: string, text: string, body: (file: string) => Promise<void>): Promise<void> {
  const file = join(vs.workspace, name);
  writeFileSync(file, text);
  try {
    await vs.runCommand('View: Close All Editors');
    await vs.openFile(name);
    await body(file);
  } catch (error) {
    await vs.screenshot(`${name.replace(/\.hyperbo\.yaml$/, '')}-failed`);
    throw error;
  } finally {
    await vs.runCommand('View: Close All Editors');
    rmSync(file, { force: true });
  }
}

/** Hides the bottom panel (Output, Problems, Terminal) so a screenshot shows the editors whole. */
async function hideBottomPanel(vs: ReturnType<typeof workbench>): Promise<void> {
  if (await vs.page.locator('.part.panel').isVisible()) await vs.runCommand('View: Toggle Panel Visibility');
  await vs.page.locator('.part.panel').waitFor({ state: 'hidden', timeout: 10_000 });
}

/** True when consecutive ticks step by one "nice" amount: 1, 2, 2.5 or 5 × 10^k. */
function niceSteps(values: number[]): boolean {
  if (values.length < 2) return true;
  const steps = values.slice(1).map((v, i) => Math.abs(v - values[i]!));
  const step = steps[0]!;
  if (!(step > 0) || steps.some((s) => Math.abs(s - step) > step * 1e-6)) return false;
  const mantissa = step / 10 ** Math.floor(Math.log10(step));
  return [1, 2, 2.5, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6);
}

/** Polls until `probe` is true. */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

type Box = { left: number; right: number; top: number; bottom: number; text: string };
const overlaps = (a: Box, b: Box) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;

describe('what the user sees (e2e, issue 12)', function () {
  this.timeout(240_000);

  before(() => {
    const vs = workbench();
    writeFileSync(join(vs.workspace, 'fresh.hyperbo.yaml'), FRESH);
    writeFileSync(join(vs.workspace, 'rates.hyperbo.yaml'), RATES);
    writeFileSync(join(vs.workspace, 'bounds.hyperbo.yaml'), BOUNDS);
  });

  it('with no data the lens says the first trials are a space-filling design, not "predicted 0 ± 1"', async () => {
    const vs = workbench();
    await vs.runCommand('View: Close All Editors');
    await hideBottomPanel(vs);
    await vs.openFile('fresh.hyperbo.yaml');
    await vs.waitForText(/next: learning_rate=.*space-filling start/, { within: editorText, timeoutMs: 120_000 });
    const text = await vs.page.locator(editorText).first().innerText();
    assert.doesNotMatch(text, /predicted 0 ± 1/);
    await vs.screenshot('lens-space-filling-start');
  });

  it('the four panels open as tabs of one group beside the file, not a column each', async () => {
    const vs = workbench();
    const groups = vs.page.locator('.part.editor .editor-group-container');
    // The first from the file; the others while a panel is active (that made a new column per panel).
    await vs.runCommand('HyperBO: Show Suggestions');
    await until('the suggestions tab', async () => (await groups.count()) === 2);
    let tabs = 1;
    for (const command of ['hyperbo.showPosterior', 'hyperbo.showHistory', 'hyperbo.showProvenance']) {
      await runCommandFromPanelGroup(vs, command);
      tabs += 1;
      await until(`${command} to open a tab`, async () => (await vs.page.locator('.part.editor .tab').count()) === tabs + 1);
    }
    await vs.webviewFrame(/Model/, 90_000);
    assert.equal(await groups.count(), 2, 'the file and one group of panels');
    const panelTabs = groups.nth(1).locator('.tab');
    assert.equal(await panelTabs.count(), 4, (await panelTabs.allInnerTexts()).join(' | '));
    assert.match((await groups.nth(0).locator('.tab').allInnerTexts()).join(' '), /fresh\.hyperbo\s*\.yaml/);
    await vs.screenshot('panels-as-tabs-beside-the-file');
  });

  it('the provenance panel writes the model name on whole words in its tab', async () => {
    const vs = workbench();
    const frame = await vs.webviewFrame(/Model/, 60_000);
    // Each value of the Model list stays at least a few words wide (it wrapped one letter per line in a narrow column).
    const widths = await frame.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('.key-values dd')).map((d) => d.getBoundingClientRect().width));
    assert.ok(widths.length > 0 && widths.every((w) => w > 120), `value widths ${widths.join(', ')}`);
    await vs.screenshot('panel-provenance-in-tab');
  });

  it('an empty best-so-far chart says that no trial has completed yet', async () => {
    const vs = workbench();
    await vs.runCommand('HyperBO: Show Trial History');
    const frame = await vs.webviewFrame(/No completed trial yet/, 60_000);
    assert.ok(frame);
    await vs.screenshot('history-no-completed-trial-yet');
  });

  it('the Suggestions panel labels Δ from best as a unit-cube distance and the acquisition value in words', async () => {
    const vs = workbench();
    await vs.runCommand('View: Close All Editors');
    await vs.openFile('rates.hyperbo.yaml');
    await vs.runCommand('HyperBO: Show Suggestions');
    const frame = await vs.webviewFrame(/Δ from best\s*\(unit-cube distance\)/, 90_000);
    await vs.waitForText(/Expected improvement/);
    await vs.waitForText(/expects this to beat the best trial by|expects no improvement/);
    await vs.waitForText(/scaled to 0…1 over its range/);
    assert.equal(await frame.getByText('Acquisition (', { exact: false }).count(), 0, 'no bare "Acquisition (ei)" number');
    // The Δ column is whole in a panel half the window wide: the table does not scroll sideways.
    const cut = await tableOverflow(frame);
    assert.ok(cut.every((px) => px <= 1), `tables wider than their card by ${cut.join(', ')} px`);
    await vs.screenshot('suggestions-delta-and-acquisition-in-words');
  });

  it('the posterior of an error rate: bands inside [0, 1], the y-range on the trials, rounded ticks that do not overlap', async () => {
    const vs = workbench();
    await vs.runCommand('HyperBO: Show Posterior');
    const frame = await vs.webviewFrame(/Posterior of valid\/error_rate/, 90_000);
    await frame.locator('.js-plotly-plot g.ytick text').first().waitFor({ state: 'attached', timeout: 60_000 });
    const plots = await frame.locator('.js-plotly-plot').count();
    let slices = 0;
    for (let i = 0; i < plots; i++) {
      const y = await tickLabels(frame, i, 'ytick');
      const y2 = await tickLabels(frame, i, 'y2tick');
      if (y2.length === 0) continue; // the contour, not a slice
      slices += 1;
      const values = y.map((t) => Number(t.text.replace('−', '-')));
      assert.ok(values.every((v) => Number.isFinite(v) && v >= 0 && v <= 1), `slice ${i} y ticks ${y.map((t) => t.text).join(' ')}`);
      const values2 = y2.map((t) => Number(t.text.replace('−', '-')));
      assert.ok(niceSteps(values) && niceSteps(values2), `slice ${i} ticks step unevenly: ${y.map((t) => t.text).join(' ')} | ${y2.map((t) => t.text).join(' ')}`);
      // Rounded: plain numbers of at most three significant digits, no SI prefixes such as "120µ".
      for (const t of [...y, ...y2]) {
        assert.match(t.text, /^[−-]?\d+(\.\d+)?(e[−+-]?\d+)?$/, `tick "${t.text}"`);
        assert.ok(significantDigits(t.text) <= 3, `tick "${t.text}" is not rounded`);
      }
      for (const ticks of [y, y2, await tickLabels(frame, i, 'xtick')]) {
        for (let a = 0; a < ticks.length; a++) for (let b = a + 1; b < ticks.length; b++) assert.ok(!overlaps(ticks[a]!, ticks[b]!), `"${ticks[a]!.text}" overlaps "${ticks[b]!.text}"`);
      }
      // The band's lower edge is drawn inside the plot area (never below the axis at 0).
      const band = await frame.evaluate((i) => {
        const root = document.querySelectorAll('.js-plotly-plot')[i] as HTMLElement & { data?: { name?: string; y?: number[] }[] };
        return root.data?.find((t) => t.name === 'posterior ± 2 sd')?.y ?? [];
      }, i);
      assert.ok(band.length > 0 && band.every((v) => v >= 0 && v <= 1), `slice ${i} band from ${Math.min(...band)}`);
    }
    assert.equal(slices, 2, 'one slice per parameter');
    await vs.screenshot('posterior-error-rate-band-and-ticks');
  });

  it('a bounds error on one parameter is the only error: its placeholder is not also unknown', async () => {
    const vs = workbench();
    await vs.runCommand('View: Close All Editors');
    await vs.openFile('bounds.hyperbo.yaml');
    await vs.page.locator(`${editorText} .squiggly-error`).first().waitFor({ state: 'attached', timeout: 60_000 });
    await vs.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    await vs.waitForText(/must be less than high/, { within: '.part.panel', timeoutMs: 30_000 });
    const problems = await vs.page.locator('.part.panel').innerText();
    assert.doesNotMatch(problems, /names no parameter/);
    await vs.screenshot('bounds-error-only');
    await vs.runCommand('View: Toggle Panel Visibility');
  });

  it('a learning rate searched past what the prior\'s data measured: an information diagnostic, and a quick fix that undo reverts', async () => {
    const vs = workbench();
    const example = pristineExample();
    const wide = example
      .replace('name: digits-mlp-relu-32-bs128', 'name: digits-wide-learning-rate')
      .replace('learning_rate:         { type: float, low: 1.0e-5, high: 10,', 'learning_rate:         { type: float, low: 1.0e-7, high: 100,');
    assert.notEqual(wide.indexOf('low: 1.0e-7, high: 100'), -1, 'the example still has the learning_rate line this test widens');
    await withOpenExperiment(vs, 'wide.hyperbo.yaml', wide, async (file) => {
      // The lens starts pre-training; once the model uses the prior, the diagnostic appears.
      await vs.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      await vs.waitForText(/No training task of the prior measured learning_rate below 1\.00\d*e-5 or above 9\.\d+/, { within: '.part.panel', timeoutMs: 180_000 });
      const problems = await vs.page.locator('.part.panel').innerText();
      assert.doesNotMatch(problems, /measured (one_minus_momentum|lr_decay)/, 'the other parameters are measured over their ranges');
      await vs.screenshot('prior-coverage-diagnostic');
      await vs.runCommand('View: Toggle Panel Visibility');

      // The quick fix on the parameter's name narrows it to what the data measured; undo takes it back.
      await vs.revealLine(10);
      const name = vs.page.locator(`${editorText} .view-line`, { hasText: 'learning_rate:' }).first();
      const fix = vs.page.locator('.action-widget').getByText(/Narrow learning_rate to what the prior's data measured \(1e-5 to 9\.9\)/);
      // The cursor on the name (a click there, not wherever Go to Line left it), then Ctrl+.; again while the list
      // does not offer the fix yet (the editor may ask before the diagnostic's version has reached it).
      await until('the quick fix to be offered', async () => {
        await vs.page.keyboard.press('Escape');
        await name.click({ position: { x: 40, y: 5 } });
        await vs.page.keyboard.press('Control+.');
        return fix.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false);
      }, 60_000);
      await vs.screenshot('prior-coverage-quick-fix');
      await fix.click();
      await vs.waitForText(/learning_rate:\s+\{ type: float, low: 1\.0e-5, high: 9\.9, scale: log \}/, { within: editorText });
      await vs.focusEditorArea();
      await vs.page.keyboard.press('Control+Z');
      await vs.waitForText(/learning_rate:\s+\{ type: float, low: 1\.0e-7, high: 100, scale: log \}/, { within: editorText });
      assert.equal(readFileSync(file, 'utf8'), wide, 'the file on disk is untouched: the fix is an edit in the editor');
      await vs.runCommand('File: Revert File');
    });
  });

  it('Prior Provenance says how many pairs of the trials each training task orders alike', async () => {
    const vs = workbench();
    const example = pristineExample();
    // The example's first three trials of the README's main job, recorded.
    const trials = [
      '  - { id: 1, params: { learning_rate: 0.2783, one_minus_momentum: 0.2959, lr_decay_power: 0.9491, lr_decay_steps_factor: 0.90563 }, status: completed, value: 0.03525 }',
      '  - { id: 2, params: { learning_rate: 0.02212, one_minus_momentum: 0.001, lr_decay_power: 0.1, lr_decay_steps_factor: 0.99 }, status: completed, value: 0.06679 }',
      '  - { id: 3, params: { learning_rate: 0.5022, one_minus_momentum: 1, lr_decay_power: 0.1, lr_decay_steps_factor: 0.99 }, status: completed, value: 0.03896 }',
    ];
    const text = example.replace('name: digits-mlp-relu-32-bs128', 'name: digits-three-trials').replace(/^trials: \[\]$/m, `trials:\n${trials.join('\n')}`);
    assert.ok(text.includes('status: completed, value: 0.03896'), 'the example ends with trials: [] for this test to fill');
    await withOpenExperiment(vs, 'alike.hyperbo.yaml', text, async () => {
      await vs.runCommand('HyperBO: Show Prior Provenance');
      const frame = await vs.webviewFrame(/Orders this experiment's trials alike/, 180_000);
      const rows = await frame.locator('table.data-table').first().locator('tbody tr').allInnerTexts();
      assert.equal(rows.length, 15, 'the 15 training tasks');
      for (const row of rows) assert.match(row, /\b\d{1,3} % of 3 pairs$/, row);
      await vs.screenshot('provenance-task-agreement');
    });
  });

  it('Compare Trial with Best from the palette: pick a trial, and the diff editor sets it against the best', async () => {
    const vs = workbench();
    const trials = [
      '  - { id: 1, params: { learning_rate: 0.2783, one_minus_momentum: 0.2959, lr_decay_power: 0.9491, lr_decay_steps_factor: 0.90563 }, status: completed, value: 0.03525 }',
      '  - { id: 2, params: { learning_rate: 0.02212, one_minus_momentum: 0.001, lr_decay_power: 0.1, lr_decay_steps_factor: 0.99 }, status: completed, value: 0.06679 }',
      '  - { id: 3, params: { learning_rate: 0.5022, one_minus_momentum: 1, lr_decay_power: 0.1, lr_decay_steps_factor: 0.99 }, status: completed, value: 0.03896 }',
    ];
    const text = pristineExample().replace('name: digits-mlp-relu-32-bs128', 'name: digits-compare').replace(/^trials: \[\]$/m, `trials:\n${trials.join('\n')}`);
    await withOpenExperiment(vs, 'compare.hyperbo.yaml', text, async () => {
      await vs.runCommand('HyperBO: Compare Trial with Best', 60_000, { opensQuickInput: true });
      const pick = vs.page.locator('.quick-input-widget .monaco-list-row', { has: vs.page.locator('.label-name', { hasText: /^Trial 2$/ }) }).first();
      await pick.waitFor({ state: 'visible', timeout: 30_000 });
      await pick.click();
      const tab = vs.page.locator('.tabs-container .tab', { hasText: 'digits-compare: trial 1 (best) ↔ trial 2' });
      await tab.waitFor({ state: 'visible', timeout: 30_000 });
      const diff = vs.page.locator('.monaco-diff-editor').first();
      await diff.waitFor({ state: 'visible', timeout: 30_000 });
      // Both sides drawn: the best's value on the left, trial 2's learning rate on the right, marked as changed.
      await until('both sides of the diff to be drawn', async () => {
        const original = await diff.locator('.editor.original .view-lines').innerText();
        const modified = await diff.locator('.editor.modified .view-lines').innerText();
        // The editor draws spaces as no-break spaces: \s matches both.
        return /valid\/error_rate:\s0\.03525/.test(original) && /learning_rate:\s0\.02212/.test(modified);
      });
      assert.ok((await diff.locator('.editor.modified .line-insert, .editor.modified .char-insert').count()) > 0, 'the changed lines are marked');
      await hideBottomPanel(vs);
      await vs.screenshot('compare-trial-with-best');
      // The editor's title bar steps the right side to the next trial.
      await vs.page.locator('.editor-actions .action-label[aria-label="Compare the Next Trial"]').first().click();
      await vs.page.locator('.tabs-container .tab', { hasText: 'digits-compare: trial 1 (best) ↔ trial 3' }).waitFor({ state: 'visible', timeout: 30_000 });
    });
  });

  it('CLI errors in the terminal: a typo gets the nearest option, a negative count one line, a non-experiment one sentence', async () => {
    const vs = workbench();
    const cli = join(repoRoot, 'dist', 'cli.js');
    assert.ok(existsSync(cli), 'the packaged build wrote dist/cli.js');
    const out = join(vs.workspace, 'cli-errors.txt');
    await vs.runCommand('Terminal: Create New Terminal');
    const terminal = vs.page.locator('.part.panel .terminal-wrapper textarea, .part.panel .xterm-helper-textarea').first();
    await terminal.waitFor({ state: 'attached', timeout: 30_000 });
    await vs.page.waitForTimeout(1500); // let the shell print its prompt before typing
    const run = (args: string) => `node ${JSON.stringify(cli)} ${args} 2>&1 | tee -a cli-errors.txt`;
    await terminal.focus();
    await vs.page.keyboard.type(
      `clear; ${run('tune digits-mlp.hyperbo.yaml --trails 3')}; ${run('tune digits-mlp.hyperbo.yaml --trials -2')}; ${run('tune README.md')}\n`,
    );
    const deadline = Date.now() + 60_000;
    let text = '';
    while (Date.now() < deadline && (text.match(/^hyperbo: /gm) ?? []).length < 3) {
      await vs.page.waitForTimeout(300);
      text = existsSync(out) ? readFileSync(out, 'utf8') : '';
    }
    assert.match(text, /^hyperbo: Unknown option --trails; did you mean --trials\?$/m);
    assert.match(text, /^hyperbo: --trials must be an integer >= 1, got "-2"\.$/m);
    assert.match(text, /^hyperbo: README\.md is not a HyperBO experiment file: it [^\n]+ \(see docs\/experiment-format\.md\)\.$/m);
    assert.equal((text.match(/^hyperbo: /gm) ?? []).length, 3, text);
    await vs.page.waitForTimeout(500); // the terminal renders what tee wrote
    await vs.screenshot('cli-errors-in-terminal');
  });

  it('the .vsix ships no source maps, and its scripts point at none', () => {
    assert.ok(existsSync(vsixPath), `${vsixPath} (packaged by the root hook)`);
    const list = spawnSync('unzip', ['-Z1', vsixPath], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const files = list.stdout.split('\n').filter(Boolean);
    assert.ok(files.includes('extension/dist/extension.js'), files.slice(0, 20).join('\n'));
    assert.deepEqual(files.filter((f) => f.endsWith('.map')), []);
    for (const js of files.filter((f) => /^extension\/dist\/.*\.js$/.test(f))) {
      const text = spawnSync('unzip', ['-p', vsixPath, js], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
      assert.doesNotMatch(text.slice(-2000), /sourceMappingURL=/, `${js} names a source map`);
    }
  });
});
