// Server settings (the `hyperbo` configuration section), pulled from the client per request; defaults
// apply when the client does not answer or a value is out of range.
import * as path from 'node:path';
import { DEFAULT_PRETRAIN_SETTINGS, expandHome } from '../../priors';

export interface ServerSettings {
  pretrain: {
    /** Pre-train automatically when a suggestion needs a prior that is not cached yet. */
    auto: boolean;
    /** L-BFGS iterations or Adam steps. */
    steps: number;
    optimizer: 'lbfgs' | 'adam';
  };
  logs: {
    /** How often running trials' logs are checked for appended lines, in milliseconds (0: only on file events). */
    pollInterval: number;
  };
  suggestions: {
    /** How many suggestions the code lens computes (the lens shows the first). */
    count: number;
  };
  prior: {
    /**
     * Folders outside the workspace folders that prior.from may read (absolute paths, `~/` allowed); prior.from
     * patterns reaching anywhere else outside the workspace are refused.
     */
    allowAbsolutePaths: string[];
  };
}

export const DEFAULT_SETTINGS: ServerSettings = {
  // The pre-training defaults are the ones `hyperbo tune` uses, so both compute the same prior cache keys.
  pretrain: { auto: true, ...DEFAULT_PRETRAIN_SETTINGS },
  logs: { pollInterval: 1000 },
  suggestions: { count: 1 },
  prior: { allowAbsolutePaths: [] },
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function int(v: unknown, fallback: number, min: number, max: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

/** The absolute folders of a list (`~/…` expanded); anything else (relative paths, non-strings) is dropped. */
function absoluteFolders(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const item of v.slice(0, 100)) {
    if (typeof item !== 'string' || item.trim() === '') continue;
    const folder = expandHome(item.trim());
    if (path.isAbsolute(folder)) out.push(path.resolve(folder));
  }
  return out;
}

/** Settings from an untrusted `hyperbo` section object, each field checked. */
export function readSettings(raw: unknown): ServerSettings {
  const section = isObj(raw) ? raw : {};
  const pretrain = isObj(section.pretrain) ? section.pretrain : {};
  const logs = isObj(section.logs) ? section.logs : {};
  const suggestions = isObj(section.suggestions) ? section.suggestions : {};
  const prior = isObj(section.prior) ? section.prior : {};
  const d = DEFAULT_SETTINGS;
  return {
    pretrain: {
      auto: typeof pretrain.auto === 'boolean' ? pretrain.auto : d.pretrain.auto,
      steps: int(pretrain.steps, d.pretrain.steps, 1, 100_000),
      optimizer: pretrain.optimizer === 'adam' || pretrain.optimizer === 'lbfgs' ? pretrain.optimizer : d.pretrain.optimizer,
    },
    logs: { pollInterval: int(logs.pollInterval, d.logs.pollInterval, 0, 3_600_000) },
    suggestions: { count: int(suggestions.count, d.suggestions.count, 1, 16) },
    prior: { allowAbsolutePaths: absoluteFolders(prior.allowAbsolutePaths) },
  };
}
