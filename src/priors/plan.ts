// The one rule for what an experiment's prior is trained from and under which cache key it is stored, used by
// the language server and `hyperbo tune` alike: the same experiment file (and the same pre-training settings)
// gives the same key, hence the same .hyperbo/priors/<key>.json in the workspace.
import * as path from 'node:path';
import { priorCacheKey } from './cache';
import type { Experiment } from '../formats/experiment';
import { paramSpecsOf, priorSectionOf } from './experiment';
import type { PretrainInput, RelatedExperiment, RelatedTrial } from './pretrain';
import type { ListingScope, SourceListing } from './listing';
import { listingNotes, PriorSourceError, resolvePriorSources } from './sources';

export interface PretrainSettings {
  /** L-BFGS iterations or Adam steps. */
  steps: number;
  optimizer: 'lbfgs' | 'adam';
}

/** The editor's default pre-training settings (hyperbo.pretrain.*), which `hyperbo tune` always uses. */
export const DEFAULT_PRETRAIN_SETTINGS: Readonly<PretrainSettings> = Object.freeze({ steps: 150, optimizer: 'lbfgs' });

/** Bumped when the key description changes shape (the engine's TRAINING_RULES_VERSION is hashed as well). */
const KEY_DESCRIPTION_VERSION = 1;

export { PriorSourceError } from './sources';

/** A related experiment's name and completed trials, or why it cannot be used (it is then left out). */
export type RelatedReader = (file: string) => Promise<{ name: string; trials: RelatedTrial[] } | { unusable: string }>;

export interface PriorPlan {
  /** The cache key: .hyperbo/priors/<key>.json under the root. */
  key: string;
  /** Exactly what to pre-train on. */
  input: PretrainInput;
  /** Related experiment files left out, with the reason. */
  unusable: { file: string; reason: string }[];
}

export interface PlanOptions extends PretrainSettings {
  /** The workspace folder holding the cache; sources are named relative to it. */
  root: string;
  readRelated: RelatedReader;
  /** Where prior.from may read (default: inside the root only) and its bounds. */
  scope?: ListingScope;
  /** The listing of prior.from, when the caller keeps one (the server lists in the background); else listed here. */
  listing?: SourceListing;
}

/**
 * What the experiment's prior learns from and its cache key; undefined when prior.from is empty (a single-task GP).
 * Throws PriorSourceError when prior.from names nothing usable.
 */
export async function planPrior(experimentFile: string, experiment: Experiment, options: PlanOptions): Promise<PriorPlan | undefined> {
  const prior = priorSectionOf(experiment);
  const from = prior.from;
  if (from.length === 0) return undefined;
  const { matched, experimentFiles, dataFiles, listing } = await resolvePriorSources(experimentFile, from, options.scope ?? { roots: [options.root] }, options.listing);
  const relative = (f: string) => path.relative(options.root, f);
  const related: RelatedExperiment[] = [];
  const unusable: PriorPlan['unusable'] = [];
  for (const f of experimentFiles) {
    const read = await options.readRelated(f);
    if ('unusable' in read) unusable.push({ file: f, reason: read.unusable });
    else related.push({ name: read.name, source: relative(f), trials: read.trials });
  }
  if (related.length === 0 && dataFiles.length === 0) {
    const here = path.basename(experimentFile);
    const patterns = from.join(', ');
    const notes = listingNotes(listing);
    if (matched.length === 0) throw new PriorSourceError(`prior.from matches no file (${patterns}) next to ${here}.${notes.length ? ` ${notes.join(' ')}` : ''}`);
    const why = unusable.map((u) => `${path.basename(u.file)}: ${u.reason}`);
    const others = matched.filter((f) => !experimentFiles.includes(f) && !dataFiles.includes(f) && f !== path.resolve(experimentFile));
    if (others.length > 0) why.push(`${others.map((f) => path.basename(f)).join(', ')}: neither an experiment (*.hyperbo.yaml) nor a data file (.jsonl, .jsonl.gz, .json) nor tuning history (Optuna, MLflow, Ray Tune, Lightning, Keras Tuner, CSV)`);
    if (matched.includes(path.resolve(experimentFile))) why.push(`${here} itself is never its own prior`);
    throw new PriorSourceError(`prior.from (${patterns}) matches no usable experiment or data file next to ${here}: ${why.join('; ')}.`);
  }
  const input: PretrainInput = {
    space: paramSpecsOf(experiment.searchSpace),
    metric: prior.metric ?? experiment.objective.metric,
    goal: experiment.objective.goal,
    ...(experiment.objective.output ? { output: experiment.objective.output } : {}),
    objective: prior.objective,
    mean: prior.mean,
    kernel: prior.kernel,
    kernelOnFeatures: prior.kernelOnFeatures,
    files: dataFiles,
    exclude: prior.exclude,
    related,
    seed: experiment.seed,
    sources: [...experimentFiles, ...dataFiles].map(relative),
    steps: options.steps,
    optimizer: options.optimizer,
    dataHash: '',
  };
  const key = await priorCacheKey(priorKeyDescription(input, options.root), dataFiles);
  return { key, input: { ...input, dataHash: key }, unusable };
}

/**
 * What the key hashes besides the data files' bytes: the whole pre-training input with the data files named relative
 * to the root (so the key does not depend on where the workspace sits on disk).
 */
export function priorKeyDescription(input: PretrainInput, root: string): unknown {
  const { dataHash: _dataHash, ...rest } = input;
  return { version: KEY_DESCRIPTION_VERSION, ...rest, files: input.files.map((f) => path.relative(root, f)) };
}
