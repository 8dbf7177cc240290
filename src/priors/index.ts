// The prior pipeline shared by the language server and the `hyperbo` CLI (Node only; no vscode, no LSP):
// resolve prior.from, plan the pre-training and its cache key, pre-train, cache the result under .hyperbo/priors.
export { CACHE_DIR, implausiblePrior, MAX_PRIOR_PARAMETER, PriorCache, priorCacheKey, stableHash, stableStringify, type CachedPrior, type PriorSidecar } from './cache';
export { loadDataFileTasks, type LoadedDataTasks } from './dataFiles';
export {
  experimentName,
  paramSpecsOf,
  priorSectionOf,
  readRelatedExperiment,
  UNNAMED_EXPERIMENT,
  type RelatedRead,
} from './experiment';
export {
  DEFAULT_PRETRAIN_SETTINGS,
  planPrior,
  priorKeyDescription,
  PriorSourceError,
  type PlanOptions,
  type PretrainSettings,
  type PriorPlan,
  type RelatedReader,
} from './plan';
export {
  CancelledError,
  modelSpecFor,
  runPretrain,
  type PretrainInput,
  type PretrainOutput,
  type RelatedExperiment,
  type RelatedTrial,
} from './pretrain';
export {
  EXPERIMENT_SUFFIX,
  isDataFile,
  isExperimentFile,
  limitMessage,
  listingNotes,
  PRIOR_GLOB_IGNORE,
  resolvePriorSources,
  type PriorSources,
} from './sources';
export {
  expandHome,
  INDEX_LIMITS,
  listFiles,
  ListingCancelledError,
  ListingLimitError,
  listNamedPattern,
  NEVER_SEARCHED,
  SOURCE_LIMITS,
  type LimitName,
  type ListingLimits,
  type ListingScope,
  type PatternListing,
  type SourceListing,
} from './listing';
export { findWorkspaceRoot } from './workspace';
