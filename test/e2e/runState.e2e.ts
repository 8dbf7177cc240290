// State that outlives its trial (issue 12), as a user sees it in the code lenses and the status bar: a new trial 1
// does not take an earlier run's runs/1 log, a failed trial that is rerun and completes drops its old reason, the
// status bar forgets "trial N started" once the run ends, and a failing command's last output is the trial's reason.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperiment } from '../../src/formats/experiment';
import { workbench } from './setup';

const FILE = 'run-state.hyperbo.yaml';
const editorText = '.part.editor .monaco-editor';

/** Writes the run's log; x above 0.9 fails the way a crashing training script does (a message, exit code 3). */
const TRAIN = `const fs = require('node:fs');
const [trial, x] = process.argv.slice(2);
if (Number(x) > 0.9) {
  console.error('loading batch 1');
  console.error('boom: CUDA out of memory at layer 3');
  process.exit(3);
}
fs.mkdirSync('runs', { recursive: true });
fs.writeFileSync('runs/state-' + trial + '.jsonl', '{"step": 1, "loss": 0.25}\\n{"step": 2, "loss": 0.125}\\n');
`;

/** Trial 1 is new (trials: was cleared) but runs/state-1.jsonl is an earlier run's; trial 2 failed before. */
const EXPERIMENT = `name: run-state
objective: { metric: loss, goal: minimize }
search_space:
  x: { type: float, low: 0, high: 1 }
run:
  command: [node, run-state-train.js, "\${trial}", "\${x}"]
  log: runs/state-\${trial}.jsonl
trials:
  - { id: 1, params: { x: 0.5 }, status: pending }
  - { id: 2, params: { x: 0.25 }, status: failed, reason: "The command exited with code 1." }
  - { id: 3, params: { x: 0.95 }, status: pending }
`;

async function until(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('state that outlives its trial (e2e, issue 12)', function () {
  this.timeout(180_000);

  const trialOnDisk = (id: number) => {
    const vs = workbench();
    const parsed = parseExperiment(readFileSync(join(vs.workspace, FILE), 'utf8'));
    return parsed.experiment?.trials.find((t) => t.id === id);
  };

  /** Run Trial on the open file, picking trial `id`. */
  async function runTrial(id: number): Promise<void> {
    const vs = workbench();
    await vs.runCommand('HyperBO: Run Trial', 60_000, { opensQuickInput: true });
    const pick = vs.page.locator('.quick-input-widget .monaco-list-row', { has: vs.page.locator('.label-name', { hasText: new RegExp(`^Trial ${id}$`) }) }).first();
    await pick.waitFor({ state: 'visible', timeout: 30_000 });
    await pick.click();
  }

  before(() => {
    const vs = workbench();
    writeFileSync(join(vs.workspace, 'run-state-train.js'), TRAIN);
    writeFileSync(join(vs.workspace, FILE), EXPERIMENT);
    const runs = join(vs.workspace, 'runs');
    if (!existsSync(runs)) mkdirSync(runs);
    const old = join(runs, 'state-1.jsonl');
    writeFileSync(old, '{"step": 5, "loss": 0.7}\n');
    const anHourAgo = new Date(Date.now() - 3600_000);
    utimesSync(old, anHourAgo, anHourAgo);
  });

  it('a new trial 1 is pending, not "running · step 5" from the earlier run\'s runs/1 log', async () => {
    const vs = workbench();
    await vs.runCommand('View: Close All Editors');
    await vs.openFile(FILE);
    await vs.waitForText(/trial 1: pending/, { within: editorText, timeoutMs: 60_000 });
    const text = await vs.page.locator(editorText).first().innerText();
    assert.doesNotMatch(text, /trial 1: running/);
    assert.doesNotMatch(text, /step 5/);
    await vs.screenshot('new-trial-ignores-earlier-runs-log');
  });

  it('a failed trial rerun to completion drops its old reason, and the status bar forgets "trial 2 started"', async () => {
    const vs = workbench();
    await runTrial(2);
    await vs.waitForText(/trial 2: completed · loss 0\.125/, { within: editorText, timeoutMs: 90_000 });
    await until('trial 2 recorded as completed', () => trialOnDisk(2)?.status === 'completed' && trialOnDisk(2)?.finished !== undefined);
    const two = trialOnDisk(2)!;
    assert.equal(two.value, 0.125);
    assert.equal(two.reason, undefined, 'the earlier failure reason is gone');
    await vs.waitForTextGone(/trial 2 (started|queued)/, { within: '.statusbar', timeoutMs: 30_000 });
    await vs.screenshot('rerun-completed-without-old-reason-status-bar-clear');
  });

  it('a failing command: the trial\'s reason ends with the command\'s last output lines', async () => {
    const vs = workbench();
    await runTrial(3);
    await vs.waitForText(/trial 3: failed — .*exited with code 3.*boom: CUDA out of memory at layer 3/, { within: editorText, timeoutMs: 90_000 });
    await until('trial 3 recorded as failed', () => trialOnDisk(3)?.status === 'failed');
    assert.match(trialOnDisk(3)!.reason!, /code 3[^]*loading batch 1[^]*boom: CUDA out of memory at layer 3/);
    await vs.screenshot('failed-trial-reason-shows-last-output');
    await vs.runCommand('View: Close All Editors');
  });
});
