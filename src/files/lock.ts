// An advisory lock on a file shared by several processes (the editor, `hyperbo tune`, scripts): a lock file
// `.<name>.lock` next to it holds the owner's pid, its start token and the time. It is created atomically
// (written in full under a temporary name, then hard-linked to the lock name, which fails when the lock exists),
// so a reader never sees a half-written lock. A lock whose owner has died (or whose pid now belongs to another
// process) is stale and is broken; breaking is itself serialised through a second lock so two waiters cannot
// both break it and then remove each other's fresh locks.
import { hostname } from 'node:os';
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { removeStaleTemps, tempPathFor } from './atomicWrite';
import { processStartToken, sameProcessAlive } from './processInfo';

export interface LockOwner {
  pid: number;
  /** processStartToken of the owner when it took the lock (undefined where the platform cannot tell). */
  start?: string;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
}

export interface LockOptions {
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
  /** A lock file that cannot be read (torn by a crash before link, another tool) is stale after this long (default 10 s). */
  unreadableStaleMs?: number;
  /** A lock held by a process on another host is considered stale after this long (default 10 minutes). */
  foreignStaleMs?: number;
}

export class LockTimeoutError extends Error {
  constructor(
    readonly file: string,
    readonly owner: LockOwner | undefined,
  ) {
    super(
      `${file} is locked by ${owner ? `process ${owner.pid} on ${owner.host} since ${owner.since}` : 'another process'}; ` +
        `waited too long. If no HyperBO process is writing it, delete ${lockPathFor(file)}.`,
    );
    this.name = 'LockTimeoutError';
  }
}

export function lockPathFor(file: string): string {
  return path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.lock`);
}

function ownerRecord(): LockOwner {
  return { pid: process.pid, start: processStartToken(process.pid), host: hostname(), since: new Date().toISOString() };
}

async function readOwner(lockFile: string): Promise<LockOwner | undefined> {
  try {
    const raw = JSON.parse(await readFile(lockFile, 'utf8')) as Partial<LockOwner>;
    if (typeof raw.pid !== 'number' || typeof raw.host !== 'string') return undefined;
    return { pid: raw.pid, start: typeof raw.start === 'string' ? raw.start : undefined, host: raw.host, since: String(raw.since ?? '') };
  } catch {
    return undefined;
  }
}

/** Creates `target` with `content` only if it does not exist; false when it does. */
async function createExclusive(target: string, content: string): Promise<boolean> {
  const tmp = tempPathFor(target);
  await writeFile(tmp, content, { flag: 'wx' });
  try {
    await link(tmp, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Whether the lock file is stale: its owner is gone, or it is unreadable / foreign and old. */
async function isStale(lockFile: string, options: Required<LockOptions>): Promise<boolean> {
  const owner = await readOwner(lockFile);
  if (!owner) {
    const age = await stat(lockFile).then((s) => Date.now() - s.mtimeMs, () => 0);
    return age > options.unreadableStaleMs;
  }
  if (owner.host !== hostname()) return Date.now() - Date.parse(owner.since) > options.foreignStaleMs;
  return !sameProcessAlive(owner.pid, owner.start);
}

/** Removes a stale lock, serialised by `<lock>.break` so a fresh lock taken meanwhile is never removed. */
async function breakStale(lockFile: string, options: Required<LockOptions>): Promise<void> {
  const breaker = `${lockFile}.break`;
  if (!(await createExclusive(breaker, JSON.stringify(ownerRecord())))) {
    // Another process is breaking it; a breaker left by a crashed process is itself stale after a while.
    if (await isStale(breaker, { ...options, unreadableStaleMs: 2000 })) await unlink(breaker).catch(() => undefined);
    return;
  }
  try {
    if (await isStale(lockFile, options)) await unlink(lockFile).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface HeldLock {
  readonly file: string;
  release(): Promise<void>;
}

/** Takes the lock on `file`, waiting (with stale-lock detection) up to the timeout. */
export async function acquireLock(file: string, options: LockOptions = {}): Promise<HeldLock> {
  const opts: Required<LockOptions> = { timeoutMs: 15_000, unreadableStaleMs: 10_000, foreignStaleMs: 600_000, ...options };
  const lockFile = lockPathFor(file);
  const deadline = Date.now() + opts.timeoutMs;
  const me = ownerRecord();
  const content = JSON.stringify(me) + '\n';
  let wait = 5;
  // A process killed while creating the lock leaves its hidden temporary file (see createExclusive).
  await removeStaleTemps(lockFile);
  for (;;) {
    if (await createExclusive(lockFile, content)) {
      let released = false;
      return {
        file: lockFile,
        async release() {
          if (released) return;
          released = true;
          // Remove only our own lock (it cannot have been broken while we live, but be safe).
          const owner = await readOwner(lockFile);
          if (owner && owner.pid === me.pid && owner.since === me.since) await unlink(lockFile).catch(() => undefined);
        },
      };
    }
    if (await isStale(lockFile, opts)) {
      await breakStale(lockFile, opts);
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(file, await readOwner(lockFile));
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 100);
  }
}

/** Runs `work` while holding the lock on `file`; the lock is released however `work` ends. */
export async function withFileLock<T>(file: string, work: () => Promise<T>, options?: LockOptions): Promise<T> {
  const lock = await acquireLock(file, options);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
