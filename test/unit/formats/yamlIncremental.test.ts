// The incremental re-parse of `trials:` (src/formats/yamlIncremental.ts) against a full parse: on seeded random edits
// of varied experiment files, whenever it answers, its CST is the full parse's, and the structure index and the parsed
// experiment built on it are the same (ranges, comments, errors, trials, diagnostics).
import { strict as assert } from 'node:assert';
import { Parser } from 'yaml';
import { createRng, type SeededRng } from '../../../src/engine/rng';
import { completeAt } from '../../../src/formats/completion';
import { parseExperiment, structureParameters } from '../../../src/formats/experiment';
import { hoverAt } from '../../../src/formats/hover';
import { structureOf, YamlStructure } from '../../../src/formats/structure';
import { reparseTrialsEdit } from '../../../src/formats/yamlIncremental';
import { parseExperimentFile } from '../../../src/server/service/experimentAdapter';

const HEADER = [
  '# tuning run',
  'name: inc',
  'objective: { metric: valid/loss, goal: minimize }',
  'search_space:',
  '  lr: { type: float, low: 1.0e-4, high: 1, scale: log }',
  '  opt: { type: categorical, choices: [sgd, adam] }',
  'run:',
  '  command: [python, train.py, --lr, "${lr}"]',
];

function trialLine(rng: SeededRng, id: number, style: number, indent: string): string {
  const lr = (10 ** (-4 + 4 * rng.next())).toPrecision(4);
  const opt = rng.next() < 0.5 ? 'sgd' : 'adam';
  const value = rng.next() < 0.2 ? '' : `, value: ${(rng.next() * 3).toFixed(4)}`;
  const status = value ? 'completed' : 'running';
  if (style === 0) return `${indent}- { id: ${id}, params: { lr: ${lr}, opt: ${opt} }, status: ${status}${value} }\n`;
  const v = value ? `${indent}  value: ${value.slice(9)}\n` : '';
  return `${indent}- id: ${id}\n${indent}  params:\n${indent}    lr: ${lr}\n${indent}    opt: ${opt}\n${indent}  status: ${status}\n${v}`;
}

/** An experiment with `n` trials in a random style: flow or block items, indented or not, comments, a key after. */
function experiment(rng: SeededRng, n: number, tailKind?: number): string {
  const indent = rng.next() < 0.7 ? '  ' : '';
  const style = rng.int(3); // 0 flow, 1 block, 2 mixed
  let text = HEADER.join('\n') + '\ntrials:\n';
  for (let i = 1; i <= n; i++) {
    if (rng.next() < 0.1) text += rng.next() < 0.5 ? '\n' : `${indent}# note ${i}\n`;
    text += trialLine(rng, i, style === 2 ? rng.int(2) : style, indent);
  }
  const tail = tailKind ?? rng.int(4);
  if (tail === 1) text += 'prior: { from: data }\n';
  if (tail === 2) text += '# end\n';
  return text;
}

const SNIPPETS = ['{', '}', '[', "'", '"', '&a ', '*a', '|', '>', '# x', '\n', '- ', ': ', '  ', 'id: 7', ', value: 1', '\t', '---\n', '...\n', 'x: 1\n'];

/** A random edit: an appended or deleted trial, a changed value, or a snippet inserted over a random span. */
function edit(rng: SeededRng, text: string, kind = rng.int(6)): string {
  const lines = text.split('\n');
  const trialsAt = Math.max(0, lines.indexOf('trials:'));
  const line = trialsAt + 1 + rng.int(Math.max(1, lines.length - trialsAt - 2));
  const offsetOf = (l: number) => lines.slice(0, l).reduce((s, x) => s + x.length + 1, 0);
  if (kind === 0) {
    // Append a trial after the last trial line (before any tail).
    let end = lines.length - 1;
    while (end > trialsAt && !/^ *(- | {2})/.test(lines[end - 1]!)) end--;
    const indent = /^( *)- /.exec(lines[trialsAt + 1] ?? '')?.[1] ?? '  ';
    const at = offsetOf(end);
    return text.slice(0, at) + trialLine(rng, 900 + rng.int(99), rng.int(2), indent) + text.slice(at);
  }
  if (kind === 1) {
    // Delete a line inside the trials.
    const at = offsetOf(line);
    return text.slice(0, at) + text.slice(at + (lines[line]?.length ?? 0) + 1);
  }
  if (kind === 2) {
    // Change a number on a line inside the trials.
    const at = offsetOf(line);
    const l = lines[line] ?? '';
    const m = /\d+(\.\d+)?/.exec(l);
    if (!m) return text;
    return text.slice(0, at + m.index) + String(rng.int(1000) / 7) + text.slice(at + m.index + m[0].length);
  }
  // Replace a random span (mostly inside the trials) with a snippet.
  const from = rng.next() < 0.9 ? offsetOf(trialsAt) + rng.int(Math.max(1, text.length - offsetOf(trialsAt))) : rng.int(Math.max(1, text.length));
  const to = Math.min(text.length, from + (rng.next() < 0.5 ? 0 : rng.int(40)));
  return text.slice(0, from) + SNIPPETS[rng.int(SNIPPETS.length)]! + text.slice(to);
}

function nodeRanges(structure: YamlStructure): string {
  // Every node's range in document order (the Document's toJS drops them).
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as { range?: number[]; items?: unknown[]; key?: unknown; value?: unknown };
    if (n.range) out.push(n.range.join(','));
    if (Array.isArray(n.items)) n.items.forEach(walk);
    if ('key' in n) walk(n.key);
    if ('value' in n && typeof n.value === 'object') walk(n.value);
  };
  walk(structure.doc.contents);
  return out.join(' ');
}

/** The document as plain data, or the error that turning it into data raises (an alias with no anchor). */
function js(structure: YamlStructure): unknown {
  try {
    return structure.doc.toJS({ mapAsMap: true });
  } catch (e) {
    return String(e);
  }
}

function sameStructure(a: YamlStructure, b: YamlStructure): void {
  // The whole Document, node for node (classes, ranges, comments, blank lines, anchors, tags, errors).
  assert.deepStrictEqual(a.doc, b.doc);
  assert.deepEqual(a.errors, b.errors);
  assert.deepEqual(a.warnings, b.warnings);
  assert.deepEqual(a.comments, b.comments);
  assert.equal(nodeRanges(a), nodeRanges(b));
  assert.deepEqual(js(a), js(b));
  assert.deepEqual(a.trialsBlock && { ...a.trialsBlock, seq: undefined }, b.trialsBlock && { ...b.trialsBlock, seq: undefined });
  assert.deepEqual(
    a.trials.map((t) => [t.id, t.range, t.flow]),
    b.trials.map((t) => [t.id, t.range, t.flow]),
  );
  const pa = parseExperiment(a, { fileName: 'inc.hyperbo.yaml' });
  const pb = parseExperiment(b, { fileName: 'inc.hyperbo.yaml' });
  assert.deepEqual(JSON.parse(JSON.stringify(pa)), JSON.parse(JSON.stringify(pb)));
}

describe('incremental re-parse of trials (yamlIncremental)', () => {
  it('equals a full parse on seeded random edits, and answers for edits inside the trials', () => {
    let answered = 0;
    let semantic = 0;
    let semanticAnswered = 0;
    let composed = 0;
    const seeds = Number(process.env.HYPERBO_INC_SEEDS ?? 40);
    for (let seed = Number(process.env.HYPERBO_INC_FROM ?? 1); seed <= seeds; seed++) {
      const rng = createRng(seed);
      let text = '';
      let base = new YamlStructure(text);
      // Chains of edits, each parsed from the previous version (as the server does while the user types).
      for (let step = 0; step < 25; step++) {
        if (step % 5 === 0) {
          text = experiment(rng, 4 + rng.int(30));
          base = new YamlStructure(text);
        }
        const kind = rng.int(6);
        const next = edit(createRng(seed * 1000 + step), text, kind);
        const full = [...new Parser().parse(next)];
        const tokens = base.errors.length === 0 ? reparseTrialsEdit(text, base.tokens, next)?.tokens : undefined;
        if (tokens) {
          answered++;
          assert.deepEqual(tokens, full, `seed ${seed} step ${step}: the CST differs from a full parse`);
        }
        const inc = new YamlStructure(next, base);
        assert.equal(inc.incremental, tokens !== undefined);
        if (inc.composedIncrementally) composed++;
        sameStructure(inc, new YamlStructure(next));
        if (kind < 3) {
          semantic++;
          if (inc.incremental) semanticAnswered++;
        }
        text = next;
        base = inc;
      }
    }
    // The property is only worth something if the incremental path is actually taken often.
    console.log(`      incremental: ${answered} of ${seeds * 25} edits (${composed} composed incrementally), ${semanticAnswered} of ${semantic} appended/deleted/changed`);
    assert.ok(composed > answered / 2, `composed incrementally ${composed} of ${answered}`);
    assert.ok(answered > seeds * 4, `answered ${answered} of ${seeds * 25}`);
    assert.ok(semanticAnswered > semantic / 4, `${semanticAnswered} of ${semantic}`);
  });

  it('re-parses only the edited trial of a large list, appended or changed', () => {
    const rng = createRng(7);
    const text = experiment(rng, 200, 0).replace(/\n\n/g, '\n');
    const appended = text + '  - { id: 1000, params: { lr: 0.01, opt: sgd }, status: completed, value: 0.5 }\n';
    const base = structureOf(text);
    const inc = structureOf(appended, text);
    if (text.includes('\n  - ')) assert.ok(inc.incremental && inc.composedIncrementally, 'an appended trial is parsed and composed incrementally');
    sameStructure(inc, new YamlStructure(appended));
    const changed = text.replace(/value: (\d\.\d+)/, 'value: 9.25');
    const inc2 = new YamlStructure(changed, base);
    sameStructure(inc2, new YamlStructure(changed));
  });

  it("the server's parse of an edit (given the text before it) gives the diagnostics and experiment of a fresh parse", () => {
    const rng = createRng(11);
    let incremental = 0;
    for (let i = 0; i < 40; i++) {
      const text = experiment(rng, 30, 0);
      const next = edit(rng, text, rng.int(3));
      parseExperimentFile(text, '/w/inc.hyperbo.yaml');
      const edited = parseExperimentFile(next, '/w/inc.hyperbo.yaml', text);
      if (structureOf(next).incremental) incremental++;
      // A trailing space: another text (not the cached index) that parses to the same diagnostics and experiment.
      const fresh = parseExperimentFile(next + ' ', '/w/inc.hyperbo.yaml');
      assert.equal(structureOf(next + ' ').incremental, false);
      assert.deepEqual(JSON.parse(JSON.stringify(edited)), JSON.parse(JSON.stringify(fresh)));
    }
    assert.ok(incremental >= 10, `${incremental} of 40 incremental`);
  });

  it('a completion or hover on a text not indexed yet re-parses from the last index, and reuses the parse of the indexed text', () => {
    const rng = createRng(5);
    let incremental = 0;
    for (let i = 0; i < 20; i++) {
      const text = experiment(rng, 60, 0).replace(/\n\n/g, '\n');
      const indexed = structureOf(text);
      // The server's parse (with file options) of the indexed text gives completion its parameters: no second parse.
      const parsed = parseExperiment(indexed, { fileName: 'inc.hyperbo.yaml' });
      assert.equal(structureParameters(indexed), parsed.parameters);
      const next = edit(rng, text, rng.int(3));
      if (next === text) continue;
      // No `previous`: the request has only the editor's text.
      const at = text.indexOf('params:', text.indexOf('trials:')) + 4;
      const items = completeAt(next, at);
      const s = structureOf(next);
      const fresh = new YamlStructure(next);
      const possible = new YamlStructure(next, indexed).incremental;
      assert.equal(s.incremental, possible, 'the last index used was the base');
      if (possible) incremental++;
      sameStructure(s, fresh);
      assert.deepEqual(items, completeAt(fresh, at));
      assert.deepEqual(hoverAt(s, at), hoverAt(fresh, at));
    }
    assert.ok(incremental >= 5, `${incremental} of 20 incremental`);
  });

  it('falls back to a full parse for edits outside the trials or that change what follows', () => {
    const rng = createRng(3);
    const text = experiment(rng, 10);
    const base = new YamlStructure(text);
    // The header.
    const header = text.replace('name: inc', 'name: other');
    assert.equal(new YamlStructure(header, base).incremental, false);
    // An unclosed bracket swallows the next items: the span alone does not compose.
    const lines = text.split('\n');
    const at = lines.findIndex((l, i) => i > lines.indexOf('trials:') + 2 && /^ *- \{/.test(l));
    if (at > 0) {
      const broken = [...lines.slice(0, at), lines[at]!.replace(/ \}$/, ''), ...lines.slice(at + 1)].join('\n');
      const s = new YamlStructure(broken, base);
      assert.equal(s.incremental, false);
      sameStructure(s, new YamlStructure(broken));
    }
  });
});
