// The experiment file (`*.hyperbo.yaml`): a typed model, parsing with source ranges, and validation
// with diagnostics at the offending node. Pure: text in, model + diagnostics out; never throws.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { Goal, TrialStatus } from '../shared/dto';
import type { KernelKind, MeanKind } from '../engine/types';
import { formatPath, propertySchema, itemSchema, experimentSchema, schemaTypes, type JsonType, type SchemaNode } from './experimentSchema';
import { structureOf, type YamlStructure } from './structure';
import { didYouMean, LineIndex, type OffsetRange } from './text';
import { findPlaceholders } from '../shared/placeholders';

export type { Goal, TrialStatus } from '../shared/dto';
export type { OffsetRange, Position, Range } from './text';
export { LineIndex, offsetToPosition, positionToOffset } from './text';

export type ReduceRule = 'last' | 'min' | 'max';
export type ParamValue = number | string | boolean;
export type Scale = 'linear' | 'log';
export type PriorObjective = 'auto' | 'nll' | 'ekl' | 'nll+ekl';
/** `auto`: EI without a prior, UCB with one (session/acquisition.ts). */
export type AcquisitionType = 'auto' | 'ucb' | 'ei' | 'pi';

export const TRIAL_STATUSES: readonly TrialStatus[] = ['pending', 'running', 'completed', 'failed', 'diverged', 'stopped'];
/** The default factor beyond which a growing loss counts as diverged (see curve.ts). */
export const DEFAULT_DIVERGENCE_FACTOR = 1e6;

interface ParameterBase {
  name: string;
  /** Source range of the parameter's name in `search_space`. */
  range: OffsetRange;
}
export interface FloatParameter extends ParameterBase {
  type: 'float';
  low: number;
  high: number;
  scale: Scale;
}
export interface IntParameter extends ParameterBase {
  type: 'int';
  low: number;
  high: number;
  scale: Scale;
}
export interface CategoricalParameter extends ParameterBase {
  type: 'categorical';
  choices: ParamValue[];
}
export type Parameter = FloatParameter | IntParameter | CategoricalParameter;

export interface Objective {
  metric: string;
  goal: Goal;
  reduce: ReduceRule;
  divergenceFactor: number;
  /** objective.warp / tails / normalize: overrides of the automatic output rule (absent: auto, engine/warp.ts). */
  output?: { warp?: 'none' | 'log' | 'log1m'; tails?: 'auto' | 'half-rank' | 'none'; normalization?: 'copula' };
}

export interface PriorSpec {
  /** Glob patterns relative to the experiment file; never empty (no globs means no `prior`). */
  from: string[];
  objective: PriorObjective;
  /** Undefined: the engine chooses from the amount of data. */
  mean?: MeanKind;
  kernel?: KernelKind;
  /** True for a `-mlp` kernel: the kernel acts on the MLP features. */
  kernelOnFeatures?: boolean;
  /** The metric's name in the data files, when it differs from the objective's. */
  metric?: string;
  /** Task names to leave out of pre-training. */
  exclude: string[];
}

export interface AcquisitionSpec {
  type: AcquisitionType;
  beta?: number;
  xi?: number;
}

export interface RunSpec {
  /** argv with `${param}` / `${trial}` placeholders (filled in by session/trialRun.ts). */
  command: string[];
  log?: string;
  /** The runner writes the command's output to `log` (else the command writes it). */
  capture: boolean;
  parallel: number;
  cwd?: string;
  env: Record<string, string>;
  /** Where trials run: `local` processes (default) or jobs submitted to Slurm with sbatch. */
  scheduler: Scheduler;
  /** Extra sbatch options (placeholders substituted), e.g. [--time=01:00:00, --gres=gpu:1]; only with scheduler slurm. */
  sbatch: string[];
  /** run.stopping: stop bad runs early (src/session/stopping.ts); undefined: never. */
  stopping?: StoppingSpec;
}

/** run.stopping: the median rule and its two settings (defaults DEFAULT_MIN_STEPS, DEFAULT_WARMUP_TRIALS). */
export interface StoppingSpec {
  rule: 'median';
  /** No trial is stopped at a step below this (as the log numbers steps). */
  minSteps: number;
  /** The median needs at least this many completed trials with a value at the step. */
  warmupTrials: number;
}

export const DEFAULT_MIN_STEPS = 0;
export const DEFAULT_WARMUP_TRIALS = 5;

export type Scheduler = 'local' | 'slurm';

export interface Trial {
  id: number;
  params: Record<string, ParamValue>;
  status: TrialStatus;
  value?: number;
  /** Of a stopped trial: the step at which run.stopping stopped it (`value` is its value there). */
  step?: number;
  log?: string;
  /** The id of the trial's last run (session/trialRun newRunId), recorded when it started; `${run}` expands to it. */
  run?: string;
  /** The scheduler's job id, recorded when the trial was submitted (run.scheduler: slurm). */
  job?: string;
  started?: string;
  /** Process id (and process group) of the trial's running command, as `hyperbo tune` records it. */
  pid?: number;
  /**
   * Process id of the `hyperbo tune` that appended the trial and runs it, written with the `running` status (before
   * its command starts), so a trial whose tune was killed before its `pid` was written can still be settled.
   */
  runner?: number;
  finished?: string;
  reason?: string;
  /** A finished trial whose parameters fall outside the current search space (the model should skip it). */
  outsideSpace?: boolean;
}

export interface Experiment {
  /** `name` from the file, else derived from the file name given to the parser, else undefined. */
  name?: string;
  description?: string;
  seed: number;
  objective: Objective;
  searchSpace: Parameter[];
  /** Undefined: a plain GP fitted to this experiment alone. */
  prior?: PriorSpec;
  acquisition: AcquisitionSpec;
  budget?: number;
  run?: RunSpec;
  trials: Trial[];
}

/** The experiment's run section when it has a command, i.e. its trials can be launched. */
export function launchSpec(experiment: Experiment): RunSpec | undefined {
  return experiment.run && experiment.run.command.length > 0 ? experiment.run : undefined;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export type DiagnosticCode =
  | 'yaml-syntax'
  | 'file-too-large'
  | 'not-a-mapping'
  | 'unknown-key'
  | 'duplicate-key'
  | 'duplicate-parameter'
  | 'wrong-type'
  | 'invalid-value'
  | 'missing-key'
  | 'bounds-order'
  | 'log-scale-nonpositive'
  | 'duplicate-choice'
  | 'ignored-key'
  | 'param-missing'
  | 'param-unknown'
  | 'param-out-of-space'
  | 'duplicate-trial-id'
  | 'missing-value'
  | 'unknown-placeholder'
  | 'reserved-name'
  | 'too-many-parameters'
  | 'unclosed-placeholder'
  | 'prior-glob-empty'
  | 'inconsistent-setting'
  | 'invalid-date';

export interface Diagnostic {
  range: OffsetRange;
  severity: Severity;
  message: string;
  code: DiagnosticCode;
}

export interface ParseOptions {
  /** The file's name or path: the experiment's default name. */
  fileName?: string;
  /**
   * Whether a `prior.from` glob matches at least one file. Injected so the parser stays pure; without it
   * globs are not checked.
   */
  globMatches?: (pattern: string) => boolean;
}

export interface ParseResult {
  /** The best-effort model (invalid parts left out); undefined when the objective or search space is unusable. */
  experiment?: Experiment;
  diagnostics: Diagnostic[];
  /** The valid parameters of search_space, even when the rest of the file is unusable (for completion/hover). */
  parameters: Parameter[];
  /** True when no diagnostic is an error: the experiment is safe to act on. */
  ok: boolean;
}

type Ctx = { diagnostics: Diagnostic[]; doc: Document; lines: LineIndex; text: string };

const rangeOf = (node: Node | null | undefined, fallback: OffsetRange = { start: 0, end: 0 }): OffsetRange =>
  node?.range ? { start: node.range[0], end: Math.max(node.range[0], node.range[1]) } : fallback;

const report = (ctx: Ctx, range: OffsetRange, severity: Severity, code: DiagnosticCode, message: string): void => {
  ctx.diagnostics.push({ range, severity, code, message });
};

const keyText = (pair: Pair): string => {
  const k = pair.key;
  if (isScalar(k)) return String(k.value);
  return k === null || k === undefined ? '' : String(k);
};

function deref(ctx: Ctx, node: unknown): Node | null {
  if (isAlias(node)) {
    try {
      return (node.resolve(ctx.doc) as Node | undefined) ?? null;
    } catch {
      return null;
    }
  }
  return (node as Node | null | undefined) ?? null;
}

function jsonKind(node: Node | null): JsonType {
  if (node === null || node === undefined) return 'null';
  if (isMap(node)) return 'object';
  if (isSeq(node)) return 'array';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
    if (typeof v === 'boolean') return 'boolean';
    return 'string';
  }
  return 'null';
}

const describeKind: Record<JsonType, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  null: 'empty',
};

function typeAllowed(kind: JsonType, allowed: JsonType[]): boolean {
  if (allowed.length === 0 || allowed.includes(kind)) return true;
  return kind === 'integer' && allowed.includes('number');
}

const showValue = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : String(v));

/** Structural validation against the JSON Schema: types, enums, bounds, required and unknown keys, duplicates. */
function checkNode(ctx: Ctx, rawNode: unknown, schema: SchemaNode | undefined, path: (string | number)[], keyRange: OffsetRange): void {
  if (!schema) return;
  const node = deref(ctx, rawNode);
  const where = formatPath(path) || 'the document';
  const kind = jsonKind(node);
  const allowed = schemaTypes(schema);
  const at = node?.range ? rangeOf(node) : keyRange;
  if (kind === 'number' && allowed.includes('integer') && !allowed.includes('number')) {
    report(ctx, at, 'error', 'wrong-type', `${where} must be a whole number, not ${String((node as Scalar).value)}.`);
    return;
  }
  if (!typeAllowed(kind, allowed)) {
    const expected = allowed.map((t) => describeKind[t]).join(' or ');
    const got = kind === 'null' ? 'has no value' : `is ${describeKind[kind]}${isScalar(node) ? ` (${showValue(node.value)})` : ''}`;
    report(ctx, kind === 'null' ? keyRange : at, 'error', 'wrong-type', `${where} ${got}; expected ${expected}.`);
    return;
  }
  if (isScalar(node)) {
    const v = node.value;
    if (schema.enum && !schema.enum.includes(v as string)) {
      const guess = typeof v === 'string' ? didYouMean(v, schema.enum.map(String)) : undefined;
      report(ctx, at, 'error', 'invalid-value', `${showValue(v)} is not a valid ${where}${guess ? `; did you mean "${guess}"?` : '.'} Expected one of: ${schema.enum.join(', ')}.`);
    }
    if (typeof v === 'number') {
      if (schema.minimum !== undefined && v < schema.minimum) report(ctx, at, 'error', 'invalid-value', `${where} must be at least ${schema.minimum}, not ${v}.`);
      if (schema.exclusiveMinimum !== undefined && !(v > schema.exclusiveMinimum)) {
        report(ctx, at, 'error', 'invalid-value', `${where} must be greater than ${schema.exclusiveMinimum}, not ${v}.`);
      }
    }
    return;
  }
  if (isSeq(node)) {
    if (schema.minItems !== undefined && node.items.length < schema.minItems) {
      report(ctx, at, 'error', 'invalid-value', `${where} needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}.`);
    }
    const items = itemSchema(schema);
    node.items.forEach((item, i) => checkNode(ctx, item, items, [...path, i], rangeOf(item as Node, at)));
    return;
  }
  if (isMap(node)) {
    const seen = new Map<string, Pair>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = keyText(pair);
      const kr = rangeOf(pair.key as Node, at);
      const first = seen.get(key);
      if (first) {
        const line = ctx.lines.positionAt(rangeOf(first.key as Node).start).line + 1;
        const isParam = path.length === 1 && path[0] === 'search_space';
        report(ctx, kr, 'error', isParam ? 'duplicate-parameter' : 'duplicate-key',
          isParam ? `Parameter "${key}" is defined twice (first on line ${line}).` : `Duplicate key "${key}" (first on line ${line}); YAML keeps only one.`);
        continue;
      }
      seen.set(key, pair);
      const sub = propertySchema(schema, key);
      if (!sub) {
        if (schema.additionalProperties === false) {
          const guess = didYouMean(key, Object.keys(schema.properties ?? {}));
          const known = Object.keys(schema.properties ?? {}).join(', ');
          report(ctx, kr, 'error', 'unknown-key', `Unknown key "${key}" in ${where}${guess ? `; did you mean "${guess}"?` : '.'} Known keys: ${known}.`);
        }
        continue;
      }
      checkNode(ctx, pair.value, sub, [...path, key], kr);
    }
    for (const req of schema.required ?? []) {
      if (!seen.has(req)) report(ctx, keyRange, 'error', 'missing-key', `${where} is missing "${req}"${requiredHint(path, req)}.`);
    }
  }
}

function requiredHint(path: (string | number)[], key: string): string {
  if (path.length === 0 && key === 'objective') return ' (e.g. objective: { metric: valid/error_rate, goal: minimize })';
  if (path.length === 0 && key === 'search_space') return ' (e.g. search_space: { lr: { type: float, low: 1.0e-4, high: 1, scale: log } })';
  if (path[0] === 'search_space' && key === 'type') return ': float, int or categorical';
  if (key === 'metric') return ': the metric name as the training log writes it';
  return '';
}

/** The value node of `key` in a mapping (first occurrence), with its key's range. */
function field(ctx: Ctx, map: YAMLMap | null | undefined, key: string): { node: Node | null; keyRange: OffsetRange } | undefined {
  if (!map) return undefined;
  for (const pair of map.items) {
    if (isPair(pair) && keyText(pair) === key) return { node: deref(ctx, pair.value), keyRange: rangeOf(pair.key as Node) };
  }
  return undefined;
}

const scalarValue = (node: Node | null | undefined): unknown => (isScalar(node) ? node.value : undefined);
const asString = (node: Node | null | undefined): string | undefined => {
  const v = scalarValue(node);
  return typeof v === 'string' ? v : undefined;
};
const asNumber = (node: Node | null | undefined): number | undefined => {
  const v = scalarValue(node);
  return typeof v === 'number' ? v : undefined;
};
const asMap = (node: Node | null | undefined): YAMLMap | undefined => (isMap(node) ? node : undefined);

/**
 * The most parameters a search space may have. The engine gives each parameter one input coordinate and its
 * quasi-random designs (engine/rng.ts HaltonSequence) go up to 46 dimensions; past a few dozen parameters a GP
 * learns little from the handful of trials a tuning run has anyway.
 */
export const MAX_PARAMETERS = 40;

/** Names an object inherits (`__proto__`, `constructor`, `toString`, ...): as keys they can reach the prototype. */
const PROTOTYPE_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A name that must not be a key of a plain object (params, env) built from the file. */
export const isPrototypeName = (name: string): boolean => PROTOTYPE_NAMES.has(name);

function buildParameters(ctx: Ctx, root: YAMLMap): Parameter[] {
  const spaceField = field(ctx, root, 'search_space');
  const space = asMap(spaceField?.node);
  if (!space) return [];
  const params: Parameter[] = [];
  const names = new Set<string>();
  const count = space.items.filter(isPair).length;
  if (count > MAX_PARAMETERS) {
    report(ctx, spaceField!.keyRange, 'error', 'too-many-parameters', `search_space has ${count} parameters; at most ${MAX_PARAMETERS} are supported.`);
  }
  for (const pair of space.items) {
    if (!isPair(pair)) continue;
    const name = keyText(pair);
    if (names.has(name)) continue;
    names.add(name);
    const range = rangeOf(pair.key as Node);
    if (isPrototypeName(name)) {
      report(ctx, range, 'error', 'reserved-name', `"${name}" cannot be a parameter name (every JavaScript object has it); rename the parameter.`);
      continue;
    }
    if (name === TRIAL_PLACEHOLDER || name === RUN_PLACEHOLDER) {
      // session/trialRun.ts fills in the reserved value: the parameter's own value never reaches run templates.
      const meaning = name === TRIAL_PLACEHOLDER ? "the trial's id" : "the id of the trial's run";
      report(ctx, range, 'warning', 'reserved-name',
        `\${${name}} in run.command, run.log, run.cwd, run.env and run.sbatch means ${meaning}, not this parameter's value; rename the parameter to pass its value to the run.`);
    }
    const spec = asMap(deref(ctx, pair.value));
    if (!spec) continue;
    const type = asString(field(ctx, spec, 'type')?.node);
    const low = field(ctx, spec, 'low');
    const high = field(ctx, spec, 'high');
    const scale = field(ctx, spec, 'scale');
    const choices = field(ctx, spec, 'choices');
    if (type === 'categorical') {
      for (const extra of [low, high, scale]) {
        if (extra) report(ctx, extra.keyRange, 'warning', 'ignored-key', `Categorical parameter "${name}" ignores low, high and scale; it is defined by its choices.`);
      }
      if (!choices) {
        report(ctx, range, 'error', 'missing-key', `Categorical parameter "${name}" needs choices, e.g. choices: [adam, sgd].`);
        continue;
      }
      if (!isSeq(choices.node)) continue;
      const values: ParamValue[] = [];
      let valid = choices.node.items.length > 0;
      for (const item of choices.node.items) {
        const v = scalarValue(deref(ctx, item));
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          valid = false;
          continue;
        }
        if (values.includes(v)) {
          report(ctx, rangeOf(item as Node), 'error', 'duplicate-choice', `Choice ${showValue(v)} of "${name}" is listed twice.`);
          valid = false;
        }
        values.push(v);
      }
      if (valid) params.push({ name, type: 'categorical', choices: values, range });
      continue;
    }
    if (type !== 'float' && type !== 'int') continue;
    if (choices) report(ctx, choices.keyRange, 'warning', 'ignored-key', `choices is only used by categorical parameters; "${name}" is ${type === 'int' ? 'an int' : 'a float'} from low to high.`);
    const lo = asNumber(low?.node);
    const hi = asNumber(high?.node);
    if (!low || !high) {
      const missing = [!low && 'low', !high && 'high'].filter(Boolean).join(' and ');
      report(ctx, range, 'error', 'missing-key', `Parameter "${name}" (${type}) needs ${missing}.`);
      continue;
    }
    if (lo === undefined || hi === undefined) continue; // wrong type, reported by the schema check
    const scaleValue = asString(scale?.node) === 'log' ? 'log' : 'linear';
    let valid = true;
    if (type === 'int') {
      for (const [v, f] of [[lo, low], [hi, high]] as const) {
        if (!Number.isInteger(v)) {
          report(ctx, rangeOf(f.node, f.keyRange), 'error', 'wrong-type', `Bounds of int parameter "${name}" must be whole numbers, not ${v}.`);
          valid = false;
        }
      }
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      report(ctx, rangeOf((Number.isFinite(lo) ? high : low).node), 'error', 'invalid-value', `Bounds of "${name}" must be finite numbers.`);
      continue;
    }
    if (lo >= hi) {
      report(ctx, rangeOf(low.node, low.keyRange), 'error', 'bounds-order', `low (${lo}) must be less than high (${hi}) for parameter "${name}".`);
      valid = false;
    }
    if (scaleValue === 'log' && lo <= 0) {
      report(ctx, rangeOf(low.node, low.keyRange), 'error', 'log-scale-nonpositive', `A log-scale parameter needs low > 0; "${name}" has low ${lo}. Use a positive low or scale: linear.`);
      valid = false;
    }
    if (valid) params.push({ name, type, low: lo, high: hi, scale: scaleValue, range });
  }
  return params;
}

/** The placeholder for the trial's id in run templates. */
export const TRIAL_PLACEHOLDER = 'trial';
/** The placeholder for the id of the trial's run (a new one each time it runs); see session/trialRun.ts. */
export const RUN_PLACEHOLDER = 'run';

function checkPlaceholders(ctx: Ctx, node: Node | null, names: ReadonlySet<string>, where: string): void {
  const text = asString(node);
  if (text === undefined || !node?.range) return;
  const source = ctx.text.slice(node.range[0], node.range[1]);
  const found = findPlaceholders(text);
  const open = text.indexOf('${', found.length ? found[found.length - 1]!.end : 0);
  if (open >= 0) {
    // No `}` follows: the runner would pass `${...` through literally. Point at it when the source spells it.
    const tail = text.slice(open, open + 2 + Math.min(40, text.length - open - 2));
    const inSource = source.lastIndexOf(tail);
    const range = inSource >= 0 ? { start: node.range[0] + inSource, end: node.range[0] + inSource + 2 } : rangeOf(node);
    report(ctx, range, 'error', 'unclosed-placeholder', `\${ in ${where} is never closed; write \${name} with a closing }.`);
  }
  for (const m of found) {
    const name = m.name;
    if (names.has(name)) continue;
    const whole = text.slice(m.start, m.end);
    // Point at the placeholder itself when the source spells it literally (plain or simply quoted scalars).
    const inSource = source.indexOf(whole);
    const range = inSource >= 0 ? { start: node.range[0] + inSource, end: node.range[0] + inSource + whole.length } : rangeOf(node);
    const guess = didYouMean(name, names);
    report(ctx, range, 'error', 'unknown-placeholder',
      `\${${name}} in ${where} names no parameter${guess ? `; did you mean \${${guess}}?` : '.'} Placeholders: ${[...names].map((n) => `\${${n}}`).join(', ')}.`);
  }
}

function buildRun(ctx: Ctx, root: YAMLMap, params: Parameter[]): RunSpec | undefined {
  const runField = field(ctx, root, 'run');
  const run = asMap(runField?.node);
  if (!run) return undefined;
  // Every key of search_space is a placeholder, including a parameter left out for its own error (bounds, type):
  // that error is the one to fix, not "${lr} names no parameter" as well.
  const declared = (asMap(field(ctx, root, 'search_space')?.node)?.items ?? []).filter(isPair).map(keyText);
  const names = new Set([TRIAL_PLACEHOLDER, RUN_PLACEHOLDER, ...params.map((p) => p.name), ...declared]);
  const command = field(ctx, run, 'command');
  const args: string[] = [];
  if (command && isScalar(command.node) && typeof command.node.value === 'string') {
    // A common slip: the command written as one shell string. Replace the generic type error with a fix.
    const at = rangeOf(command.node);
    ctx.diagnostics = ctx.diagnostics.filter((d) => !(d.code === 'wrong-type' && d.range.start === at.start && d.range.end === at.end));
    const words = command.node.value.trim().split(/\s+/).filter(Boolean);
    report(ctx, rangeOf(command.node), 'error', 'wrong-type', `run.command must be a list of arguments (it never goes through a shell), e.g. [${words.map((w) => JSON.stringify(w)).join(', ')}].`);
  }
  if (command && isSeq(command.node)) {
    for (const item of command.node.items) {
      const node = deref(ctx, item);
      const v = scalarValue(node);
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') args.push(String(v));
      checkPlaceholders(ctx, node, names, 'run.command');
    }
  }
  const log = field(ctx, run, 'log');
  checkPlaceholders(ctx, log?.node ?? null, names, 'run.log');
  const cwd = field(ctx, run, 'cwd');
  checkPlaceholders(ctx, cwd?.node ?? null, names, 'run.cwd');
  const env: Record<string, string> = {};
  const envMap = asMap(field(ctx, run, 'env')?.node);
  for (const pair of envMap?.items ?? []) {
    if (!isPair(pair)) continue;
    const node = deref(ctx, pair.value);
    const v = scalarValue(node);
    // defineProperty: a key `__proto__` becomes an own variable instead of replacing the object's prototype.
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      Object.defineProperty(env, keyText(pair), { value: String(v), enumerable: true, writable: true, configurable: true });
    }
    checkPlaceholders(ctx, node, names, `run.env.${keyText(pair)}`);
  }
  const parallel = asNumber(field(ctx, run, 'parallel')?.node);
  const capture = scalarValue(field(ctx, run, 'capture')?.node);
  const schedulerField = field(ctx, run, 'scheduler');
  const scheduler: Scheduler = asString(schedulerField?.node) === 'slurm' ? 'slurm' : 'local';
  const sbatch: string[] = [];
  const sbatchField = field(ctx, run, 'sbatch');
  if (sbatchField && isSeq(sbatchField.node)) {
    for (const item of sbatchField.node.items) {
      const node = deref(ctx, item);
      const v = scalarValue(node);
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') sbatch.push(String(v));
      checkPlaceholders(ctx, node, names, 'run.sbatch');
    }
    if (scheduler !== 'slurm') {
      report(ctx, sbatchField.keyRange, 'warning', 'inconsistent-setting', 'run.sbatch is used only with scheduler: slurm; add scheduler: slurm or remove it.');
    }
  }
  const stoppingMap = asMap(field(ctx, run, 'stopping')?.node);
  let stopping: StoppingSpec | undefined;
  if (stoppingMap && asString(field(ctx, stoppingMap, 'rule')?.node) === 'median') {
    const minSteps = asNumber(field(ctx, stoppingMap, 'min_steps')?.node);
    const warmup = asNumber(field(ctx, stoppingMap, 'warmup_trials')?.node);
    stopping = {
      rule: 'median',
      minSteps: minSteps !== undefined && Number.isFinite(minSteps) && minSteps >= 0 ? minSteps : DEFAULT_MIN_STEPS,
      warmupTrials: warmup !== undefined && Number.isInteger(warmup) && warmup >= 1 ? warmup : DEFAULT_WARMUP_TRIALS,
    };
  }
  if (!log && runField) {
    report(ctx, runField.keyRange, 'hint', 'missing-key',
      'run has no log: each run\'s output (stdout and stderr) is captured to .hyperbo/runs/<experiment>/trial-<id>-<run>.log and the metric read from it. Set log: to read a file the command writes instead.');
  }
  if (args.length === 0) return undefined;
  return {
    command: args,
    log: asString(log?.node),
    capture: capture === true,
    parallel: parallel !== undefined && Number.isInteger(parallel) && parallel >= 1 ? parallel : 1,
    cwd: asString(cwd?.node),
    env,
    scheduler,
    sbatch,
    ...(stopping ? { stopping } : {}),
  };
}

function buildPrior(ctx: Ctx, root: YAMLMap, options: ParseOptions): PriorSpec | undefined {
  const prior = asMap(field(ctx, root, 'prior')?.node);
  if (!prior) return undefined;
  const fromNode = field(ctx, prior, 'from')?.node ?? null;
  const globNodes: Node[] = isSeq(fromNode) ? (fromNode.items as Node[]).map((n) => deref(ctx, n)).filter((n): n is Node => n !== null) : fromNode ? [fromNode] : [];
  const from: string[] = [];
  for (const node of globNodes) {
    const glob = asString(node);
    if (glob === undefined) continue;
    if (glob.trim() === '') {
      report(ctx, rangeOf(node), 'error', 'invalid-value', 'An empty prior.from pattern matches nothing.');
      continue;
    }
    from.push(glob);
    let matches = true;
    try {
      matches = options.globMatches ? options.globMatches(glob) : true;
    } catch (error) {
      report(ctx, rangeOf(node), 'warning', 'prior-glob-empty', `Could not check "${glob}": ${(error as Error).message}`);
      continue;
    }
    if (!matches) {
      report(ctx, rangeOf(node), 'warning', 'prior-glob-empty', `"${glob}" matches no file (paths are relative to this experiment file); the prior will not learn from it.`);
    }
  }
  if (from.length === 0) return undefined;
  const kernelText = asString(field(ctx, prior, 'kernel')?.node);
  const kernelMatch = kernelText ? /^(se|matern32|matern52)(-mlp)?$/.exec(kernelText) : null;
  const mean = asString(field(ctx, prior, 'mean')?.node);
  const objective = asString(field(ctx, prior, 'objective')?.node);
  const exclude = field(ctx, prior, 'exclude')?.node;
  return {
    from,
    objective: (['auto', 'nll', 'ekl', 'nll+ekl'] as const).find((o) => o === objective) ?? 'auto',
    mean: (['zero', 'constant', 'linear', 'linear-mlp'] as const).find((m) => m === mean),
    kernel: kernelMatch ? (kernelMatch[1] as KernelKind) : undefined,
    kernelOnFeatures: kernelMatch ? kernelMatch[2] !== undefined : undefined,
    metric: asString(field(ctx, prior, 'metric')?.node),
    exclude: isSeq(exclude) ? exclude.items.map((n) => asString(deref(ctx, n))).filter((s): s is string => s !== undefined) : [],
  };
}

function checkParamValue(p: Parameter, v: unknown): string | undefined {
  if (p.type === 'categorical') {
    return p.choices.includes(v as ParamValue) ? undefined : `${showValue(v)} is not a choice of "${p.name}" (${p.choices.map(showValue).join(', ')}).`;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) return `"${p.name}" must be a finite number, not ${showValue(v)}.`;
  if (p.type === 'int' && !Number.isInteger(v)) return `"${p.name}" is an int parameter; ${v} is not a whole number.`;
  if (v < p.low || v > p.high) return `${v} is outside [${p.low}, ${p.high}] of "${p.name}".`;
  return undefined;
}

const trialLabel = (id: number | undefined): string => (id === undefined ? 'This trial' : `Trial ${id}`);

function buildTrials(ctx: Ctx, root: YAMLMap, params: Parameter[]): Trial[] {
  const list = field(ctx, root, 'trials')?.node;
  if (!isSeq(list)) return [];
  const trials: Trial[] = [];
  const ids = new Map<number, OffsetRange>();
  const byName = new Map(params.map((p) => [p.name, p]));
  // Parameters defined but left out for their own error: that error is the one to fix, not "not in search_space".
  const declared = new Set((asMap(field(ctx, root, 'search_space')?.node)?.items ?? []).filter(isPair).map(keyText));
  for (const item of list.items) {
    const map = asMap(deref(ctx, item));
    if (!map) continue;
    const range = rangeOf(map);
    const idField = field(ctx, map, 'id');
    const id = asNumber(idField?.node);
    let valid = id !== undefined && Number.isInteger(id) && id >= 0;
    if (valid && ids.has(id!)) {
      const line = ctx.lines.positionAt(ids.get(id!)!.start).line + 1;
      report(ctx, rangeOf(idField!.node), 'error', 'duplicate-trial-id', `Trial id ${id} is used twice (first on line ${line}); ids must be unique.`);
      valid = false;
    } else if (valid) ids.set(id!, rangeOf(idField!.node));
    const statusText = asString(field(ctx, map, 'status')?.node) ?? 'pending';
    const status = TRIAL_STATUSES.find((s) => s === statusText);
    if (!status) valid = false;
    const finished = status === 'completed' || status === 'failed' || status === 'diverged' || status === 'stopped';
    const paramsField = field(ctx, map, 'params');
    const paramMap = asMap(paramsField?.node);
    const values: Record<string, ParamValue> = {};
    let outsideSpace = false;
    if (!paramsField) {
      if (params.length) report(ctx, idField?.keyRange ?? range, 'error', 'param-missing', `${trialLabel(id)} has no params; it needs ${params.map((p) => p.name).join(', ')}.`);
      valid = valid && params.length === 0;
    } else if (paramMap) {
      for (const pair of paramMap.items) {
        if (!isPair(pair)) continue;
        const name = keyText(pair);
        const node = deref(ctx, pair.value);
        const v = scalarValue(node);
        const p = byName.get(name);
        if (!p) {
          if (declared.has(name)) continue;
          const guess = didYouMean(name, byName.keys());
          report(ctx, rangeOf(pair.key as Node), 'warning', 'param-unknown', `"${name}" is not in search_space${guess ? `; did you mean "${guess}"?` : ''}; the model ignores it.`);
          continue;
        }
        if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') values[name] = v;
        const problem = checkParamValue(p, v);
        if (problem) {
          // A finished trial outside a since-narrowed space is still a fact; one still to run is a mistake.
          report(ctx, rangeOf(node, rangeOf(pair.key as Node)), finished ? 'warning' : 'error', 'param-out-of-space', finished ? `${problem} The model skips this trial.` : problem);
          if (finished) outsideSpace = true;
          else valid = false;
        }
      }
      const missing = params.filter((p) => !Object.hasOwn(values, p.name) && !paramMap.items.some((pair) => isPair(pair) && keyText(pair) === p.name));
      if (missing.length) {
        report(ctx, paramsField.keyRange, 'error', 'param-missing', `${trialLabel(id)} is missing ${missing.map((p) => `"${p.name}"`).join(', ')}.`);
        valid = false;
      }
    } else valid = false;
    const valueField = field(ctx, map, 'value');
    const value = asNumber(valueField?.node);
    if (status === 'stopped' && value !== undefined && !Number.isFinite(value)) {
      report(ctx, rangeOf(valueField!.node), 'error', 'invalid-value', `${trialLabel(id)} has a non-finite value; a stopped trial records its finite value at its step.`);
      valid = false;
    }
    if (status === 'completed') {
      if (value === undefined) {
        if (!valueField || jsonKind(valueField.node) === 'null') {
          report(ctx, rangeOf(field(ctx, map, 'status')!.node), 'error', 'missing-value', `${trialLabel(id)} is completed but has no value; add value: <number> or change its status.`);
        }
        valid = false;
      } else if (!Number.isFinite(value)) {
        report(ctx, rangeOf(valueField!.node), 'error', 'invalid-value', `${trialLabel(id)} has a non-finite value; mark it status: diverged instead.`);
        valid = false;
      }
    }
    for (const key of ['started', 'finished'] as const) {
      const f = field(ctx, map, key);
      const s = asString(f?.node);
      if (s !== undefined && Number.isNaN(Date.parse(s))) {
        report(ctx, rangeOf(f!.node), 'warning', 'invalid-date', `${key} "${s}" is not a date; use ISO 8601, e.g. 2025-01-31T12:00:00Z.`);
      }
    }
    if (!valid) continue;
    const trial: Trial = { id: id!, params: values, status: status! };
    if (value !== undefined && Number.isFinite(value)) trial.value = value;
    for (const key of ['log', 'started', 'finished', 'reason'] as const) {
      const s = asString(field(ctx, map, key)?.node);
      if (s !== undefined) trial[key] = s;
    }
    const run = scalarValue(field(ctx, map, 'run')?.node);
    if (typeof run === 'string' || typeof run === 'number') trial.run = String(run);
    const job = scalarValue(field(ctx, map, 'job')?.node);
    if (typeof job === 'string' || typeof job === 'number') trial.job = String(job);
    const step = asNumber(field(ctx, map, 'step')?.node);
    if (step !== undefined && Number.isFinite(step)) trial.step = step;
    const pid = asNumber(field(ctx, map, 'pid')?.node);
    if (pid !== undefined && Number.isInteger(pid) && pid > 0) trial.pid = pid;
    const runner = asNumber(field(ctx, map, 'runner')?.node);
    if (runner !== undefined && Number.isInteger(runner) && runner > 0) trial.runner = runner;
    if (outsideSpace) trial.outsideSpace = true;
    trials.push(trial);
  }
  return trials;
}

function defaultName(fileName: string | undefined): string | undefined {
  if (!fileName) return undefined;
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.hyperbo\.ya?ml$/i, '').replace(/\.ya?ml$/i, '') || undefined;
}

/**
 * Parses and validates an experiment file. Never throws: broken input yields diagnostics (and, when the
 * objective and search space are usable, a best-effort model with the invalid parts left out).
 */
export function parseExperiment(input: string | YamlStructure, options: ParseOptions = {}): ParseResult {
  try {
    const structure = typeof input === 'string' ? structureOf(input) : input;
    const result = parseUnsafe(structure, options);
    // The options change the name and prior.from's diagnostics only: the search space is the structure's.
    if (!spaceParameters.has(structure)) spaceParameters.set(structure, result.parameters);
    return result;
  } catch (error) {
    // A bug here must not take the language server down; surface it as a diagnostic instead.
    return {
      diagnostics: [{ range: { start: 0, end: 0 }, severity: 'error', code: 'yaml-syntax', message: `Internal error while reading the experiment: ${(error as Error).message}` }],
      parameters: [],
      ok: false,
    };
  }
}

const plainParses = new WeakMap<YamlStructure, ParseResult>();
const spaceParameters = new WeakMap<YamlStructure, Parameter[]>();

/**
 * The valid parameters of the structure's search space, from any parse of it already made (the server's, with file
 * options): completion and hover on the text the server indexed do not check every trial again.
 */
export function structureParameters(structure: YamlStructure): Parameter[] {
  return spaceParameters.get(structure) ?? parsedStructure(structure).parameters;
}

/**
 * The parse of a structure without file options (no default name, globs unchecked), computed once per
 * structure: what hover and completion need (the search space) without parsing again.
 */
export function parsedStructure(structure: YamlStructure): ParseResult {
  let result = plainParses.get(structure);
  if (!result) {
    result = parseExperiment(structure);
    plainParses.set(structure, result);
  }
  return result;
}

function parseUnsafe(structure: YamlStructure, options: ParseOptions): ParseResult {
  const { doc, text } = structure;
  const ctx: Ctx = { diagnostics: [], doc, lines: structure.lines, text };
  for (const e of structure.errors) report(ctx, e.range, 'error', e.tooLarge ? 'file-too-large' : 'yaml-syntax', e.message);
  for (const w of structure.warnings) report(ctx, w.range, 'warning', 'yaml-syntax', w.message);
  const root = deref(ctx, doc.contents);
  if (!isMap(root)) {
    if (structure.errors.length === 0) {
      report(ctx, rangeOf(root, { start: 0, end: Math.min(text.length, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length) }), 'error', 'not-a-mapping',
        'An experiment file is a mapping with at least objective and search_space (see docs/experiment-format.md).');
    }
    return finish(ctx, undefined, []);
  }
  checkNode(ctx, root, experimentSchema, [], { start: 0, end: 0 });
  const params = buildParameters(ctx, root);
  const objectiveField = field(ctx, root, 'objective');
  const objectiveMap = asMap(objectiveField?.node);
  const metric = asString(field(ctx, objectiveMap, 'metric')?.node);
  const goal: Goal = asString(field(ctx, objectiveMap, 'goal')?.node) === 'maximize' ? 'maximize' : 'minimize';
  const reduceField = field(ctx, objectiveMap, 'reduce');
  const reduceText = asString(reduceField?.node);
  const reduce: ReduceRule = reduceText === 'last' || reduceText === 'min' || reduceText === 'max' ? reduceText : goal === 'maximize' ? 'max' : 'min';
  if (reduceField && ((goal === 'minimize' && reduce === 'max') || (goal === 'maximize' && reduce === 'min'))) {
    report(ctx, rangeOf(reduceField.node), 'warning', 'inconsistent-setting', `reduce: ${reduce} with goal: ${goal} takes each trial's worst value; did you mean reduce: ${reduce === 'max' ? 'min' : 'max'} (or last)?`);
  }
  const divergence = asNumber(field(ctx, objectiveMap, 'divergence_factor')?.node);
  const warpText = asString(field(ctx, objectiveMap, 'warp')?.node);
  const tailsText = asString(field(ctx, objectiveMap, 'tails')?.node);
  const normalizeText = asString(field(ctx, objectiveMap, 'normalize')?.node);
  const output: Objective['output'] = {
    ...(warpText === 'none' || warpText === 'log' || warpText === 'log1m' ? { warp: warpText } : {}),
    ...(tailsText === 'auto' || tailsText === 'half-rank' || tailsText === 'none' ? { tails: tailsText } : {}),
    ...(normalizeText === 'copula' ? { normalization: normalizeText } : {}),
  };
  const acquisitionMap = asMap(field(ctx, root, 'acquisition')?.node);
  const acqType = asString(field(ctx, acquisitionMap, 'type')?.node);
  const beta = field(ctx, acquisitionMap, 'beta');
  const xi = field(ctx, acquisitionMap, 'xi');
  // Without a type, a beta means UCB and an xi PI (as before auto existed); nothing at all means auto.
  const acquisition: AcquisitionSpec = {
    type: acqType === 'ucb' || acqType === 'ei' || acqType === 'pi' || acqType === 'auto' ? acqType : beta ? 'ucb' : xi ? 'pi' : 'auto',
  };
  if (asNumber(beta?.node) !== undefined) acquisition.beta = asNumber(beta!.node);
  if (asNumber(xi?.node) !== undefined) acquisition.xi = asNumber(xi!.node);
  if (beta && acquisition.type !== 'ucb') report(ctx, beta.keyRange, 'warning', 'inconsistent-setting', `beta is only used by ucb; ${acquisition.type} ignores it.`);
  if (xi && acquisition.type !== 'pi') report(ctx, xi.keyRange, 'warning', 'inconsistent-setting', `xi is only used by pi; ${acquisition.type} ignores it.`);
  const prior = buildPrior(ctx, root, options);
  const run = buildRun(ctx, root, params);
  const trials = buildTrials(ctx, root, params);
  const budget = asNumber(field(ctx, root, 'budget')?.node);
  const seed = asNumber(field(ctx, root, 'seed')?.node);
  if (metric === undefined || params.length === 0) return finish(ctx, undefined, params);
  const experiment: Experiment = {
    name: asString(field(ctx, root, 'name')?.node) ?? defaultName(options.fileName),
    description: asString(field(ctx, root, 'description')?.node),
    seed: seed !== undefined && Number.isInteger(seed) && seed >= 0 ? seed : 0,
    objective: {
      metric,
      goal,
      reduce,
      divergenceFactor: divergence !== undefined && divergence > 1 ? divergence : DEFAULT_DIVERGENCE_FACTOR,
      ...(output.warp || output.tails || output.normalization ? { output } : {}),
    },
    searchSpace: params,
    prior,
    acquisition,
    budget: budget !== undefined && Number.isInteger(budget) && budget >= 1 ? budget : undefined,
    run,
    trials,
  };
  return finish(ctx, experiment, params);
}

function finish(ctx: Ctx, experiment: Experiment | undefined, parameters: Parameter[]): ParseResult {
  const diagnostics = ctx.diagnostics.sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
  return { experiment, diagnostics, parameters, ok: experiment !== undefined && !diagnostics.some((d) => d.severity === 'error') };
}
