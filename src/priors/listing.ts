// The one bounded directory walk behind prior.from, the workspace index, Import Tuning History and the CLI's folders.
// A pattern is resolved relative to a base folder and must stay inside the given roots (workspace folders) or
// folders the user allowed; links are followed only while their target stays inside too; each real folder and file
// is visited once (a loop ends); entries looked at, files listed and bytes listed are capped; an AbortSignal stops
// it between folder reads. Every step is an await, so a request arriving meanwhile is answered in between.
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

/** Every bound on what a listing may look at, in one place. */
export interface ListingLimits {
  /** Folder entries looked at (files, folders and links alike) before the walk stops. */
  maxEntries: number;
  /** Files listed. */
  maxFiles: number;
  /** Bytes of the listed files together (what pre-training would read). */
  maxBytes: number;
  /** Folder levels below a pattern's fixed part. */
  maxDepth: number;
}

/** prior.from (editor and CLI): a pattern that reaches far is stopped long before it holds up anything. */
export const SOURCE_LIMITS: Readonly<ListingLimits> = Object.freeze({ maxEntries: 200_000, maxFiles: 20_000, maxBytes: 2 * 1024 ** 3, maxDepth: 32 });
/** The workspace index's search for experiment files (their sizes do not matter: each is read when indexed). */
export const INDEX_LIMITS: Readonly<ListingLimits> = Object.freeze({ maxEntries: 500_000, maxFiles: 5_000, maxBytes: Number.POSITIVE_INFINITY, maxDepth: 32 });

/** Folders never searched: dependencies, git internals and HyperBO's own cache and run outputs. */
export const NEVER_SEARCHED: readonly string[] = ['node_modules', '.git', '.hyperbo'];

export interface ListingScope {
  /** Folders the listing may read (workspace folders; the CLI: the experiment's workspace). */
  roots: readonly string[];
  /** Further folders the user allowed (hyperbo.prior.allowAbsolutePaths, or named on the command line). */
  allowed?: readonly string[];
  /** How the user allows a folder outside the roots, for the refusal message. */
  allowHint?: string;
  limits?: Partial<ListingLimits>;
  signal?: AbortSignal;
}

export type LimitName = keyof ListingLimits;

export interface PatternListing {
  pattern: string;
  /** Files this pattern matched (absolute, in walk order: sorted), each real file once across the listing. */
  files: string[];
  /** Why the pattern was not walked (it leaves the roots and allowed folders). */
  refused?: string;
  /** Links under the pattern's folder that point outside the roots, not followed: link → target. */
  linksOut: { link: string; target: string }[];
}

export interface SourceListing {
  patterns: PatternListing[];
  /** Every listed file (absolute, sorted, one per real file). */
  files: string[];
  /** Set when the walk stopped at a bound: which, the pattern being walked, and a message naming the bound. */
  limit?: { name: LimitName; pattern: string; message: string };
}

/** The listing was cancelled through its signal. */
export class ListingCancelledError extends Error {
  override name = 'ListingCancelledError';
  constructor() {
    super('Listing the files was cancelled.');
  }
}

const MAGIC = /[*?[\]{}]/;
const MAX_ALTERNATIVES = 64;

/** `{a,b}` alternatives expanded (nested braces too), at most MAX_ALTERNATIVES. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      if (commas.length === 0) return expandBraces(pattern.slice(0, open) + '\0' + pattern.slice(open + 1)).map((p) => p.replace('\0', '{'));
      const parts: string[] = [];
      let start = open + 1;
      for (const k of [...commas, i]) {
        parts.push(pattern.slice(start, k));
        start = k + 1;
      }
      const rest = pattern.slice(i + 1);
      const out: string[] = [];
      for (const part of parts) {
        for (const alt of expandBraces(pattern.slice(0, open) + part + rest)) {
          out.push(alt);
          if (out.length >= MAX_ALTERNATIVES) return out;
        }
      }
      return out;
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}

type Segment = '**' | RegExp;

/** One path segment of a glob as a regular expression: `*`, `?`, `[…]`/`[!…]`; a leading dot only matches literally. */
function segmentRegExp(segment: string): RegExp {
  let re = segment.startsWith('.') ? '' : '(?!\\.)';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = segment.slice(i + 1, close);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < segment.length) re += `\\${segment[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const inside = (file: string, folder: string): boolean => {
  const rel = path.relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** The real path of `p`, or of its nearest existing folder with the rest appended (a path not made yet). */
async function realOr(p: string): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await realpath(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(await realOr(parent), path.basename(abs));
  }
}

/** `~/x` → the home folder's x; other patterns unchanged. */
export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') || p.startsWith('~\\') ? path.join(os.homedir(), p.slice(1)) : p;
}

interface Walk {
  limits: ListingLimits;
  signal?: AbortSignal;
  /** The folders a listing may read, by real path. */
  scope: string[];
  seenFiles: Set<string>;
  entries: number;
  bytes: number;
  files: string[];
  limit?: SourceListing['limit'];
  /** A folder below maxDepth was not entered (reported when no other bound stopped the walk). */
  tooDeep?: string;
}

/**
 * The files `patterns` name, resolved against `base`. A pattern naming a folder means everything in it. A pattern
 * whose fixed part (the folders before the first wildcard) leaves the roots and allowed folders is refused, not
 * walked. Throws ListingCancelledError when the signal fires.
 */
export async function listFiles(base: string, patterns: readonly string[], scope: ListingScope): Promise<SourceListing> {
  const limits: ListingLimits = { ...SOURCE_LIMITS, ...scope.limits };
  const areas = [...scope.roots, ...(scope.allowed ?? [])].map((p) => path.resolve(expandHome(p)));
  const walk: Walk = { limits, signal: scope.signal, scope: await Promise.all(areas.map(realOr)), seenFiles: new Set(), entries: 0, bytes: 0, files: [] };
  const out: PatternListing[] = [];
  for (const pattern of patterns) {
    const listing: PatternListing = { pattern, files: [], linksOut: [] };
    out.push(listing);
    if (walk.limit) continue;
    for (const alternative of expandBraces(expandHome(pattern.trim()))) {
      const { fixed, segments } = await splitPattern(base, alternative);
      // The fixed part's real path decides (a link to / inside the workspace is outside it).
      const real = await realOr(fixed);
      if (!walk.scope.some((a) => inside(real, a))) {
        listing.refused =
          `"${pattern}" reaches ${real === fixed ? fixed : `${fixed} (${real})`}, outside the workspace folders; ` +
          `HyperBO reads only files inside them${scope.allowHint ? ` unless ${scope.allowHint}` : ''}.`;
        break;
      }
      await walkPattern(walk, listing, fixed, real, segments);
      const hit = walk.limit as SourceListing['limit'];
      if (hit) {
        walk.limit = { ...hit, pattern };
        break;
      }
    }
  }
  if (!walk.limit && walk.tooDeep !== undefined) {
    walk.limit = { name: 'maxDepth', pattern: walk.tooDeep, message: `did not enter folders more than ${limits.maxDepth} levels deep` };
  }
  return { patterns: out, files: [...walk.files].sort(), ...(walk.limit ? { limit: walk.limit } : {}) };
}

/** A pattern named on the command line reached a bound: the run would use part of what was asked for. */
export class ListingLimitError extends Error {
  override name = 'ListingLimitError';
}

/**
 * The files a pattern named on the command line lists (`hyperbo bench regret --data 'dir/*.json'`, the bench/
 * scripts): the user named its fixed folder, so that folder is the root, but the walk under it is the bounded one
 * (links out of it not followed, a loop listed once, `limits`, default SOURCE_LIMITS). At a bound it throws
 * ListingLimitError naming it; `notes` lists the links out not followed.
 */
export async function listNamedPattern(base: string, pattern: string, limits?: Partial<ListingLimits>): Promise<{ files: string[]; notes: string[] }> {
  const alternatives = expandBraces(expandHome(pattern.trim()));
  const roots = await Promise.all(alternatives.map(async (a) => realOr((await splitPattern(base, a)).fixed)));
  const listing = await listFiles(base, [pattern], { roots, ...(limits ? { limits } : {}) });
  if (listing.limit) {
    throw new ListingLimitError(
      `"${pattern}": the listing ${listing.limit.message}, the limit (SOURCE_LIMITS.${listing.limit.name}); nothing was run on part of it. Name a narrower pattern.`,
    );
  }
  const notes = listing.patterns
    .filter((p) => p.linksOut.length > 0)
    .map((p) => `"${p.pattern}": ${p.linksOut.length} link(s) out of ${roots.join(', ')} not followed (${p.linksOut[0]!.link} → ${p.linksOut[0]!.target}${p.linksOut.length > 1 ? ', …' : ''}).`);
  return { files: listing.files, notes };
}

/** The pattern's fixed folder (absolute) and the wildcard segments after it; a folder named alone means `folder/**`. */
async function splitPattern(base: string, pattern: string): Promise<{ fixed: string; segments: Segment[] }> {
  const normalized = process.platform === 'win32' ? pattern.replace(/\\/g, '/') : pattern;
  const absolute = path.isAbsolute(normalized) || /^[A-Za-z]:\//.test(normalized);
  const parts = normalized.split('/').filter((s, i) => s !== '' && (s !== '.' || i === 0));
  const firstMagic = parts.findIndex((s) => MAGIC.test(s));
  const fixedParts = firstMagic < 0 ? parts : parts.slice(0, firstMagic);
  const rest = firstMagic < 0 ? [] : parts.slice(firstMagic);
  const fixedText = fixedParts.join('/');
  const fixed = absolute ? path.resolve(normalized.startsWith('/') ? '/' + fixedText : fixedText) : path.resolve(base, fixedText);
  if (rest.length === 0) {
    // A plain path: a file is itself, a folder everything in it.
    const isDir = await stat(fixed).then((s) => s.isDirectory(), () => false);
    if (isDir) return { fixed, segments: ['**', /^(?!\.)/] };
    return { fixed: path.dirname(fixed), segments: [new RegExp(`^${path.basename(fixed).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)] };
  }
  return { fixed, segments: rest.map((s): Segment => (s === '**' ? '**' : segmentRegExp(s))) };
}

/** States after `**` may match nothing: the closure adds the state after each leading `**`. */
function closure(segments: Segment[], states: Iterable<number>): number[] {
  const out = new Set<number>();
  for (let s of states) {
    out.add(s);
    while (segments[s] === '**') out.add(++s);
  }
  return [...out].sort((a, b) => a - b);
}

function advance(segments: Segment[], states: number[], name: string): number[] {
  const next: number[] = [];
  for (const s of states) {
    const seg = segments[s];
    if (seg === undefined) continue;
    if (seg === '**') {
      if (!name.startsWith('.')) next.push(s);
    } else if (seg.test(name)) next.push(s + 1);
  }
  return closure(segments, next);
}

async function walkPattern(walk: Walk, listing: PatternListing, fixed: string, realFixed: string, segments: Segment[]): Promise<void> {
  const visited = new Set<string>();
  // Depth-first in sorted order, so what a bound cuts off is the same on every run.
  const stack: { dir: string; real: string; states: number[]; depth: number }[] = [{ dir: fixed, real: realFixed, states: closure(segments, [0]), depth: 0 }];
  while (stack.length > 0) {
    if (walk.signal?.aborted) throw new ListingCancelledError();
    const { dir, real, states, depth } = stack.pop()!;
    // Only the states that can still go deeper matter for what is below (a loop back here adds the final one).
    const key = `${real}\0${states.filter((x) => x < segments.length).join(',')}`;
    if (visited.has(key)) continue;
    visited.add(key);
    let dirents: Dirent[];
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    if (walk.signal?.aborted) throw new ListingCancelledError();
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: typeof stack = [];
    const matched: { full: string; real: string }[] = [];
    let stop = false;
    for (const d of dirents) {
      if (++walk.entries > walk.limits.maxEntries) {
        walk.limit = { name: 'maxEntries', pattern: '', message: `stopped after looking at ${walk.limits.maxEntries.toLocaleString('en-US')} folder entries` };
        stop = true;
        break;
      }
      if (NEVER_SEARCHED.includes(d.name)) continue;
      const next = advance(segments, states, d.name);
      if (next.length === 0) continue;
      const full = path.join(dir, d.name);
      let realFull = path.join(real, d.name);
      let isDir = d.isDirectory();
      let isFile = d.isFile();
      if (d.isSymbolicLink()) {
        try {
          realFull = await realpath(full);
        } catch {
          continue; // a broken link
        }
        if (!walk.scope.some((a) => inside(realFull, a))) {
          listing.linksOut.push({ link: full, target: realFull });
          continue;
        }
        const s = await stat(realFull).catch(() => undefined);
        isDir = s?.isDirectory() ?? false;
        isFile = s?.isFile() ?? false;
      }
      if (isDir && next.some((s) => s < segments.length)) {
        if (depth < walk.limits.maxDepth) subdirs.push({ dir: full, real: realFull, states: next, depth: depth + 1 });
        else walk.tooDeep ??= listing.pattern;
      }
      if (isFile && next.includes(segments.length) && !walk.seenFiles.has(realFull)) matched.push({ full, real: realFull });
    }
    // Sizes are read together (a folder of many files is not one stat per event-loop turn).
    const sizes = Number.isFinite(walk.limits.maxBytes) ? await fileSizes(matched.map((m) => m.real)) : [];
    for (const [i, m] of matched.entries()) {
      if (walk.seenFiles.has(m.real)) continue;
      if (walk.files.length + 1 > walk.limits.maxFiles) {
        walk.limit = { name: 'maxFiles', pattern: '', message: `stopped at ${walk.limits.maxFiles.toLocaleString('en-US')} files` };
        return;
      }
      if (Number.isFinite(walk.limits.maxBytes)) {
        const size = sizes[i] ?? 0;
        if (walk.bytes + size > walk.limits.maxBytes) {
          walk.limit = { name: 'maxBytes', pattern: '', message: `stopped at ${formatBytes(walk.limits.maxBytes)} of files` };
          return;
        }
        walk.bytes += size;
      }
      walk.seenFiles.add(m.real);
      walk.files.push(m.full);
      listing.files.push(m.full);
    }
    if (stop) return;
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

async function fileSizes(files: readonly string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < files.length; i += 64) {
    const chunk = await Promise.all(files.slice(i, i + 64).map((f) => stat(f).then((s) => s.size, () => 0)));
    out.push(...chunk);
  }
  return out;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
