// The editor's Slurm path in the installed extension, against a real single-node Slurm (test/slurm/slurm-up.sh):
// Run Trial submits the trial with sbatch and the trial shows its job, Stop Trial scancels it, and a job still
// running when the window reloads is re-attached by the new extension host and its result reaches the trial, and a
// job whose log is worse than the median of the completed trials is scancelled by run.stopping and recorded stopped.
// Its own code-server session (npm run test:e2e:slurm), started with SLURM_CONF pointing at the test cluster.
// Skipped with the reason where Slurm cannot start (not root, packages missing); .ci/run requires it to run.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'mocha';
import { parseExperiment, type Trial } from '../../../src/formats/experiment';
import { SlurmScheduler } from '../../../src/scheduler/slurm';
import { useCluster } from '../../slurm/cluster';
import { repoRoot } from '../codeServer';
import { startSession, type E2eSession, type Workbench } from '../harness';

const outputDir = join(repoRoot, 'test-output', 'e2e-slurm');
const EXPERIMENT = 'slurm-quad.hyperbo.yaml';
const editorText = '.part.editor .monaco-editor';
const sidebar = '.part.sidebar';

// The job's program: waits until the test creates release-<trial> (so the test decides when a run ends), then
// writes a 3-epoch log; score = (log10 lr + 2)² + (mom − 0.5)² + 0.1/epoch.
const OBJECTIVE = `import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
const [lr, mom, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const trial = process.env.HYPERBO_TRIAL;
console.log('trial ' + trial + ' runs as Slurm job ' + process.env.SLURM_JOB_ID);
const started = Date.now();
const timer = setInterval(() => {
  if (existsSync('release-' + trial)) {
    clearInterval(timer);
    const base = (Math.log10(lr) + 2) ** 2 + (mom - 0.5) ** 2;
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, [1, 2, 3].map((epoch) => JSON.stringify({ epoch, score: base + 0.1 / epoch })).join('\\n') + '\\n');
    console.log('trained trial ' + trial);
  } else if (Date.now() - started > 300000) {
    console.error('trial ' + trial + ' was never released');
    process.exit(2);
  }
}, 100);
`;

const experimentText = () =>
  [
    'name: slurm-quad',
    'objective: { metric: score, goal: minimize, reduce: min }',
    'search_space:',
    '  lr: { type: float, low: 1.0e-4, high: 1, scale: log }',
    '  mom: { type: float, low: 0, high: 1 }',
    'run:',
    '  scheduler: slurm',
    `  command: [${JSON.stringify(process.execPath)}, objective.mjs, "\${lr}", "\${mom}", "runs/\${trial}/log.jsonl"]`,
    '  log: runs/${trial}/log.jsonl',
    '  parallel: 2',
    '  sbatch: ["--job-name=e2e-${trial}"]',
    'trials:',
    '  - { id: 1, params: { lr: 0.01, mom: 0.5 }, status: pending }',
    '  - { id: 2, params: { lr: 0.1, mom: 0.2 }, status: pending }',
    '',
  ].join('\n');

// run.stopping on Slurm: three completed trials with curves, and a job logging loss 5 at a step every 300 ms (100
// steps if nothing stops it) into the log the server tails.
const STOP_EXPERIMENT = 'slurm-stop.hyperbo.yaml';
const STOP_FULL_STEPS = 100;
const BAD_CURVE = `import { appendFileSync } from 'node:fs';
let step = 0;
const timer = setInterval(() => {
  step++;
  appendFileSync(process.argv[2], JSON.stringify({ step, loss: 5 }) + '\\n');
  if (step === ${STOP_FULL_STEPS}) clearInterval(timer);
}, 300);
`;
const completedCurve = (scale: number) => Array.from({ length: 20 }, (_, i) => JSON.stringify({ step: i + 1, loss: scale / (i + 1) })).join('\n') + '\n';
const stopExperimentText = () =>
  [
    'name: slurm-stop',
    'objective: { metric: loss, goal: minimize, reduce: min }',
    'search_space:',
    '  x: { type: float, low: 0.01, high: 1, scale: log }',
    'run:',
    '  scheduler: slurm',
    `  command: [${JSON.stringify(process.execPath)}, bad-curve.mjs, "runs/stop-\${trial}.log"]`,
    '  log: runs/stop-${trial}.log',
    '  stopping: { rule: median, min_steps: 3, warmup_trials: 3 }',
    'trials:',
    '  - { id: 1, params: { x: 0.1 }, status: completed, value: 0.05 }',
    '  - { id: 2, params: { x: 0.2 }, status: completed, value: 0.1 }',
    '  - { id: 3, params: { x: 0.3 }, status: completed, value: 0.15 }',
    '  - { id: 4, params: { x: 0.9 }, status: pending }',
    '',
  ].join('\n');

describe('HyperBO on Slurm in VS Code (e2e, a real single-node cluster)', function () {
  this.timeout(180_000);
  const cluster = useCluster();
  let session: E2eSession | undefined;
  let slurm: SlurmScheduler;
  const vs = (): Workbench => {
    if (!session) throw new Error('the Slurm e2e session did not start');
    return session.workbench;
  };
  const file = (name = EXPERIMENT) => join(vs().workspace, name);
  const trials = (name = EXPERIMENT): Trial[] => parseExperiment(readFileSync(file(name), 'utf8'), { fileName: file(name) }).experiment?.trials ?? [];
  /** Polls the experiment file on disk (the runner saves it after each status change) until `probe` holds. */
  async function waitForTrial(id: number, what: string, probe: (t: Trial) => boolean, timeoutMs = 60_000, name = EXPERIMENT): Promise<Trial> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const trial = trials(name).find((t) => t.id === id);
      if (trial && probe(trial)) return trial;
      if (Date.now() > deadline) throw new Error(`trial ${id} did not become ${what} within ${timeoutMs} ms:\n${readFileSync(file(name), 'utf8')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  async function jobState(id: string, phase: 'running' | 'ended', timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await slurm.poll(id);
      if (status.phase === phase) return status.state;
      if (Date.now() > deadline) throw new Error(`Slurm job ${id} is ${status.state}, not ${phase}, after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  async function pickTrial(command: string, trialId: number): Promise<void> {
    await vs().runCommand(command, 60_000, { opensQuickInput: true });
    const row = vs().page.locator('.quick-input-widget .monaco-list-row', { hasText: `Trial ${trialId}` }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await row.click();
  }

  before(async function (this: Context) {
    this.timeout(5 * 60_000);
    slurm = new SlurmScheduler({ env: cluster().env });
    session = await startSession({
      outputDir,
      env: { SLURM_CONF: cluster().env.SLURM_CONF! },
      prepareWorkspace: (workspace) => {
        writeFileSync(join(workspace, 'objective.mjs'), OBJECTIVE);
        writeFileSync(join(workspace, EXPERIMENT), experimentText());
        writeFileSync(join(workspace, 'bad-curve.mjs'), BAD_CURVE);
        mkdirSync(join(workspace, 'runs'), { recursive: true });
        for (const id of [1, 2, 3]) writeFileSync(join(workspace, 'runs', `stop-${id}.log`), completedCurve(id));
        writeFileSync(join(workspace, STOP_EXPERIMENT), stopExperimentText());
      },
    });
  });
  afterEach(async function (this: Context) {
    if (session && this.currentTest?.state === 'failed') await session.workbench.recordFailure(this.currentTest.title);
  });
  after(async function (this: Context) {
    this.timeout(60_000);
    await session?.close();
  });

  it('Run Trial submits the trial with sbatch; the file and the experiments view show its job', async () => {
    await vs().openFile(EXPERIMENT);
    await pickTrial('HyperBO: Run Trial', 1);
    const trial = await waitForTrial(1, 'running with a job id', (t) => t.status === 'running' && /^\d+$/.test(t.job ?? ''));
    const job = trial.job!;
    assert.equal(await jobState(job, 'running'), 'RUNNING');
    await vs().waitForText(new RegExp(`job: "?${job}"?`), { within: editorText });
    await vs().runCommand('HyperBO: Focus on HyperBO Experiments View');
    const experiment = vs().page.locator(`${sidebar} .monaco-list-row`, { hasText: 'slurm-quad' }).first();
    await experiment.waitFor({ state: 'visible', timeout: 30_000 });
    // Expand the experiment (its twistie) to show its trials.
    const twistie = experiment.locator('.monaco-tl-twistie');
    if ((await twistie.getAttribute('class'))?.includes('collapsed')) await twistie.click();
    await vs().page.locator(`${sidebar} .monaco-list-row`, { hasText: 'Trial 1' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await vs().waitForText(`running · Slurm job ${job}`, { within: sidebar });
    await vs().screenshot('trial-1-running-as-a-job');
  });

  it('Stop Trial cancels the job (scancel) and records the trial as stopped', async () => {
    const job = trials().find((t) => t.id === 1)!.job!;
    await pickTrial('HyperBO: Stop Trial', 1);
    const trial = await waitForTrial(1, 'failed', (t) => t.status === 'failed');
    assert.equal(trial.reason, 'Stopped by the user.');
    assert.equal(trial.job, job);
    assert.equal(await jobState(job, 'ended'), 'CANCELLED');
    assert.equal(existsSync(join(vs().workspace, 'runs', '1', 'log.jsonl')), false, 'the cancelled run wrote no log');
    await vs().screenshot('trial-1-stopped');
  });

  it('a job still running when the window reloads is re-attached, and its result reaches the trial', async () => {
    await vs().openFile(EXPERIMENT);
    await pickTrial('HyperBO: Run Trial', 2);
    const job = (await waitForTrial(2, 'running with a job id', (t) => t.status === 'running' && /^\d+$/.test(t.job ?? ''))).job!;
    assert.equal(await jobState(job, 'running'), 'RUNNING');

    await vs().reloadWindow();
    // The new extension host finds the running trial's recorded job and follows it (its log says so).
    await vs().waitForText(new RegExp(`Trial 2 of ${EXPERIMENT.replace(/\./g, '\\.')}: re-attached to Slurm job ${job}`), { within: '.part.panel', timeoutMs: 60_000 });
    assert.equal((await slurm.poll(job)).phase, 'running', 'the reload did not end the job');
    assert.equal(trials().find((t) => t.id === 2)!.status, 'running');

    writeFileSync(join(vs().workspace, 'release-2'), '');
    const trial = await waitForTrial(2, 'completed', (t) => t.status === 'completed', 90_000);
    assert.equal(await jobState(job, 'ended'), 'COMPLETED');
    assert.equal(trial.job, job);
    const expected = (Math.log10(0.1) + 2) ** 2 + (0.2 - 0.5) ** 2 + 0.1 / 3;
    assert.ok(Math.abs(trial.value! - expected) < 1e-9, `value ${trial.value}, expected ${expected}`);
    // The job's own output (capture is off) went to slurm-<job>.out beside the log.
    assert.match(readFileSync(join(vs().workspace, 'runs', '2', `slurm-${job}.out`), 'utf8'), new RegExp(`runs as Slurm job ${job}\\ntrained trial 2`));
    await vs().openFile(EXPERIMENT);
    await vs().waitForText(/status: completed/, { within: editorText });
    await vs().screenshot('trial-2-completed-after-reload');
  });

  it('run.stopping scancels a job whose log is worse than the median and records the trial as stopped at its step', async () => {
    await vs().openFile(STOP_EXPERIMENT);
    await pickTrial('HyperBO: Run Trial', 4);
    const job = (await waitForTrial(4, 'running with a job id', (t) => t.status === 'running' && /^\d+$/.test(t.job ?? ''), 60_000, STOP_EXPERIMENT)).job!;
    const trial = await waitForTrial(4, 'stopped', (t) => t.status === 'stopped', 90_000, STOP_EXPERIMENT);
    assert.equal(await jobState(job, 'ended'), 'CANCELLED');
    assert.equal(trial.job, job);
    assert.equal(trial.value, 5);
    assert.match(trial.reason ?? '', new RegExp(`^stopped at step ${trial.step}: 5 is above the median [0-9.]+ of 3 completed trials at that step$`));
    const steps = readFileSync(join(vs().workspace, 'runs', 'stop-4.log'), 'utf8').trim().split('\n').length;
    assert.ok(trial.step! >= 3 && trial.step! <= steps && steps < STOP_FULL_STEPS, `stopped at step ${trial.step}; the job logged ${steps} of ${STOP_FULL_STEPS} steps`);
    // The experiments view shows the stopped trial and its step.
    await vs().runCommand('HyperBO: Focus on HyperBO Experiments View');
    const experiment = vs().page.locator(`${sidebar} .monaco-list-row`, { hasText: 'slurm-stop' }).first();
    await experiment.waitFor({ state: 'visible', timeout: 30_000 });
    const twistie = experiment.locator('.monaco-tl-twistie');
    if ((await twistie.getAttribute('class'))?.includes('collapsed')) await twistie.click();
    await vs().waitForText(`stopped · step ${trial.step}`, { within: sidebar, timeoutMs: 30_000 });
    await vs().screenshot('trial-4-stopped-by-run-stopping');
  });
});
