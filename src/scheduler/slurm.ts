// Slurm through its command-line tools: `sbatch --parsable` to submit, `scontrol show job -o` to poll (it reports
// the state and the exit code; `sbatch --wait` would notice the end only after 2–32 s), `scancel` to stop, and
// `sacct` only as a fallback for jobs the controller has already forgotten (it needs accounting, which many
// clusters have and a test cluster does not).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SchedulerError, type JobPhase, type JobRequest, type JobStatus, type Scheduler } from './scheduler';

/** Job states from `scontrol`/`squeue` in which the job has not ended yet. */
const PENDING_STATES = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SUSPENDED', 'STOPPED', 'RESV_DEL_HOLD']);
const RUNNING_STATES = new Set(['RUNNING', 'COMPLETING', 'SIGNALING', 'STAGE_OUT']);

export function phaseOf(state: string): JobPhase {
  if (PENDING_STATES.has(state)) return 'pending';
  if (RUNNING_STATES.has(state)) return 'running';
  return 'ended';
}

/**
 * The launcher every trial's job runs: the trial's command arrives as the script's arguments and is exec'd as
 * given, so no value is ever interpreted by a shell. sbatch sends the script's text to the controller at
 * submission, so the temporary file can go at once.
 */
const LAUNCHER = '#!/bin/sh\n# HyperBO trial job: runs the trial\'s command, passed as this script\'s arguments.\nexec "$@"\n';

export interface SlurmOptions {
  /** The environment for sbatch/scontrol/scancel (SLURM_CONF, PATH). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** A Slurm command that takes longer is killed and reported. Default 30 s. */
  commandTimeoutMs?: number;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started (e.g. ENOENT). */
  error?: NodeJS.ErrnoException;
}

export class SlurmScheduler implements Scheduler {
  readonly name = 'Slurm';
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeout: number;

  constructor(options: SlurmOptions = {}) {
    this.env = options.env ?? process.env;
    this.timeout = options.commandTimeoutMs ?? 30_000;
  }

  async submit(request: JobRequest): Promise<string> {
    if (request.argv.length === 0 || !request.argv[0]) throw new SchedulerError('The trial has no command to submit; set run.command.');
    const dir = await mkdtemp(path.join(tmpdir(), 'hyperbo-sbatch-'));
    const script = path.join(dir, 'trial.sh');
    try {
      await writeFile(script, LAUNCHER, { mode: 0o755 });
      const args = [
        '--parsable',
        `--job-name=${request.name}`,
        `--chdir=${request.cwd}`,
        `--output=${request.output}`,
        '--export=ALL',
        ...request.options,
        script,
        ...request.argv,
      ];
      const ran = await this.exec('sbatch', args, { ...this.env, ...request.env });
      if (ran.error) throw new SchedulerError(notInstalled('sbatch', ran.error));
      if (ran.code !== 0) throw new SchedulerError(`sbatch refused the job: ${firstLine(ran.stderr) || `exit code ${ran.code}`}`);
      // --parsable prints "jobid" or "jobid;cluster".
      const id = ran.stdout.trim().split('\n').at(-1)?.split(';')[0]?.trim() ?? '';
      if (!/^\d+(?:_\d+)?$/.test(id)) throw new SchedulerError(`sbatch printed no job id (stdout: ${JSON.stringify(ran.stdout.trim().slice(0, 200))}).`);
      return id;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async poll(id: string): Promise<JobStatus> {
    checkId(id);
    const ran = await this.exec('scontrol', ['show', 'job', '-o', id], this.env);
    if (ran.error) throw new SchedulerError(notInstalled('scontrol', ran.error));
    if (ran.code === 0 && ran.stdout.includes('JobState=')) return parseScontrol(id, ran.stdout);
    if (/invalid job id/i.test(ran.stderr)) return this.forgotten(id);
    throw new SchedulerError(`scontrol could not report job ${id}: ${firstLine(ran.stderr) || `exit code ${ran.code}`}`);
  }

  async cancel(id: string): Promise<void> {
    checkId(id);
    const ran = await this.exec('scancel', [id], this.env);
    if (ran.error) throw new SchedulerError(notInstalled('scancel', ran.error));
    // A job that has already ended is not an error for Stop Trial.
    if (ran.code !== 0 && !/already completing or completed|invalid job id/i.test(ran.stderr)) {
      throw new SchedulerError(`scancel ${id} failed: ${firstLine(ran.stderr) || `exit code ${ran.code}`}`);
    }
  }

  /** The controller no longer holds the job (it ended more than MinJobAge ago): ask accounting, if there is any. */
  private async forgotten(id: string): Promise<JobStatus> {
    const ran = await this.exec('sacct', ['-j', id, '-X', '-n', '-P', '-o', 'State,ExitCode'], this.env);
    const line = ran.code === 0 ? ran.stdout.trim().split('\n')[0]?.trim() : undefined;
    if (line) {
      const [stateText = '', exit = ''] = line.split('|');
      const state = stateText.split(' ')[0]!;
      const [code, signal] = exit.split(':').map(Number);
      return { id, phase: phaseOf(state), state, ...(Number.isFinite(code) ? { exitCode: code } : {}), ...(Number.isFinite(signal) ? { signal } : {}) };
    }
    return {
      id,
      phase: 'ended',
      state: 'UNKNOWN',
      reason: 'Slurm no longer knows the job (it ended longer ago than the cluster keeps finished jobs, and sacct has no record of it)',
    };
  }

  private exec(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
    return new Promise((resolve) => {
      execFile(file, args, { env, timeout: this.timeout, maxBuffer: 1 << 20, windowsHide: true }, (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
        if (e && typeof e.code === 'string') {
          resolve({ code: null, stdout: String(stdout), stderr: String(stderr), error: e });
          return;
        }
        if (e?.killed) {
          resolve({ code: null, stdout: String(stdout), stderr: `${file} did not answer within ${Math.round(this.timeout / 1000)} s` });
          return;
        }
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }
}

/** Parses one line of `scontrol show job -o ID` (space-separated Key=Value pairs). */
export function parseScontrol(id: string, text: string): JobStatus {
  // The fields before Command= never contain spaces; the first occurrence of each key is the job's own.
  const get = (key: string): string | undefined => new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(text)?.[1];
  const state = get('JobState') ?? 'UNKNOWN';
  const status: JobStatus = { id, phase: phaseOf(state), state };
  const exit = /^(\d+):(\d+)$/.exec(get('ExitCode') ?? '');
  if (exit && status.phase === 'ended') {
    status.exitCode = Number(exit[1]);
    status.signal = Number(exit[2]);
  }
  const reason = get('Reason');
  if (reason && reason !== 'None') status.reason = reason;
  // StdOut comes after Command=, whose text has spaces and could hold anything: take the last occurrence.
  const output = [...text.matchAll(/\sStdOut=(\S*)/g)].at(-1)?.[1];
  if (output) status.output = output;
  return status;
}

function checkId(id: string): void {
  if (!/^\d+(?:_\d+)?$/.test(id)) throw new SchedulerError(`"${id}" is not a Slurm job id.`);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim().slice(0, 300) ?? '';
}

function notInstalled(tool: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `${tool} was not found on the PATH: run.scheduler is slurm, so HyperBO must run where Slurm's commands work (a login node).`;
  return `${tool} could not be started: ${error.message}`;
}
