// Writing a file so that a reader (or the next run after a crash) sees either the old content or the new one,
// never a torn mix: the bytes go to a temporary file in the same folder, are flushed to disk (fsync), and the
// temporary file is renamed over the target. Until the rename the previous version stays in place, and rename
// within one folder is atomic on POSIX file systems (and replaces the target on Windows).
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';

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
