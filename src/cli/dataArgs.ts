// --data arguments of `hyperbo pretrain` and `hyperbo bench`: quoted globs (e.g. 'dir/*.json') are expanded here, so a
// command reads the same in every shell, by the bounded walk prior.from uses (src/priors/listing.ts: SOURCE_LIMITS,
// links out of the named folder not followed, loops once). Other arguments pass through as written.
import { writeErr } from './print';
import { UsageError } from './args';
import { ListingLimitError, listNamedPattern } from '../priors/listing';

export async function expandDataGlobs(patterns: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of patterns) {
    if (!/[*?[{]/.test(p)) {
      files.push(p);
      continue;
    }
    const found = await listNamedPattern(process.cwd(), p).catch((e: unknown) => {
      throw e instanceof ListingLimitError ? new UsageError(`--data ${e.message}`, 1) : e;
    });
    for (const note of found.notes) writeErr(`--data ${note}\n`);
    if (found.files.length === 0) throw new UsageError(`No files match ${p}.`, 1);
    files.push(...found.files);
  }
  return files;
}
