// `hyperbo tune` with run.scheduler: slurm against a real single-node Slurm (test/slurm/slurm-up.sh): trials
// are sbatch jobs, their job ids are recorded, `parallel` jobs run at once, a failing job's exit code and output
// reach the trial, a later session re-attaches to a recorded job, and Ctrl-C scancels.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseExperiment } from '../../../src/formats/experiment';
import { waitForJob } from '../../../src/scheduler/scheduler';
import { SlurmScheduler } from '../../../src/scheduler/slurm';
import { hyperboBinDir } from '../../../src/session/runEnvironment';
import { useCluster } from '../../slurm/cluster';
import { experimentFolder, runCli, startCli } from './harness';

// score = (log10 lr + 2)² + (mom − 0.5)²; each run appends "start/end <trial> <ms>" to spans.txt so overlap shows.
const OBJECTIVE_SCRIPT = `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
const [lr, mom, out, mode] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4], process.argv[5] ?? 'ok'];
const trial = process.env.HYPERBO_TRIAL;
appendFileSync('spans.txt', 'start ' + trial + ' ' + Date.now() + '\\n');
appendFileSync('path.txt', (process.env.PATH ?? '').split(':')[0] + '\\n');
if (mode === 'crash') {
  console.error('out of memory at lr=' + lr + ' (simulated)');
  process.exit(3);
}
const finish = () => {
  const base = (Math.log10(lr) + 2) ** 2 + (mom - 0.5) ** 2;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, [1, 2, 3].map((epoch) => JSON.stringify({ epoch, score: base + 0.1 / epoch })).join('\\n') + '\\n');
  console.log('trained trial ' + trial);
  appendFileSync('spans.txt', 'end ' + trial + ' ' + Date.now() + '\\n');
};
setTimeout(finish, mode === 'sleep' ? 300000 : 3000);
`;
const expectedScore = (p: Record<string, unknown>) => (Math.log10(Number(p.lr)) + 2) ** 2 + (Number(p.mom) - 0.5) ** 2 + 0.1 / 3;

const experimentText = (mode: string, extra = '') => `name: quadratic
objective: { metric: score, goal: minimize, reduce: min }
search_space:
  lr:  { type: float, low: 1.0e-4, high: 1, scale: log }
  mom: { type: float, low: 0, high: 1 }
seed: 3
run:
  scheduler: slurm
  command: [${process.execPath}, objective.mjs, "\${lr}", "\${mom}", "runs/\${trial}/log.jsonl", ${mode}]
  log: runs/\${trial}/log.jsonl
  parallel: 2
  sbatch: ["--job-name=quad-\${trial}"]
${extra}`;

describe('hyperbo tune on Slurm (a real single-node cluster)', function () {
  this.timeout(180_000);
  const cluster = useCluster();
  let root: string;
  let counter = 0;
  const saved = { SLURM_CONF: process.env.SLURM_CONF, HYPERBO_POLL_MS: process.env.HYPERBO_POLL_MS };

  before(() => {
    // The CLI child inherits these: the test cluster, and a fast poll.
    process.env.SLURM_CONF = cluster().env.SLURM_CONF;
    process.env.HYPERBO_POLL_MS = '200';
    root = mkdtempSync(path.join(tmpdir(), 'hyperbo-tune-slurm-'));
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const experiment = (text: string) => experimentFolder(path.join(root, `exp-${++counter}`), OBJECTIVE_SCRIPT, text);

  it('runs each trial as a job, records its job id and the value from its log, with two jobs at once', () => {
    const exp = experiment(experimentText('ok'));
    const r = runCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '4'], exp.dir, 150_000);
    assert.equal(r.status, 0, r.stderr);
    const trials = exp.trials();
    assert.deepEqual(trials.map((t) => t.status), ['completed', 'completed', 'completed', 'completed']);
    const jobs = trials.map((t) => t.job);
    assert.ok(jobs.every((j) => j && /^\d+$/.test(j)), `job ids recorded: ${JSON.stringify(jobs)}`);
    assert.equal(new Set(jobs).size, 4);
    for (const t of trials) {
      assert.ok(Math.abs(t.value! - expectedScore(t.params)) < 1e-9, `trial ${t.id}: ${t.value}`);
      // capture is off: the job's stdout went to slurm-<jobid>.out beside the log.
      assert.match(readFileSync(path.join(exp.dir, 'runs', String(t.id), `slurm-${t.job}.out`), 'utf8'), new RegExp(`trained trial ${t.id}`));
    }
    for (const j of jobs) assert.match(r.stderr, new RegExp(`Slurm job ${j}`));
    // parallel: 2 — some pair of runs overlapped in time, and never more than two ran at once.
    const events = readFileSync(path.join(exp.dir, 'spans.txt'), 'utf8').trim().split('\n').map((l) => l.split(' '));
    let runningNow = 0;
    let most = 0;
    for (const [kind] of events.sort((a, b) => Number(a[2]) - Number(b[2]))) {
      runningNow += kind === 'start' ? 1 : -1;
      most = Math.max(most, runningNow);
    }
    assert.equal(most, 2, `at most parallel (2) runs at once, and two did overlap: ${JSON.stringify(events)}`);
    // As a local run: HyperBO's bin/ first on the job's PATH, so a run command [hyperbo, train, …] works in a job too.
    const firstOnPath = readFileSync(path.join(exp.dir, 'path.txt'), 'utf8').trim().split('\n');
    assert.deepEqual(firstOnPath, new Array(4).fill(hyperboBinDir()), `first PATH entry of each job: ${firstOnPath}`);
  });

  it("a failing job: failed with Slurm's state, the exit code and the job's last output line", () => {
    const exp = experiment(experimentText('crash'));
    const r = runCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '1'], exp.dir, 60_000);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const [t] = exp.trials();
    assert.equal(t!.status, 'failed');
    assert.match(t!.reason!, new RegExp(`^Slurm job ${t!.job} ended FAILED \\(exit code 3, NonZeroExitCode\\)\\. out of memory at lr=`));
  });

  it('re-attaches to a running job recorded in the file, records it, then goes on', async () => {
    const exp = experiment(experimentText('ok'));
    // A job submitted by an earlier session (or the editor) that is still running: trial 1 with its job id.
    const slurm = new SlurmScheduler({ env: cluster().env });
    mkdirSync(path.join(exp.dir, 'runs'));
    const job = await slurm.submit({
      argv: [process.execPath, 'objective.mjs', '0.01', '0.5', 'runs/1/log.jsonl', 'ok'],
      cwd: exp.dir,
      env: { HYPERBO_TRIAL: '1' },
      name: 'earlier-session',
      output: path.join(exp.dir, 'runs', 'slurm-%j.out'),
      options: [],
    });
    writeFileSync(exp.file, exp.read() + `trials:\n  - { id: 1, params: { lr: 0.01, mom: 0.5 }, status: running, log: runs/1/log.jsonl, job: "${job}" }\n`);
    const r = runCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '1'], exp.dir, 60_000);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Re-attaching to Slurm job ${job} of trial 1\\.$`, 'm'));
    const trials = exp.trials();
    assert.deepEqual(trials.map((t) => [t.id, t.status]), [[1, 'completed'], [2, 'completed']], exp.read());
    assert.ok(Math.abs(trials[0]!.value! - 0.1 / 3) < 1e-9, String(trials[0]!.value));
    assert.equal(trials[0]!.job, job);
    assert.notEqual(trials[1]!.job, job);
  });

  it('Ctrl-C cancels the running jobs (scancel) and records them as failed', async () => {
    const exp = experiment(experimentText('sleep'));
    const { child, done } = startCli(['tune', 'quadratic.hyperbo.yaml', '--trials', '3'], exp.dir);
    const started = Date.now();
    // The file may be caught mid-write (tune rewrites it in place), so a read that does not parse counts as none.
    const submitted = () => parseExperiment(exp.read(), { fileName: exp.file }).experiment?.trials.filter((t) => t.job).length ?? 0;
    while (submitted() < 2) {
      if (Date.now() - started > 60_000) throw new Error(`no two jobs were submitted:\n${exp.read()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGINT');
    const r = await done;
    assert.equal(r.status, 130, r.stderr);
    const trials = exp.trials();
    assert.equal(trials.length, 2, 'parallel: 2, and no trial started after Ctrl-C');
    const slurm = new SlurmScheduler({ env: cluster().env });
    for (const t of trials) {
      assert.equal(t.status, 'failed');
      assert.equal(t.reason, `interrupted (Ctrl-C); Slurm job ${t.job} cancelled`);
      assert.equal((await waitForJob(slurm, t.job!, { intervalMs: 200 })).state, 'CANCELLED');
    }
  });
});
