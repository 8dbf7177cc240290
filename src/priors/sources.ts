// prior.from resolved against the disk by the bounded listing (listing.ts): the patterns relative to the experiment
// file, inside the workspace folders, and the split into related
// experiment files and data files. The rest of what matches is not learned from.
import * as path from 'node:path';
import { findHistorySources, type HistorySource } from '../formats/history';
import { listFiles, NEVER_SEARCHED, type ListingScope, type SourceListing } from './listing';

/** Folders prior.from never looks into: dependencies, git internals and HyperBO's own cache and run outputs. */
export const PRIOR_GLOB_IGNORE: readonly string[] = NEVER_SEARCHED.map((d) => `**/${d}/**`);

export const EXPERIMENT_SUFFIX = '.hyperbo.yaml';
const DATA_FILE = /\.(jsonl|jsonl\.gz|json)$/;

export function isExperimentFile(fsPath: string): boolean {
  return fsPath.endsWith(EXPERIMENT_SUFFIX);
}

/** PD1 JSONL(.gz) or HPOBench task JSON, by name. */
export function isDataFile(fsPath: string): boolean {
  return !isExperimentFile(fsPath) && DATA_FILE.test(fsPath);
}

export interface PriorSources {
  /** Every matched file (absolute, sorted, de-duplicated). */
  matched: string[];
  /** Related experiment files, the experiment itself left out. */
  experimentFiles: string[];
  /** PD1/HPOBench data files and the files of other tools' tuning history (Optuna, MLflow, Ray Tune, …). */
  dataFiles: string[];
  /** Other tools' tuning history among the matches. */
  history: HistorySource[];
  /** The listing they came from (refused patterns, links not followed, a bound reached). */
  listing: SourceListing;
}

/** prior.from cannot be used as written; the message says what to change. */
export class PriorSourceError extends Error {
  override name = 'PriorSourceError';
}

/**
 * The files an experiment's prior.from names, split into related experiments and data files. The listing (see
 * listing.ts) is given, or made here: relative to the experiment's folder, inside the scope's roots and allowed
 * folders, bounded; refused patterns and a bound reached are in `listing`, for the caller to show.
 */
export async function resolvePriorSources(
  experimentFile: string,
  patterns: readonly string[],
  scope: ListingScope,
  given?: SourceListing,
): Promise<PriorSources> {
  const self = path.resolve(experimentFile);
  const listing = given ?? (await listFiles(path.dirname(self), patterns, scope));
  const matched = listing.files;
  const { sources, rest } = await findHistorySources(matched.filter((f) => !isExperimentFile(f)));
  const dataFiles = [...new Set([...rest.filter(isDataFile), ...sources.flatMap((s) => s.files)])].sort();
  return {
    matched,
    experimentFiles: matched.filter((f) => isExperimentFile(f) && f !== self),
    dataFiles,
    history: sources,
    listing,
  };
}

/** What the user should read about a listing: refused patterns, links not followed, a bound reached. */
export function listingNotes(listing: SourceListing): string[] {
  const notes: string[] = [];
  for (const p of listing.patterns) {
    if (p.refused) notes.push(p.refused);
    if (p.linksOut.length > 0) {
      const first = p.linksOut[0]!;
      notes.push(`"${p.pattern}": ${p.linksOut.length} link(s) pointing outside the workspace folders not followed (${first.link} → ${first.target}${p.linksOut.length > 1 ? ', …' : ''}).`);
    }
  }
  if (listing.limit) notes.push(limitMessage(listing.limit));
  return notes;
}

export function limitMessage(limit: NonNullable<SourceListing['limit']>): string {
  return (
    `prior.from "${limit.pattern}": the listing ${limit.message}, the limit (SOURCE_LIMITS.${limit.name}); the prior learns only from the files ` +
    'listed before it. Name the folders or files it should learn from.'
  );
}
