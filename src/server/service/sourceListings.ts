// prior.from listed in the background, one listing per experiment, never on the request path: parsing an experiment
// file no longer touches the disk; a listing starts when prior.from changes and again after files are created or
// deleted, the settings change, after a plan found nothing usable, and on a timer (listings that found a problem or
// read outside the workspace folders), so a file made or fixed later is found even without an event. A newer
// listing cancels the one it replaces. Requests that need the files (plans) wait for the current listing; hovers and
// lenses of other files are answered while it runs (every folder read is an await). The listing's findings become
// diagnostics on the prior.from entries.
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-types';
import { isSeq, isScalar, type Node } from 'yaml';
import { structureOf } from '../../formats/structure';
import { limitMessage, listFiles, ListingCancelledError, type SourceListing } from '../../priors';
import type { ServerSettings } from './settings';
import { normalizeUri, pathToUri } from './workspaceIndex';

/**
 * A listing that found a problem (an entry matching nothing, a bound reached) or that reads outside the workspace
 * folders (where no watcher reports changes) is made again after this long; others are made again on file events.
 */
export const RELIST_MS = 30_000;
/** Created or deleted files are batched for this long after the batch's first before the listings are made again. */
const RELIST_DEBOUNCE_MS = 300;

export const ALLOW_HINT = 'you add the folder to the setting hyperbo.prior.allowAbsolutePaths';

interface Job {
  key: string;
  fsPath: string;
  patterns: readonly string[];
  controller: AbortController;
  promise: Promise<SourceListing>;
  done: boolean;
  /** Files were created or deleted since it was made: the next request lists again. */
  stale: boolean;
  /** Files changed while it ran: list again when it ends (a running listing is not restarted, so it always ends). */
  dirty: boolean;
}

export interface SourceListingsOptions {
  roots: readonly string[];
  settings: () => Promise<ServerSettings>;
  /** A listing finished (its diagnostics may differ). */
  listed?: (uri: string) => void;
  log?: (message: string) => void;
  /** The timer's period (default RELIST_MS). */
  relistMs?: number;
}


export class SourceListings {
  private readonly jobs = new Map<string, Job>();
  private readonly shown = new Map<string, SourceListing>();
  private debounce: NodeJS.Timeout | undefined;
  private readonly timer: NodeJS.Timeout;
  private disposed = false;
  /** Listings started (tests watch it). */
  started = 0;

  constructor(private readonly options: SourceListingsOptions) {
    this.timer = setInterval(() => this.relist((uri) => this.unwatched(this.shown.get(uri))), options.relistMs ?? RELIST_MS);
    this.timer.unref?.();
  }

  /** The experiment's prior.from may have changed: list it in the background unless its listing is current. */
  update(fsPath: string, patterns: readonly string[]): void {
    const uri = normalizeUri(pathToUri(fsPath));
    if (patterns.length === 0) {
      this.forget(uri);
      return;
    }
    const job = this.jobs.get(uri);
    if (job && job.key === keyOf(patterns)) return;
    this.start(uri, fsPath, patterns);
  }

  /** The listing of these patterns for the experiment: the current one, or one started now. */
  async get(fsPath: string, patterns: readonly string[]): Promise<SourceListing> {
    const uri = normalizeUri(pathToUri(fsPath));
    for (;;) {
      let job = this.jobs.get(uri);
      if (!job || job.key !== keyOf(patterns) || job.stale) job = this.start(uri, fsPath, patterns);
      try {
        return await job.promise;
      } catch (error) {
        // Replaced by a newer listing of the same patterns (files changed meanwhile): wait for that one. Replaced
        // because prior.from changed: the caller's question is out of date (restarting it would cancel the newer).
        const now = this.jobs.get(uri);
        if (!(error instanceof ListingCancelledError) || this.disposed || !now || now === job || now.key !== job.key) throw error;
      }
    }
  }

  /** The listing under way or last made for the experiment, without starting one. */
  pending(uri: string): Promise<SourceListing> | undefined {
    return this.jobs.get(normalizeUri(uri))?.promise;
  }

  /** The next request for the experiment lists again (a plan found nothing usable: a file may be made or fixed). */
  markStale(uri: string): void {
    const job = this.jobs.get(normalizeUri(uri));
    if (job?.done) job.stale = true;
    else if (job) job.dirty = true;
  }

  /** What the last finished listing found, for diagnostics. */
  current(uri: string): SourceListing | undefined {
    return this.shown.get(normalizeUri(uri));
  }

  /** Files were created or deleted, or the settings changed: every listing is made again (batched). */
  invalidate(): void {
    if (this.disposed) return;
    for (const job of this.jobs.values()) {
      if (job.done) job.stale = true;
      else job.dirty = true;
    }
    // Not re-armed by later events: a steady stream of them (a job rotating checkpoints) must not hold the batch back.
    if (this.debounce !== undefined) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.relist(() => true);
    }, RELIST_DEBOUNCE_MS);
    this.debounce.unref?.();
  }

  /** Lists again now (an explicit refresh): every experiment's, or one's. */
  relistNow(uri?: string): void {
    const key = uri === undefined ? undefined : normalizeUri(uri);
    this.relist((u) => key === undefined || u === key);
  }

  forget(uri: string): void {
    const key = normalizeUri(uri);
    this.jobs.get(key)?.controller.abort();
    this.jobs.delete(key);
    this.shown.delete(key);
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    for (const job of this.jobs.values()) job.controller.abort();
    this.jobs.clear();
  }

  /** A listing whose outcome file events may not change: a problem, or files outside the workspace folders. */
  private unwatched(listing: SourceListing | undefined): boolean {
    if (!listing) return true;
    if (listing.limit || listing.patterns.some((p) => !p.refused && p.files.length === 0)) return true;
    const roots = this.options.roots.map((r) => path.resolve(r));
    return listing.files.some((f) => !roots.some((r) => f === r || f.startsWith(r + path.sep)));
  }

  private relist(which: (uri: string) => boolean): void {
    if (this.disposed) return;
    for (const [uri, job] of [...this.jobs]) {
      if (!which(uri)) continue;
      if (job.done) this.start(uri, job.fsPath, job.patterns);
      else job.dirty = true;
    }
  }

  private start(uri: string, fsPath: string, patterns: readonly string[]): Job {
    this.jobs.get(uri)?.controller.abort();
    const controller = new AbortController();
    this.started++;
    const job: Job = {
      key: keyOf(patterns),
      fsPath,
      patterns: [...patterns],
      controller,
      done: false,
      dirty: false,
      stale: false,
      promise: (async () => {
        const settings = await this.options.settings();
        return listFiles(path.dirname(fsPath), patterns, {
          roots: this.options.roots,
          allowed: settings.prior.allowAbsolutePaths,
          allowHint: ALLOW_HINT,
          signal: controller.signal,
        });
      })(),
    };
    this.jobs.set(uri, job);
    job.promise.then(
      (result) => {
        job.done = true;
        if (this.jobs.get(uri) !== job) return;
        this.shown.set(uri, result);
        this.options.listed?.(uri);
        if (job.dirty) this.start(uri, fsPath, job.patterns);
      },
      (error: Error) => {
        job.done = true;
        if (!(error instanceof ListingCancelledError)) this.options.log?.(`Listing prior.from of ${path.basename(fsPath)} failed: ${error.message}`);
        // A failed listing is made again on the next request.
        if (this.jobs.get(uri) === job && !(error instanceof ListingCancelledError)) this.jobs.delete(uri);
      },
    );
    return job;
  }
}

const keyOf = (patterns: readonly string[]): string => JSON.stringify(patterns);

/**
 * Diagnostics on the prior.from entries of `text` from a listing: refused (outside the workspace), matching nothing,
 * links not followed, the bound where the listing stopped. Entries the listing did not cover get none.
 */
export function listingDiagnostics(text: string, listing: SourceListing | undefined): Diagnostic[] {
  if (!listing) return [];
  const structure = structureOf(text);
  const from = structure.get(['prior', 'from']);
  const nodes: Node[] = isSeq(from) ? (from.items as unknown[]).map((n) => structure.deref(n)).filter((n): n is Node => n !== null) : from ? [from] : [];
  const limitAt = listing.limit ? listing.patterns.findIndex((p) => p.pattern === listing.limit!.pattern) : -1;
  const out: Diagnostic[] = [];
  const used = new Set<number>();
  for (const node of nodes) {
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) continue;
    const i = listing.patterns.findIndex((p, k) => !used.has(k) && p.pattern === node.value);
    if (i < 0) continue;
    used.add(i);
    const p = listing.patterns[i]!;
    const range = { start: structure.lines.positionAt(node.range[0]), end: structure.lines.positionAt(Math.max(node.range[0], node.range[1])) };
    const diag = (severity: 2 | 3, code: string, message: string) => out.push({ range, severity, code, source: 'hyperbo', message });
    if (p.refused) diag(2, 'prior-outside-workspace', p.refused);
    else if (i === limitAt) diag(2, 'prior-limit', limitMessage(listing.limit!));
    else if (p.files.length === 0 && (limitAt < 0 || i < limitAt)) {
      diag(2, 'prior-glob-empty', `"${p.pattern}" matches no file (paths are relative to this experiment file); the prior will not learn from it.`);
    }
    if (p.linksOut.length > 0) {
      const first = p.linksOut[0]!;
      diag(
        3,
        'prior-link-outside',
        `${p.linksOut.length} link(s) pointing outside the workspace folders not followed (${path.basename(first.link)} → ${first.target}${p.linksOut.length > 1 ? ', …' : ''}).`,
      );
    }
  }
  return out;
}
