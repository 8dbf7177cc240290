// JSON-serialisable shapes exchanged between server, client and webviews. Types only, no logic.
import type { PretrainObjectiveKind } from './objectiveKind';

export type ParamValue = number | string;
export type Params = Record<string, ParamValue>;

export type TrialStatus = 'pending' | 'running' | 'completed' | 'failed' | 'diverged' | 'stopped';
export type Goal = 'minimize' | 'maximize';

export interface ParameterInfo {
  name: string;
  type: 'float' | 'int' | 'categorical';
  low?: number;
  high?: number;
  scale?: 'linear' | 'log';
  choices?: string[];
}

export interface CurvePoint {
  step: number;
  value: number;
}

export interface TrialDTO {
  id: number;
  params: Params;
  status: TrialStatus;
  /** The trial's objective value in the metric's units, when known. */
  value?: number;
  log?: string;
  started?: string;
  finished?: string;
  /** Learning curve of the objective metric from the trial's log (downsampled). */
  curve?: CurvePoint[];
  /** Why a trial failed or diverged, when known. */
  reason?: string;
  /** The scheduler's job id (run.scheduler: slurm). */
  job?: string;
  /** Of a stopped trial: the step at which run.stopping stopped it (`value` is its value there). */
  step?: number;
  /** A running trial's process (group leader) pid, as its runner recorded it. */
  pid?: number;
  /** Of a running trial: the `hyperbo tune` that appended it (its pid), while no scheduler job is recorded. */
  runner?: number;
  /**
   * Of a running trial: run.stopping says stop it (its intermediate value at `step` was worse than the completed trials'
   * median). The runner that owns the process stops it and records the trial as stopped with these.
   */
  stop?: { step: number; value: number; reason: string };
}

export interface ExperimentSummary {
  uri: string;
  name: string;
  metric: string;
  goal: Goal;
  budget?: number;
  /** run.parallel when the file has a run.command, i.e. its trials can be launched (Tune runs this many at once). */
  parallel?: number;
  trials: { total: number; completed: number; running: number; pending: number; failed: number };
  best?: { trialId: number; value: number; params: Params };
  /** Present when the file does not parse or validate; the last good state is still served. */
  errors?: number;
}

export interface Suggestion {
  params: Params;
  /** Predicted objective in the metric's units, and its standard deviation. */
  predictedMean: number;
  predictedSd: number;
  acquisition: number;
  /** Per-parameter signed distance from the best trial, in unit-cube coordinates (-1..1). */
  deltaFromBest?: Record<string, number>;
  /** From the space-filling design that starts a study without a prior, not the acquisition's maximiser. */
  initialDesign?: boolean;
}

export interface SuggestResult {
  uri: string;
  experiment: string;
  goal: Goal;
  metric: string;
  suggestions: Suggestion[];
  best?: { trialId: number; value: number; params: Params };
  /** 'pretrained' when a HyperBO prior was used, else a GP fitted to this task alone. */
  model: 'pretrained' | 'single-task';
  acquisition: string;
}

export interface Slice1D {
  param: string;
  scale: 'linear' | 'log';
  categorical?: string[];
  /** Parameter values along the slice (in the parameter's own units). */
  xs: number[];
  mean: number[];
  sd: number[];
  /** The ±2 sd band taken through the output warp (inside the metric's domain); absent from older servers. */
  lower?: number[];
  upper?: number[];
  acquisition: number[];
  /** The pre-trained (or fitted) prior before conditioning on this task, when requested. */
  priorMean?: number[];
  priorSd?: number[];
  priorLower?: number[];
  priorUpper?: number[];
}

export interface Contour2D {
  x: string;
  y: string;
  xs: number[];
  ys: number[];
  /** Row-major: mean[j][i] at (xs[i], ys[j]). */
  mean: number[][];
  sd: number[][];
  acquisition: number[][];
}

export interface PosteriorResult {
  uri: string;
  metric: string;
  goal: Goal;
  parameters: ParameterInfo[];
  /** The point the slices pass through. */
  anchor: Params;
  anchorKind: 'best' | 'suggested';
  slices: Slice1D[];
  contour?: Contour2D;
  observations: { trialId: number; params: Params; value: number }[];
}

export interface TrialHistoryResult {
  uri: string;
  experiment: string;
  metric: string;
  goal: Goal;
  parameters: ParameterInfo[];
  trials: TrialDTO[];
}

export interface ProvenanceResult {
  uri: string;
  model: 'pretrained' | 'single-task';
  objective?: PretrainObjectiveKind;
  /** 'estimated': pre-training took each training task about its own level (the restricted likelihood). */
  trainingLevel?: 'fixed' | 'estimated';
  mean: string;
  /** Kernel kind ('se', 'matern32', 'matern52'). */
  kernel: string;
  /** True when the kernel acts on the learnt MLP's features rather than on the raw inputs. */
  kernelOnFeatures: boolean;
  /**
   * Tasks the prior learned from and how many points each had; with 3 or more completed trials, how many pairs of
   * them each task orders the same way (its values or the prior conditioned on them), when the prior kept the data.
   */
  tasks: { name: string; source: string; points: number; agreement?: { pairs: number; concordant: number } }[];
  matchedGroups: number;
  finalLoss?: number;
  trainedAt?: string;
  cacheKey?: string;
  /** Named constrained hyperparameters, e.g. lengthscales, signal and noise variance. */
  hyperparameters: Record<string, number | number[]>;
  /** Fit on this task's completed trials: leave-one-out style predictive log-likelihood and RMSE in metric units. */
  heldOut?: { points: number; meanLogLik: number; rmse: number };
  /**
   * Pre-trained prior only: its leave-one-out log-likelihood on this task's completed trials against a single-task
   * GP's (engine Study.priorCheck); 'dropped' means negative transfer (the prior mispredicts this task).
   */
  priorCheck?: { points: number; priorLogLik: number; priorMeanZ2?: number; singleTaskLogLik: number; verdict: 'kept' | 'dropped' };
  /** What the GP sees of this task's values (docs/experiment-format.md, Output rule), fitted on its completed trials. */
  output?: OutputRuleDTO;
  /** Pre-trained prior only: where its training data lie in each parameter; absent for a prior made before it was kept. */
  coverage?: CoverageRowDTO[];
}

/** One parameter of a pre-trained prior's space against what its training data measured (engine coverage.ts). */
export interface CoverageRowDTO {
  name: string;
  categorical: boolean;
  /** Numbers: [low, high]; categorical: its choices. */
  space: ParamValue[];
  /** What the training data measured: [low, high], or the choices tried. */
  measured: ParamValue[];
  /** Where the space reaches past the data here, in shared/coverage's words; absent when it does not. */
  gap?: string;
}

/** The output rule a study applies and what it found in the task's completed results (engine summarizeOutputRule). */
export interface OutputRuleDTO {
  goal: Goal;
  warp: 'none' | 'log' | 'log1m';
  tails: 'auto' | 'half-rank' | 'none';
  normalization: 'none' | 'standardize' | 'robust' | 'copula';
  /** Completed results the rule was fitted on. */
  values: number;
  /** Of those, how many it treats as infeasible. */
  infeasible: number;
  /** True when the worse half was half-rank warped. */
  halfRank: boolean;
}

/** A text edit in LSP coordinates (0-based line/character). */
export interface TextEditDTO {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  newText: string;
}

export interface RunPlan {
  trialId: number;
  /** argv[0] and its arguments, placeholders substituted; never joined into a shell string. */
  command: string[];
  cwd: string;
  env?: Record<string, string>;
  /** Absolute path where the trial's log is expected. */
  logPath: string;
  /** True when the command writes the log itself; otherwise the runner captures stdout/stderr there. */
  commandWritesLog: boolean;
  parallel: number;
  /** run.scheduler: a local process, or a Slurm batch job. */
  scheduler: 'local' | 'slurm';
  /** run.sbatch options, placeholders substituted (scheduler slurm). */
  sbatch: string[];
  /** The experiment's name (for job names). */
  experiment: string;
  /** The job id the trial records (scheduler slurm): a runner re-attaches to it. */
  job?: string;
  /** The run's id (`${run}` in run.log and run.command): a new run records it in the trial as it starts. */
  run?: string;
}
