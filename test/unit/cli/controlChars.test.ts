// Terminal escape sequences in workspace text (issue 10 item 7): the real `hyperbo tune` prints names and values
// from the experiment file with control characters escaped, never raw.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { terminalSafe } from '../../../src/shared/terminalText';
import { experimentFolder, runCli } from './harness';

describe('cli: control characters from the workspace are escaped', () => {
  it('terminalSafe escapes C0 (but \\n, \\t), DEL and C1, and keeps other text', () => {
    assert.equal(terminalSafe('a\x1b[31mred\x1b[0m'), 'a\\x1b[31mred\\x1b[0m');
    assert.equal(terminalSafe('t\x1b]0;title\x07|\x9b2J|\x7f|\r|\0'), 't\\x1b]0;title\\x07|\\x9b2J|\\x7f|\\x0d|\\x00');
    assert.equal(terminalSafe('col\tcol\nnext ±—é 日本'), 'col\tcol\nnext ±—é 日本');
  });

  it('hyperbo tune --dry-run prints an experiment name, a parameter name and a categorical value holding ESC[31m escaped', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'hyperbo-ctl-'));
    try {
      const exp = experimentFolder(path.join(root, 'e'), '', `name: "evil\\e[31mred"
objective: { metric: score, goal: minimize }
search_space:
  "lr\\e[2J": { type: float, low: 0.001, high: 1, scale: log }
  opt: { type: categorical, choices: ["adam\\e]0;pwned\\a"] }
`);
      const r = runCli(['tune', exp.file, '--trials', '1', '--dry-run'], exp.dir);
      assert.equal(r.status, 0, r.stderr);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(r.stdout + r.stderr, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, 'no raw control character');
      assert.match(r.stdout, /^Experiment evil\\x1b\[31mred: minimize score over lr\\x1b\[2J, opt$/m);
      assert.match(r.stdout, /^trial\tlr\\x1b\[2J\topt\t/m);
      assert.match(r.stdout, /^1\t\S+\tadam\\x1b\]0;pwned\\x07\t/m);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
