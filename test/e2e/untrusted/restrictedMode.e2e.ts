// The installed extension in an untrusted workspace (VS Code's Restricted Mode). package.json declares
// untrustedWorkspaces "limited": diagnostics, suggestions and code lenses work, but Run Trial, Apply and
// Run and the tree's ▶ are refused with a message and nothing is executed. Its own code-server session,
// started with workspace trust on (npm run test:e2e:untrusted); the trusted suite never sees this file.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'mocha';
import { repoRoot } from '../codeServer';
import { startSession, type E2eSession, type Workbench } from '../harness';

const outputDir = join(repoRoot, 'test-output', 'e2e-untrusted');
const EXPERIMENT = 'untrusted-run.hyperbo.yaml';
/** The file a trial's command writes: if it exists, a command ran despite the untrusted workspace. */
const MARKER = 'trial-command-ran.marker';
/** The notification for a refused command: its title, then the start of untrustedError()'s message (src/client/runner/trialRunner.ts). */
const refusal = (command: string): RegExp => new RegExp(`HyperBO: ${command} — Running trials is disabled in an untrusted workspace, because it executes the command written in the experiment file`);
const editorText = '.part.editor .monaco-editor';
const toasts = '.notifications-toasts';

/**
 * A runnable experiment without a prior: two completed trials (a GP fitted to them suggests) and a
 * pending one. Its command would write the marker. `beta` with `ei` draws a warning diagnostic.
 */
function experimentText(workspace: string): string {
  const script = 'require("fs").writeFileSync(process.argv[1], "ran trial with x=" + process.argv[2])';
  return [
    'name: untrusted-run',
    'objective: { metric: loss, goal: minimize, reduce: min }',
    'search_space:',
    '  x: { type: float, low: 0.01, high: 1, scale: log }',
    'acquisition: { type: ei, beta: 2 }',
    'budget: 10',
    'run:',
    `  command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}, ${JSON.stringify(join(workspace, MARKER))}, "\${x}"]`,
    '  log: runs/${trial}.log',
    '  capture: true',
    '  parallel: 1',
    'trials:',
    '  - { id: 1, params: { x: 0.5 }, status: completed, value: 0.5 }',
    '  - { id: 2, params: { x: 0.1 }, status: completed, value: 0.2 }',
    '  - { id: 3, params: { x: 0.05 }, status: pending }',
    '',
  ].join('\n');
}

/**
 * Nothing ran and nothing was written: no marker, the experiment file is byte for byte as created,
 * and the open editor (which the runner would edit first) has no running or added trial either.
 */
async function assertNothingRan(vs: Workbench, original: string): Promise<void> {
  assert.equal(existsSync(join(vs.workspace, MARKER)), false, `the trial command ran: ${MARKER} exists`);
  const text = readFileSync(join(vs.workspace, EXPERIMENT), 'utf8');
  assert.doesNotMatch(text, /status: running/);
  assert.equal(text, original, 'the experiment file changed on disk');
  await vs.openFile(EXPERIMENT);
  // Monaco renders spaces as no-break spaces, which \s matches.
  const shown = await vs.page.locator(`${editorText} .view-lines`).first().innerText();
  assert.match(shown, /id:\s3,\sparams:\s\{\sx:\s0\.05\s\},\sstatus:\spending/, 'the editor shows trial 3 pending');
  assert.doesNotMatch(shown, /status:\s*running|id:\s*4/, 'the editor shows a running or an added trial');
}

async function clearNotifications(vs: Workbench): Promise<void> {
  await vs.runCommand('Notifications: Clear All Notifications');
  await vs.waitForTextGone(/HyperBO/, { within: toasts });
}

describe('HyperBO in an untrusted workspace (e2e, Restricted Mode)', function () {
  this.timeout(120_000);
  let session: E2eSession | undefined;
  let original = '';
  const vs = (): Workbench => {
    if (!session) throw new Error('the untrusted e2e session did not start');
    return session.workbench;
  };

  before(async function (this: Context) {
    this.timeout(5 * 60_000);
    session = await startSession({
      outputDir,
      untrustedWorkspace: true,
      prepareWorkspace: (workspace) => {
        original = experimentText(workspace);
        writeFileSync(join(workspace, EXPERIMENT), original);
      },
    });
  });

  afterEach(async function (this: Context) {
    const test = this.currentTest;
    if (session && test?.state === 'failed') await session.workbench.recordFailure(test.fullTitle());
  });

  after(async function (this: Context) {
    this.timeout(60_000);
    await session?.close();
    session = undefined;
  });

  it('opens the workspace in Restricted Mode, and the extension activates knowing it is untrusted', async () => {
    await vs().waitForText('Restricted Mode', { within: '.statusbar' });
    // Logged at activation from vscode.workspace.isTrusted (src/extension.ts); the output is open since startup.
    // The output panel wraps long lines (a long allowAbsolutePaths setting moves the wrap), so any whitespace may be a break.
    await vs().waitForText(/workspace\s+untrusted\s+\(trial\s+runs\s+disabled\)/, { within: '.part.panel' });
    await vs().screenshot('restricted-mode-extension-active');
  });

  it('shows diagnostics in the experiment file', async () => {
    await vs().openFile(EXPERIMENT);
    await vs().page.locator(`${editorText} .squiggly-warning`).first().waitFor({ state: 'attached', timeout: 60_000 });
    await vs().focusEditorArea();
    await vs().page.keyboard.press('Control+Shift+M'); // the Problems panel
    await vs().waitForText(/beta is only used by ucb/, { within: '.part.panel' });
    await vs().screenshot('diagnostics');
  });

  it('shows the next suggestion in the code lens and from Suggest Next Configuration', async () => {
    await vs().openFile(EXPERIMENT);
    await vs().waitForText(/next: .*x=/, { within: editorText, timeoutMs: 60_000 });
    await vs().runCommand('HyperBO: Suggest Next Configuration');
    await vs().waitForText(/HyperBO — next for untrusted-run: x=\S+; predicted loss/, { within: toasts, timeoutMs: 60_000 });
    await vs().screenshot('suggestion');
    await clearNotifications(vs());
    await assertNothingRan(vs(), original);
  });

  it('refuses Run Trial with the untrusted message and runs nothing', async () => {
    await vs().openFile(EXPERIMENT);
    await vs().runCommand('HyperBO: Run Trial');
    await vs().waitForText(refusal('Run Trial'), { within: toasts });
    await vs().waitForText('Manage Workspace Trust', { within: toasts });
    // Refused before the pick of runnable trials, so no quick input asks which trial.
    assert.equal(await vs().page.locator('.quick-input-widget').isVisible(), false);
    await vs().screenshot('run-trial-refused');
    await clearNotifications(vs());
    await assertNothingRan(vs(), original);
  });

  it('refuses Apply and Run before adding a trial, offering Apply Only', async () => {
    await vs().openFile(EXPERIMENT);
    await vs().runCommand('HyperBO: Apply and Run');
    await vs().waitForText(refusal('Apply and Run'), { within: toasts });
    await vs().waitForText('Apply Only', { within: toasts });
    await vs().screenshot('apply-and-run-refused');
    await clearNotifications(vs());
    await assertNothingRan(vs(), original);
  });

  it("refuses the tree's ▶ on a pending trial and runs nothing", async () => {
    const page = vs().page;
    await page.locator('.part.activitybar .action-item a[aria-label^="HyperBO"]').first().click();
    const tree = page.locator('.part.sidebar');
    const experimentRow = tree.locator('.monaco-list-row', { hasText: 'untrusted-run' }).first();
    await experimentRow.waitFor({ state: 'visible', timeout: 30_000 });
    const trialRow = tree.locator('.monaco-list-row', { hasText: 'Trial 3' }).first();
    // The twistie expands; a click on the label selects the experiment without expanding it.
    if (!(await trialRow.isVisible())) await experimentRow.locator('.monaco-tl-twistie').click();
    await trialRow.waitFor({ state: 'visible', timeout: 30_000 });
    await trialRow.hover();
    await trialRow.locator('.action-label[aria-label="Run Trial"]').click();
    await vs().waitForText(refusal('Run Trial'), { within: toasts });
    await vs().screenshot('tree-run-refused');
    await clearNotifications(vs());
    await assertNothingRan(vs(), original);
    // Still pending in the tree: the refusal changed no state.
    await vs().waitForText(/Trial 3/, { within: '.part.sidebar' });
    assert.match(await trialRow.innerText(), /pending/);
  });
});
