// Writing trials into an experiment file that other processes may write too (the editor, a second `hyperbo tune`,
// a script). Every write holds the file's advisory lock, re-reads the file, computes the edit on what is on disk
// now (never on a copy read earlier), allocates a new trial's id from that text, and replaces the file atomically.
// So concurrent writers interleave whole edits: no trial is lost, no id is used twice, nothing else is touched.
import { readFile } from 'node:fs/promises';
import { appendTrialEdit, applyEdit, updateTrialEdit, type EditResult, type NewTrial, type TrialChanges } from '../formats/edits';
import { writeFileAtomic } from './atomicWrite';
import { withFileLock, type LockOptions } from './lock';

export class ExperimentWriteError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ExperimentWriteError';
  }
}

/**
 * Applies `change` to the file's current text under the lock and writes the result atomically. Returns the new
 * text and whatever the change reported (e.g. the id it allocated).
 */
export async function editFileLocked<T extends object>(
  file: string,
  change: (text: string) => EditResult<T>,
  options?: LockOptions,
): Promise<{ text: string; result: T }> {
  return withFileLock(
    file,
    async () => {
      const current = await readFile(file, 'utf8');
      const r = change(current);
      if (!r.ok) throw new ExperimentWriteError(file, r.message);
      const { ok: _ok, edit, ...rest } = r;
      const text = applyEdit(current, edit);
      if (text !== current) await writeFileAtomic(file, text);
      return { text, result: rest as unknown as T };
    },
    options,
  );
}

/**
 * Appends a trial with the next free id of the file as it is now; returns the id and the new text. `trial` may be a
 * function of the id, for fields that depend on it (the log path with `${trial}`).
 */
export async function appendTrialLocked(
  file: string,
  trial: Omit<NewTrial, 'id'> | ((id: number) => Omit<NewTrial, 'id'>),
  options?: LockOptions,
): Promise<{ id: number; text: string }> {
  const { text, result } = await editFileLocked(
    file,
    (t) => {
      if (typeof trial !== 'function') return appendTrialEdit(t, trial);
      // The id appendTrialEdit would choose (one more than the file's largest), then the trial built for it.
      const probe = appendTrialEdit(t, { params: {} });
      return probe.ok ? appendTrialEdit(t, { ...trial(probe.trialId), id: probe.trialId }) : probe;
    },
    options,
  );
  return { id: result.trialId, text };
}

/** Changes one trial's fields in the file as it is now; returns the new text. */
export async function updateTrialLocked(file: string, id: number, changes: TrialChanges, options?: LockOptions): Promise<string> {
  return (await editFileLocked(file, (t) => updateTrialEdit(t, id, changes), options)).text;
}
