// Writing a file so that a reader (or the next run after a crash) sees either the old content or the new one,
// never a torn mix: the bytes go to a temporary file in the same folder, are flushed to disk (fsync), and the
// temporary file is renamed over the target. Until the rename the previous version stays in place, and rename
// within one folder is atomic on POSIX file systems (and replaces the target on Windows).
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { pidAlive } from './processInfo';

export interface AtomicWriteOptions {
  /** Create the folder when missing (default false). */
  mkdirs?: boolean;
  /** Skip the fsync calls (tests of throughput only; default false). */
  noSync?: boolean;
}

/** The temporary file's name: hidden, in the target's folder, unique per process and call. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** A temporary file left by a writer of `target` that died mid-write is removed once it is this old (ms). */
export const STALE_TEMP_MS = 60_000;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The writer's pid when `name` is one of tempPathFor(target)'s names, else undefined. */
function tempOwner(target: string, name: string): number | undefined {
  const m = new RegExp(`^\\.${escapeRegExp(path.basename(target))}\\.(\\d+)\\.[0-9a-f]{8}\\.tmp$`).exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Whether a temporary file of `target` is stale: its writer is gone (a kill mid-write leaves it behind) and it is
 * older than STALE_TEMP_MS. A live writer's file is never stale, however old; a dead pid's fresh file is kept
 * too, in case the pid is another host's (a shared folder) or the file is still being renamed into place.
 */
function staleTemp(pid: number, mtimeMs: number, now: number): boolean {
  return pid !== process.pid && now - mtimeMs > STALE_TEMP_MS && !pidAlive(pid);
}

/** Removes the stale temporary files earlier writes of `target` left in its folder; returns how many. Best effort. */
export async function removeStaleTemps(target: string): Promise<number> {
  const dir = path.dirname(target);
  const names = await readdir(dir).catch(() => [] as string[]);
  const now = Date.now();
  let removed = 0;
  for (const name of names) {
    const pid = tempOwner(target, name);
    if (pid === undefined) continue;
    const file = path.join(dir, name);
    const mtime = await stat(file).then((s) => s.mtimeMs, () => undefined);
    if (mtime === undefined || !staleTemp(pid, mtime, now)) continue;
    if (await unlink(file).then(() => true, () => false)) removed++;
  }
  return removed;
}

/** The synchronous twin of removeStaleTemps. */
export function removeStaleTempsSync(target: string): number {
  const dir = path.dirname(target);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const now = Date.now();
  let removed = 0;
  for (const name of names) {
    const pid = tempOwner(target, name);
    if (pid === undefined) continue;
    const file = path.join(dir, name);
    try {
      if (!staleTemp(pid, statSync(file).mtimeMs, now)) continue;
      unlinkSync(file);
      removed++;
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
  return removed;
}

/** A symlinked target is written through the link (the link stays, its target gets the new content). */
async function targetOf(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return path.resolve(file);
  }
}

async function syncFolder(dir: string): Promise<void> {
  // Makes the rename itself durable; not possible on every platform (Windows), where it is skipped.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Folder fsync is best effort.
  }
}

/** Replaces `file` with `data` atomically (temp file + fsync + rename), keeping the old file's permissions. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const target = await targetOf(file);
  const dir = path.dirname(target);
  if (options.mkdirs) await mkdir(dir, { recursive: true });
  // A write killed mid-way left its hidden temporary file here: remove such leftovers (never a live writer's).
  await removeStaleTemps(target);
  const mode = await stat(target).then((s) => s.mode & 0o7777, () => 0o666);
  const tmp = tempPathFor(target);
  const handle = await open(tmp, 'wx', mode);
  try {
    try {
      await handle.writeFile(data);
      if (!options.noSync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  if (!options.noSync) await syncFolder(dir);
}

/** The synchronous twin of writeFileAtomic, for code paths that cannot await. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  let target: string;
  try {
    target = realpathSync(file);
  } catch {
    target = path.resolve(file);
  }
  removeStaleTempsSync(target);
  let mode = 0o666;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    // A new file.
  }
  const tmp = tempPathFor(target);
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
    throw error;
  }
}
