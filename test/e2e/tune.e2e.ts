// "HyperBO: Tune…" as a user runs it: from the command palette, an input box asks how many trials (the budget's
// remainder by default), a progress notification follows suggest → run → record, and a closing notification gives
// the best result; the trials are in the file on disk. The Suggestions panel's Tune… button asks the same.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workbench } from './setup';

const FILE = 'tune-demo.hyperbo.yaml';
const quickInput = '.quick-input-widget';

describe('Tune (e2e)', function () {
  this.timeout(180_000);

  it('asks how many trials, runs them one after another with progress, and reports the best', async () => {
    const vs = workbench();
    // A training command that takes a moment and logs loss = (log10 x + 1)², best at x = 0.1.
    const script = 'const x = Number(process.argv[1]); setTimeout(() => console.log(JSON.stringify({ step: 1, loss: (Math.log10(x) + 1) ** 2 })), 700);';
    writeFileSync(
      join(vs.workspace, FILE),
      [
        'name: tune-demo',
        'objective: { metric: loss, goal: minimize, reduce: min }',
        'search_space:',
        '  x: { type: float, low: 0.001, high: 10, scale: log }',
        'budget: 5',
        'run:',
        `  command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}, "\${x}"]`,
        '  log: runs/tune-demo-${trial}.log',
        '  capture: true',
        'trials: []',
        '',
      ].join('\n'),
    );
    await vs.openFile(FILE);
    await vs.runCommand('HyperBO: Tune…', 60_000, { opensQuickInput: true });
    await vs.waitForText(/How many trials to run\? 5 left in the budget of 5\./, { within: quickInput });
    const input = vs.page.locator(`${quickInput} input`);
    assert.equal(await input.inputValue(), '5', 'the budget’s remainder is the default');
    await input.fill('9');
    await vs.waitForText(/At most 5: the budget of 5 has 5 trial\(s\) left/, { within: quickInput });
    await vs.screenshot('tune-input-beyond-budget');
    await input.fill('3');
    await vs.page.keyboard.press('Enter');
    await vs.waitForText(/HyperBO: tuning tune-demo/, { timeoutMs: 60_000 });
    await vs.waitForText(/running trial \d/, { timeoutMs: 60_000 });
    await vs.screenshot('tune-progress');
    await vs.waitForText(/tuning tune-demo done — 3 trial\(s\) run \(3 completed\); best loss [\d.e-]+ \(trial \d\)/, { timeoutMs: 90_000 });
    await vs.screenshot('tune-done');
    const text = readFileSync(join(vs.workspace, FILE), 'utf8');
    assert.equal(text.match(/status: completed/g)?.length, 3, text);
    await vs.runCommand('Notifications: Clear All Notifications');

    // The Suggestions panel offers the same: its Tune… button opens the same question, now with 2 left.
    await vs.runCommand('HyperBO: Show Suggestions');
    const frame = await vs.webviewFrame(/Predicted loss/, 90_000);
    await frame.getByRole('button', { name: 'Tune…' }).click();
    await vs.waitForText(/How many trials to run\? 2 left in the budget of 5\./, { within: quickInput, timeoutMs: 30_000 });
    await vs.screenshot('tune-from-suggestions-panel');
    await vs.page.keyboard.press('Escape');
    await vs.page.locator(quickInput).waitFor({ state: 'hidden' });
    assert.equal(readFileSync(join(vs.workspace, FILE), 'utf8').match(/- id: /g)?.length, 3, 'dismissing the question runs nothing');
    await vs.runCommand('View: Close All Editors');
  });
});
