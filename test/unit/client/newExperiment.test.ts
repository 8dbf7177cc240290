import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  checkAnswers,
  defaultCommandLine,
  parseBounds,
  parseChoices,
  renderExperiment,
  splitCommandLine,
  unknownPlaceholders,
  yamlNumber,
  yamlString,
  type NewExperimentAnswers,
} from '../../../src/client/newExperiment/template';
import { parseExperiment } from '../../../src/formats/experiment';

const answers: NewExperimentAnswers = {
  name: 'cifar10-resnet',
  metric: 'valid/error_rate',
  goal: 'minimize',
  parameters: [
    { name: 'learning_rate', type: 'float', low: 1e-5, high: 10, scale: 'log' },
    { name: 'layers', type: 'int', low: 1, high: 8 },
    { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'yes'] },
  ],
  command: ['python', 'train.py', '--lr', '${learning_rate}', '--layers', '${layers}', '--opt', '${optimizer}', '--out', 'runs/${trial}/m.jsonl'],
  log: 'runs/${trial}/m.jsonl',
  capture: false,
  budget: 30,
};

describe('client New Experiment template', () => {
  it('writes a file the experiment parser accepts without errors, with every answer in it', () => {
    const text = renderExperiment(answers);
    const result = parseExperiment(text, { fileName: 'cifar10-resnet.hyperbo.yaml' });
    assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.equal(result.ok, true);
    const data = parse(text) as Record<string, unknown>;
    assert.deepEqual(data.objective, { metric: 'valid/error_rate', goal: 'minimize', reduce: 'min' });
    assert.deepEqual((data.search_space as Record<string, unknown>).learning_rate, { type: 'float', low: 1e-5, high: 10, scale: 'log' });
    assert.deepEqual((data.search_space as Record<string, unknown>).optimizer, { type: 'categorical', choices: ['adam', 'sgd', 'yes'] }, '"yes" stays a string');
    assert.deepEqual((data.run as Record<string, unknown>).command, answers.command);
    assert.deepEqual(data.trials, []);
    assert.equal(data.budget, 30);
  });

  it('capture mode writes run.capture and a maximised metric reduces by max', () => {
    const text = renderExperiment({ ...answers, goal: 'maximize', capture: true, log: 'runs/${trial}.log', parallel: 3 });
    const data = parse(text) as { run: Record<string, unknown>; objective: Record<string, unknown> };
    assert.equal(data.run.capture, true);
    assert.equal(data.run.parallel, 3);
    assert.equal(data.objective.reduce, 'max');
    assert.equal(parseExperiment(text).ok, true);
  });

  it('quotes only what YAML would misread, and writes exponents PyYAML reads as floats', () => {
    assert.deepEqual(['adam', 'yes', '1e-3', '${x}', 'a b', 'runs/${trial}.log', 'train.py', '--lr'].map(yamlString), ['adam', '"yes"', '"1e-3"', '"${x}"', '"a b"', '"runs/${trial}.log"', 'train.py', '"--lr"']);
    assert.deepEqual([1e-7, 1e-5, 0.001, 10, 2.5e21].map(yamlNumber), ['1.0e-7', '0.00001', '0.001', '10', '2.5e+21']);
  });

  it('splits a command line like a shell would, without expanding anything', () => {
    assert.deepEqual(splitCommandLine(`python train.py --lr \${learning_rate} --name "my run" --tag 'a"b' x\\ y`), ['python', 'train.py', '--lr', '${learning_rate}', '--name', 'my run', '--tag', 'a"b', 'x y']);
    assert.deepEqual(splitCommandLine(`echo "" ''`), ['echo', '', '']);
    assert.match(splitCommandLine('python "unclosed') as string, /unclosed " quote/);
    assert.match(splitCommandLine('   ') as string, /Enter the command/);
  });

  it('offers a default command with every parameter, and finds unknown placeholders', () => {
    assert.equal(defaultCommandLine(answers.parameters.slice(0, 2), 'runs/${trial}/m.jsonl', false), 'python train.py --learning_rate ${learning_rate} --layers ${layers} --out runs/${trial}/m.jsonl');
    assert.deepEqual(unknownPlaceholders(['--lr', '${learning_rat}', '${trial}', '${layers}'], answers.parameters), ['learning_rat']);
  });

  it('checks bounds, choices and whole answers with actionable messages', () => {
    assert.deepEqual(parseBounds('1e-5, 1', 'float', 'log'), { low: 1e-5, high: 1 });
    assert.deepEqual(parseBounds('2 8', 'int', 'linear'), { low: 2, high: 8 });
    assert.match(parseBounds('0, 1', 'float', 'log') as string, /low > 0/);
    assert.match(parseBounds('1, 1', 'float', 'linear') as string, /smaller/);
    assert.match(parseBounds('0.5, 3', 'int', 'linear') as string, /whole-number/);
    assert.match(parseBounds('abc', 'float', 'linear') as string, /two numbers/);
    assert.deepEqual(parseChoices('adam, sgd ,'), ['adam', 'sgd']);
    assert.match(parseChoices('adam') as string, /at least two/);
    assert.deepEqual(checkAnswers(answers), []);
    const bad = checkAnswers({ ...answers, name: 'a b', parameters: [{ name: 'trial', type: 'float', low: 1, high: 0 }], command: ['x', '${nope}'], budget: 0 });
    assert.ok(bad.some((p) => /letters, digits/.test(p)));
    assert.ok(bad.some((p) => /"trial" is reserved/.test(p)));
    assert.ok(bad.some((p) => /low must be smaller/.test(p)));
    assert.ok(bad.some((p) => /unknown placeholders: \$\{nope\}/.test(p)));
    assert.ok(bad.some((p) => /budget/.test(p)));
  });
});
