// Shapes shared across the engine. All matrices are row-major Float64Arrays with explicit sizes.

/** n points of dimension d, row-major: point i is data[i*d .. i*d+d). */
export interface Points {
  readonly n: number;
  readonly d: number;
  readonly data: Float64Array;
}

/** One task's observations at its own inputs (unmatched data). y is already warped/normalised and maximised. */
export interface Task {
  readonly name: string;
  readonly x: Points;
  readonly y: Float64Array;
}

/** Several tasks evaluated at the same n inputs (matched data): y is n×m row-major, one column per task. */
export interface MatchedGroup {
  readonly x: Points;
  readonly m: number;
  readonly y: Float64Array;
  readonly taskNames: readonly string[];
}

export interface PretrainData {
  readonly tasks: readonly Task[];
  readonly matched: readonly MatchedGroup[];
}

export type MeanKind = 'zero' | 'constant' | 'linear' | 'linear-mlp';
export type KernelKind = 'se' | 'matern32' | 'matern52';

/** Structure of a GP model; the numbers live in a flat unconstrained parameter vector. */
export interface ModelSpec {
  readonly dim: number;
  readonly mean: MeanKind;
  readonly kernel: KernelKind;
  /** When true the kernel acts on the MLP features φ(x) shared with the mean. */
  readonly kernelOnFeatures: boolean;
  /** Hidden widths of the tanh MLP φ; empty when neither mean nor kernel uses it. */
  readonly mlp: readonly number[];
  /**
   * Per input, the choice count of a categorical parameter with 3 or more choices (0 otherwise; absent: none). A kernel
   * on the inputs sees such a parameter one-hot, so every two choices are equally far apart whatever their order in
   * the list (models/categorical in model.ts). Ignored when the kernel acts on the MLP features.
   */
  readonly categories?: readonly number[];
}

export interface ValueAndGrad {
  value: number;
  grad: Float64Array;
}

/** A differentiable loss over a flat parameter vector. */
export type Objective = (theta: Float64Array) => ValueAndGrad;

/** Seeded source of randomness; every stochastic API takes one. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** Reports progress (0..1) and may ask to stop; engine loops poll `cancelled()` between steps. */
export interface Progress {
  report?(fraction: number, message?: string): void;
  cancelled?(): boolean;
}

/** Thrown for input the user can fix; the message says what and how. */
export class EngineError extends Error {
  override name = 'EngineError';
}
