import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { completeAt } from '../../../src/formats/completion';
import { hoverAt } from '../../../src/formats/hover';

const FIXTURE = readFileSync(new URL('../../fixtures/experiments/cifar10-wrn.hyperbo.yaml', import.meta.url), 'utf8');
const SPACE = 'objective: { metric: loss }\nsearch_space:\n  lr: { type: float, low: 1.0e-4, high: 1, scale: log }\n  opt: { type: categorical, choices: [adam, sgd] }\n';

/** Completion labels at the `|` marker. */
function labels(textWithCursor: string, options = {}): string[] {
  const offset = textWithCursor.indexOf('|');
  return completeAt(textWithCursor.replace('|', ''), offset, options).map((i) => i.label);
}

describe('formats/completion', () => {
  it('completes top-level keys not yet present', () => {
    assert.deepEqual(labels('|'), ['name', 'description', 'seed', 'objective', 'search_space', 'prior', 'acquisition', 'budget', 'run', 'trials']);
    assert.deepEqual(labels('name: x\nobjective: {metric: m}\n|'), ['description', 'seed', 'search_space', 'prior', 'acquisition', 'budget', 'run', 'trials']);
  });

  it('completes nested keys in block and flow mappings, with documentation and the replaced range', () => {
    assert.deepEqual(labels('objective:\n  metric: x\n  go|\n'), ['goal', 'reduce', 'divergence_factor', 'warp', 'tails', 'normalize']);
    assert.deepEqual(labels('objective: { metric: x, | }\n'), ['goal', 'reduce', 'divergence_factor', 'warp', 'tails', 'normalize']);
    const text = 'acquisition:\n  ty\n';
    const items = completeAt(text, text.indexOf('ty') + 2);
    const type = items.find((i) => i.label === 'type')!;
    assert.deepEqual(type.range, { start: text.indexOf('ty'), end: text.indexOf('ty') + 2 });
    assert.equal(type.insertText, 'type: ');
    assert.match(type.documentation!, /acquisition function/);
    assert.equal(type.detail, 'string: auto | ucb | ei | pi');
  });

  it('completes enum values with their descriptions', () => {
    assert.deepEqual(labels('objective:\n  goal: mi|\n'), ['minimize', 'maximize']);
    assert.deepEqual(labels('search_space:\n  lr: { type: float, scale: | }\n'), ['linear', 'log']);
    assert.deepEqual(labels('search_space:\n  lr:\n    type: |\n'), ['float', 'int', 'categorical']);
    assert.deepEqual(labels('prior:\n  kernel: mat|'), ['se', 'matern32', 'matern52', 'se-mlp', 'matern32-mlp', 'matern52-mlp']);
    assert.deepEqual(labels('run:\n  capture: |'), ['true', 'false']);
    const status = completeAt('trials:\n  - id: 1\n    status: ', 30);
    assert.deepEqual(status.map((i) => i.label), ['pending', 'running', 'completed', 'failed', 'diverged', 'stopped']);
    assert.match(status.find((i) => i.label === 'diverged')!.documentation!, /NaN\/inf/);
    assert.match(status.find((i) => i.label === 'stopped')!.documentation!, /run\.stopping/);
  });

  it('completes run.stopping from the schema: its keys and the rule', () => {
    assert.deepEqual(labels('run:\n  command: [x]\n  stopping:\n    |\n'), ['rule', 'min_steps', 'warmup_trials']);
    assert.deepEqual(labels('run:\n  stopping: { rule: | }\n'), ['median']);
    assert.ok(labels('run:\n  command: [x]\n  |\n').includes('stopping'));
  });

  it('completes trial keys in block sequences at either indentation', () => {
    assert.deepEqual(labels('trials:\n- id: 1\n  |\n'), ['params', 'status', 'value', 'step', 'log', 'run', 'job', 'started', 'pid', 'runner', 'finished', 'reason']);
    assert.deepEqual(labels('trials:\n  - |\n'), ['id', 'params', 'status', 'value', 'step', 'log', 'run', 'job', 'started', 'pid', 'runner', 'finished', 'reason']);
  });

  it('offers the search space under a trial\'s params, and choices for categorical values', () => {
    assert.deepEqual(labels(SPACE + 'trials:\n  - id: 1\n    params: { | }\n'), ['lr', 'opt']);
    assert.deepEqual(labels(SPACE + 'trials:\n  - id: 1\n    params:\n      lr: 0.5\n      |\n'), ['opt']);
    assert.deepEqual(labels(SPACE + 'trials:\n  - id: 1\n    params: { lr: 0.1, opt: | }\n'), ['adam', 'sgd']);
  });

  it('offers ${} placeholders in run strings and metric names when the caller knows them', () => {
    const text = SPACE + 'run:\n  command: [python, "--lr=${l"]\n';
    const offset = text.indexOf('${l') + 3;
    const items = completeAt(text, offset);
    assert.deepEqual(items.map((i) => [i.label, i.insertText]), [['trial', 'trial}'], ['run', 'run}'], ['lr', 'lr}'], ['opt', 'opt}']]);
    assert.deepEqual(items[1]!.range, { start: offset - 1, end: offset });
    assert.deepEqual(labels('objective:\n  metric: |\n', { metricNames: ['valid/error_rate', 'train loss'] }), ['valid/error_rate', 'train loss']);
    assert.deepEqual(completeAt('objective:\n  metric: ', 21, { metricNames: ['train loss'] })[0]!.insertText, '"train loss"');
  });

  it('offers nothing inside comments or for free-form names', () => {
    assert.deepEqual(labels('# obj|\n'), []);
    assert.deepEqual(labels('search_space:\n  |\n'), []);
  });
});

describe('formats/completion: the cursor\'s place comes from the structure index (awkward files)', () => {
  const TRIAL_KEYS = ['id', 'params', 'status', 'value', 'step', 'log', 'run', 'job', 'started', 'pid', 'runner', 'finished', 'reason'];
  it('inside a block scalar there is no key to complete, whatever its lines look like', () => {
    assert.deepEqual(labels('description: |\n  first line\n    |\nobjective: {metric: m}\n'), []);
    assert.deepEqual(labels('description: >\n  goal: not a key\n  |\n'), []);
  });

  it('flow-map trials, comments at any column and blank lines between a block item and its keys', () => {
    const text =
      'trials:   # the history\n  - {id: 1, params: {lr: 0.1}, status: completed, value: 2}\n\n# a note at column 0\n  - id: 2\n\n      # indented more\n    params: {lr: 0.2}\n    |\n    status: pending\n';
    assert.deepEqual(labels(text), TRIAL_KEYS.filter((k) => !['id', 'params', 'status'].includes(k)));
    assert.deepEqual(labels(SPACE + 'trials:\n  - {id: 1, params: {lr: 0.1, opt: adam}}\n  - id: 2\n    params:\n      # lr first\n      lr: 0.2\n\n      |'), ['opt']);
    assert.deepEqual(labels(SPACE + 'trials:\n  - id: 2\n    params: {lr: 0.2, opt: |}'), ['adam', 'sgd']);
  });

  it('the cursor at the end of the file, without a final line break, in a new item and after a comment', () => {
    assert.deepEqual(labels('trials:\n  - id: 1\n    status: completed\n    value: 1\n  - |'), TRIAL_KEYS);
    assert.deepEqual(labels('objective: # what to optimise\n  metric: m\n  # goal next\n  go|'), ['goal', 'reduce', 'divergence_factor', 'warp', 'tails', 'normalize']);
    const run = labels('run:\n  command: [x]\n  sched|');
    assert.ok(run.includes('scheduler') && !run.includes('command'), run.join());
  });

  it('the search space\'s names when the rest of the file does not parse yet', () => {
    const broken = 'objective: {metric: m\nsearch_space:\n  lr: {type: float, low: 0, high: 1}\n  # a comment\n  depth: {type: int, low: 1, high: 4}\ntrials:\n  - id: 1\n    params: {|}\n';
    assert.deepEqual(labels(broken).sort(), ['depth', 'lr']);
  });
});

describe('formats/hover', () => {
  const at = (needle: string, delta = 1) => hoverAt(FIXTURE, FIXTURE.indexOf(needle) + delta);

  it('explains keys from the schema', () => {
    const h = at('kernel:')!;
    assert.match(h.markdown, /^\*\*`prior\.kernel`\*\* — one of `se`, `matern32`/);
    assert.match(h.markdown, /-mlp/);
    assert.equal(FIXTURE.slice(h.range.start, h.range.end), 'kernel');
  });

  it('explains enum values', () => {
    const h = at('minimize')!;
    assert.match(h.markdown, /\*\*`minimize`\*\* \(`objective\.goal`\)\n\nSmaller is better/);
    assert.match(at('status: diverged', 10)!.markdown, /bad region/);
  });

  it('describes parameters and where a trial value sits in the range', () => {
    assert.match(at('learning_rate:')!.markdown, /\*\*learning\\_rate\*\* — float in \\\[1e-5, 10\\\] on a log scale/);
    const value = hoverAt(FIXTURE, FIXTURE.indexOf('learning_rate: 0.1,') + 16)!;
    // log10(0.1) is 4 of the 6 decades from 1e-5 to 10.
    assert.match(value.markdown, /0\.1 sits at 67% of the range \(in log space\)/);
  });

  it('expands placeholders', () => {
    const h = at('${one_minus_momentum}', 3)!;
    assert.match(h.markdown, /the trial's value of \*\*one\\_minus\\_momentum\*\*/);
    assert.equal(FIXTURE.slice(h.range.start, h.range.end), '${one_minus_momentum}');
    assert.match(at('${trial}', 2)!.markdown, /trial's id/);
    const withRun = 'objective: { metric: m }\nsearch_space: { x: { type: float, low: 0, high: 1 } }\nrun: { command: [t], log: "runs/${trial}-${run}.jsonl" }\n';
    assert.match(hoverAt(withRun, withRun.indexOf('${run}') + 2)!.markdown, /id of the trial's run/);
  });

  it('returns undefined away from keys and values', () => {
    assert.equal(hoverAt(FIXTURE, 3), undefined); // inside the leading comment
  });
});
