// The engine's public surface: what the server, CLI and benchmarks import.
export { EngineError } from './types';
export { maxOf, minOf } from '../shared/extent';
export type {
  KernelKind,
  MatchedGroup,
  MeanKind,
  ModelSpec,
  Objective,
  Points,
  PretrainData,
  Progress,
  Rng,
  Task,
  ValueAndGrad,
} from './types';

export { coverageGaps, trainingCoverage } from './coverage';
export type { CoverageGap, ParamCoverage } from './coverage';

export { HaltonSequence, SeededRng, createRng, sampleWithoutReplacement, shuffleInPlace } from './rng';

export {
  PD1_PARAM_NAMES,
  PD1_SPACE_PARAMS,
  SearchSpace,
  pd1Config,
  pd1SearchSpace,
} from './space';
export type { CategoricalParam, Config, FloatParam, IntParam, ParamSpec, ParamValue, Scale } from './space';

export {
  PD1_OUTPUT_SPEC,
  applyOutput,
  defaultOutputSpec,
  fitOutputTransform,
  invertOutput,
  invertPrediction,
  isInfeasible,
  logFloorFor,
  normalQuantile,
  outputWithOverrides,
  TAILS_KINDS,
  referenceNormalization,
  REFERENCE_WEIGHT,
  summarizeOutputRule,
  transformTaskValues,
  unwarpValue,
  warpValue,
} from './warp';
export type { Goal, NormalizationKind, OutputOverrides, OutputRuleSummary, OutputSpec, OutputTransform, OutputWarpKind, TailsKind, TransformedValues } from './warp';

export {
  acquisitionTarget,
  acquisitionValue,
  maximizeOverCandidates,
  maximizeOverUnitCube,
  minimumSeparation,
  normalCdf,
  normalPdf,
  validateAcquisition,
} from './acquisition';
export type { AcquisitionKind, AcquisitionOptions, BatchPredictor, GradientPredictor, ProximityExclusion } from './acquisition';

export { minimizeAdam, minimizeLbfgs } from './optimize';
export type { AdamOptions, LbfgsOptions, OptimizeResult, StochasticObjective, StopReason } from './optimize';

export {
  condition,
  describeParams,
  initialParams,
  paramLayout,
  paramsFromValues,
  priorCovariance,
  priorMean,
  samplePrior,
} from './model';
export type { ConditionOptions, Level, ParamLayout, ParamValues, Posterior, PredictOptions, Prediction } from './model';
export { combinedObjective, eklObjective, fullEkl, nllObjective } from './objectives';

export {
  MIN_EKL_POINTS,
  chooseObjective,
  cleanPretrainData,
  defaultSpecFor,
  MIN_POINTS_FOR_MLP,
  prepareTrainingData,
  pretrain,
  recommendedSpec,
  simpleSpec,
} from './pretrain';
export type {
  PreparedData,
  PretrainOptions,
  PretrainProvenance,
  PretrainResult,
  RawMatchedGroup,
  RawTask,
} from './pretrain';

export { fitSingleTask, singleTaskSpec } from './singleTask';
export type { SingleTaskFit, SingleTaskOptions } from './singleTask';

export { completedValues, DEFAULT_UCB_BETA, HELD_OUT_MARGIN, HELD_OUT_MIN, HELD_OUT_WINDOW, recordedOutputRule, recordedOutputTransform, Study, studyFromRecord } from './study';
export { ConditioningCache, FROZEN_FIT_MIN, REFIT_GROWTH, SUBSET_SLACK } from './conditioning';
export type { ConditioningCounts } from './conditioning';
export { wasmLinalgAvailable } from './wasm/linalg';
export type { Adaptation, DivergedPolicy, PriorCheck, RecordedStudyOptions, RecordedTrial, StudyOptions, StudyPrior, Suggestion, TellResult, Trial, TrialStatus } from './study';

export {
  PRIOR_FORMAT,
  PRIOR_FORMAT_VERSION,
  TRAINING_RULES_VERSION,
  buildPriorFile,
  parsePrior,
  priorFileFromPretrain,
  serializePrior,
  studyPriorFromFile,
  transferFromJson,
  priorCoverageGaps,
} from './prior';
export type { BuildPriorInput, LoadedPrior, PretrainObjectiveKind, PriorFile, PriorTrainingInfo } from './prior';

export {
  TRANSFER_KAPPA,
  TRANSFER_MEAN,
  TRANSFER_EXACT,
  TRANSFER_SPREAD,
  TRANSFER_POINTS_PER_TASK,
  TRANSFER_VALUES,
  checkTransfer,
  combineTransfer,
  transferCandidates,
  transferScores,
  transferTaskScores,
  transferSupport,
  taskAgreement,
} from './transfer';
export type { TaskAgreement, TransferMean, TransferSpread, TransferTask, TransferValues } from './transfer';
