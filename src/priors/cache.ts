// Pre-trained priors cached under <workspace>/.hyperbo/priors/, keyed by a hash of everything they were
// trained from (data file bytes, related trials, search space, objective and training options); the editor and
// `hyperbo tune` share the entries. Files are written atomically (temp file + rename), so a process killed
// mid-write never leaves a torn prior behind; an unreadable cache entry is treated as missing and trained again.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite';
import { parsePrior, serializePrior, TRAINING_RULES_VERSION, type LoadedPrior, type PriorFile } from '../engine';

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

const writeAtomic = (file: string, text: string): Promise<void> => writeFileAtomic(file, text, { mkdirs: true });

export class PriorCache {
  constructor(readonly root: string) {}

  private paths(key: string): { prior: string; sidecar: string } {
    const dir = path.join(this.root, CACHE_DIR, 'priors');
    return { prior: path.join(dir, `${key}.json`), sidecar: path.join(dir, `${key}.sources.json`) };
  }

  /** The cached prior for the key, or undefined when missing or unreadable. */
  async get(key: string): Promise<CachedPrior | undefined> {
    const p = this.paths(key);
    try {
      const loaded = parsePrior(await readFile(p.prior, 'utf8'));
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
