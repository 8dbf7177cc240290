import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LineIndex, MAX_PARAMETERS, parseExperiment, type Diagnostic, type DiagnosticCode } from '../../../src/formats/experiment';
import { createRng, HaltonSequence } from '../../../src/engine/rng';
import { experimentSchema } from '../../../src/formats/experimentSchema';
import { structureOf } from '../../../src/formats/structure';

const FIXTURE = readFileSync(new URL('../../fixtures/experiments/cifar10-wrn.hyperbo.yaml', import.meta.url), 'utf8');

const BASE = `objective: { metric: loss }
search_space:
  lr: { type: float, low: 1.0e-4, high: 1, scale: log }
  layers: { type: int, low: 1, high: 8 }
  opt: { type: categorical, choices: [adam, sgd] }
`;

/** The one diagnostic with this code, with its range as [line, char, endLine, endChar]. */
function only(text: string, code: DiagnosticCode, options = {}): { d: Diagnostic; at: number[]; source: string } {
  const { diagnostics } = parseExperiment(text, options);
  const found = diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(diagnostics, null, 1)}`);
  const d = found[0]!;
  const lines = new LineIndex(text);
  const s = lines.positionAt(d.range.start);
  const e = lines.positionAt(d.range.end);
  return { d, at: [s.line, s.character, e.line, e.character], source: text.slice(d.range.start, d.range.end) };
}

/** [line, char, endLine, endChar] of the n-th occurrence of `needle` (after `after`, when given). */
function where(text: string, needle: string, after = ''): number[] {
  const from = after ? text.indexOf(after) : 0;
  const start = text.indexOf(needle, from);
  assert.ok(start >= 0, `${needle} not in text`);
  const lines = new LineIndex(text);
  const s = lines.positionAt(start);
  const e = lines.positionAt(start + needle.length);
  return [s.line, s.character, e.line, e.character];
}

describe('formats/experiment: parsing', () => {
  it('reads the documented example into a typed model without errors', () => {
    const r = parseExperiment(FIXTURE, { globMatches: () => true });
    assert.deepEqual(r.diagnostics, []);
    assert.ok(r.ok);
    const e = r.experiment!;
    assert.equal(e.name, 'cifar10-wrn-bs256');
    assert.equal(e.seed, 7);
    assert.deepEqual(e.objective, { metric: 'valid/error_rate', goal: 'minimize', reduce: 'min', divergenceFactor: 1e6 });
    assert.deepEqual(e.searchSpace.map((p) => [p.name, p.type]), [
      ['learning_rate', 'float'], ['one_minus_momentum', 'float'], ['lr_decay_power', 'float'],
      ['lr_decay_steps_factor', 'float'], ['warmup_epochs', 'int'], ['optimizer', 'categorical'],
    ]);
    assert.deepEqual(e.searchSpace[0], { name: 'learning_rate', type: 'float', low: 1e-5, high: 10, scale: 'log', range: e.searchSpace[0]!.range });
    assert.equal(FIXTURE.slice(e.searchSpace[0]!.range.start, e.searchSpace[0]!.range.end), 'learning_rate');
    assert.deepEqual(e.prior, {
      from: ['related/*.hyperbo.yaml', 'data/pd1/*.jsonl.gz'], objective: 'auto', mean: 'linear-mlp', kernel: 'matern52',
      kernelOnFeatures: true, metric: undefined, exclude: ['cifar10/wide_resnet/256'],
    });
    assert.deepEqual(e.acquisition, { type: 'ucb', beta: 1 });
    assert.equal(e.budget, 40);
    assert.equal(e.run!.parallel, 2);
    assert.equal(e.run!.log, 'runs/${trial}/metrics.jsonl');
    assert.deepEqual(e.run!.env, { PYTHONUNBUFFERED: '1' });
    assert.deepEqual(e.trials.map((t) => [t.id, t.status, t.value]), [[1, 'completed', 0.231], [2, 'diverged', undefined], [3, 'running', undefined]]);
    assert.equal(e.trials[0]!.params.optimizer, 'momentum');
    // Where they are is the structure index's job (one index shared with hover, completion and edits).
    const s = structureOf(FIXTURE);
    assert.match(FIXTURE.slice(s.trial(2)!.range.start, s.trial(2)!.range.end), /^id: 2\n/);
    assert.equal(FIXTURE.slice(s.trialsBlock!.keyRange.start, s.trialsBlock!.keyRange.end), 'trials');
  });

  it('applies defaults: reduce follows the goal, auto acquisition, parallel 1, name from the file name, missing prior = plain GP', () => {
    const r = parseExperiment('objective: { metric: acc, goal: maximize }\nsearch_space: { x: { type: float, low: 0, high: 1 } }\n', { fileName: '/w/tune/mnist.hyperbo.yaml' });
    assert.ok(r.ok, JSON.stringify(r.diagnostics));
    assert.equal(r.experiment!.objective.reduce, 'max');
    assert.equal(r.experiment!.name, 'mnist');
    assert.equal(r.experiment!.prior, undefined);
    assert.deepEqual(r.experiment!.acquisition, { type: 'auto' });
    // Without a type, a beta still means UCB and an xi PI, as they did before auto.
    assert.deepEqual(parseExperiment(BASE + 'acquisition: { beta: 2 }\n').experiment!.acquisition, { type: 'ucb', beta: 2 });
    assert.deepEqual(parseExperiment(BASE + 'acquisition: { xi: 0.2 }\n').experiment!.acquisition, { type: 'pi', xi: 0.2 });
    assert.deepEqual(parseExperiment(BASE + 'acquisition: { type: auto }\n').experiment!.acquisition, { type: 'auto' });
    assert.deepEqual(r.experiment!.trials, []);
    assert.equal(parseExperiment(BASE + 'prior: { from: [] }\n').experiment!.prior, undefined);
    assert.equal(parseExperiment(BASE + 'prior:\n').experiment!.prior, undefined);
  });

  it('accepts a single glob string in prior.from and splits -mlp kernels', () => {
    const r = parseExperiment(BASE + 'prior: { from: "data/*.jsonl", kernel: se }\n');
    assert.deepEqual(r.experiment!.prior!.from, ['data/*.jsonl']);
    assert.equal(r.experiment!.prior!.kernel, 'se');
    assert.equal(r.experiment!.prior!.kernelOnFeatures, false);
  });

  it('keeps the schema and the parser in step: every documented key parses', () => {
    const keys = Object.keys(experimentSchema.properties!);
    assert.deepEqual(keys, ['name', 'description', 'seed', 'objective', 'search_space', 'prior', 'acquisition', 'budget', 'run', 'trials']);
  });
});

describe('formats/experiment: diagnostics at the offending node', () => {
  it('unknown key with a suggestion', () => {
    const { d, at, source } = only(BASE + 'acquisiton: { type: ei }\n', 'unknown-key');
    assert.deepEqual(at, [5, 0, 5, 10]);
    assert.equal(source, 'acquisiton');
    assert.match(d.message, /did you mean "acquisition"\?/);
    assert.equal(d.severity, 'error');
  });

  it('unknown nested key, e.g. a typo in a parameter', () => {
    const text = BASE.replace('scale: log', 'scael: log');
    const { d, at } = only(text, 'unknown-key');
    assert.deepEqual(at, where(text, 'scael'));
    assert.equal(at[0], 2);
    assert.match(d.message, /"scale"/);
  });

  it('wrong types: a string bound, a string budget, a float parallel', () => {
    const text = BASE.replace('high: 8', 'high: "8"');
    const a = only(text, 'wrong-type');
    assert.deepEqual(a.at, where(text, '"8"'));
    assert.equal(a.at[0], 3);
    assert.match(a.d.message, /search_space\.layers\.high is a string \("8"\); expected a number/);
    const b = only(BASE + 'budget: lots\n', 'wrong-type');
    assert.deepEqual(b.at, [5, 8, 5, 12]);
    const c = only(BASE + 'run: { command: [x], log: l, parallel: 1.5 }\n', 'wrong-type');
    assert.match(c.d.message, /whole number/);
    assert.equal(c.source, '1.5');
  });

  it('a key with no value points at the key', () => {
    const { at, d } = only(BASE + 'budget:\n', 'wrong-type');
    assert.deepEqual(at, [5, 0, 5, 6]);
    assert.match(d.message, /has no value/);
  });

  it('objective.warp and objective.tails override the automatic output rule; bad values are flagged', () => {
    const e = parseExperiment(BASE.replace('{ metric: loss }', '{ metric: loss, warp: log, tails: half-rank }')).experiment!;
    assert.deepEqual(e.objective.output, { warp: 'log', tails: 'half-rank' });
    assert.equal(parseExperiment(BASE).experiment!.objective.output, undefined, 'absent: auto');
    const { d } = only(BASE.replace('{ metric: loss }', '{ metric: loss, tails: rank }'), 'invalid-value');
    assert.match(d.message, /auto, half-rank, none/);
  });

  it('objective.normalize: copula overrides the normalisation; auto is the default; a typo is flagged', () => {
    const e = parseExperiment(BASE.replace('{ metric: loss }', '{ metric: loss, normalize: copula }')).experiment!;
    assert.deepEqual(e.objective.output, { normalization: 'copula' });
    assert.equal(parseExperiment(BASE.replace('{ metric: loss }', '{ metric: loss, normalize: auto }')).experiment!.objective.output, undefined);
    const { d } = only(BASE.replace('{ metric: loss }', '{ metric: loss, normalize: copola }'), 'invalid-value');
    assert.match(d.message, /did you mean "copula"\?.*auto, copula/);
  });

  it('invalid enum values with suggestions', () => {
    const text = BASE.replace('{ metric: loss }', '{ metric: loss, goal: minimise }');
    const { d, at } = only(text, 'invalid-value');
    assert.deepEqual(at, [0, 33, 0, 41]);
    assert.deepEqual(at, where(text, 'minimise'));
    assert.match(d.message, /did you mean "minimize"/);
  });

  it('low >= high at the low bound', () => {
    const text = BASE.replace('low: 1, high: 8', 'low: 8, high: 8');
    const { at, d } = only(text, 'bounds-order');
    assert.deepEqual(at, [3, 28, 3, 29]);
    assert.deepEqual(at, where(text, '8', 'low: '));
    assert.match(d.message, /low \(8\) must be less than high \(8\)/);
  });

  it('log scale with low <= 0', () => {
    const text = BASE.replace('low: 1.0e-4', 'low: 0');
    const { at, d } = only(text, 'log-scale-nonpositive');
    assert.deepEqual(at, [2, 26, 2, 27]);
    assert.deepEqual(at, where(text, '0', 'low: '));
    assert.match(d.message, /low > 0/);
  });

  it('int bounds must be whole numbers; categorical needs distinct choices', () => {
    assert.equal(only(BASE.replace('low: 1, high: 8', 'low: 1, high: 8.5'), 'wrong-type').source, '8.5');
    const dup = only(BASE.replace('[adam, sgd]', '[adam, sgd, adam]'), 'duplicate-choice');
    assert.deepEqual(dup.at, [4, 49, 4, 53]);
    assert.match(only(BASE.replace(', choices: [adam, sgd]', ''), 'missing-key').d.message, /needs choices/);
  });

  it('duplicate parameter names at the second definition', () => {
    const text = BASE.replace('  opt:', '  lr: { type: float, low: 0, high: 1 }\n  opt:');
    const second = only(text, 'duplicate-parameter');
    assert.deepEqual(second.at, [4, 2, 4, 4]);
    assert.match(second.d.message, /defined twice \(first on line 3\)/);
  });

  it('missing objective and search_space are reported at the start', () => {
    const r = parseExperiment('name: x\n');
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.range.start]), [['missing-key', 0], ['missing-key', 0]]);
    assert.equal(r.experiment, undefined);
    assert.equal(r.ok, false);
  });

  it('trial params outside the space, missing or unknown', () => {
    const trials = `trials:
  - { id: 1, params: { lr: 5, layers: 2, opt: adam } }
  - { id: 2, params: { lr: 0.1, opt: adam } }
  - { id: 3, params: { lr: 0.1, layers: 2, opt: adam, lyers: 2 }, status: completed, value: 1 }
  - { id: 4, params: { lr: 0.1, layers: 2, opt: rmsprop }, status: completed, value: 2 }
`;
    const text = BASE + trials;
    const r = parseExperiment(text);
    const lines = new LineIndex(text);
    const pick = (code: DiagnosticCode) => r.diagnostics.filter((d) => d.code === code).map((d) => {
      const p = lines.positionAt(d.range.start);
      return [p.line, p.character, d.severity, text.slice(d.range.start, d.range.end)];
    });
    assert.deepEqual(pick('param-out-of-space'), [[6, 27, 'error', '5'], [9, 48, 'warning', 'rmsprop']]);
    assert.deepEqual(pick('param-missing'), [[7, 13, 'error', 'params']]);
    assert.deepEqual(pick('param-unknown'), [[8, 54, 'warning', 'lyers']]);
    assert.match(r.diagnostics.find((d) => d.code === 'param-unknown')!.message, /did you mean "layers"/);
    // Invalid pending trials are left out; the finished one outside the space is kept and flagged.
    assert.deepEqual(r.experiment!.trials.map((t) => [t.id, t.outsideSpace ?? false]), [[3, false], [4, true]]);
  });

  it('unknown statuses, duplicate ids, completed trials without a value', () => {
    const text = BASE + `trials:
  - id: 1
    params: { lr: 0.1, layers: 2, opt: adam }
    status: done
  - id: 1
    params: { lr: 0.1, layers: 2, opt: adam }
    status: completed
`;
    const lines = new LineIndex(text);
    const r = parseExperiment(text);
    const at = (code: DiagnosticCode) => r.diagnostics.filter((d) => d.code === code).map((d) => lines.rangeAt(d.range));
    assert.deepEqual(at('invalid-value'), [{ start: { line: 8, character: 12 }, end: { line: 8, character: 16 } }]);
    assert.match(r.diagnostics.find((d) => d.code === 'invalid-value')!.message, /"done" is not a valid trials\[\]\.status.*pending, running, completed, failed, diverged/);
    assert.deepEqual(at('duplicate-trial-id'), [{ start: { line: 9, character: 8 }, end: { line: 9, character: 9 } }]);
    assert.deepEqual(at('missing-value'), [{ start: { line: 11, character: 12 }, end: { line: 11, character: 21 } }]);
  });

  it('a parameter left out for its own error is still a placeholder: one error (its bounds), not also "${lr} names no parameter"', () => {
    const text = BASE.replace('low: 1.0e-4, high: 1,', 'low: 1, high: 1.0e-4,').replace('type: int, low: 1', 'type: int, low: one') +
      'run:\n  command: [python, train.py, "--lr=${lr}", "--layers=${layers}", "--opt=${opt}"]\n  log: runs/${trial}.log\n';
    const { diagnostics } = parseExperiment(text);
    assert.deepEqual(diagnostics.filter((d) => d.severity === 'error').map((d) => d.code).sort(), ['bounds-order', 'wrong-type']);
  });

  it('a placeholder that names no parameter, at the placeholder itself', () => {
    const text = BASE + 'run:\n  command: [python, train.py, "--lr=${lr}", --depth, "${layer}"]\n  log: runs/${trail}.log\n';
    const r = parseExperiment(text);
    const found = r.diagnostics.filter((d) => d.code === 'unknown-placeholder');
    const lines = new LineIndex(text);
    assert.deepEqual(found.map((d) => [lines.positionAt(d.range.start).line, lines.positionAt(d.range.start).character, text.slice(d.range.start, d.range.end)]), [
      [6, 54, '${layer}'],
      [7, 12, '${trail}'],
    ]);
    assert.match(found[0]!.message, /did you mean \$\{layers\}/);
    assert.match(found[1]!.message, /did you mean \$\{trial\}/);
  });

  it('a parameter named trial or run: a warning on its name that the placeholder means the reserved value', () => {
    for (const [name, meaning] of [['trial', "the trial's id"], ['run', "the id of the trial's run"]] as const) {
      const text = BASE + `  ${name}: { type: int, low: 1, high: 4 }\nrun: { command: [x, "\${${name}}"], log: l }\n`;
      const { d, at, source } = only(text, 'reserved-name');
      assert.equal(d.severity, 'warning');
      assert.deepEqual([at[0], source], [5, name]);
      assert.match(d.message, new RegExp(`^\\$\\{${name}\\} in run\\.command.* means ${meaning}, not this parameter's value; rename the parameter`));
      assert.ok(parseExperiment(text).ok, 'a warning: the file stays usable');
    }
    assert.equal(parseExperiment(BASE + '  trials: { type: int, low: 1, high: 4 }\n').diagnostics.length, 0, 'only the exact names');
  });

  it('run.scheduler slurm with sbatch options, and the job id a trial records', () => {
    const text =
      BASE +
      'run:\n  scheduler: slurm\n  command: [python, train.py, --lr, "${lr}"]\n  log: runs/${trial}.log\n  sbatch: [--time=01:00:00, "--job-name=t${trial}"]\n' +
      'trials:\n  - { id: 1, params: { lr: 0.1, layers: 2, opt: adam }, status: running, job: "4711" }\n  - { id: 2, params: { lr: 0.1, layers: 2, opt: sgd }, status: running, job: 4712 }\n';
    const r = parseExperiment(text);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.experiment!.run!.scheduler, 'slurm');
    assert.deepEqual(r.experiment!.run!.sbatch, ['--time=01:00:00', '--job-name=t${trial}']);
    assert.deepEqual(r.experiment!.trials.map((t) => t.job), ['4711', '4712']);
    // Default: local processes, no sbatch options.
    const local = parseExperiment(BASE + 'run: { command: [x], log: l }\n').experiment!.run!;
    assert.equal(local.scheduler, 'local');
    assert.deepEqual(local.sbatch, []);
  });

  it('run.scheduler: an unknown scheduler, a placeholder in sbatch, sbatch without slurm', () => {
    const bad = only(BASE + 'run: { command: [x], log: l, scheduler: pbs }\n', 'invalid-value');
    assert.equal(bad.source, 'pbs');
    const ph = only(BASE + 'run: { command: [x], log: l, scheduler: slurm, sbatch: ["--comment=${rate}"] }\n', 'unknown-placeholder');
    assert.match(ph.d.message, /run\.sbatch/);
    const stray = only(BASE + 'run: { command: [x], log: l, sbatch: [--time=5] }\n', 'inconsistent-setting');
    assert.equal(stray.source, 'sbatch');
    assert.equal(stray.d.severity, 'warning');
  });

  it('run.stopping: the median rule with its defaults, and a stopped trial with its step and value', () => {
    const text =
      BASE +
      'run:\n  command: [x]\n  log: l\n  stopping: { rule: median, min_steps: 20, warmup_trials: 3 }\n' +
      'trials:\n  - { id: 1, params: { lr: 0.1, layers: 2, opt: adam }, status: stopped, step: 40, value: 0.9 }\n';
    const r = parseExperiment(text);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.experiment!.run!.stopping, { rule: 'median', minSteps: 20, warmupTrials: 3 });
    assert.deepEqual(r.experiment!.trials.map((t) => [t.status, t.step, t.value]), [['stopped', 40, 0.9]]);
    assert.deepEqual(parseExperiment(BASE + 'run: { command: [x], log: l, stopping: { rule: median } }\n').experiment!.run!.stopping, { rule: 'median', minSteps: 0, warmupTrials: 5 });
    // Opt-in: no stopping section, no stopping.
    assert.equal(parseExperiment(BASE + 'run: { command: [x], log: l }\n').experiment!.run!.stopping, undefined);
  });

  it('run without log: a hint (not a warning) saying where the output is captured; the file stays usable', () => {
    const r = parseExperiment(BASE + 'run: { command: [python, train.py] }\n');
    assert.equal(r.ok, true);
    const { d, source } = only(BASE + 'run: { command: [python, train.py] }\n', 'missing-key');
    assert.equal(d.severity, 'hint');
    assert.equal(source, 'run');
    assert.match(d.message, /captured to \.hyperbo\/runs\//);
    assert.equal(r.experiment!.run!.log, undefined);
  });

  it('run.stopping: a bad rule, a missing rule, bad numbers and unknown keys are errors at the node', () => {
    assert.equal(only(BASE + 'run: { command: [x], log: l, stopping: { rule: mean } }\n', 'invalid-value').source, 'mean');
    assert.match(only(BASE + 'run: { command: [x], log: l, stopping: { min_steps: 3 } }\n', 'missing-key').d.message, /run\.stopping is missing "rule"/);
    assert.equal(only(BASE + 'run: { command: [x], log: l, stopping: { rule: median, warmup_trials: 0 } }\n', 'invalid-value').source, '0');
    assert.equal(only(BASE + 'run: { command: [x], log: l, stopping: { rule: median, warmup_trials: 2.5 } }\n', 'wrong-type').source, '2.5');
    assert.equal(only(BASE + 'run: { command: [x], log: l, stopping: { rule: median, min_steps: -1 } }\n', 'invalid-value').source, '-1');
    assert.match(only(BASE + 'run: { command: [x], log: l, stopping: { rule: median, min_step: 3 } }\n', 'unknown-key').d.message, /did you mean "min_steps"/);
  });

  it('a command written as one string gets an actionable message', () => {
    const { d } = only(BASE + 'run: { command: "python train.py --lr ${lr}", log: x }\n', 'wrong-type');
    assert.match(d.message, /list of arguments.*\["python", "train.py", "--lr", "\$\{lr\}"\]/);
  });

  it('a prior glob that matches nothing, through the injected matcher', () => {
    const text = BASE + 'prior:\n  from: [tune/*.hyperbo.yaml, data/missing/*.jsonl.gz]\n';
    const seen: string[] = [];
    const { at, d } = only(text, 'prior-glob-empty', { globMatches: (g: string) => (seen.push(g), g.startsWith('tune/')) });
    assert.deepEqual(seen, ['tune/*.hyperbo.yaml', 'data/missing/*.jsonl.gz']);
    assert.deepEqual(at, where(text, 'data/missing/*.jsonl.gz'));
    assert.equal(d.severity, 'warning');
    // Without a matcher nothing is checked.
    assert.equal(parseExperiment(text).diagnostics.length, 0);
  });

  it('YAML syntax errors become diagnostics and the model is not ok', () => {
    const r = parseExperiment(BASE + 'trials: [\n');
    assert.ok(r.diagnostics.some((d) => d.code === 'yaml-syntax' && d.severity === 'error'));
    assert.equal(r.ok, false);
    assert.ok(!r.diagnostics[0]!.message.includes('\n'));
  });

  it('a document that is not a mapping', () => {
    const r = parseExperiment('- just\n- a list\n');
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['not-a-mapping']);
    assert.deepEqual(parseExperiment('').diagnostics.map((d) => d.code), ['not-a-mapping']);
  });

  it('warns about settings that contradict each other', () => {
    const r = parseExperiment(BASE.replace('{ metric: loss }', '{ metric: loss, reduce: max }') + 'acquisition: { type: ei, beta: 2 }\n');
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity]), [['inconsistent-setting', 'warning'], ['inconsistent-setting', 'warning']]);
    assert.ok(r.ok);
  });
});

describe('formats/experiment: hostile and oversized definitions (issue 10 item 7)', () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`a parameter named ${name} is an error at its name and never reaches a trial's params`, () => {
      const text = BASE + `  ${name}: { type: float, low: 0, high: 1 }\ntrials:\n  - { id: 0, params: { lr: 0.1, layers: 2, opt: adam, ${name}: 0.5 }, status: pending }\n`;
      const { d, at } = only(text, 'reserved-name');
      assert.equal(d.severity, 'error');
      assert.deepEqual(at, where(text, name));
      const result = parseExperiment(text);
      assert.equal(result.ok, false);
      assert.ok(!result.parameters.some((p) => p.name === name));
      const params = result.experiment!.trials[0]!.params;
      assert.equal(Object.getPrototypeOf(params), Object.prototype);
      assert.ok(!Object.hasOwn(params, name));
      assert.ok(!result.diagnostics.some((x) => x.code === 'param-unknown'), 'the definition error only');
    });
  }

  it('a run.env key __proto__ stays an own variable, never the prototype', () => {
    const result = parseExperiment(BASE + 'run: { command: [x], env: { __proto__: polluted, A: b } }\n');
    const env = result.experiment!.run!.env;
    assert.equal(Object.getPrototypeOf(env), Object.prototype);
    assert.deepEqual(Object.entries(env), [['__proto__', 'polluted'], ['A', 'b']]);
  });

  it(`more than MAX_PARAMETERS (${MAX_PARAMETERS}) parameters is an error on search_space; the engine handles that many`, () => {
    const space = (n: number): string => 'objective: { metric: loss }\nsearch_space:\n' + Array.from({ length: n }, (_, i) => `  p${i}: { type: float, low: 0, high: 1 }\n`).join('');
    const big = space(2000);
    const { d, at } = only(big, 'too-many-parameters');
    assert.equal(d.severity, 'error');
    assert.deepEqual(at, where(big, 'search_space'));
    assert.match(d.message, /2000 parameters; at most 40/);
    assert.equal(parseExperiment(big).ok, false);
    assert.equal(parseExperiment(space(MAX_PARAMETERS + 1)).ok, false);
    assert.equal(parseExperiment(space(MAX_PARAMETERS)).ok, true);
    assert.doesNotThrow(() => new HaltonSequence(MAX_PARAMETERS, createRng(1)).take(4));
  });

  for (const [where_, run] of [
    ['run.command', 'run: { command: [python, train.py, "--lr=${lr"] }'],
    ['run.log', 'run: { command: [x], log: "logs/${trial.log" }'],
    ['run.env.A', 'run: { command: [x], env: { A: "a ${lr} b ${opt" } }'],
    ['run.sbatch', 'run: { command: [x], scheduler: slurm, sbatch: ["--job-name=${opt"] }'],
  ] as const) {
    it(`an unclosed \${ in ${where_} is an error at its offset`, () => {
      const text = BASE + run + '\n';
      const { d, at, source } = only(text, 'unclosed-placeholder');
      assert.equal(d.severity, 'error');
      assert.equal(source, '${');
      assert.deepEqual(at, where(text, '${', where_ === 'run.env.A' ? ' b ${' : ''));
      assert.match(d.message, new RegExp(where_.replace('.', '\\.')));
    });
  }

  it('closed placeholders and a lone $ or { are not flagged', () => {
    const result = parseExperiment(BASE + 'run: { command: [x, "${lr}", "$HOME", "{a}", "$"], log: "l-${trial}" }\n');
    assert.deepEqual(result.diagnostics, []);
  });

  it("an invalid parameter definition is reported once, on the definition, not again on the trials' values", () => {
    const text = BASE.replace('type: int, low: 1, high: 8', 'type: flot, low: 1, high: 8') +
      'trials:\n  - { id: 0, params: { lr: 0.1, layers: 2, opt: adam }, status: completed, value: 1 }\n';
    const { diagnostics } = parseExperiment(text);
    assert.deepEqual(diagnostics.map((d) => d.code), ['invalid-value']);
    assert.deepEqual(only(text, 'invalid-value').at, where(text, 'flot'));
    // A name not defined at all still gets the warning.
    assert.equal(only(BASE + 'trials:\n  - { id: 0, params: { lr: 0.1, layers: 2, opt: adam, extra: 1 }, status: pending }\n', 'param-unknown').source, 'extra');
  });
});

describe('formats/text: LineIndex', () => {
  it('converts offsets and positions both ways, with \\r\\n and clamping', () => {
    const text = 'ab\r\ncd\nef';
    const idx = new LineIndex(text);
    assert.deepEqual(idx.positionAt(0), { line: 0, character: 0 });
    assert.deepEqual(idx.positionAt(4), { line: 1, character: 0 });
    assert.deepEqual(idx.positionAt(8), { line: 2, character: 1 });
    assert.deepEqual(idx.positionAt(999), { line: 2, character: 2 });
    assert.equal(idx.offsetAt({ line: 1, character: 1 }), 5);
    assert.equal(idx.offsetAt({ line: 0, character: 99 }), 2);
    for (let o = 0; o <= text.length; o++) if (text[o - 1] !== '\r') assert.equal(idx.offsetAt(idx.positionAt(o)), o);
  });
});

describe('docs/experiment-format.md', () => {
  it('every YAML example in the documentation parses without errors', () => {
    const doc = readFileSync(new URL('../../../docs/experiment-format.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.ok(blocks.length >= 2);
    const full = parseExperiment(blocks[0]!, { globMatches: () => true });
    assert.deepEqual(full.diagnostics, []);
    assert.equal(blocks[0], FIXTURE);
    assert.deepEqual(parseExperiment(blocks[1]!).diagnostics, []);
    const space = parseExperiment('objective: { metric: m }\n' + blocks[2]!);
    assert.deepEqual(space.diagnostics, []);
  });
});
