// run.stopping as a user sees it in the installed extension: Run Trial (the experiments view's ▶) on a run whose log is worse than the median
// of the completed trials stops it early and the experiments view shows it `stopped · step N`; a run another
// session left running (its runner killed) that the rule would stop is offered in a notification whose Stop stops it
// and records it as stopped.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperiment, type Trial } from '../../src/formats/experiment';
import { pidAlive } from '../../src/files/processInfo';
import { workbench } from './setup';
import type { Workbench } from './harness';

const sidebar = '.part.sidebar';
const toasts = '.notifications-toasts';
/** Steps a bad run logs if nothing stops it, one every 300 ms. */
const FULL_STEPS = 100;
const BAD_CURVE = `const { appendFileSync } = require('node:fs');
let step = 0;
const timer = setInterval(() => {
  step++;
  appendFileSync(process.argv[2], JSON.stringify({ step, loss: 5 }) + '\\n');
  if (step === ${FULL_STEPS}) clearInterval(timer);
}, 300);
`;
const completedCurve = (scale: number) => Array.from({ length: 20 }, (_, i) => JSON.stringify({ step: i + 1, loss: scale / (i + 1) })).join('\n') + '\n';

/** An experiment with run.stopping, three completed trials with curves, and trial 4 as given. */
function writeExperiment(vs: Workbench, name: string, trial4: string): string {
  writeFileSync(join(vs.workspace, 'bad-curve.cjs'), BAD_CURVE);
  mkdirSync(join(vs.workspace, 'runs'), { recursive: true });
  for (const id of [1, 2, 3]) writeFileSync(join(vs.workspace, 'runs', `${name}-${id}.log`), completedCurve(id));
  const file = join(vs.workspace, `${name}.hyperbo.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'objective: { metric: loss, goal: minimize, reduce: min }',
      'search_space:',
      '  x: { type: float, low: 0.01, high: 1, scale: log }',
      'run:',
      `  command: [${JSON.stringify(process.execPath)}, bad-curve.cjs, "runs/${name}-\${trial}.log"]`,
      `  log: runs/${name}-\${trial}.log`,
      '  stopping: { rule: median, min_steps: 3, warmup_trials: 3 }',
      'trials:',
      '  - { id: 1, params: { x: 0.1 }, status: completed, value: 0.05 }',
      '  - { id: 2, params: { x: 0.2 }, status: completed, value: 0.1 }',
      '  - { id: 3, params: { x: 0.3 }, status: completed, value: 0.15 }',
      trial4,
      '',
    ].join('\n'),
  );
  return file;
}

async function waitForTrial(file: string, id: number, probe: (t: Trial) => boolean, timeoutMs: number): Promise<Trial> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const trial = parseExperiment(readFileSync(file, 'utf8')).experiment?.trials.find((t) => t.id === id);
    if (trial && probe(trial)) return trial;
    if (Date.now() > deadline) throw new Error(`trial ${id} did not reach the expected state within ${timeoutMs} ms:\n${readFileSync(file, 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const logLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0);

/** Shows the experiment's trials in the experiments view. */
async function expandInTree(vs: Workbench, name: string): Promise<void> {
  await vs.runCommand('HyperBO: Focus on HyperBO Experiments View');
  const experiment = vs.page.locator(`${sidebar} .monaco-list-row`, { hasText: name }).first();
  await experiment.waitFor({ state: 'visible', timeout: 60_000 });
  const twistie = experiment.locator('.monaco-tl-twistie');
  if ((await twistie.getAttribute('class'))?.includes('collapsed')) await twistie.click();
}

describe('run.stopping in VS Code (e2e)', function () {
  this.timeout(180_000);

  it('Run Trial: a run worse than the median is stopped early and the experiments view shows it stopped at its step', async () => {
    const vs = workbench();
    const name = 'stop-local';
    const file = writeExperiment(vs, name, '  - { id: 4, params: { x: 0.9 }, status: pending }');
    // The tree's ▶ (Run Trial) on the pending trial, once the server has indexed the new file.
    await expandInTree(vs, name);
    const row = vs.page.locator(`${sidebar} .monaco-list-row`, { hasText: 'Trial 4' }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await row.hover();
    await row.locator('.action-label[aria-label^="Run Trial"]').click();
    const trial = await waitForTrial(file, 4, (t) => t.status === 'stopped', 120_000);
    const steps = logLines(join(vs.workspace, 'runs', `${name}-4.log`));
    assert.ok(trial.step! >= 3 && trial.step! <= steps && steps < FULL_STEPS, `stopped at step ${trial.step}; the run logged ${steps} of ${FULL_STEPS} steps`);
    assert.match(trial.reason ?? '', new RegExp(`^stopped at step ${trial.step}: 5 is above the median`));
    await vs.waitForText(`loss 5 · stopped · step ${trial.step}`, { within: sidebar, timeoutMs: 30_000 });
    await vs.screenshot('trial-stopped-by-run-stopping');
  });

  it('a run left running by a killed session that the rule would stop: the notification\'s Stop stops it and records it as stopped', async () => {
    const vs = workbench();
    const name = 'stop-orphan';
    const log = join(vs.workspace, 'runs', `${name}-4.log`);
    mkdirSync(join(vs.workspace, 'runs'), { recursive: true });
    // The run as a killed `hyperbo tune` leaves it: its own process group, re-parented to init, its pid in the file.
    const launcher = `const c = require('child_process').spawn(process.execPath, [${JSON.stringify(join(vs.workspace, 'bad-curve.cjs'))}, ${JSON.stringify(log)}], { detached: true, stdio: 'ignore' }); process.stdout.write(String(c.pid)); c.unref();`;
    writeFileSync(join(vs.workspace, 'bad-curve.cjs'), BAD_CURVE);
    const pid = Number(spawnSync(process.execPath, ['-e', launcher], { encoding: 'utf8' }).stdout);
    try {
      const file = writeExperiment(vs, name, `  - { id: 4, params: { x: 0.9 }, status: running, started: "${new Date().toISOString()}", pid: ${pid} }`);
      const offer = vs.page.locator(`${toasts} .notification-toast`, { hasText: `${name}.hyperbo.yaml trial 4 is worse than the completed trials (run.stopping: at step` }).first();
      await offer.waitFor({ state: 'visible', timeout: 90_000 });
      await vs.waitForText(new RegExp(`no HyperBO session runs it any more \\(pid ${pid} was left running\\)`), { within: toasts });
      await vs.screenshot('run-stopping-offers-stop-for-an-orphaned-run');
      await offer.getByRole('button', { name: 'Stop', exact: true }).click();
      const trial = await waitForTrial(file, 4, (t) => t.status === 'stopped', 60_000);
      assert.match(trial.reason ?? '', new RegExp(`^stopped at step ${trial.step}: 5 is above the median`));
      assert.equal(trial.pid, undefined);
      for (let i = 0; i < 40 && pidAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 250));
      assert.equal(pidAlive(pid), false, 'the run was stopped');
      assert.ok(logLines(log) < FULL_STEPS);
      await expandInTree(vs, name);
      await vs.waitForText(`loss 5 · stopped · step ${trial.step}`, { within: sidebar, timeoutMs: 30_000 });
    } finally {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Stopped by the test's Stop.
      }
    }
  });
});
