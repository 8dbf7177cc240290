// Property tests: arbitrary input never throws out of the parsers, and edits always re-parse.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { completeAt } from '../../../src/formats/completion';
import { appendTrialEdit, applyEdit, updateTrialEdit } from '../../../src/formats/edits';
import { parseExperiment } from '../../../src/formats/experiment';
import { hoverAt } from '../../../src/formats/hover';
import { LogLineParser, parseLog, parseNumber } from '../../../src/formats/logs';
import { YamlStructure } from '../../../src/formats/structure';

const RUNS = { numRuns: 300, seed: 20240611 };

// Strings built from YAML-significant fragments reach far more parser paths than uniform text.
const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom('objective:', 'search_space:', 'trials:', 'run:', 'prior:', '  ', '- ', '\n', '{', '}', '[', ']', ', ', ': ', '#', '"', "'",
        'type: float', 'low: 0', 'high: 1', 'scale: log', 'metric: m', 'id: 1', 'params:', 'status: completed', 'value: .nan', '${x}', '&a', '*a', '---', '? ', '!!str', '|', '>'),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

const VALID = 'objective: { metric: loss }\nsearch_space:\n  x: { type: float, low: 0, high: 1 }\n  c: { type: categorical, choices: [a, b] }\n';

describe('formats: property tests', () => {
  it('the structure index never throws; its trials, comments and problems stay inside the text, in order', () => {
    const withTrials = fc
      .tuple(yamlish, fc.array(fc.constantFrom('  - id: 1\n', '  - { id: 2, params: {x: 0.5} }\n', '    params: { x: 1 }\n', '  # c\n', '  - *a\n', '  - &a { id: 3 }\n', '\n', 'trials:\n', '  - [\n'), { maxLength: 12 }))
      .map(([head, items]) => `${head}\ntrials:\n${items.join('')}`);
    fc.assert(
      fc.property(fc.oneof(yamlish, withTrials, fc.string({ maxLength: 200 })), (text) => {
        const s = new YamlStructure(text);
        const inside = (r: { start: number; end: number }) => r.start >= 0 && r.start <= r.end && r.end <= text.length;
        for (const p of [...s.errors, ...s.warnings]) assert.ok(inside(p.range), JSON.stringify(p));
        let previous = -1;
        for (const c of s.comments) {
          assert.ok(inside(c) && c.start >= previous && text[c.start] === '#', JSON.stringify(c));
          previous = c.end;
        }
        previous = -1;
        for (const t of s.trials) {
          assert.ok(inside(t.range) && t.range.start >= previous, `trial ranges in order: ${JSON.stringify(s.trials.map((x) => x.range))}`);
          previous = t.range.end;
          assert.equal(s.trialAt(t.range.start), t);
          if (t.id !== undefined) assert.ok(s.trial(t.id));
        }
        if (s.trialsBlock) assert.ok(inside(s.trialsBlock.span) && inside(s.trialsBlock.keyRange));
        for (const offset of [0, text.length >> 1, text.length]) s.at(offset);
      }),
      RUNS,
    );
  });

  it('the experiment parser never throws and keeps ranges inside the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), yamlish, fc.string({ unit: 'binary', maxLength: 100 })), (text) => {
        const r = parseExperiment(text, { globMatches: (g) => g.length % 2 === 0 });
        for (const d of r.diagnostics) {
          assert.ok(d.range.start >= 0 && d.range.start <= d.range.end && d.range.end <= text.length, JSON.stringify(d));
          assert.ok(d.message.length > 0);
        }
        assert.equal(r.ok, r.experiment !== undefined && !r.diagnostics.some((d) => d.severity === 'error'));
      }),
      RUNS,
    );
  });

  it('a throwing glob matcher becomes a diagnostic', () => {
    const r = parseExperiment(VALID + 'prior: { from: [x] }\n', { globMatches: () => { throw new Error('EACCES'); } });
    assert.match(r.diagnostics[0]!.message, /Could not check "x": EACCES/);
  });

  it('completion and hover never throw at any offset', () => {
    fc.assert(
      fc.property(yamlish, fc.nat(), (text, n) => {
        const offset = text.length ? n % (text.length + 1) : 0;
        const items = completeAt(text, offset);
        for (const i of items) assert.ok(i.range.start <= offset && i.range.end >= offset);
        hoverAt(text, offset);
      }),
      RUNS,
    );
  });

  it('log parsers never throw, and every value is a number', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 100 })), (text) => {
        for (const format of [undefined, 'jsonl', 'csv', 'text'] as const) {
          const { records } = parseLog(text, format);
          for (const r of records) for (const v of Object.values(r.metrics)) assert.equal(typeof v, 'number');
        }
        parseNumber(text);
      }),
      RUNS,
    );
  });

  it('text and JSON lines: logged values come back exactly', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_./-]{0,12}$/).filter((k) => !['step', 'global_step', 'iteration', 'iter', 'it', 'epoch', 'batch'].includes(k)), fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v)), { minKeys: 1, maxKeys: 5 }),
        fc.nat(),
        (metrics, step) => {
          const text = `step ${step} | ` + Object.entries(metrics).map(([k, v]) => `${k}=${v}`).join(' ');
          assert.deepEqual(new LogLineParser('text').parseLine(text), { step, metrics: { ...metrics } });
          assert.deepEqual(new LogLineParser().parseLine(JSON.stringify({ step, ...metrics })), { step, metrics: { ...metrics } });
        },
      ),
      RUNS,
    );
  });

  it('appending then updating trials always re-parses, changes only the edited span, and records the values', () => {
    const layouts = [
      VALID,
      VALID + 'trials:\n',
      VALID + 'trials: []\n',
      VALID + 'trials:\n- {id: 3, params: {x: 0.5, c: a}}\n',
      VALID + 'trials:\n  - id: 3\n    params:\n      x: 0.5\n      c: a\n    status: running  # note\n',
      VALID + 'budget: 4\n',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...layouts),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom('a', 'b'),
        // -0 is written as 0, which is the same value for a trial.
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v)),
        fc.constantFrom('completed', 'failed', 'diverged', 'running') ,
        (text, x, c, value, status) => {
          const added = appendTrialEdit(text, { params: { x, c }, status: 'running' });
          if (!added.ok) assert.fail(added.message);
          const once = applyEdit(text, added.edit);
          const parsed = parseExperiment(once);
          assert.ok(parsed.ok, JSON.stringify([once, parsed.diagnostics]));
          const trial = parsed.experiment!.trials.find((t) => t.id === added.trialId)!;
          assert.deepEqual(trial.params, { x, c });
          const updated = updateTrialEdit(once, added.trialId, { status, value: status === 'completed' ? value : undefined, finished: '2025-01-01T00:00:00Z' });
          if (!updated.ok) assert.fail(updated.message);
          const twice = applyEdit(once, updated.edit);
          assert.equal(twice.slice(0, updated.edit.range.start), once.slice(0, updated.edit.range.start));
          const again = parseExperiment(twice);
          assert.ok(again.ok, JSON.stringify([twice, again.diagnostics]));
          const t2 = again.experiment!.trials.find((t) => t.id === added.trialId)!;
          assert.equal(t2.status, status);
          if (status === 'completed') assert.equal(t2.value, value);
          assert.equal(t2.finished, '2025-01-01T00:00:00Z');
        },
      ),
      RUNS,
    );
  });
});
