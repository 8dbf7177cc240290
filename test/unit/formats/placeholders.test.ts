// Placeholders are found by one linear scan: the same matches as the regexes it replaced, and 160,000 repeated `${`
// (47 s with /\$\{([^}]*)\}/g) take milliseconds in the parser, substitution, hover and the runner's check.
import assert from 'node:assert/strict';
import { parseExperiment } from '../../../src/formats/experiment';
import { expandPlaceholders } from '../../../src/session/trialRun';
import { findPlaceholders, firstPlaceholder, replacePlaceholders } from '../../../src/shared/placeholders';
import { createRng } from '../../../src/engine';

const regexMatches = (text: string, nonEmpty: boolean) =>
  [...text.matchAll(nonEmpty ? /\$\{([^}]+)\}/g : /\$\{([^}]*)\}/g)].map((m) => ({ start: m.index!, end: m.index! + m[0].length, name: m[1]! }));

describe('shared/placeholders', () => {
  it('finds exactly what the regexes found, on 3,000 random strings over $ { } a', () => {
    const rng = createRng(7);
    const alphabet = ['$', '{', '}', 'a', '${', 'b'];
    for (let k = 0; k < 3000; k++) {
      const n = Math.floor(rng.next() * 14);
      const text = Array.from({ length: n }, () => alphabet[Math.floor(rng.next() * alphabet.length)]).join('');
      for (const nonEmpty of [false, true]) {
        assert.deepEqual(findPlaceholders(text, { nonEmpty }), regexMatches(text, nonEmpty), JSON.stringify(text));
        const viaRegex = text.replace(nonEmpty ? /\$\{([^}]+)\}/g : /\$\{([^}]*)\}/g, (_w, name: string) => `<${name}>`);
        assert.equal(replacePlaceholders(text, (name) => `<${name}>`, { nonEmpty }), viaRegex, JSON.stringify(text));
      }
    }
    assert.equal(firstPlaceholder('x ${} ${a}', { nonEmpty: true })?.name, 'a');
    assert.equal(expandPlaceholders('${trial}-${lr}-${x}', { trial: '3', lr: '0.1' }), '3-0.1-${x}');
  });

  it('160,000 repeated "${": the scan takes milliseconds, and the parser no longer than on plain text of the same size', () => {
    const hostile = '${'.repeat(160_000);
    let t0 = performance.now();
    assert.deepEqual(findPlaceholders(hostile + '}'), [{ start: 0, end: 320_001, name: hostile.slice(2) }]);
    assert.equal(expandPlaceholders(hostile, { trial: '1' }), hostile);
    const scanMs = performance.now() - t0;
    assert.ok(scanMs < 300, `scan took ${scanMs.toFixed(0)} ms`);
    const fileWith = (s: string) => `objective: { metric: loss, goal: minimize }
search_space:
  x: { type: float, low: 0, high: 1 }
run:
  command: [node, "${s}", "${s}x}"]
  log: "runs/${s}/log.jsonl"
`;
    // Parsing 1 MB of YAML takes a while by itself (the yaml library), so compare with plain text of the same size.
    // (Different texts each time: the structure index is cached by text.)
    parseExperiment(fileWith('b'.repeat(hostile.length)));
    const plain = fileWith('a'.repeat(hostile.length));
    t0 = performance.now();
    parseExperiment(plain);
    const plainMs = performance.now() - t0;
    t0 = performance.now();
    const { diagnostics } = parseExperiment(fileWith(hostile));
    const hostileMs = performance.now() - t0;
    assert.ok(diagnostics.some((d) => d.code === 'unknown-placeholder'), 'the closed one is still checked');
    assert.ok(hostileMs < 2 * plainMs + 500, `hostile ${hostileMs.toFixed(0)} ms vs plain ${plainMs.toFixed(0)} ms`);
  });
});
