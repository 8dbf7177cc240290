import assert from 'node:assert/strict';
import { Parser } from 'yaml';
import { createRng } from '../../../src/engine/rng';
import { parseExperiment } from '../../../src/formats/experiment';
import { structureOf, YamlStructure } from '../../../src/formats/structure';

const slice = (text: string, r: { start: number; end: number }) => text.slice(r.start, r.end);

const BLOCK = [
  '# An experiment with comments everywhere',
  'objective: { metric: loss } # inline',
  'search_space:',
  '  lr: { type: float, low: 0.001, high: 1 }',
  'trials: # the history',
  '  - id: 1 # first',
  '    params: { lr: 0.1 }',
  '    status: completed',
  '    value: 0.5',
  '  # between trials',
  '  - {id: 2, params: {lr: 0.2}, status: pending}',
  '  - id: 3',
  '    params:',
  '      lr: 0.3',
  '',
  '# after the trials',
  'budget: 10',
  '',
].join('\n');

describe('formats/structure (the YAML structure index)', () => {
  it('indexes trial items with offsets, ids and their style', () => {
    const s = new YamlStructure(BLOCK);
    assert.deepEqual(s.trials.map((t) => [t.id, t.flow]), [[1, false], [2, true], [3, false]]);
    assert.ok(slice(BLOCK, s.trials[0]!.range).startsWith('id: 1 # first\n    params: { lr: 0.1 }'));
    assert.ok(slice(BLOCK, s.trials[0]!.range).trimEnd().endsWith('value: 0.5'));
    assert.equal(slice(BLOCK, s.trials[1]!.range), '{id: 2, params: {lr: 0.2}, status: pending}');
    assert.equal(slice(BLOCK, s.trials[2]!.range).trimEnd(), 'id: 3\n    params:\n      lr: 0.3');
    assert.equal(s.trial(2), s.trials[1]);
    assert.equal(s.trial(4), undefined);
    assert.equal(s.maxTrialId, 3);
    // trialAt: inside an item, on its first character, and between items.
    assert.equal(s.trialAt(BLOCK.indexOf('status: completed'))?.id, 1);
    assert.equal(s.trialAt(BLOCK.indexOf('{id: 2'))?.id, 2);
    assert.equal(s.trialAt(BLOCK.indexOf('lr: 0.3'))?.id, 3);
    assert.equal(s.trialAt(BLOCK.indexOf('budget')), undefined);
    // Line/character from the same index.
    assert.deepEqual(s.lines.positionAt(s.trials[1]!.range.start), { line: 10, character: 4 });
  });

  it('records comments and knows what is inside one', () => {
    const s = structureOf(BLOCK);
    assert.deepEqual(
      s.comments.map((c) => slice(BLOCK, c)),
      ['# An experiment with comments everywhere', '# inline', '# the history', '# first', '# between trials', '# after the trials'],
    );
    assert.ok(s.inComment(BLOCK.indexOf('# inline') + 3));
    assert.ok(s.inComment(BLOCK.indexOf('# inline') + '# inline'.length), 'at the end of the comment');
    assert.ok(!s.inComment(BLOCK.indexOf('# inline')), 'before its #');
    assert.ok(!s.inComment(BLOCK.indexOf('metric')));
    // A # inside a quoted string is no comment.
    const quoted = structureOf('name: "a # b"\n');
    assert.deepEqual(quoted.comments, []);
  });

  it('spans the trials block to the next top-level key, comments and blank lines included', () => {
    const s = structureOf(BLOCK);
    const block = s.trialsBlock!;
    assert.equal(slice(BLOCK, block.keyRange), 'trials');
    assert.ok(slice(BLOCK, block.span).startsWith('trials: # the history'));
    assert.ok(slice(BLOCK, block.span).endsWith('      lr: 0.3\n\n# after the trials\n'));
    const empty = structureOf('objective: { metric: m }\ntrials: []\n');
    assert.equal(empty.trials.length, 0);
    assert.equal(slice('objective: { metric: m }\ntrials: []\n', empty.trialsBlock!.valueRange!), '[]');
    assert.equal(structureOf('trials:\n').trialsBlock!.valueRange, undefined);
    assert.equal(structureOf('objective: { metric: m }\n').trialsBlock, undefined);
  });

  it('finds the key or value at an offset with its path, in block and flow style', () => {
    const s = structureOf(BLOCK);
    const key = s.at(BLOCK.indexOf('lr: { type') + 1)!;
    assert.deepEqual([key.kind, key.path], ['key', ['search_space', 'lr']]);
    assert.equal(slice(BLOCK, key.range), 'lr');
    const flowValue = s.at(BLOCK.indexOf('0.2') + 1)!;
    assert.deepEqual([flowValue.kind, flowValue.path, flowValue.value], ['value', ['trials', '*', 'params', 'lr'], 0.2]);
    const blockValue = s.at(BLOCK.indexOf('0.3') + 1)!;
    assert.deepEqual(blockValue.path, ['trials', '*', 'params', 'lr']);
    assert.equal(s.at(BLOCK.indexOf('# between') + 2), undefined, 'nothing inside a comment');
    assert.equal(s.get(['objective', 'metric'])?.toString(), 'loss');
    assert.equal(s.get(['trials', 1, 'status'])?.toString(), 'pending');
  });

  it('keeps what parses in malformed YAML', () => {
    const broken = 'objective: { metric: m }\ntrials:\n  - id: 1\n    params: { lr: 0.1 }\n  - id: 2\n    params: { lr: [0.2\n';
    const s = structureOf(broken);
    assert.ok(s.errors.length > 0);
    assert.deepEqual(s.trials.map((t) => t.id), [1, 2]);
    assert.equal(s.get(['objective', 'metric'])?.toString(), 'm');
    const unclosed = structureOf('trials: [ {id: 1, params: {a: 1}}, {id: 2\nobjective: {metric: m');
    assert.ok(unclosed.errors.length > 0);
    assert.deepEqual(unclosed.trials.map((t) => t.id), [1, 2]);
    for (const e of unclosed.errors) assert.ok(e.range.start <= e.range.end && e.range.end <= unclosed.text.length);
    const twoDocs = structureOf('a: 1\n---\nb: 2\n');
    assert.match(twoDocs.errors[0]!.message, /multiple documents/);
    assert.deepEqual(structureOf('').trials, []);
    assert.equal(structureOf('trials: [').trial(1), undefined, 'a broken file is not an error');
    assert.equal(structureOf('- a\n- b\n').root, undefined);
  });

  it('is built once per text and shared by the parser, hover, completion and edits', () => {
    const text = BLOCK.replace('budget: 10', 'budget: 11');
    const s = structureOf(text);
    assert.equal(structureOf(text), s);
    const fromText = parseExperiment(text);
    const fromIndex = parseExperiment(s);
    assert.deepEqual(fromIndex, fromText);
    assert.equal(fromIndex.experiment!.trials.length, 3);
  });

  it('indexes thousands of trials with constant-time lookups by id', () => {
    const lines = ['objective: { metric: m }', 'search_space:', '  a: { type: float, low: 0, high: 1 }', 'trials:'];
    for (let i = 1; i <= 3000; i++) lines.push(`  - { id: ${i}, params: { a: ${(i % 100) / 100} }, status: completed, value: ${i} }`);
    const text = lines.join('\n') + '\n';
    const s = structureOf(text);
    assert.equal(s.trials.length, 3000);
    assert.equal(s.trial(2999)!.range.start, text.indexOf('{ id: 2999,'));
    assert.equal(s.trialAt(text.indexOf('value: 1500 '))!.id, 1500);
    const value = s.at(text.indexOf('value: 1500 ') + 8)!;
    assert.deepEqual([value.path, value.value], [['trials', '*', 'value'], 1500]);
    assert.equal(s.at(text.indexOf('{ id: 3000') - 1), undefined, 'between the dash and the item');
  });

  it('finds every comment token of the syntax tree, as a walk of every field would, on fuzzed texts', () => {
    // The index walks only the fields that hold tokens (faster at thousands of trials); this is the exhaustive walk.
    const everyField = (tokens: unknown[], text: string) => {
      const out: { start: number; end: number }[] = [];
      const visit = (t: unknown): void => {
        if (!t || typeof t !== 'object') return;
        const token = t as { type?: string; offset?: number; source?: string };
        if (token.type === 'comment' && typeof token.offset === 'number' && typeof token.source === 'string') {
          out.push({ start: token.offset, end: Math.min(text.length, token.offset + token.source.length) });
          return;
        }
        for (const v of Object.values(t)) visit(v);
      };
      tokens.forEach(visit);
      return out.sort((a, b) => a.start - b.start);
    };
    const snippets = ['{', '}', '[', ']', "'", '"', '&a ', '*a', '|', '>', '# x', '\n', '- ', ': ', '  ', '\t', '---\n', '...\n', '%YAML 1.2\n', '!tag ', '? ', ',', ' #c\n', '#'];
    const base = 'a: 1 # c1\nb:\n  - { x: 1 } # c2\n  # c3\n  - y: 2\n    z: |\n      # not\n    w: "q # no"\nc: [1, # c4\n  2]\n# end\n';
    for (let seed = 1; seed <= 500; seed++) {
      const rng = createRng(seed);
      let text = base;
      for (let k = 0; k < 1 + rng.int(6); k++) {
        const at = rng.int(text.length + 1);
        text = text.slice(0, at) + snippets[rng.int(snippets.length)] + text.slice(at + rng.int(3));
      }
      assert.deepEqual(new YamlStructure(text).comments, everyField([...new Parser().parse(text)], text), JSON.stringify(text));
    }
  });
});
