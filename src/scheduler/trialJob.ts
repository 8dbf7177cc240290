// One trial as a scheduler job, the part `hyperbo tune` and the editor's TrialRunner share: the job request for
// a trial's run plan, and following a submitted (or re-attached) job to its end with the tail of its output.
import { open } from 'node:fs/promises';
import * as path from 'node:path';
import { jobFailureReason, waitForJob, type JobRequest, type JobStatus, type Scheduler, type WaitOptions } from './scheduler';

export interface TrialJobPlan {
  experiment: string;
  trialId: number;
  /** The trial's command, placeholders substituted. */
  command: string[];
  cwd: string;
  /** The environment a local run of the trial gets (runEnvironment.ts trialEnvironment); sbatch exports it. */
  env: NodeJS.ProcessEnv;
  /** Absolute path of the trial's log. */
  logPath: string;
  /** run.capture: the job's stdout/stderr are the trial's log. */
  capture: boolean;
  /** run.sbatch, placeholders substituted. */
  options: readonly string[];
}

/** Slurm's `%j` in the output path becomes the job id. */
export const JOB_OUTPUT_NAME = 'slurm-%j.out';

/** The job for a trial: its output goes to the log with `capture`, else to slurm-<jobid>.out beside the log. */
export function trialJobRequest(plan: TrialJobPlan): JobRequest {
  const name = `hyperbo-${plan.experiment}-${plan.trialId}`.replace(/[^\w.-]+/g, '_').slice(0, 100);
  return {
    argv: plan.command,
    cwd: plan.cwd,
    env: { ...definedValues(plan.env), HYPERBO_TRIAL: String(plan.trialId) },
    name,
    output: plan.capture ? plan.logPath : path.join(path.dirname(plan.logPath), JOB_OUTPUT_NAME),
    options: plan.options,
  };
}

function definedValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The job's output file for a known id (what Slurm made of the request's `%j`). */
export function jobOutputPath(request: Pick<JobRequest, 'output'>, id: string): string {
  return request.output.replace(/%j/g, id);
}

export interface JobEnd {
  status: JobStatus;
  /** Why the trial failed, from the job's state and exit code; undefined when it completed with 0 or its end is unknown. */
  failure?: string;
  /** True when the scheduler no longer knows how the job ended: the trial's log decides. */
  unknown: boolean;
  /** The last lines of the job's output file ('' when it has none). */
  outputTail: string;
}

/** Waits for the job to end and reads the end of its output; rejects when `options.signal` aborts. */
export async function followJob(scheduler: Scheduler, id: string, outputFile: string | undefined, options: WaitOptions = {}): Promise<JobEnd> {
  const status = await waitForJob(scheduler, id, options);
  const file = status.output ?? outputFile;
  const outputTail = file ? await tail(file, 2000) : '';
  const unknown = status.state === 'UNKNOWN';
  const failure = unknown ? undefined : jobFailureReason(scheduler.name, status);
  return { status, unknown, outputTail, ...(failure ? { failure } : {}) };
}

/** The last line of text that is not blank, cut to 200 characters (for a failure reason). */
export function lastLine(text: string): string | undefined {
  return text.trim().split('\n').at(-1)?.trim().slice(0, 200) || undefined;
}

async function tail(file: string, bytes: number): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - bytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}
