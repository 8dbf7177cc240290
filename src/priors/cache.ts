// Pre-trained priors cached under <workspace>/.hyperbo/priors/, keyed by a hash of everything they were
// trained from (data file bytes, related trials, search space, objective and training options); the editor and
// `hyperbo tune` share the entries. Files are written atomically (temp file + rename), so a process killed
// mid-write never leaves a torn prior behind; an unreadable cache entry is treated as missing and trained again.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite';
import { parsePrior, priorCovariance, priorMean, serializePrior, TRAINING_RULES_VERSION, type LoadedPrior, type PriorFile } from '../engine';

export const CACHE_DIR = '.hyperbo';

export interface PriorSidecar {
  key: string;
  /** Task name → the file it came from (workspace-relative). */
  taskSources: Record<string, string>;
  skipped: { name: string; reason: string }[];
}

export interface CachedPrior {
  key: string;
  file: string;
  loaded: LoadedPrior;
  sidecar: PriorSidecar;
}

// Data files are hashed once per (size, mtime): lenses ask for the key often, the data rarely changes.
const fileHashes = new Map<string, { size: number; mtimeMs: number; digest: string }>();

async function fileDigest(file: string): Promise<string> {
  const info = await stat(file);
  const known = fileHashes.get(file);
  if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known.digest;
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file);
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  const digest = hash.digest('hex');
  fileHashes.set(file, { size: info.size, mtimeMs: info.mtimeMs, digest });
  return digest;
}

/** A short stable key from a JSON description plus the bytes of the data files. */
export async function priorCacheKey(description: unknown, files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  hash.update(stableStringify({ rules: TRAINING_RULES_VERSION, description }));
  for (const f of [...files].sort()) {
    hash.update(`\0${path.basename(f)}\0${await fileDigest(f)}`);
  }
  return hash.digest('hex').slice(0, 20);
}

/** JSON with object keys sorted, so equal descriptions hash equally. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function stableHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 20);
}

/**
 * Bound on the magnitude of a prior's raw parameters. The model works on the unit cube with standardised values, so
 * training ends within a few hundred; 1e300 (a hand-edited or corrupted file) parses but predicts Infinity ± NaN.
 */
export const MAX_PRIOR_PARAMETER = 1e6;

/** Why a prior that parses cannot be trusted (absurd parameters, non-finite predictions), or undefined. */
export function implausiblePrior(loaded: LoadedPrior): string | undefined {
  const { spec, theta } = loaded;
  const at = theta.findIndex((v) => !(Math.abs(v) <= MAX_PRIOR_PARAMETER));
  if (at >= 0) return `parameter ${at} is ${theta[at]}, beyond ±${MAX_PRIOR_PARAMETER}`;
  // What the prior derives: its mean and variance at the cube's corners and centre must be finite.
  for (const u of [0, 0.5, 1]) {
    const x = { n: 1, d: spec.dim, data: new Float64Array(spec.dim).fill(u) };
    const mean = priorMean(spec, theta, x)[0]!;
    const variance = priorCovariance(spec, theta, x, { includeNoise: true })[0]!;
    if (!Number.isFinite(mean) || !Number.isFinite(variance) || !(variance > 0)) return `its prediction at ${u} is ${mean} ± ${variance}`;
  }
  return undefined;
}

const writeAtomic = (file: string, text: string): Promise<void> => writeFileAtomic(file, text, { mkdirs: true });

export class PriorCache {
  constructor(readonly root: string) {}

  private paths(key: string): { prior: string; sidecar: string } {
    const dir = path.join(this.root, CACHE_DIR, 'priors');
    return { prior: path.join(dir, `${key}.json`), sidecar: path.join(dir, `${key}.sources.json`) };
  }

  /** The cached prior for the key, or undefined when missing, unreadable or implausible (then it is removed). */
  async get(key: string): Promise<CachedPrior | undefined> {
    const p = this.paths(key);
    try {
      const loaded = parsePrior(await readFile(p.prior, 'utf8'));
      if (implausiblePrior(loaded) !== undefined) {
        // Drop the entry so the caller trains again and writes a sound one in its place.
        await Promise.all([rm(p.prior, { force: true }), rm(p.sidecar, { force: true })]);
        return undefined;
      }
      let sidecar: PriorSidecar = { key, taskSources: {}, skipped: [] };
      try {
        const raw = JSON.parse(await readFile(p.sidecar, 'utf8')) as Partial<PriorSidecar>;
        sidecar = { key, taskSources: raw.taskSources ?? {}, skipped: raw.skipped ?? [] };
      } catch {
        // The sidecar only adds source names; the prior itself is complete without it.
      }
      return { key, file: p.prior, loaded, sidecar };
    } catch {
      return undefined;
    }
  }

  async put(key: string, prior: PriorFile, sidecar: Omit<PriorSidecar, 'key'>): Promise<CachedPrior> {
    const p = this.paths(key);
    await writeAtomic(p.sidecar, JSON.stringify({ key, ...sidecar }, null, 2) + '\n');
    await writeAtomic(p.prior, serializePrior(prior));
    return { key, file: p.prior, loaded: parsePrior(serializePrior(prior)), sidecar: { key, ...sidecar } };
  }
}
