// The text of a new experiment file from the answers of the New Experiment flow, and the checks on each
// answer. Pure (no vscode) so the generated file can be unit-tested against the real parser.
import { findPlaceholders } from '../../shared/placeholders';

export type ParameterType = 'float' | 'int' | 'categorical';

export interface ParameterAnswer {
  name: string;
  type: ParameterType;
  low?: number;
  high?: number;
  scale?: 'linear' | 'log';
  choices?: string[];
}

export interface NewExperimentAnswers {
  name: string;
  metric: string;
  goal: 'minimize' | 'maximize';
  parameters: ParameterAnswer[];
  /** argv; `${name}` placeholders are filled per trial. */
  command: string[];
  /** Where a trial's log is, relative to the file; `${trial}` expands to the trial id. */
  log: string;
  /** True: the runner writes the command's stdout/stderr to `log`. */
  capture: boolean;
  budget?: number;
  parallel?: number;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A message when the experiment name is unusable, else undefined. */
export function checkName(name: string): string | undefined {
  if (name.trim() === '') return 'Give the experiment a name, e.g. cifar10-resnet.';
  if (!/^[\w.-]+$/.test(name.trim())) return 'Use letters, digits, "-", "_" and "." only (the name is also the file name).';
  return undefined;
}

export function checkMetric(metric: string): string | undefined {
  if (metric.trim() === '') return 'Name the metric as your training log writes it, e.g. valid/error_rate or val_loss.';
  if (/\s/.test(metric.trim())) return 'A metric name has no spaces.';
  return undefined;
}

export function checkParameterName(name: string, existing: readonly string[]): string | undefined {
  if (!identifier.test(name)) return 'Start with a letter or "_", then letters, digits, "_", "." or "-" (it is used as ${name} in the command).';
  if (name === 'trial') return '"trial" is reserved: ${trial} expands to the trial id.';
  if (name === 'run') return '"run" is reserved: ${run} expands to the id of the trial\'s run.';
  if (existing.includes(name)) return `There is already a parameter "${name}".`;
  return undefined;
}

/** Parses "low, high" (or "low high"); a message when the bounds are unusable for this type/scale. */
export function parseBounds(text: string, type: 'float' | 'int', scale: 'linear' | 'log'): { low: number; high: number } | string {
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
  if (parts.length !== 2) return 'Enter two numbers, low and high, e.g. "1e-5, 1".';
  const [low, high] = parts.map(Number) as [number, number];
  if (!Number.isFinite(low) || !Number.isFinite(high)) return `"${parts[0]}" and "${parts[1]}" must both be finite numbers.`;
  if (!(low < high)) return 'low must be smaller than high.';
  if (type === 'int' && (!Number.isInteger(low) || !Number.isInteger(high))) return 'An int parameter needs whole-number bounds.';
  if (scale === 'log' && low <= 0) return 'A log-scale parameter needs low > 0.';
  return { low, high };
}

export function parseChoices(text: string): string[] | string {
  const choices = text.split(',').map((c) => c.trim()).filter((c) => c !== '');
  if (choices.length < 2) return 'Enter at least two choices separated by commas, e.g. "adam, sgd".';
  if (new Set(choices).size !== choices.length) return 'The choices must be different from each other.';
  return choices;
}

/** Splits a command line into argv the way a POSIX shell would for quotes and backslashes (no expansion). */
export function splitCommandLine(line: string): string[] | string {
  const argv: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) current += line[++i];
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) argv.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) return `The command has an unclosed ${quote} quote.`;
  if (inWord) argv.push(current);
  if (argv.length === 0) return 'Enter the command that trains one model, e.g. python train.py --lr ${learning_rate}.';
  return argv;
}

/** The default command line offered for the parameters: `python train.py --name ${name} …`. */
export function defaultCommandLine(parameters: readonly ParameterAnswer[], log: string, capture: boolean): string {
  const args = parameters.map((p) => `--${p.name} \${${p.name}}`);
  if (!capture) args.push(`--out ${log}`);
  return ['python train.py', ...args].join(' ');
}

/** Placeholders in the command that name no parameter (and are not ${trial} or ${run}). */
export function unknownPlaceholders(command: readonly string[], parameters: readonly ParameterAnswer[]): string[] {
  const known = new Set(['trial', 'run', ...parameters.map((p) => p.name)]);
  const unknown: string[] = [];
  for (const arg of command) for (const m of findPlaceholders(arg)) if (!known.has(m.name)) unknown.push(m.name);
  return [...new Set(unknown)];
}

const reserved = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
const numberLike = /^[-+.]?(?:\d|\.\d|inf|nan)/i;

/** A YAML scalar that reads back as this string (plain when safe, else double-quoted JSON). */
export function yamlString(value: string): string {
  const plainSafe = /^[A-Za-z_/.][\w./@+-]*$/.test(value) && !reserved.test(value) && !numberLike.test(value);
  return plainSafe ? value : JSON.stringify(value);
}

/** A YAML number that YAML 1.1 readers (PyYAML) also read as a float: exponents get a mantissa dot. */
export function yamlNumber(value: number): string {
  const text = String(value);
  return /e/i.test(text) && !text.includes('.') ? text.replace(/e/i, '.0e') : text;
}

export function fileNameFor(name: string): string {
  return `${name.trim()}.hyperbo.yaml`;
}

export function renderExperiment(answers: NewExperimentAnswers): string {
  const lines: string[] = [];
  lines.push(`# Created by HyperBO: New Experiment. The file is the source of truth: trials are appended below.`);
  lines.push(`name: ${yamlString(answers.name)}`);
  lines.push('objective:');
  lines.push(`  metric: ${yamlString(answers.metric)}     # as written in the training log`);
  lines.push(`  goal: ${answers.goal}`);
  lines.push(`  reduce: ${answers.goal === 'minimize' ? 'min' : 'max'}`);
  lines.push('search_space:');
  const width = Math.max(...answers.parameters.map((p) => p.name.length));
  for (const p of answers.parameters) {
    const fields: string[] = [`type: ${p.type}`];
    if (p.type === 'categorical') fields.push(`choices: [${(p.choices ?? []).map(yamlString).join(', ')}]`);
    else {
      fields.push(`low: ${yamlNumber(p.low!)}`, `high: ${yamlNumber(p.high!)}`);
      if (p.scale === 'log') fields.push('scale: log');
    }
    lines.push(`  ${`${yamlString(p.name)}:`.padEnd(width + 1)} { ${fields.join(', ')} }`);
  }
  lines.push('prior:');
  lines.push('  from: []          # related experiments or PD1-style data, e.g. [../other/*.hyperbo.yaml]; empty: a GP fitted to this task');
  lines.push('acquisition: { type: auto }   # ei without a prior, ucb (beta 1) with one');
  if (answers.budget !== undefined) lines.push(`budget: ${answers.budget}`);
  lines.push('run:');
  lines.push(`  command: [${answers.command.map(yamlString).join(', ')}]`);
  lines.push(`  log: ${yamlString(answers.log)}`);
  if (answers.capture) lines.push('  capture: true    # the runner writes the command\'s output to the log');
  lines.push(`  parallel: ${answers.parallel ?? 1}`);
  lines.push('trials: []');
  return lines.join('\n') + '\n';
}

/** Checks every answer (for calls that pass answers directly, e.g. tests); a list of problems, empty when fine. */
export function checkAnswers(answers: NewExperimentAnswers): string[] {
  const problems: string[] = [];
  const push = (p: string | undefined) => p && problems.push(p);
  push(checkName(answers.name));
  push(checkMetric(answers.metric));
  if (answers.goal !== 'minimize' && answers.goal !== 'maximize') problems.push('goal must be minimize or maximize.');
  if (!Array.isArray(answers.parameters) || answers.parameters.length === 0) problems.push('Add at least one parameter to tune.');
  const seen: string[] = [];
  for (const p of answers.parameters ?? []) {
    push(checkParameterName(p.name, seen));
    seen.push(p.name);
    if (p.type === 'categorical') {
      if (!p.choices || p.choices.length < 2) problems.push(`${p.name}: a categorical parameter needs at least two choices.`);
    } else if (p.type === 'float' || p.type === 'int') {
      const bounds = parseBounds(`${p.low}, ${p.high}`, p.type, p.scale ?? 'linear');
      if (typeof bounds === 'string') problems.push(`${p.name}: ${bounds}`);
    } else problems.push(`${p.name}: type must be float, int or categorical.`);
  }
  if (!Array.isArray(answers.command) || answers.command.length === 0) problems.push('The command is empty.');
  else {
    const unknown = unknownPlaceholders(answers.command, answers.parameters ?? []);
    if (unknown.length) problems.push(`The command uses unknown placeholders: ${unknown.map((u) => `\${${u}}`).join(', ')}.`);
  }
  if (!answers.log || answers.log.trim() === '') problems.push('Say where the trial log is, e.g. runs/${trial}/metrics.jsonl.');
  if (answers.budget !== undefined && !(Number.isInteger(answers.budget) && answers.budget >= 1)) problems.push('budget must be a whole number ≥ 1.');
  if (answers.parallel !== undefined && !(Number.isInteger(answers.parallel) && answers.parallel >= 1)) problems.push('parallel must be a whole number ≥ 1.');
  return problems;
}
