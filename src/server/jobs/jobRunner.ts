// Runs jobs in worker threads: one lane for pre-training (long) and one for model queries (short), so a
// suggestion never waits behind a training run. Each lane runs one job at a time, in order.
// Cancellation first asks the job to stop (a shared flag the engine polls between steps); a job that has
// not stopped after a grace period has its worker terminated (a fresh one starts on the next job).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWorker, JobRequest, JobResults, ToWorker } from './protocol';

export type Lane = 'train' | 'model';

export class JobCancelledError extends Error {
  override name = 'CancelledError';
  constructor(what = 'The job') {
    super(`${what} was cancelled.`);
  }
}

/** An error raised inside a job, with the original error's name (EngineError: fixable input). */
export class JobError extends Error {
  constructor(
    readonly originalName: string,
    message: string,
  ) {
    super(message);
    this.name = originalName;
  }
}

export interface RunOptions {
  onProgress?: (fraction: number, message?: string) => void;
  signal?: AbortSignal;
}

interface Pending {
  id: number;
  request: JobRequest;
  options: RunOptions;
  cancel: SharedArrayBuffer;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  started: boolean;
  killTimer?: NodeJS.Timeout;
}

/** Where the worker script is: next to the bundle (dist/worker.js) or, from source, src/server/worker.ts. */
export function defaultWorkerFile(): string {
  const bundled = path.join(__dirname, 'worker.js');
  if (existsSync(bundled)) return bundled;
  return path.resolve(__dirname, '..', 'worker.ts');
}

function startWorker(file: string): Worker {
  if (file.endsWith('.ts')) {
    // Running from TypeScript sources (tests): register tsx inside the worker before loading the entry.
    const bootstrap = `require('tsx/cjs/api').register(); require(${JSON.stringify(file)});`;
    return new Worker(bootstrap, { eval: true });
  }
  return new Worker(file);
}

class LaneRunner {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private disposed = false;

  constructor(
    private readonly file: string,
    private readonly graceMs: number,
  ) {}

  enqueue(job: Pending): void {
    if (this.disposed) {
      job.reject(new Error('The job runner has been shut down.'));
      return;
    }
    this.queue.push(job);
    this.pump();
  }

  /** Starts the worker now (module loading, WebAssembly compilation) so the first job does not wait for it. */
  warm(): void {
    if (this.disposed) return;
    try {
      this.ensureWorker();
    } catch {
      // The first job will try again and report the failure.
    }
  }

  cancel(job: Pending): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.reject(new JobCancelledError());
      return;
    }
    if (this.current !== job) return;
    Atomics.store(new Int32Array(job.cancel), 0, 1);
    job.killTimer ??= setTimeout(() => {
      if (this.current !== job) return;
      this.current = undefined;
      job.reject(new JobCancelledError());
      void this.killWorker();
      this.pump();
    }, this.graceMs);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(this.file);
    worker.unref();
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.onWorkerFailure(e));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      if (this.current) this.onWorkerFailure(new Error(`The worker thread exited (code ${code}).`));
    });
    this.worker = worker;
    return worker;
  }

  private pump(): void {
    if (this.current || this.disposed) return;
    const next = this.queue.shift();
    if (!next) return;
    this.current = next;
    next.started = true;
    const message: ToWorker = { id: next.id, request: next.request, cancel: next.cancel };
    try {
      this.ensureWorker().postMessage(message);
    } catch (e) {
      this.current = undefined;
      next.reject(e instanceof Error ? e : new Error(String(e)));
      this.pump();
    }
  }

  private finish(job: Pending): void {
    if (job.killTimer) clearTimeout(job.killTimer);
    this.current = undefined;
    this.pump();
  }

  private onMessage(m: FromWorker): void {
    const job = this.current;
    if (!job || job.id !== m.id) return;
    if (m.type === 'progress') {
      job.options.onProgress?.(m.fraction, m.message);
      return;
    }
    this.finish(job);
    if (m.type === 'result') job.resolve(m.result);
    else if (m.name === 'CancelledError' || Atomics.load(new Int32Array(job.cancel), 0) === 1) job.reject(new JobCancelledError());
    else job.reject(new JobError(m.name, m.message));
  }

  private onWorkerFailure(error: Error): void {
    const job = this.current;
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    if (job) {
      this.finish(job);
      job.reject(new Error(`The model worker failed: ${error.message}`));
    }
  }

  private async killWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.reject(new JobCancelledError());
    const current = this.current;
    this.current = undefined;
    if (current) {
      if (current.killTimer) clearTimeout(current.killTimer);
      current.reject(new JobCancelledError());
    }
    await this.killWorker();
  }
}

export class JobRunner {
  private readonly lanes: Record<Lane, LaneRunner>;
  private nextId = 1;

  constructor(options: { workerFile?: string; cancelGraceMs?: number } = {}) {
    const file = options.workerFile ?? defaultWorkerFile();
    const grace = options.cancelGraceMs ?? 2000;
    this.lanes = { train: new LaneRunner(file, grace), model: new LaneRunner(file, grace) };
  }

  run<K extends JobRequest['kind']>(
    request: Extract<JobRequest, { kind: K }>,
    options: RunOptions = {},
  ): Promise<JobResults[K]> {
    const lane = this.lanes[request.kind === 'pretrain' ? 'train' : 'model'];
    return new Promise<JobResults[K]>((resolve, reject) => {
      const job: Pending = {
        id: this.nextId++,
        request,
        options,
        cancel: new SharedArrayBuffer(4),
        resolve: resolve as (v: unknown) => void,
        reject,
        started: false,
      };
      if (options.signal?.aborted) {
        reject(new JobCancelledError());
        return;
      }
      options.signal?.addEventListener('abort', () => lane.cancel(job), { once: true });
      lane.enqueue(job);
    });
  }

  /** Starts the model lane's worker ahead of the first query (the server does so while it indexes the workspace). */
  warm(): void {
    this.lanes.model.warm();
  }

  async dispose(): Promise<void> {
    await Promise.all([this.lanes.train.dispose(), this.lanes.model.dispose()]);
  }
}
