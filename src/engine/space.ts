// Search spaces and their map to and from the unit cube the GP works in.
//
// Encoding: one unit coordinate per parameter.
// - float linear: u = (v − low)/(high − low); log: the same on log v.
// - int: the range [low − ½, high + ½] (log: [log(low − ½), log(high + ½)]) is split evenly, so every
//   integer owns an equal slice of [0, 1]; decoding rounds and clamps.
// - categorical: ordinal index; choice i owns the slice [i/k, (i+1)/k) and encodes to its centre.
//   One coordinate per parameter keeps the input dimension fixed across tasks. The order is artificial: the
//   single-task GP's kernel sees a parameter of 3 or more choices one-hot instead (ModelSpec.categories), and a
//   pre-trained prior's MLP features can learn any map of the coordinate.
// Decoded values are always inside the bounds. Encoding accepts numeric values slightly outside the
// bounds (history data) and then yields coordinates outside [0, 1], which the GP handles.
import { EngineError, type Points, type Rng } from './types';

export type Scale = 'linear' | 'log';
export type ParamValue = number | string | boolean;
export type Config = Readonly<Record<string, ParamValue>>;

export interface FloatParam {
  readonly name: string;
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly scale?: Scale;
}
export interface IntParam {
  readonly name: string;
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly scale?: Scale;
}
export interface CategoricalParam {
  readonly name: string;
  readonly type: 'categorical';
  readonly choices: readonly ParamValue[];
}
export type ParamSpec = FloatParam | IntParam | CategoricalParam;

const clamp01 = (u: number): number => (u < 0 ? 0 : u > 1 ? 1 : u);

function validateParam(p: ParamSpec): void {
  const label = `Parameter "${p.name}"`;
  if (p.type === 'categorical') {
    if (!Array.isArray(p.choices) || p.choices.length === 0) throw new EngineError(`${label} needs at least one choice.`);
    const seen = new Set<string>();
    for (const c of p.choices) {
      if (typeof c === 'number' && !Number.isFinite(c)) throw new EngineError(`${label} has a non-finite choice ${c}.`);
      const key = `${typeof c}:${String(c)}`;
      if (seen.has(key)) throw new EngineError(`${label} lists the choice ${JSON.stringify(c)} twice.`);
      seen.add(key);
    }
    return;
  }
  if (p.type !== 'float' && p.type !== 'int') {
    throw new EngineError(`${label} has unknown type "${(p as { type: unknown }).type}"; use float, int or categorical.`);
  }
  if (!Number.isFinite(p.low) || !Number.isFinite(p.high)) {
    throw new EngineError(`${label} needs finite low and high bounds, got [${p.low}, ${p.high}].`);
  }
  if (p.low > p.high) throw new EngineError(`${label} has inverted bounds: low ${p.low} > high ${p.high}.`);
  if (p.low === p.high) {
    throw new EngineError(`${label} has zero-width bounds [${p.low}, ${p.high}]; widen them or remove the parameter.`);
  }
  if (p.type === 'int' && (!Number.isInteger(p.low) || !Number.isInteger(p.high))) {
    throw new EngineError(`${label} is an int but its bounds [${p.low}, ${p.high}] are not integers.`);
  }
  const scale = p.scale ?? 'linear';
  if (scale !== 'linear' && scale !== 'log') throw new EngineError(`${label} has unknown scale "${scale}"; use linear or log.`);
  if (scale === 'log' && p.low <= 0) {
    throw new EngineError(`${label} uses a log scale, so its low bound must be > 0 (got ${p.low}).`);
  }
}

/** A validated search space; parameter order fixes the unit-cube coordinate order. */
export class SearchSpace {
  readonly params: readonly ParamSpec[];
  readonly dim: number;

  constructor(params: readonly ParamSpec[]) {
    if (!Array.isArray(params) || params.length === 0) throw new EngineError('The search space has no parameters.');
    const names = new Set<string>();
    for (const p of params) {
      if (typeof p.name !== 'string' || p.name.length === 0) throw new EngineError('Every parameter needs a non-empty name.');
      if (names.has(p.name)) throw new EngineError(`Parameter name "${p.name}" appears twice in the search space.`);
      names.add(p.name);
      validateParam(p);
    }
    this.params = params.map((p) => ({ ...p }));
    this.dim = params.length;
  }

  get names(): string[] {
    return this.params.map((p) => p.name);
  }

  /** Per parameter, its number of choices when categorical, else 0 (ModelSpec.categories). */
  categories(): number[] {
    return this.params.map((p) => (p.type === 'categorical' ? p.choices.length : 0));
  }

  /** Unit coordinate of one value of parameter j. */
  encodeValue(j: number, value: ParamValue): number {
    const p = this.params[j]!;
    if (p.type === 'categorical') {
      const idx = p.choices.findIndex((c) => c === value || (typeof c === 'number' && typeof value === 'string' && String(c) === value));
      if (idx < 0) {
        throw new EngineError(
          `Value ${JSON.stringify(value)} of "${p.name}" is not one of its choices ${JSON.stringify(p.choices)}.`,
        );
      }
      return (idx + 0.5) / p.choices.length;
    }
    const v = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (!Number.isFinite(v)) throw new EngineError(`Value ${JSON.stringify(value)} of "${p.name}" is not a finite number.`);
    const log = p.scale === 'log';
    if (log && v <= 0) throw new EngineError(`Value ${v} of "${p.name}" must be > 0 because the parameter uses a log scale.`);
    const [lo, hi] = p.type === 'int' ? [p.low - 0.5, p.high + 0.5] : [p.low, p.high];
    return log ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo);
  }

  /** Value of parameter j at unit coordinate u (clamped into [0, 1] first); always inside the bounds. */
  decodeValue(j: number, u: number): ParamValue {
    const p = this.params[j]!;
    const t = Number.isFinite(u) ? clamp01(u) : 0.5;
    if (p.type === 'categorical') return p.choices[Math.min(p.choices.length - 1, Math.floor(t * p.choices.length))]!;
    const log = p.scale === 'log';
    const [lo, hi] = p.type === 'int' ? [p.low - 0.5, p.high + 0.5] : [p.low, p.high];
    let v = log ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo);
    if (p.type === 'int') v = Math.round(v);
    return Math.min(p.high, Math.max(p.low, v));
  }

  /** Unit-cube coordinates of a configuration (throws on missing, non-finite or unknown values). */
  toUnit(config: Config): Float64Array {
    if (config === null || typeof config !== 'object') throw new EngineError('A configuration must be an object of parameter values.');
    const u = new Float64Array(this.dim);
    for (let j = 0; j < this.dim; j++) {
      const name = this.params[j]!.name;
      if (!(name in config)) throw new EngineError(`The configuration is missing parameter "${name}".`);
      u[j] = this.encodeValue(j, config[name]!);
    }
    return u;
  }

  /** Configuration at unit coordinates u (length dim); values are always inside bounds. */
  fromUnit(u: ArrayLike<number>, offset = 0): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    for (let j = 0; j < this.dim; j++) out[this.params[j]!.name] = this.decodeValue(j, u[offset + j]!);
    return out;
  }

  /**
   * The configuration with floats rounded for people: log-scale values to `digits` significant digits, linear ones
   * to `digits` significant digits of the parameter's range (so 1.4e-15 in [0, 1] becomes 0). Stays inside bounds.
   */
  tidy(config: Config, digits = 4): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = { ...config };
    for (const p of this.params) {
      const v = config[p.name];
      if (p.type !== 'float' || typeof v !== 'number' || !Number.isFinite(v)) continue;
      let r: number;
      if (p.scale === 'log') r = Number(v.toPrecision(digits));
      else {
        const step = 10 ** (Math.floor(Math.log10(p.high - p.low)) - digits);
        r = Number((Math.round(v / step) * step).toPrecision(digits + 2));
      }
      out[p.name] = Math.min(p.high, Math.max(p.low, r));
    }
    return out;
  }

  /**
   * Snaps unit coordinates to the configuration a suggestion there would be: decoded, tidied, encoded again (ints
   * and categories move to their slice centre, floats to their rounded value).
   */
  snapUnit(u: Float64Array): Float64Array {
    return this.toUnit(this.tidy(this.fromUnit(u)));
  }

  /** Whether the configuration lies within the bounds (numeric values) and choices. */
  contains(config: Config): boolean {
    try {
      const u = this.toUnit(config);
      for (let j = 0; j < this.dim; j++) {
        const p = this.params[j]!;
        if (p.type === 'categorical') continue;
        const v = Number(config[p.name]);
        if (v < p.low || v > p.high) return false;
        if (p.type === 'int' && !Number.isInteger(v)) return false;
        if (!Number.isFinite(u[j]!)) return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  /** Encodes many configurations as Points. */
  encode(configs: readonly Config[]): Points {
    const data = new Float64Array(configs.length * this.dim);
    configs.forEach((c, i) => data.set(this.toUnit(c), i * this.dim));
    return { n: configs.length, d: this.dim, data };
  }

  /** A uniformly random configuration (uniform in unit coordinates, i.e. log-uniform on log scales). */
  sample(rng: Rng): Record<string, ParamValue> {
    const u = new Float64Array(this.dim);
    for (let j = 0; j < this.dim; j++) u[j] = rng.next();
    return this.fromUnit(u);
  }

  toJSON(): ParamSpec[] {
    return this.params.map((p) => ({ ...p }));
  }
}

/** Names of the PD1 search-space parameters, in the order the model sees them. */
export const PD1_PARAM_NAMES = ['learning_rate', 'one_minus_momentum', 'lr_decay_power', 'lr_decay_steps_factor'] as const;

/**
 * The PD1 search space (HYPERBO.md §6). The PD1 column `hps.opt_hparams.momentum` stores β; the space
 * is over 1 − β on a log scale — convert with pd1Config.
 */
export const PD1_SPACE_PARAMS: readonly ParamSpec[] = [
  { name: 'learning_rate', type: 'float', low: 1e-5, high: 10, scale: 'log' },
  { name: 'one_minus_momentum', type: 'float', low: 1e-3, high: 1, scale: 'log' },
  { name: 'lr_decay_power', type: 'float', low: 0.1, high: 2, scale: 'linear' },
  { name: 'lr_decay_steps_factor', type: 'float', low: 0.01, high: 0.99, scale: 'linear' },
];

export function pd1SearchSpace(): SearchSpace {
  return new SearchSpace(PD1_SPACE_PARAMS);
}

/** A PD1 row's hyperparameters as a configuration of the PD1 space (momentum β → 1 − β). */
export function pd1Config(row: {
  initialLearningRate: number;
  momentum: number;
  power: number;
  decayStepsFactor: number;
}): Record<string, number> {
  return {
    learning_rate: row.initialLearningRate,
    one_minus_momentum: 1 - row.momentum,
    lr_decay_power: row.power,
    lr_decay_steps_factor: row.decayStepsFactor,
  };
}
