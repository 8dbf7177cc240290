// Ask/tell BO over a search space with a frozen pre-trained prior, or a single-task GP re-fitted
// whenever the observations change.
//
// Failed and diverged trials:
// - 'failed' (crash, infrastructure): excluded from the model; the configuration may be suggested again.
// - 'diverged' (the training itself blew up): by default a stand-in value is used at that point so the model learns
//   to avoid the region ('worst'): the worst completed value so far, in model units, and with a prior no better than
//   one prior sd below the prior's mean there, at the task's level when that is estimated (the worst of a few good
//   results is itself good); before any result, 3 prior sd below its mean (no prior: −3). With 'exclude' it is
//   ignored like a failure.
// - 'stopped' (run.stopping ended the run early at a step where its curve was worse than the completed runs'
//   median): its value at that step is a censored result. The curve (best so far) only improves, so the run would
//   have ended at least that well; and a value logged early in training is not comparable with final values (an
//   early loss is far above any finished run's). So it enters the model as max(its value, the worst completed
//   value) in model units: at least as good as it stood when stopped, never counted worse than the worst finished
//   run (a diverged run's treatment is the floor). Like completed values it is kept at a distance by excludeTried,
//   but it does not fit the output rule (completed values only). Without a completed value, or with a value the
//   output rule cannot take, it is treated as diverged.
// A non-finite or out-of-domain value passed to tell() is recorded as failed and never reaches the GP. A finite value
// the output rule's robust tails call infeasible (warp.ts: absurdly far below the task's median, e.g. a cross-entropy
// of 1e162) stays recorded as completed but enters the model like a diverged run.
import {
  DEFAULT_UCB_BETA,
  acquisitionTarget,
  acquisitionValue,
  isAdmissible,
  maximizeOverCandidates,
  maximizeOverUnitCube,
  validateAcquisition,
  type AcquisitionOptions,
  type BatchPredictor,
  type ProximityExclusion,
} from './acquisition';
import type { ConditioningCache } from './conditioning';
import { condition, meanHasShape, type Level, type Posterior } from './model';
import { createRng, HaltonSequence, type SeededRng } from './rng';
import { fitSingleTask, type SingleTaskFit } from './singleTask';
import { DEFAULT_MAX_FIT_OBSERVATIONS, DEFAULT_MAX_MODEL_OBSERVATIONS, selectObservations } from './subset';
import {
  checkTransfer,
  combineTransfer,
  taskAgreement,
  transferCandidates,
  transferTaskScores,
  type TaskAgreement,
  type TransferMean,
  type TransferSpread,
  type TransferTask,
} from './transfer';
import type { Config, ParamValue, SearchSpace } from './space';
import { EngineError, type ModelSpec, type Points } from './types';
import {
  applyOutput,
  defaultOutputSpec,
  fitOutputTransform,
  invertPrediction,
  outputWithOverrides,
  type OutputOverrides,
  type OutputSpec,
  type OutputTransform,
} from './warp';

export type TrialStatus = 'pending' | 'completed' | 'failed' | 'diverged' | 'stopped';
export type DivergedPolicy = 'worst' | 'exclude';
export type Adaptation = 'held-out' | 'none';

/** The held-out check of the prior starts with this many completed trials. */
export const HELD_OUT_MIN = 6;
/** It looks at the latest this-many completed trials (leave-one-out within them), so its cost stays bounded. */
export const HELD_OUT_WINDOW = 40;
/** Results a task-agreement count looks at, the latest (its pairs grow with the square). */
export const AGREEMENT_WINDOW = 200;
/** The prior is dropped when the single-task GP's mean held-out log-likelihood beats it by more than this (nats/point). */
export const HELD_OUT_MARGIN = 0.25;
/**
 * ... and only when the prior's mean squared standardised leave-one-out error exceeds this (1 when its predicted
 * spread is right; 4: errors twice the sd it claims).
 */
export const HELD_OUT_MAX_MEAN_Z2 = 4;

/** The latest held-out check of the prior (Study.priorCheck), for the Prior Provenance panel. */
export interface PriorCheck {
  /** Completed trials the check used. */
  readonly points: number;
  /** Mean leave-one-out log predictive density (model units) of the frozen prior and of a single-task GP. */
  readonly priorLogLik: number;
  readonly singleTaskLogLik: number;
  /** The prior's mean squared standardised leave-one-out error (about 1 when its predicted spread is right). */
  readonly priorMeanZ2: number;
  /** 'kept': the prior predicts this task at least about as well; 'dropped': negative transfer, the single-task GP is used. */
  readonly verdict: 'kept' | 'dropped';
}

export interface Trial {
  readonly id: number;
  readonly config: Record<string, ParamValue>;
  status: TrialStatus;
  value?: number;
}

export interface StudyPrior {
  readonly spec: ModelSpec;
  readonly theta: Float64Array;
  /** Number of training tasks; when ≥ 2 the predictive variance gets the paper's N/(N−1) factor. */
  readonly numTrainingTasks?: number;
  /**
   * The training tasks' data (transfer.ts). When given, a suggestion made before the study holds any result is the
   * candidate with the best transfer score (the training tasks' pessimistic average) instead of the prior mean's
   * argmax, which extrapolates where no training task measured anything. Continuous spaces choose among the
   * training tasks' configurations.
   */
  readonly transfer?: readonly TransferTask[];
}

// DEFAULT_UCB_BETA (UCB's β when none is given) lives in acquisition.ts, the one place that applies it.
export { DEFAULT_UCB_BETA };

/** At most this many pending trials enter a suggestion's model as kriging believers (the latest ones). */
export const MAX_BELIEVERS = 64;
/**
 * A diverged run's stand-in is at most this many prior sd below the prior's mean there once a result is measured
 * (with the worst completed value as its ceiling; bench/README.md, "Diverged runs"), and this many before any result.
 */
export const DIVERGED_SD_BELOW = 1;
export const PRIOR_ONLY_DIVERGED_SD = 3;
/** The level a stand-in sits at is estimated from at most this many measured results. */
const STAND_IN_LEVEL_POINTS = 64;

export interface StudyOptions {
  readonly space: SearchSpace;
  /** How metric values become model y; the prior must have been trained with the same rule. */
  readonly output: OutputSpec;
  /** Frozen pre-trained prior; without it a single-task GP is fitted on the study's own data. */
  readonly prior?: StudyPrior;
  /** Default UCB; a UCB without β gets DEFAULT_UCB_BETA. */
  readonly acquisition?: AcquisitionOptions;
  /** Optional finite pool of configurations to choose from (e.g. a pre-evaluated table). */
  readonly candidates?: readonly Config[];
  /**
   * Never suggest a configuration that was already tried. From a pool: no member with any trial. On a
   * continuous space: nothing within minimumSeparation (1 % of the unit-cube diagonal over the float
   * parameters) of a completed, diverged or pending trial with the same integer and categorical values
   * (failed configurations may be retried). Default true.
   */
  readonly excludeTried?: boolean;
  readonly divergedPolicy?: DivergedPolicy;
  /**
   * With a prior: 'held-out' checks the frozen prior on the study's own completed trials before each suggestion
   * (leave-one-out predictive log-likelihood on the latest HELD_OUT_WINDOW of them, once there are HELD_OUT_MIN) against
   * a single-task GP fitted to the same trials, and drops the prior for that GP when the prior predicts worse by more
   * than HELD_OUT_MARGIN nats per point while its own errors exceed its predicted spread (mean z² above
   * HELD_OUT_MAX_MEAN_Z2; negative transfer); 'none' keeps the prior frozen whatever happens.
   */
  readonly adaptation?: Adaptation;
  /**
   * With a prior: the new task's level relative to the learnt mean (model.ts ConditionOptions). 'auto' (default):
   * estimated when the mean has a shape (linear or on features), since a study's own normalisation of a few results
   * chosen by BO does not put them at the training tasks' level; fixed for a constant mean, which is all that prior
   * knows (bench/EXPERIMENTS.md, "The new task's level").
   */
  readonly level?: Level | 'auto';
  /**
   * Continuous spaces without a prior: the first this-many trials (counting every trial the study holds) are
   * points of a scrambled Halton design, so the single-task GP starts from points spread over the space, not
   * from the corners where its variance is largest. Default defaultInitialDesign(dim, hasPrior).
   */
  readonly initialDesign?: number;
  /**
   * Above this many observations the GP conditions on a subset of this size (subset.ts: the best, the latest and a
   * space-filling cover of the rest) so a suggestion's cost stops growing with the trials. Default
   * DEFAULT_MAX_MODEL_OBSERVATIONS (512).
   */
  readonly maxModelObservations?: number;
  /**
   * Without a prior: the single-task GP's hyperparameters are fitted on at most this many of the observations (the
   * same kind of subset, from one start instead of four above it). Default DEFAULT_MAX_FIT_OBSERVATIONS (100).
   */
  readonly maxFitObservations?: number;
  readonly seed?: number;
  /** The transfer score's κ and mean (transfer.ts; defaults TRANSFER_KAPPA, TRANSFER_MEAN), for measuring them. */
  readonly transferScore?: { readonly kappa?: number; readonly mean?: TransferMean; readonly spread?: TransferSpread; readonly exact?: boolean };
  /**
   * The model kept from an earlier version of the same trials (conditioning.ts): its posterior is extended by
   * appended observations instead of refactored, its subset and (above FROZEN_FIT_MIN) its single-task fit are kept.
   */
  readonly conditioning?: ConditioningCache;
}

/** Space-filling starts without a prior: d + 1 (at least 3, at most 10); none with a pre-trained prior. */
export function defaultInitialDesign(dim: number, hasPrior: boolean): number {
  return hasPrior ? 0 : Math.min(10, Math.max(3, dim + 1));
}

export interface Suggestion {
  readonly trialId: number;
  readonly config: Record<string, ParamValue>;
  /** Predicted metric value (inverse-warped posterior mean) and an ±1 sd interval in metric units. */
  readonly predicted: { value: number; sd: number; low: number; high: number };
  /** Posterior mean and sd in model units (maximised, warped, normalised). */
  readonly model: { mean: number; sd: number };
  readonly acquisition: number;
  /** What the prediction rests on: the frozen pre-trained prior, a single-task GP fitted to this
   * study's results, or (with < 2 results and no prior) the single-task GP's default prior. */
  readonly basis: 'pretrained-prior' | 'single-task-gp' | 'default-prior';
  /** Index into the candidate pool when one was given. */
  readonly candidateIndex?: number;
  /** True for a point of the initial space-filling design rather than the acquisition's maximiser. */
  readonly initialDesign?: boolean;
  /** Set when the model conditioned on a subset of the observations (more than maxModelObservations). */
  readonly subset?: { readonly used: number; readonly of: number };
  /** True for a pick made before any result, by the training tasks' transfer score (`acquisition` is that score). */
  readonly transfer?: boolean;
}

export type TellResult = number | { status: 'failed' | 'diverged' } | { status: 'stopped'; value?: number };

export class Study {
  readonly space: SearchSpace;
  readonly output: OutputSpec;
  readonly acquisition: AcquisitionOptions;
  private readonly prior: StudyPrior | undefined;
  private readonly pool: Points | undefined;
  private readonly poolConfigs: Record<string, ParamValue>[] | undefined;
  private readonly excludeTried: boolean;
  private readonly divergedPolicy: DivergedPolicy;
  private readonly rng: SeededRng;
  private readonly seed: number;
  private readonly initialDesign: number;
  private readonly trialList: Trial[] = [];
  private readonly trialById = new Map<number, Trial>();
  /** Pending trials by configKey, so telling the result of a configuration does not scan every trial. */
  private readonly pendingByKey = new Map<string, Trial[]>();
  private nextId = 1;
  private readonly maxModelObservations: number;
  private readonly maxFitObservations: number;
  private singleTaskCache: { key: string; fit: SingleTaskFit } | undefined;
  private posteriorCache: { key: string; posterior: Posterior } | undefined;
  private subsetCache: { key: string; used: { x: Points; y: Float64Array } } | undefined;
  private readonly adaptation: Adaptation;
  private readonly level: Level;
  private checkCache: { key: string; check: PriorCheck; fit: SingleTaskFit } | undefined;
  private transferCache: { x: Points; parts: { z: Float64Array[]; variance: Float64Array[] } } | undefined;
  private readonly transferScore: { readonly kappa?: number; readonly mean?: TransferMean; readonly spread?: TransferSpread; readonly exact?: boolean };
  private readonly conditioning: ConditioningCache | undefined;

  constructor(options: StudyOptions) {
    this.space = options.space;
    this.output = options.output;
    const acquisition = options.acquisition ?? { kind: 'ucb' };
    this.acquisition = acquisition.kind === 'ucb' && acquisition.beta === undefined ? { ...acquisition, beta: DEFAULT_UCB_BETA } : acquisition;
    validateAcquisition(this.acquisition);
    fitOutputTransform([], options.output); // validates the output spec
    this.prior = options.prior;
    if (this.prior && this.prior.spec.dim !== this.space.dim) {
      throw new EngineError(
        `The prior was trained on ${this.prior.spec.dim} inputs but the search space has ${this.space.dim} parameters.`,
      );
    }
    if (this.prior?.transfer) checkTransfer(this.prior.transfer, this.space.dim);
    this.transferScore = options.transferScore ?? {};
    this.conditioning = options.conditioning;
    this.excludeTried = options.excludeTried ?? true;
    this.divergedPolicy = options.divergedPolicy ?? 'worst';
    this.adaptation = options.adaptation ?? 'held-out';
    const level = options.level ?? 'auto';
    if (level !== 'auto' && level !== 'fixed' && level !== 'estimated') throw new EngineError(`Unknown level "${level}"; use auto, fixed or estimated.`);
    this.level = level !== 'auto' ? level : options.prior && meanHasShape(options.prior.spec) ? 'estimated' : 'fixed';
    if (this.adaptation !== 'held-out' && this.adaptation !== 'none') {
      throw new EngineError(`Unknown adaptation "${this.adaptation}"; use held-out or none.`);
    }
    if (this.divergedPolicy !== 'worst' && this.divergedPolicy !== 'exclude') {
      throw new EngineError(`Unknown diverged policy "${this.divergedPolicy}"; use worst or exclude.`);
    }
    this.seed = options.seed ?? 0;
    this.rng = createRng(this.seed);
    this.initialDesign = options.initialDesign ?? defaultInitialDesign(this.space.dim, this.prior !== undefined);
    if (!Number.isInteger(this.initialDesign) || this.initialDesign < 0) {
      throw new EngineError(`initialDesign must be a whole number ≥ 0, got ${options.initialDesign}.`);
    }
    this.maxModelObservations = options.maxModelObservations ?? DEFAULT_MAX_MODEL_OBSERVATIONS;
    this.maxFitObservations = options.maxFitObservations ?? DEFAULT_MAX_FIT_OBSERVATIONS;
    for (const [name, v] of [['maxModelObservations', this.maxModelObservations], ['maxFitObservations', this.maxFitObservations]] as const) {
      if (!Number.isInteger(v) || v < 2) throw new EngineError(`${name} must be a whole number ≥ 2, got ${v}.`);
    }
    if (options.candidates) {
      if (options.candidates.length === 0) throw new EngineError('The candidate pool is empty.');
      this.poolConfigs = options.candidates.map((c) => this.space.fromUnit(this.space.toUnit(c)));
      this.pool = this.space.encode(options.candidates);
    }
  }

  get trials(): readonly Trial[] {
    return this.trialList;
  }

  /** Registers a trial that is already running (e.g. launched outside the study). */
  addPending(config: Config): Trial {
    return this.addTrial(config, 'pending');
  }

  /** Records a finished trial that the study did not suggest, or the result of a suggested one. */
  tell(trialOrConfig: number | Config, result: TellResult): Trial {
    let trial: Trial | undefined;
    if (typeof trialOrConfig === 'number') {
      trial = this.trialById.get(trialOrConfig);
      if (!trial) throw new EngineError(`No trial with id ${trialOrConfig}.`);
    } else {
      this.space.toUnit(trialOrConfig); // validates
      trial = this.pendingByKey.get(this.configKey(trialOrConfig))?.find((t) => t.status === 'pending');
      trial ??= this.addTrial(trialOrConfig, 'pending');
    }
    if (trial.status === 'pending') this.forgetPending(trial);
    if (typeof result === 'number') {
      const y = applyOutput(fitOutputTransform([], this.output), result);
      if (!Number.isFinite(result) || !Number.isFinite(y)) {
        trial.status = 'failed';
        trial.value = undefined;
      } else {
        trial.status = 'completed';
        trial.value = result;
      }
    } else if (result && (result.status === 'failed' || result.status === 'diverged')) {
      trial.status = result.status;
      trial.value = undefined;
    } else if (result && result.status === 'stopped') {
      trial.status = 'stopped';
      trial.value = result.value !== undefined && Number.isFinite(result.value) ? result.value : undefined;
    } else {
      throw new EngineError('tell() needs a finite metric value or { status: "failed" | "diverged" | "stopped" }.');
    }
    return trial;
  }

  /** The output transform fitted on the completed values (per-task normalisation). */
  outputTransform(): OutputTransform {
    return fitOutputTransform(
      this.trialList.filter((t) => t.status === 'completed').map((t) => t.value!),
      this.output,
    );
  }

  /**
   * Observations the model conditions on: unit-cube x and model-unit y (never NaN), and whether any of them is a
   * measured result (not only diverged runs' stand-in values).
   */
  observations(): { x: Points; y: Float64Array; transform: OutputTransform; measured: boolean } {
    const transform = this.outputTransform();
    const rows: Float64Array[] = [];
    const ys: number[] = [];
    const completed = this.trialList.filter((t) => t.status === 'completed');
    let worst = Number.POSITIVE_INFINITY;
    // A completed value the output rule calls infeasible (e.g. a loss of 1e162) counts as a diverged run.
    const diverged: Float64Array[] = [];
    for (const t of completed) {
      const y = applyOutput(transform, t.value!);
      if (!Number.isFinite(y)) {
        diverged.push(this.space.toUnit(t.config));
        continue;
      }
      rows.push(this.space.toUnit(t.config));
      ys.push(y);
      worst = Math.min(worst, y);
    }
    for (const t of this.trialList) if (t.status === 'diverged') diverged.push(this.space.toUnit(t.config));
    // Stopped runs: censored at their value when stopped, raised to the worst completed value (see the top).
    for (const t of this.trialList) {
      if (t.status !== 'stopped') continue;
      const y = t.value === undefined ? NaN : applyOutput(transform, t.value);
      if (!Number.isFinite(y) || !Number.isFinite(worst)) {
        diverged.push(this.space.toUnit(t.config));
        continue;
      }
      rows.push(this.space.toUnit(t.config));
      ys.push(Math.max(y, worst));
    }
    if (this.divergedPolicy === 'worst' && diverged.length > 0) {
      const fill = this.divergedFill(diverged, worst, rows, ys);
      for (let i = 0; i < diverged.length; i++) {
        rows.push(diverged[i]!);
        ys.push(fill[i]!);
      }
    }
    return { x: stack(rows, this.space.dim), y: Float64Array.from(ys), transform, measured: Number.isFinite(worst) };
  }

  /**
   * Model values standing in for diverged runs at unit points u. With a completed result: the worst completed value,
   * and with a prior no better than DIVERGED_SD_BELOW prior sd below the prior's mean there, at the task's level when
   * it is estimated (the worst of one or two good results is itself good, and a run that blew up must not read as a
   * good result, on a task above or below the training tasks' level alike). Before any result:
   * PRIOR_ONLY_DIVERGED_SD sd below the prior's mean, so the next suggestion moves away.
   */
  private divergedFill(diverged: readonly Float64Array[], worst: number, measuredX: readonly Float64Array[], measuredY: readonly number[]): Float64Array {
    const fill = new Float64Array(diverged.length).fill(worst);
    if (!this.prior) {
      if (!Number.isFinite(worst)) fill.fill(-PRIOR_ONLY_DIVERGED_SD);
      return fill;
    }
    const { spec, theta } = this.prior;
    const d = this.space.dim;
    const empty = condition(spec, theta, { n: 0, d, data: new Float64Array(0) }, new Float64Array(0));
    const p = empty.predict(stack(diverged, d), { includeNoise: false });
    const sds = Number.isFinite(worst) ? DIVERGED_SD_BELOW : PRIOR_ONLY_DIVERGED_SD;
    const level = Number.isFinite(worst) && this.level === 'estimated' ? this.measuredLevel(measuredX, measuredY) : 0;
    for (let i = 0; i < fill.length; i++) fill[i] = Math.min(worst, p.mean[i]! + level - sds * Math.sqrt(p.variance[i]!));
    return fill;
  }

  /**
   * The task's level estimated from its measured results alone (not from stand-ins, which would pull it down), on at
   * most STAND_IN_LEVEL_POINTS of them, the latest: one number, so a bounded GLS keeps observations() cheap at
   * thousands of trials.
   */
  private measuredLevel(x: readonly Float64Array[], y: readonly number[]): number {
    const { spec, theta } = this.prior!;
    const latest = Math.max(0, x.length - STAND_IN_LEVEL_POINTS);
    return condition(spec, theta, stack(x.slice(latest), this.space.dim), Float64Array.from(y.slice(latest)), { level: 'estimated' }).level;
  }

  /** Suggests n configurations; each becomes a pending trial. Batches use the kriging believer. */
  ask(n = 1): Suggestion[] {
    if (!Number.isInteger(n) || n < 1) throw new EngineError(`ask() needs a positive whole number, got ${n}.`);
    const obs = this.observations();
    const target = acquisitionTarget(this.acquisition, obs.y);
    const used = this.modelObservations(obs);
    const model = this.modelFor(used.x, used.y, obs.measured);
    const subset = used.x.n < obs.x.n ? { used: used.x.n, of: obs.x.n } : undefined;
    // Pending trials enter as believers: y = posterior mean given everything before them (one more row of the
    // Cholesky factor each, not a refactorisation).
    let posterior = model.condition(used.x, used.y);
    const addBeliever = (u: Float64Array): void => {
      const p = posterior.predict({ n: 1, d: u.length, data: u }, { includeNoise: false });
      posterior = posterior.withObservation(u, p.mean[0]!);
    };
    // The latest MAX_BELIEVERS pending trials (running ones are the newest; older ones are mostly recorded failures):
    // each costs a row of the factor, and every pending trial is kept at a distance by excludeTried anyway.
    const pending = this.trialList.filter((t) => t.status === 'pending');
    for (const t of pending.slice(-MAX_BELIEVERS)) addBeliever(this.space.toUnit(t.config));

    const out: Suggestion[] = [];
    for (let k = 0; k < n; k++) {
      const current = posterior;
      const predict: BatchPredictor = (x) =>
        current.predict(x, { includeNoise: true, varianceScale: model.varianceFactor });
      let u: Float64Array;
      let value: number;
      let mean: number;
      let sd: number;
      let candidateIndex: number | undefined;
      let fromDesign = false;
      const transferred = obs.x.n === 0 ? this.transferPick() : undefined;
      if (transferred) {
        ({ u, candidateIndex, value } = transferred);
        const p = predict({ n: 1, d: u.length, data: u });
        mean = p.mean[0]!;
        sd = Math.sqrt(Math.max(0, p.variance[0]!));
      } else if (this.pool) {
        const exclude = this.excludeTried ? this.triedPoolIndices() : undefined;
        const best = maximizeOverCandidates(predict, this.pool, this.acquisition, target, exclude);
        if (best.index < 0) throw new EngineError('Every configuration in the candidate pool has already been tried.');
        candidateIndex = best.index;
        u = this.pool.data.slice(best.index * this.space.dim, (best.index + 1) * this.space.dim);
        ({ value, mean, sd } = best);
      } else {
        const designed = this.nextDesignPoint();
        if (designed) {
          u = designed;
          const p = predict({ n: 1, d: u.length, data: u });
          mean = p.mean[0]!;
          sd = Math.sqrt(Math.max(0, p.variance[0]!));
          value = acquisitionValue(this.acquisition, mean, sd, target);
          fromDesign = true;
        } else {
          ({ x: u, value, mean, sd } = this.maximizeAcquisition(predict, current, model.varianceFactor, obs, target));
        }
      }
      if (!Number.isFinite(mean) || !Number.isFinite(sd)) {
        throw new EngineError('The model produced a non-finite prediction; the observations may be degenerate.');
      }
      // Continuous suggestions are rounded for people (four digits); pool members stay exactly as given.
      const config = candidateIndex !== undefined ? { ...this.poolConfigs![candidateIndex]! } : this.space.tidy(this.space.fromUnit(u));
      const trial = this.addTrial(config, 'pending');
      out.push({
        trialId: trial.id,
        config,
        predicted: invertPrediction(obs.transform, mean, sd),
        model: { mean, sd },
        acquisition: value,
        basis: this.prior && this.checkCache?.check.verdict !== 'dropped' ? 'pretrained-prior' : obs.x.n >= 2 ? 'single-task-gp' : 'default-prior',
        candidateIndex,
        ...(fromDesign ? { initialDesign: true } : {}),
        ...(subset ? { subset } : {}),
        ...(transferred ? { transfer: true } : {}),
      });
      if (k + 1 < n) addBeliever(this.space.toUnit(config));
    }
    return out;
  }

  /**
   * Before any result: the untried candidate (pool member, or training configuration on a continuous space) with the
   * best transfer score; undefined without transfer data or when every candidate has been tried.
   */
  private transferPick(): { u: Float64Array; candidateIndex?: number; value: number } | undefined {
    const parts = this.transferParts();
    if (!parts) return undefined;
    const dim = this.space.dim;
    const x = parts.x;
    const score = combineTransfer(parts.parts, this.transferScore);
    const triedPool = this.pool && this.excludeTried ? this.triedPoolIndices() : undefined;
    const tried = !this.pool && this.excludeTried ? this.triedPoints() : undefined;
    const order = Array.from({ length: x.n }, (_, i) => i).sort((a, b) => score[b]! - score[a]! || a - b);
    for (const i of order) {
      if (!Number.isFinite(score[i]!)) break;
      if (triedPool?.has(i)) continue;
      const u = x.data.slice(i * dim, (i + 1) * dim);
      if (tried && !isAdmissible(u, tried, dim)) continue;
      return { u, ...(this.pool ? { candidateIndex: i } : {}), value: score[i]! };
    }
    return undefined;
  }

  /** Each training task's transfer parts at the candidates (the pool, or the training configurations), computed once. */
  private transferParts(): { x: Points; parts: { z: Float64Array[]; variance: Float64Array[] } } | undefined {
    const tasks = this.prior?.transfer;
    if (!this.prior || !tasks || tasks.length === 0) return undefined;
    const dim = this.space.dim;
    if (!this.transferCache) {
      let x: Points;
      if (this.pool) x = this.pool;
      else {
        // Training configurations as this space represents them (integers and categories snapped).
        const raw = transferCandidates(tasks);
        const data = new Float64Array(raw.n * dim);
        for (let i = 0; i < raw.n; i++) data.set(this.space.snapUnit(raw.data.slice(i * dim, (i + 1) * dim)), i * dim);
        x = { n: raw.n, d: dim, data };
      }
      this.transferCache = { x, parts: transferTaskScores(this.prior.spec, this.prior.theta, tasks, x, this.transferScore) };
    }
    return this.transferCache;
  }

  /** Posterior (model units, noise-free) at given configurations, for plots and explanations. */
  predict(configs: readonly Config[]): { mean: Float64Array; sd: Float64Array; metric: ReturnType<typeof invertPrediction>[] } {
    const obs = this.observations();
    const used = this.modelObservations(obs);
    const key = `${used.x.n}:${hashArray(used.x.data)}:${hashArray(used.y)}`;
    if (this.posteriorCache?.key !== key) {
      this.posteriorCache = { key, posterior: this.modelFor(used.x, used.y, obs.measured).condition(used.x, used.y) };
    }
    const p = this.posteriorCache.posterior.predict(this.space.encode(configs), { includeNoise: false });
    const sd = p.variance.map((v) => Math.sqrt(Math.max(0, v)));
    return { mean: p.mean, sd, metric: Array.from(p.mean, (m, i) => invertPrediction(obs.transform, m, sd[i]!)) };
  }

  /** The observations the GP conditions on: all of them, or a subset above maxModelObservations (subset.ts). */
  private modelObservations(obs: { x: Points; y: Float64Array }): { x: Points; y: Float64Array } {
    if (obs.x.n <= this.maxModelObservations) return obs;
    const key = `${obs.x.n}:${hashArray(obs.x.data)}:${hashArray(obs.y)}`;
    if (this.subsetCache?.key !== key) {
      const select = (): Int32Array => selectObservations(obs.x, obs.y, this.maxModelObservations);
      const indices = this.conditioning ? this.conditioning.subset(obs.x, this.maxModelObservations, select) : select();
      this.subsetCache = { key, used: pick(obs.x, obs.y, indices) };
    }
    return this.subsetCache.used;
  }

  /**
   * The GP's parameters for the current observations (the frozen prior, or the single-task fit, shared with ask and
   * predict) and how many observations it conditions on.
   */
  modelParameters(): { spec: ModelSpec; theta: Float64Array; observations: number; of: number } {
    const used = this.conditioningObservations();
    const { spec, theta } = this.parametersFor(used.x, used.y, used.measured);
    return { spec, theta, observations: used.x.n, of: used.of };
  }

  /** The observations (model units) the GP conditions on: all of them, or the subset above maxModelObservations. */
  conditioningObservations(): { x: Points; y: Float64Array; transform: OutputTransform; of: number; measured: boolean } {
    const obs = this.observations();
    return { ...this.modelObservations(obs), transform: obs.transform, of: obs.x.n, measured: obs.measured };
  }

  /**
   * The held-out check of the prior on the study's completed trials (undefined without a prior, with adaptation
   * 'none', or with fewer than HELD_OUT_MIN results).
   */
  priorCheck(): PriorCheck | undefined {
    const obs = this.observations();
    return this.checkPrior(obs.x, obs.y)?.check;
  }

  /**
   * How each training task orders this study's latest AGREEMENT_WINDOW results (engine taskAgreement), for Prior
   * Provenance; empty without a prior that kept its training tasks' data, or with fewer than 3 results.
   */
  taskAgreement(): TaskAgreement[] {
    const prior = this.prior;
    const obs = this.observations();
    if (!prior?.transfer || obs.x.n < 3) return [];
    const { x, y } = latest(obs.x, obs.y, AGREEMENT_WINDOW);
    return taskAgreement(prior.spec, prior.theta, prior.transfer, x, y);
  }

  private checkPrior(x: Points, y: Float64Array): { check: PriorCheck; fit: SingleTaskFit } | undefined {
    if (!this.prior || this.adaptation !== 'held-out' || x.n < HELD_OUT_MIN) return undefined;
    const { x: wx, y: wy } = latest(x, y, HELD_OUT_WINDOW);
    const key = `${wx.n}:${hashArray(wx.data)}:${hashArray(wy)}`;
    if (this.checkCache?.key === key) return this.checkCache;
    const { spec, theta, numTrainingTasks } = this.prior;
    const factor = numTrainingTasks && numTrainingTasks >= 2 ? numTrainingTasks / (numTrainingTasks - 1) : 1;
    const fit = fitSingleTask(wx, wy, { seed: this.seed, categories: this.space.categories() });
    const prior = leaveOneOut(spec, theta, wx, wy, factor, this.level);
    const singleTaskLogLik = leaveOneOut(fit.spec, fit.theta, wx, wy, 1, 'fixed').logLik;
    // A single-task GP fitted to the very trials it is scored on is optimistic: on a handful of similar values (a prior
    // that led straight to a good region) it claims a tiny variance and wins by nats. So the prior is dropped only when
    // its own errors are also well beyond the spread it predicts.
    const miscalibrated = prior.meanZ2 > HELD_OUT_MAX_MEAN_Z2;
    const verdict = miscalibrated && singleTaskLogLik > prior.logLik + HELD_OUT_MARGIN ? 'dropped' : 'kept';
    this.checkCache = { key, check: { points: wx.n, priorLogLik: prior.logLik, priorMeanZ2: prior.meanZ2, singleTaskLogLik, verdict }, fit };
    return this.checkCache;
  }

  private modelFor(x: Points, y: Float64Array, measured: boolean): { condition: (x: Points, y: Float64Array) => Posterior; varianceFactor: number } {
    const { spec, theta, varianceFactor, level } = this.parametersFor(x, y, measured);
    const conditioning = this.conditioning;
    const options = { level };
    return { condition: (px, py) => (conditioning ? conditioning.condition(spec, theta, px, py, options) : condition(spec, theta, px, py, options)), varianceFactor };
  }

  /** The frozen prior, or the single-task GP when there is none or the held-out check dropped it. */
  private parametersFor(x: Points, y: Float64Array, measured: boolean): { spec: ModelSpec; theta: Float64Array; varianceFactor: number; level: Level } {
    const checked = this.checkPrior(x, y);
    if (checked?.check.verdict === 'dropped') {
      // Negative transfer: the single-task GP, refitted on all the study's data (the check fitted only its window).
      const fit = x.n > HELD_OUT_WINDOW ? this.singleTaskFit(x, y) : checked.fit;
      return { spec: fit.spec, theta: fit.theta, varianceFactor: 1, level: 'fixed' };
    }
    if (this.prior) {
      const { spec, theta, numTrainingTasks } = this.prior;
      const factor = numTrainingTasks && numTrainingTasks >= 2 ? numTrainingTasks / (numTrainingTasks - 1) : 1;
      // The level is read off measured results only: diverged runs are stand-in values (3 sd below the prior before
      // any result), which an estimated level would absorb, and the region that diverged would look as good as any.
      return { spec, theta, varianceFactor: factor, level: measured ? this.level : 'fixed' };
    }
    const fit = this.singleTaskFit(x, y);
    return { spec: fit.spec, theta: fit.theta, varianceFactor: 1, level: 'fixed' };
  }

  private singleTaskFit(x: Points, y: Float64Array): SingleTaskFit {
    const key = `${x.n}:${hashArray(x.data)}:${hashArray(y)}`;
    if (!this.singleTaskCache || this.singleTaskCache.key !== key) {
      const seed = this.rng.nextUint32();
      // Studies built afresh for the same data (the editor's code lens, then a hover) share one fit.
      // The space's shape too (its categorical parameters): with no observations the data hashes alike whatever the space.
      const categories = this.space.categories();
      const fitKey = `${categories.join(',')}:${seed}:${this.maxFitObservations}`;
      const sharedKey = `${fitKey}:${key}`;
      const compute = (): SingleTaskFit => {
        let fit = sharedFits.get(sharedKey);
        if (!fit) {
          if (x.n <= this.maxFitObservations) fit = fitSingleTask(x, y, { seed, categories });
          else {
            const fitOn = pick(x, y, selectObservations(x, y, this.maxFitObservations));
            fit = fitSingleTask(fitOn.x, fitOn.y, { seed, restarts: 0, categories });
          }
          sharedFits.set(sharedKey, fit);
          if (sharedFits.size > SHARED_FITS) sharedFits.delete(sharedFits.keys().next().value!);
        }
        return fit;
      };
      const fit = this.conditioning ? this.conditioning.singleTaskFit(x, fitKey, compute) : compute();
      this.singleTaskCache = { key, fit };
    }
    return this.singleTaskCache.fit;
  }

  /** The acquisition's maximiser over the unit cube, refined by gradient, away from tried points. */
  private maximizeAcquisition(
    predict: BatchPredictor,
    posterior: Posterior,
    varianceFactor: number,
    obs: { x: Points; y: Float64Array },
    target: number,
  ): { x: Float64Array; value: number; mean: number; sd: number } {
    const incumbents = topPoints(obs.x, obs.y, 5);
    // Tried points are excluded for every acquisition, not only PI: tuning runs are usually
    // deterministic (seeded training, table look-ups), so a repeat (which PI, and EI under a noisy
    // prior, converge to at the incumbent) teaches nothing; a point the minimum distance away still
    // refines the same neighbourhood, and for a noisy objective is nearly as informative as a replicate.
    return maximizeOverUnitCube(predict, this.space.dim, this.acquisition, target, {
      rng: this.rng,
      incumbents,
      gradient: (x) => posterior.predictWithGradient(x, { includeNoise: true, varianceScale: varianceFactor }),
      // Judge (and score) exactly what will be suggested: the tidied configuration.
      snap: (p) => this.space.snapUnit(p),
      exclude: this.excludeTried ? this.triedPoints() : undefined,
    });
  }

  /**
   * The next point of the initial design while the study holds fewer trials than its size: the first point of a
   * scrambled Halton sequence (fixed by the seed) that, once tidied, keeps the minimum distance from every trial.
   */
  private nextDesignPoint(): Float64Array | undefined {
    if (this.trialList.length >= this.initialDesign) return undefined;
    const dim = this.space.dim;
    const tried = this.triedPoints();
    const halton = new HaltonSequence(dim, createRng(this.seed + 0x5eed));
    const u = new Float64Array(dim);
    for (let i = 0; i < 16 * this.initialDesign; i++) {
      halton.nextInto(u);
      const snapped = this.space.snapUnit(u);
      if (!this.excludeTried || isAdmissible(snapped, tried, dim)) return snapped;
    }
    return undefined;
  }

  /** Unit-cube points of completed, diverged and pending trials, with the integer/categorical coordinates marked. */
  private triedPoints(): ProximityExclusion {
    const rows = this.trialList.filter((t) => t.status !== 'failed').map((t) => this.space.toUnit(t.config));
    const discreteDims = this.space.params.flatMap((p, j) => (p.type === 'float' ? [] : [j]));
    return { points: stack(rows, this.space.dim), discreteDims };
  }

  private triedPoolIndices(): Set<number> {
    const keys = new Set(this.trialList.map((t) => this.configKey(t.config)));
    const out = new Set<number>();
    this.poolConfigs!.forEach((c, i) => {
      if (keys.has(this.configKey(c))) out.add(i);
    });
    return out;
  }

  private addTrial(config: Config, status: TrialStatus): Trial {
    this.space.toUnit(config);
    const trial: Trial = { id: this.nextId++, config: { ...config }, status };
    this.trialList.push(trial);
    this.trialById.set(trial.id, trial);
    if (status === 'pending') {
      const key = this.configKey(trial.config);
      const same = this.pendingByKey.get(key);
      if (same) same.push(trial);
      else this.pendingByKey.set(key, [trial]);
    }
    return trial;
  }

  private forgetPending(trial: Trial): void {
    const key = this.configKey(trial.config);
    const same = this.pendingByKey.get(key);
    if (!same) return;
    const i = same.indexOf(trial);
    if (i >= 0) same.splice(i, 1);
    if (same.length === 0) this.pendingByKey.delete(key);
  }

  private configKey(config: Config): string {
    return this.space.names.map((n) => `${n}=${String(config[n])}`).join('&');
  }
}

/** A trial as an experiment file records it. */
export interface RecordedTrial {
  readonly params: Config;
  readonly status: 'pending' | 'running' | 'completed' | 'failed' | 'diverged' | 'stopped';
  readonly value?: number;
  /** Set by the experiment parser for a finished trial outside the search space; the model skips it. */
  readonly outsideSpace?: boolean;
}

export type RecordedStudyOptions = Omit<StudyOptions, 'output'> & {
  readonly goal: 'minimize' | 'maximize';
  /** The prior's output rule; without one the rule is chosen from the trials' completed values. */
  readonly output?: OutputSpec;
  /** The experiment's objective.warp / tails / normalize, applied to the rule chosen without a prior. */
  readonly outputOverrides?: OutputOverrides;
};

/**
 * The study for an experiment's recorded trials — one rule for the editor and the CLI. Completed results,
 * diverged runs and stopped runs (with their value at the stopping step) are told. Pending, running and failed trials enter as pending (kriging believers): a failure says
 * nothing about the metric, but re-suggesting a configuration that crashed would rerun the crash unattended
 * (the user can still rerun it by hand). Trials outside the space, or that it cannot encode, are skipped.
 */
export function studyFromRecord(options: RecordedStudyOptions, trials: readonly RecordedTrial[]): Study {
  const { goal: _goal, output: _output, outputOverrides: _overrides, ...rest } = options;
  const study = new Study({ ...rest, output: recordedOutputRule(options, trials) });
  for (const t of trials) {
    if (t.outsideSpace || !encodable(options.space, t.params)) continue;
    if (t.status === 'completed' && Number.isFinite(t.value)) study.tell(t.params, t.value!);
    else if (t.status === 'diverged') study.tell(t.params, { status: 'diverged' });
    else if (t.status === 'stopped') study.tell(t.params, { status: 'stopped', ...(t.value !== undefined ? { value: t.value } : {}) });
    else if (t.status !== 'completed') study.addPending(t.params);
  }
  return study;
}

/** The completed trials' finite values: what the output rule is fitted on. */
export function completedValues(trials: readonly Pick<RecordedTrial, 'status' | 'value'>[]): number[] {
  return trials.filter((t) => t.status === 'completed' && Number.isFinite(t.value)).map((t) => t.value!);
}

/** The output rule studyFromRecord applies: the prior's, else the default for the completed values with the experiment's overrides. */
export function recordedOutputRule(
  options: Pick<RecordedStudyOptions, 'goal' | 'output' | 'outputOverrides'>,
  trials: readonly Pick<RecordedTrial, 'status' | 'value'>[],
): OutputSpec {
  return options.output ?? outputWithOverrides(defaultOutputSpec(completedValues(trials), options.goal), options.outputOverrides);
}

/** That rule fitted on the completed values: what the model sees of each recorded result (isInfeasible, applyOutput). */
export function recordedOutputTransform(
  options: Pick<RecordedStudyOptions, 'goal' | 'output' | 'outputOverrides'>,
  trials: readonly Pick<RecordedTrial, 'status' | 'value'>[],
): OutputTransform {
  return fitOutputTransform(completedValues(trials), recordedOutputRule(options, trials));
}

function encodable(space: SearchSpace, params: Config): boolean {
  try {
    space.toUnit(params);
    return true;
  } catch {
    return false;
  }
}

/** Single-task fits shared by the studies of one process, keyed by their data, seed and fit limit. */
const sharedFits = new Map<string, SingleTaskFit>();
const SHARED_FITS = 8;

/** The last `count` observations (all of them when there are fewer). */
function latest(x: Points, y: Float64Array, count: number): { x: Points; y: Float64Array } {
  const start = Math.max(0, x.n - count);
  return { x: { n: x.n - start, d: x.d, data: x.data.slice(start * x.d) }, y: y.slice(start) };
}

function pick(x: Points, y: Float64Array, indices: Int32Array): { x: Points; y: Float64Array } {
  const d = x.d;
  const data = new Float64Array(indices.length * d);
  const values = new Float64Array(indices.length);
  indices.forEach((i, k) => {
    data.set(x.data.subarray(i * d, (i + 1) * d), k * d);
    values[k] = y[i]!;
  });
  return { x: { n: indices.length, d, data }, y: values };
}

function stack(rows: readonly Float64Array[], d: number): Points {
  const data = new Float64Array(rows.length * d);
  rows.forEach((r, i) => data.set(r, i * d));
  return { n: rows.length, d, data };
}

function topPoints(x: Points, y: Float64Array, k: number): Points {
  const order = Array.from(y, (_, i) => i).sort((a, b) => y[b]! - y[a]!).slice(0, k);
  return stack(order.map((i) => x.data.slice(i * x.d, (i + 1) * x.d)), x.d);
}

/**
 * Mean leave-one-out log predictive density of y under the GP (spec, theta), noise included, and the mean squared
 * standardised error (1 for a calibrated model).
 */
function leaveOneOut(spec: ModelSpec, theta: Float64Array, x: Points, y: Float64Array, varianceScale: number, level: Level): { logLik: number; meanZ2: number } {
  let total = 0;
  let z2 = 0;
  for (let i = 0; i < x.n; i++) {
    const rest: Points = { n: x.n - 1, d: x.d, data: new Float64Array((x.n - 1) * x.d) };
    rest.data.set(x.data.subarray(0, i * x.d), 0);
    rest.data.set(x.data.subarray((i + 1) * x.d), i * x.d);
    const restY = new Float64Array(x.n - 1);
    restY.set(y.subarray(0, i), 0);
    restY.set(y.subarray(i + 1), i);
    const p = condition(spec, theta, rest, restY, { level }).predict({ n: 1, d: x.d, data: x.data.slice(i * x.d, (i + 1) * x.d) }, { includeNoise: true, varianceScale });
    const v = Math.max(p.variance[0]!, 1e-12);
    const r = y[i]! - p.mean[0]!;
    total += -0.5 * Math.log(2 * Math.PI * v) - (r * r) / (2 * v);
    z2 += (r * r) / v;
  }
  return { logLik: total / x.n, meanZ2: z2 / x.n };
}

function hashArray(a: Float64Array): number {
  const bytes = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 16777619);
  return h >>> 0;
}
