// Finding other tools' tuning history under a folder (the "Import Tuning History…" command): a bounded scan for the
// files each importer starts from, then the same classification prior.from uses, then each study mapped onto the
// experiment's search space.
import * as path from 'node:path';
import type { ParamSpec } from '../engine';
import { SearchSpace } from '../engine';
import { findHistorySources, HISTORY_FORMAT_LABEL, mapStudy, readHistorySource, type HistorySource, type StudyMapping } from '../formats/history';
import { listFiles, ListingCancelledError } from './listing';

/** The files an importer starts from (a source's other files are not needed to find it). */
export const HISTORY_SCAN_PATTERNS: readonly string[] = [
  '**/*.{db,sqlite,sqlite3}',
  '**/*.{log,jsonl,journal}',
  '**/*.csv',
  '**/params.json',
  '**/hparams.yaml',
  '**/trial_*/trial.json',
  '**/mlruns/*/meta.yaml',
  '**/mlruns/*/*/meta.yaml',
];

export interface ScanBounds {
  /** Folder levels searched below the root (default 6). */
  depth?: number;
  /** Files looked at (default 2000); more means the scan is reported truncated. */
  maxFiles?: number;
  signal?: AbortSignal;
}

export interface FoundSource {
  source: HistorySource;
  /** The prior.from entry: the path relative to the folder, with '/' separators. */
  entry: string;
  format: string;
  studies: StudyMapping[];
  error?: string;
}

/**
 * History sources under `dir`, each read and mapped onto the search space; sources where nothing maps are left out.
 * `bounds.signal` cancels it (ListingCancelledError) between folder reads and between the sources read.
 */
export async function scanHistory(
  dir: string,
  target: { space: ParamSpec[]; metric: string },
  bounds: ScanBounds = {},
): Promise<{ found: FoundSource[]; truncated: boolean }> {
  const maxFiles = bounds.maxFiles ?? 2000;
  // The listing prior.from uses: links out of the folder not followed, loops once, bounded (hidden folders: `**`
  // never enters them).
  const listing = await listFiles(dir, HISTORY_SCAN_PATTERNS, { roots: [dir], limits: { maxDepth: bounds.depth ?? 6, maxFiles, maxBytes: Number.POSITIVE_INFINITY }, signal: bounds.signal });
  const truncated = listing.limit !== undefined && listing.limit.name !== 'maxDepth';
  const { sources } = await findHistorySources(listing.files);
  const space = new SearchSpace(target.space);
  const found: FoundSource[] = [];
  for (const source of sources) {
    if (bounds.signal?.aborted) throw new ListingCancelledError();
    const entry = path.relative(dir, source.path).split(path.sep).join('/') || '.';
    const format = HISTORY_FORMAT_LABEL[source.format];
    try {
      const studies = (await readHistorySource(source)).map((s) => mapStudy(s, space, target.metric));
      // A CSV or log that shares no parameter with the search space is not tuning history for this experiment.
      if (!studies.some((s) => s.mapped.length > 0)) continue;
      found.push({ source, entry, format, studies });
    } catch (error) {
      if (source.format !== 'csv') found.push({ source, entry, format, studies: [], error: (error as Error).message });
    }
  }
  return { found, truncated };
}
