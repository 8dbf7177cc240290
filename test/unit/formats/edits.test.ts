import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { appendTrialEdit, applyEdit, formatScalar, parameterBoundsEdits, parameterChoicesEdit, toLspEdit, updateTrialEdit, type OffsetEdit } from '../../../src/formats/edits';
import { parseExperiment } from '../../../src/formats/experiment';

const FIXTURE = readFileSync(new URL('../../fixtures/experiments/cifar10-wrn.hyperbo.yaml', import.meta.url), 'utf8');
const PARAMS = { learning_rate: 1.5e-5, one_minus_momentum: 0.1, lr_decay_power: 1, lr_decay_steps_factor: 0.5, warmup_epochs: 2, optimizer: 'nesterov' };

function ok<T>(r: { ok: true; edit: OffsetEdit } & T | { ok: false; message: string }): { edit: OffsetEdit } & T {
  if (!r.ok) assert.fail(r.message);
  return r;
}

/** Asserts the edit touches nothing outside its range and returns the edited text. */
function applyChecked(text: string, edit: OffsetEdit): string {
  const out = applyEdit(text, edit);
  assert.equal(out.slice(0, edit.range.start), text.slice(0, edit.range.start), 'text before the edit changed');
  assert.equal(out.slice(edit.range.start + edit.newText.length), text.slice(edit.range.end), 'text after the edit changed');
  return out;
}

const SMALL = 'objective: {metric: m}\nsearch_space: {x: {type: float, low: 0, high: 1}}\n';

describe('formats/edits: append a trial', () => {
  it('appends in the block style and indentation of the last trial, with the next id', () => {
    const r = ok(appendTrialEdit(FIXTURE, { params: PARAMS, status: 'running', started: '2025-03-02T09:00:00Z' }));
    assert.equal(r.trialId, 4);
    const out = applyChecked(FIXTURE, r.edit);
    assert.ok(out.endsWith(`    started: "2025-03-01T11:00:00Z"
  - id: 4
    params: { learning_rate: 0.000015, one_minus_momentum: 0.1, lr_decay_power: 1, lr_decay_steps_factor: 0.5, warmup_epochs: 2, optimizer: nesterov }
    status: running
    started: "2025-03-02T09:00:00Z"
`), out.slice(-400));
    const parsed = parseExperiment(out, { globMatches: () => true });
    assert.ok(parsed.ok, JSON.stringify(parsed.diagnostics));
    const t = parsed.experiment!.trials.at(-1)!;
    assert.deepEqual([t.id, t.status, t.params.learning_rate, t.started], [4, 'running', 1.5e-5, '2025-03-02T09:00:00Z']);
  });

  it('keeps flow items flow, with the same bracket spacing, at column 0', () => {
    const text = SMALL + 'trials:\n- {id: 1, params: {x: 0.5}, status: running}  # first\n- {id: 7, params: {x: 0.25}}\n';
    const r = ok(appendTrialEdit(text, { params: { x: 0.75 } }));
    assert.equal(r.trialId, 8);
    assert.equal(applyChecked(text, r.edit), text + '- {id: 8, params: {x: 0.75}, status: pending}\n');
  });

  it('keeps block params blocks', () => {
    const text = SMALL + 'trials:\n    -   id: 1\n        params:\n          x: 0.5\n';
    const out = applyChecked(text, ok(appendTrialEdit(text, { params: { x: 0.25 }, status: 'pending' })).edit);
    assert.equal(out, text + '    -   id: 2\n        params:\n          x: 0.25\n        status: pending\n');
    assert.ok(parseExperiment(out).ok);
  });

  it('creates trials: at the end when absent (adding a missing final newline)', () => {
    const text = SMALL.trimEnd();
    const out = applyChecked(text, ok(appendTrialEdit(text, { params: { x: 0.5 } })).edit);
    assert.equal(out, SMALL + 'trials:\n  - id: 1\n    params: { x: 0.5 }\n    status: pending\n');
  });

  it('fills an empty trials: key, [] or null, keeping the comment on its line', () => {
    for (const empty of ['trials:', 'trials: []', 'trials: ~  # none yet', 'trials: null']) {
      const text = SMALL + empty + '\nbudget: 3\n';
      const r = ok(appendTrialEdit(text, { id: 5, params: { x: 1 } }));
      const out = applyChecked(text, r.edit);
      const comment = empty.includes('#') ? ' # none yet' : '';
      assert.equal(out, SMALL + `trials:${comment}\n  - id: 5\n    params: { x: 1 }\n    status: pending\nbudget: 3\n`, empty);
      assert.ok(parseExperiment(out).ok);
    }
  });

  it('inserts into a non-empty flow sequence and preserves CRLF line ends', () => {
    const text = SMALL.replace(/\n/g, '\r\n') + 'trials: [{id: 1, params: {x: 0.5}}]\r\n';
    const out = applyChecked(text, ok(appendTrialEdit(text, { params: { x: 0.25 } })).edit);
    assert.equal(out, SMALL.replace(/\n/g, '\r\n') + 'trials: [{id: 1, params: {x: 0.5}}, { id: 2, params: { x: 0.25 }, status: pending }]\r\n');
    const block = SMALL.replace(/\n/g, '\r\n') + 'trials:\r\n  - id: 1\r\n    params: {x: 0.5}\r\n';
    const out2 = applyChecked(block, ok(appendTrialEdit(block, { params: { x: 0.25 } })).edit);
    assert.ok(!/[^\r]\n/.test(out2), JSON.stringify(out2));
  });

  it('refuses clearly on YAML errors and on a duplicate id', () => {
    const broken = appendTrialEdit(SMALL + 'trials: [\n', { params: { x: 1 } });
    assert.equal(broken.ok, false);
    assert.match((broken as { message: string }).message, /YAML errors/);
    const dup = appendTrialEdit(SMALL + 'trials:\n  - id: 1\n', { id: 1, params: { x: 1 } });
    assert.match((dup as { message: string }).message, /id 1 already exists/);
  });

  it('converts to LSP coordinates', () => {
    const text = SMALL + 'trials:\n- {id: 1}\n';
    const edit = ok(appendTrialEdit(text, { params: { x: 1 } })).edit;
    assert.deepEqual(toLspEdit(text, edit).range, { start: { line: 3, character: 9 }, end: { line: 3, character: 9 } });
  });
});

describe('formats/edits: update a trial in place', () => {
  it('replaces existing values, adds missing keys after the last, removes with null; only that trial changes', () => {
    const r = ok(updateTrialEdit(FIXTURE, 3, { status: 'completed', value: 0.1875, finished: '2025-03-01T11:30:00Z', started: null }));
    const out = applyChecked(FIXTURE, r.edit);
    const trial3 = FIXTURE.indexOf('  - id: 3');
    assert.ok(r.edit.range.start > trial3);
    assert.equal(out.slice(0, trial3), FIXTURE.slice(0, trial3));
    assert.ok(out.endsWith(`  - id: 3
    params: { learning_rate: 0.02, one_minus_momentum: 0.05, lr_decay_power: 1.5, lr_decay_steps_factor: 0.8, warmup_epochs: 2, optimizer: momentum }
    status: completed
    log: runs/3/metrics.jsonl
    value: 0.1875
    finished: "2025-03-01T11:30:00Z"
`), out.slice(-300));
    const t = parseExperiment(out, { globMatches: () => true }).experiment!.trials.find((x) => x.id === 3)!;
    assert.deepEqual([t.status, t.value, t.started, t.finished], ['completed', 0.1875, undefined, '2025-03-01T11:30:00Z']);
  });

  it('updates flow items, and keeps comments after values', () => {
    const text = SMALL + 'trials:\n  - { id: 1, params: { x: 0.5 }, status: running }  # keep me\n  - { id: 2, params: { x: 0.1 } }\n';
    const out = applyChecked(text, ok(updateTrialEdit(text, 1, { status: 'diverged', reason: 'loss became NaN at step 12' })).edit);
    assert.equal(out, SMALL + 'trials:\n  - { id: 1, params: { x: 0.5 }, status: diverged, reason: "loss became NaN at step 12" }  # keep me\n  - { id: 2, params: { x: 0.1 } }\n');
    const out2 = applyChecked(out, ok(updateTrialEdit(out, 1, { reason: null, status: 'completed', value: 3 })).edit);
    assert.equal(out2, SMALL + 'trials:\n  - { id: 1, params: { x: 0.5 }, status: completed, value: 3 }  # keep me\n  - { id: 2, params: { x: 0.1 } }\n');
  });

  it('reports a missing trial', () => {
    const r = updateTrialEdit(SMALL, 9, { status: 'failed' });
    assert.equal(r.ok, false);
    assert.match((r as { message: string }).message, /No trial with id 9/);
  });
});

describe('formats/edits: scalars', () => {
  it('formats values that read back identically, YAML 1.1 friendly', () => {
    assert.equal(formatScalar(1e-5), '0.00001');
    assert.equal(formatScalar(1e-7), '1.0e-7');
    assert.equal(formatScalar(2.5e21), '2.5e+21');
    assert.equal(formatScalar(Number.NaN), '.nan');
    assert.equal(formatScalar(-Infinity), '-.inf');
    assert.equal(formatScalar('adam'), 'adam');
    assert.equal(formatScalar('yes'), '"yes"');
    assert.equal(formatScalar('a: b'), '"a: b"');
    assert.equal(formatScalar('0.5'), '"0.5"');
    assert.equal(formatScalar(true), 'true');
  });
});

describe('formats/edits: search_space bounds and choices', () => {
  const TEXT = `name: t
objective: { metric: loss, goal: minimize }
search_space:
  lr: { type: float, low: 1.0e-7, high: 100, scale: log }   # wide on purpose
  width:
    type: int
    low: 8      # at least one byte
    high: 512
  opt: { type: categorical, choices: [ adam, sgd, rmsprop ] }
  act:
    type: categorical
    choices:
      - relu
      - tanh
trials: []
`;
  const applyAll = (text: string, edits: OffsetEdit[]) => [...edits].sort((a, b) => b.range.start - a.range.start).reduce(applyEdit, text);

  it('writes low and high over their values, in flow and block mappings, keeping comments and layout', () => {
    const flow = parameterBoundsEdits(TEXT, 'lr', { low: 1e-5, high: 9.9 });
    assert.ok(Array.isArray(flow));
    const once = applyAll(TEXT, flow);
    assert.ok(once.includes('  lr: { type: float, low: 1.0e-5, high: 9.9, scale: log }   # wide on purpose\n'), once);
    const block = parameterBoundsEdits(once, 'width', { high: 64 });
    assert.ok(Array.isArray(block) && block.length === 1);
    const twice = applyChecked(once, block[0]!);
    assert.ok(twice.includes('    low: 8      # at least one byte\n    high: 64\n'), twice);
    const parsed = parseExperiment(twice);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.experiment!.searchSpace.slice(0, 2).map((p) => (p.type === 'categorical' ? [] : [p.low, p.high])), [[1e-5, 9.9], [8, 64]]);
  });

  it('writes the choices of a flow list in its style; a block list, a missing parameter or bound is refused with why', () => {
    const edit = parameterChoicesEdit(TEXT, 'opt', ['adam', 'sgd']);
    assert.ok(!('message' in edit));
    assert.ok(applyChecked(TEXT, edit).includes('  opt: { type: categorical, choices: [ adam, sgd ] }\n'));
    assert.match((parameterChoicesEdit(TEXT, 'act', ['relu']) as { message: string }).message, /no choices written as \[a, b, …\]/);
    assert.match((parameterBoundsEdits(TEXT, 'momentum', { low: 0 }) as { message: string }).message, /no parameter "momentum"/);
    assert.match((parameterBoundsEdits(TEXT, 'opt', { low: 0 }) as { message: string }).message, /"opt" has no low value/);
    assert.match((parameterBoundsEdits('search_space: [\n', 'lr', { low: 0 }) as { message: string }).message, /YAML errors/);
  });
});
