// The small interface between a trial runner and a cluster scheduler: submit a job, poll it, cancel it.
// Node-side, no vscode: `hyperbo tune` and the editor's TrialRunner both drive jobs through it.

/** One trial's job: what to run, where, and where its stdout/stderr go. */
export interface JobRequest {
  /** The trial's command, placeholders substituted; passed to the job as separate arguments, never through a shell. */
  argv: string[];
  /** The job's working directory (on a file system the submitting machine shares with the nodes). */
  cwd: string;
  /** Extra environment variables for the job (run.env and HYPERBO_TRIAL), on top of the submitting environment. */
  env: Readonly<Record<string, string>>;
  /** Job name shown by the scheduler, e.g. hyperbo-<experiment>-<trial>. */
  name: string;
  /** Path of the job's stdout and stderr together; Slurm replaces `%j` with the job id. */
  output: string;
  /** Extra scheduler options (run.sbatch), passed after HyperBO's own so they can override them. */
  options: readonly string[];
}

/** Where a job is: waiting for resources, running, or ended (with its exit status when the scheduler still knows it). */
export type JobPhase = 'pending' | 'running' | 'ended';

export interface JobStatus {
  id: string;
  phase: JobPhase;
  /** The scheduler's own state name, e.g. PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY. */
  state: string;
  /** The job script's exit code, when ended and known. */
  exitCode?: number;
  /** The signal that ended the job script (0 for none), when known. */
  signal?: number;
  /** The scheduler's reason (why pending, or why the job ended), when it gives one. */
  reason?: string;
  /** The job's output file with `%j` filled in, when the scheduler reports it. */
  output?: string;
}

export interface Scheduler {
  /** For messages, e.g. "Slurm". */
  readonly name: string;
  /** Submits the job and resolves with its id; throws SchedulerError when the scheduler refuses it. */
  submit(request: JobRequest): Promise<string>;
  /** The job's current status; throws SchedulerError when the scheduler cannot be asked (e.g. its controller is down). */
  poll(id: string): Promise<JobStatus>;
  /** Asks the scheduler to cancel the job (a job that already ended is not an error). */
  cancel(id: string): Promise<void>;
}

export class SchedulerError extends Error {
  override name = 'SchedulerError';
}

export interface WaitOptions {
  /** Between polls. Default 1000 ms. */
  intervalMs?: number;
  /** Stops waiting (the job is left alone; cancel it separately). */
  signal?: AbortSignal;
  /** Called with each status whose phase or state differs from the previous one. */
  onStatus?: (status: JobStatus) => void;
  /** Called when a poll fails; polling goes on until `maxPollErrors` polls in a row have failed. */
  onPollError?: (error: Error) => void;
  /** Default 60: with the default interval, a controller that stays unreachable for a minute ends the wait with its error. */
  maxPollErrors?: number;
}

/** Polls until the job has ended (resolves with its final status); rejects on abort or after too many failed polls. */
export async function waitForJob(scheduler: Scheduler, id: string, options: WaitOptions = {}): Promise<JobStatus> {
  const interval = options.intervalMs ?? 1000;
  const maxErrors = options.maxPollErrors ?? 60;
  let errors = 0;
  let last: JobStatus | undefined;
  for (;;) {
    if (options.signal?.aborted) throw abortError(options.signal);
    try {
      const status = await scheduler.poll(id);
      errors = 0;
      if (!last || last.phase !== status.phase || last.state !== status.state) options.onStatus?.(status);
      last = status;
      if (status.phase === 'ended') return status;
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      if (++errors >= maxErrors) throw e;
      options.onPollError?.(e);
    }
    await sleep(interval, options.signal);
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('The wait for the job was stopped.');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Why an ended job did not succeed, in words; undefined when it completed with exit code 0. */
export function jobFailureReason(scheduler: string, status: JobStatus): string | undefined {
  if (status.state === 'COMPLETED' && (status.exitCode ?? 0) === 0) return undefined;
  const exit =
    status.signal ? `killed by signal ${status.signal}` : status.exitCode !== undefined ? `exit code ${status.exitCode}` : undefined;
  const details = [exit, status.reason && status.reason !== 'None' ? status.reason : undefined].filter(Boolean).join(', ');
  return `${scheduler} job ${status.id} ended ${status.state}${details ? ` (${details})` : ''}.`;
}
