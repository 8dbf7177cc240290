// The Slurm scheduler against a real single-node Slurm (Debian's slurmctld, slurmd, munge) started for these tests.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { jobFailureReason, SchedulerError, waitForJob, type JobRequest, type JobStatus } from '../../../src/scheduler/scheduler';
import { parseScontrol, phaseOf, SlurmScheduler } from '../../../src/scheduler/slurm';
import { useCluster } from '../../slurm/cluster';

describe('scheduler: scontrol parsing', () => {
  it('reads the state, exit code, reason and output file of one scontrol line', () => {
    const line =
      'JobId=7 JobName=t UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 ' +
      'Command=/tmp/l.sh sh -c echo StdOut=/wrong JobState=COMPLETED WorkDir=/tmp StdErr=/tmp/o-7.out StdOut=/tmp/o-7.out Power=';
    assert.deepEqual(parseScontrol('7', line), { id: '7', phase: 'ended', state: 'FAILED', exitCode: 3, signal: 0, reason: 'NonZeroExitCode', output: '/tmp/o-7.out' });
    const running = parseScontrol('8', 'JobId=8 JobState=RUNNING Reason=None ExitCode=0:0 StdOut=/o');
    assert.equal(running.phase, 'running');
    assert.equal(running.exitCode, undefined, 'no exit code before the job ends');
    assert.equal(phaseOf('PENDING'), 'pending');
    assert.equal(phaseOf('COMPLETING'), 'running');
    assert.equal(phaseOf('TIMEOUT'), 'ended');
  });

  it('words a failure with the state and exit code, and none for a clean completion', () => {
    assert.equal(jobFailureReason('Slurm', { id: '1', phase: 'ended', state: 'COMPLETED', exitCode: 0, signal: 0 }), undefined);
    assert.equal(jobFailureReason('Slurm', { id: '2', phase: 'ended', state: 'FAILED', exitCode: 3, signal: 0, reason: 'NonZeroExitCode' }), 'Slurm job 2 ended FAILED (exit code 3, NonZeroExitCode).');
    assert.match(jobFailureReason('Slurm', { id: '3', phase: 'ended', state: 'CANCELLED', exitCode: 0, signal: 15 })!, /CANCELLED \(killed by signal 15\)/);
  });
});

describe('scheduler: Slurm (a real single-node cluster)', function () {
  this.timeout(120_000);
  const cluster = useCluster();
  let slurm: SlurmScheduler;
  let work: string;

  before(() => {
    slurm = new SlurmScheduler({ env: cluster().env });
    work = mkdtempSync(path.join(tmpdir(), 'hyperbo-slurm-jobs-'));
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const request = (name: string, argv: string[], extra: Partial<JobRequest> = {}): JobRequest => ({
    argv,
    cwd: work,
    env: { HYPERBO_TRIAL: name },
    name: `hyperbo-test-${name}`,
    output: path.join(work, `${name}-%j.out`),
    options: [],
    ...extra,
  });
  const wait = (id: string) => waitForJob(slurm, id, { intervalMs: 200 });

  it('submits the trial command with its arguments verbatim, in cwd with run.env, and reports COMPLETED exit 0', async () => {
    const tricky = 'a b; echo $HOME "q" `x`';
    const id = await slurm.submit(request('ok', ['/bin/sh', '-c', 'printf "%s|" "$@" "$HYPERBO_TRIAL" "$PWD"', 'sh', tricky, '--lr', '0.01']));
    assert.match(id, /^\d+$/);
    const status = await wait(id);
    assert.equal(status.state, 'COMPLETED');
    assert.equal(status.exitCode, 0);
    assert.equal(status.output, path.join(work, `ok-${id}.out`));
    assert.equal(readFileSync(path.join(work, `ok-${id}.out`), 'utf8'), `${tricky}|--lr|0.01|ok|${work}|`);
    assert.equal(jobFailureReason(slurm.name, status), undefined);
  });

  it("reports a failing job's exit code", async () => {
    const id = await slurm.submit(request('fail', ['/bin/sh', '-c', 'echo going down >&2; exit 3']));
    const status = await wait(id);
    assert.equal(status.state, 'FAILED');
    assert.equal(status.exitCode, 3);
    assert.match(jobFailureReason(slurm.name, status)!, new RegExp(`^Slurm job ${id} ended FAILED \\(exit code 3`));
    assert.match(readFileSync(path.join(work, `fail-${id}.out`), 'utf8'), /going down/);
  });

  it('notices a finished job within a poll or two (no sbatch --wait)', async () => {
    const id = await slurm.submit(request('quick', ['/bin/true']));
    const started = Date.now();
    const states: string[] = [];
    const status = await waitForJob(slurm, id, { intervalMs: 200, onStatus: (s: JobStatus) => states.push(s.state) });
    assert.equal(status.state, 'COMPLETED');
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.equal(states.at(-1), 'COMPLETED');
  });

  it('runs two jobs at the same time (parallel maps to concurrent jobs)', async () => {
    const a = await slurm.submit(request('par-a', ['/bin/sleep', '3']));
    const b = await slurm.submit(request('par-b', ['/bin/sleep', '3']));
    let both = false;
    const deadline = Date.now() + 20_000;
    while (!both && Date.now() < deadline) {
      const [sa, sb] = await Promise.all([slurm.poll(a), slurm.poll(b)]);
      both = sa.phase === 'running' && sb.phase === 'running';
      if (!both) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(both, 'both jobs were RUNNING at once');
    assert.equal((await wait(a)).state, 'COMPLETED');
    assert.equal((await wait(b)).state, 'COMPLETED');
  });

  it('cancels a running job (Stop Trial) and reports it CANCELLED; cancelling it again is not an error', async () => {
    const id = await slurm.submit(request('cancel', ['/bin/sleep', '300']));
    const deadline = Date.now() + 20_000;
    while ((await slurm.poll(id)).phase !== 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await slurm.cancel(id);
    const status = await wait(id);
    assert.equal(status.state, 'CANCELLED');
    assert.ok(jobFailureReason(slurm.name, status));
    await slurm.cancel(id);
  });

  it('passes run.sbatch options to sbatch, and explains a refused job', async () => {
    const id = await slurm.submit(request('named', ['/bin/true'], { options: ['--job-name=renamed-by-option'] }));
    await wait(id);
    await assert.rejects(slurm.submit(request('bad', ['/bin/true'], { options: ['--partition=no-such-partition'] })), (e: Error) => {
      assert.ok(e instanceof SchedulerError);
      assert.match(e.message, /^sbatch refused the job: .*partition/i);
      return true;
    });
  });

  it('reports a job the cluster does not know as ended UNKNOWN (the log then decides)', async () => {
    const status = await slurm.poll('987654');
    assert.equal(status.phase, 'ended');
    assert.equal(status.state, 'UNKNOWN');
    assert.match(status.reason!, /no longer knows/);
  });
});

describe('scheduler: Slurm tools missing', () => {
  it('says sbatch is not on the PATH', async () => {
    const slurm = new SlurmScheduler({ env: { PATH: '/nonexistent' } });
    await assert.rejects(
      slurm.submit({ argv: ['/bin/true'], cwd: tmpdir(), env: {}, name: 'x', output: '/dev/null', options: [] }),
      /sbatch was not found on the PATH/,
    );
  });
});
