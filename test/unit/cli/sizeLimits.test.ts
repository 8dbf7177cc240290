// Issue 10 item 5: a size that cannot be served gets a clear diagnostic, never a crash or a hang. An experiment file
// over MAX_EXPERIMENT_CHARS (however many trials it holds) is not parsed: one `file-too-large` error in the editor's
// diagnostics, hover and edits declining at once, and `hyperbo tune` exiting 1 with the message. A log line longer
// than the tail's record bound is passed over and counted while the rest of the log is read.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appendTrialEdit } from '../../../src/formats/edits';
import { parseExperiment } from '../../../src/formats/experiment';
import { hoverAt } from '../../../src/formats/hover';
import { MAX_EXPERIMENT_CHARS, structureOf } from '../../../src/formats/structure';
import { parseExperimentFile } from '../../../src/server/service/experimentAdapter';
import { readTrialLog } from '../../../src/session/outcome';
import { runCli } from './harness';

const HEAD = `name: big
objective: { metric: score, goal: minimize }
search_space:
  x: { type: float, low: 0, high: 1 }
run:
  command: [node, -e, "0"]
  log: runs/\${trial}.jsonl
trials:
`;

/** An experiment file of many small flow-style trials, just over `chars` long. */
function manyTrials(chars: number): string {
  const parts = [HEAD];
  let n = HEAD.length;
  for (let i = 1; n <= chars; i++) {
    const line = `  - { id: ${i}, params: { x: 0.5 }, status: completed, value: ${i % 7} }\n`;
    parts.push(line);
    n += line.length;
  }
  return parts.join('');
}

describe('sizes that cannot be served: a clear diagnostic', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-size-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an experiment file over MAX_EXPERIMENT_CHARS (≈125,000 trials) gets one file-too-large error; hover and edits decline', () => {
    const text = manyTrials(MAX_EXPERIMENT_CHARS);
    assert.ok(text.length > MAX_EXPERIMENT_CHARS);
    const parsed = parseExperiment(text);
    assert.equal(parsed.ok, false);
    assert.deepEqual(parsed.diagnostics.map((d) => [d.code, d.severity]), [['file-too-large', 'error']]);
    assert.match(parsed.diagnostics[0]!.message, /^The file is 8\.0 MB, more than the 8\.0 MB HyperBO reads as an experiment file \(MAX_EXPERIMENT_CHARS\)/);
    // The server's adapter: the same single diagnostic, on the first line.
    const server = parseExperimentFile(text, '/w/big.hyperbo.yaml');
    assert.equal(server.experiment, undefined);
    assert.deepEqual(server.diagnostics.map((d) => [d.code, d.range.start.line]), [['file-too-large', 0]]);
    assert.equal(hoverAt(text, text.indexOf('score')), undefined);
    const edit = appendTrialEdit(structureOf(text), { params: { x: 0.1 } });
    assert.equal(edit.ok, false);
    assert.match(!edit.ok ? edit.message : '', /MAX_EXPERIMENT_CHARS/);
    // Just under the bound the parse is not refused (not timed here: bench/README.md has parse speed).
    assert.equal(structureOf(HEAD).errors.length, 0);
  });

  it('hyperbo tune on such a file exits 1 with the message, no crash', () => {
    writeFileSync(path.join(dir, 'big.hyperbo.yaml'), manyTrials(MAX_EXPERIMENT_CHARS));
    const r = runCli(['tune', 'big.hyperbo.yaml', '--trials', '1'], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /big\.hyperbo\.yaml:1:1: The file is 8\.0 MB, more than the 8\.0 MB HyperBO reads as an experiment file/);
  });

  it('a 20 MB log line is passed over and counted; the log\'s other records give the value', async () => {
    const log = path.join(dir, 'huge-line.jsonl');
    const huge = JSON.stringify({ epoch: 2, note: 'x'.repeat(20 * 1024 * 1024) });
    writeFileSync(log, [JSON.stringify({ epoch: 1, score: 0.5 }), huge, JSON.stringify({ epoch: 3, score: 0.25 })].join('\n') + '\n');
    const state = await readTrialLog(log, { metric: 'score', reduce: 'min', divergenceFactor: 10 });
    assert.ok(state);
    assert.equal(state.value, 0.25);
  });
});
