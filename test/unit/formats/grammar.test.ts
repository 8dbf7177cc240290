// Tokenises sample training-log lines with the real TextMate engine VS Code uses (vscode-textmate + oniguruma).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const require = createRequire(import.meta.url);
const GRAMMAR_PATH = new URL('../../../syntaxes/hyperbo-log.tmLanguage.json', import.meta.url);

let grammar: textmate.IGrammar;

/** Each token's text with the last part of its innermost scope, e.g. ["loss", "variable.other.metric"]. */
function tokens(line: string): [string, string][] {
  const { tokens: ts } = grammar.tokenizeLine(line, textmate.INITIAL);
  return ts
    .map((t): [string, string] => [line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]!.replace(/\.hyperbo-log$/, '')])
    .filter(([text, scope]) => text.trim() !== '' && scope !== 'text.log.hyperbo');
}

describe('syntaxes/hyperbo-log.tmLanguage.json', () => {
  before(async () => {
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
      loadGrammar: async (scope) => (scope === 'text.log.hyperbo' ? textmate.parseRawGrammar(readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH.pathname) : null),
    });
    grammar = (await registry.loadGrammar('text.log.hyperbo'))!;
    assert.ok(grammar);
  });

  it('text lines: step, metric names as written, numbers, NaN', () => {
    assert.deepEqual(tokens('step 100 | valid/error_rate=0.31 train.loss: nan lr-max = 1e-3'), [
      ['step', 'keyword.other.step'],
      ['100', 'constant.numeric.step'],
      ['valid/error_rate', 'variable.other.metric'],
      ['=', 'punctuation.separator.key-value'],
      ['0.31', 'constant.numeric'],
      ['train.loss', 'variable.other.metric'],
      [':', 'punctuation.separator.key-value'],
      ['nan', 'invalid.illegal.non-finite'],
      ['lr-max', 'variable.other.metric'],
      ['=', 'punctuation.separator.key-value'],
      ['1e-3', 'constant.numeric'],
    ]);
    assert.deepEqual(tokens('Epoch 3/10 loss=-inf'), [
      ['Epoch', 'keyword.other.step'],
      ['3', 'constant.numeric.step'],
      ['/', 'punctuation.separator'],
      ['10', 'constant.numeric.step'],
      ['loss', 'variable.other.metric'],
      ['=', 'punctuation.separator.key-value'],
      ['-inf', 'invalid.illegal.non-finite'],
    ]);
  });

  it('JSON lines: keys, numbers and Python NaN/Infinity', () => {
    assert.deepEqual(tokens('{"step": 100, "valid/error_rate": NaN, "g": -Infinity}').filter(([, s]) => !s.startsWith('punctuation')), [
      ['step', 'keyword.other.step'],
      ['100', 'constant.numeric.step'],
      ['valid/error_rate', 'variable.other.metric'],
      ['NaN', 'invalid.illegal.non-finite'],
      ['g', 'variable.other.metric'],
      ['-Infinity', 'invalid.illegal.non-finite'],
    ]);
  });

  it('warnings, errors and timestamps', () => {
    assert.deepEqual(tokens('2025-03-01T10:00:00Z WARNING: lr too high'), [
      ['2025-03-01T10:00:00Z', 'constant.other.date'],
      ['WARNING', 'invalid.deprecated.warning'],
    ]);
    assert.deepEqual(tokens('RuntimeError: CUDA error: out of memory').map(([, s]) => s), ['invalid.illegal.error', 'invalid.illegal.error', 'invalid.illegal.error']);
    assert.deepEqual(tokens('12:00:01 INFO saving'), [['12:00:01', 'constant.other.time'], ['INFO', 'comment.other.level']]);
  });

  it('does not mistake words containing nan/inf for non-finite values', () => {
    assert.deepEqual(tokens('finance info nanometer'), [['info', 'comment.other.level']]);
  });
});
