// `hyperbo pretrain` on a 200,000-row PD1 file (one row with a zero error, so the log warp needs its floor) used to
// exit 70 with "Maximum call stack size exceeded" from a Math.min(...values) spread.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { METRIC, runCli } from './harness';

describe('cli: 200k-row input', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-big-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('hyperbo pretrain on 200,000 rows exits 0 and writes the prior', () => {
    const lines: string[] = [];
    for (let k = 0; k < 200_000; k++) {
      lines.push(
        JSON.stringify({
          dataset: `d${k % 4}`,
          model: 'm',
          'hps.batch_size': 256,
          'hps.lr_hparams.initial_value': 10 ** (-4 + 4 * ((k * 0.618) % 1)),
          'hps.opt_hparams.momentum': (k * 0.414) % 0.99,
          'hps.lr_hparams.power': 1 + ((k * 0.7) % 1),
          'hps.lr_hparams.decay_steps_factor': 0.1 + 0.8 * ((k * 0.3) % 1),
          [METRIC]: k === 0 ? 0 : 0.1 + ((k * 0.577) % 0.8),
        }),
      );
    }
    writeFileSync(path.join(dir, 'big.jsonl'), lines.join('\n') + '\n');
    const r = runCli(['pretrain', '--data', 'big.jsonl', '--metric', METRIC, '--steps', '1', '--out', 'prior.json'], dir, 170_000);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Loaded 4 tasks/);
    assert.ok(existsSync(path.join(dir, 'prior.json')));
  });

  it('hyperbo pretrain refuses a task JSON file too large to read whole, naming the limit and the way out', () => {
    // A sparse 600 MB file: past V8's string limit, yet no disk space and no time to make.
    const file = path.join(dir, 'huge.json');
    writeFileSync(file, '');
    truncateSync(file, 600 * 2 ** 20);
    const r = runCli(['pretrain', '--data', 'huge.json', '--metric', 'value', '--out', 'prior.json'], dir, 60_000);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /huge\.json is 600 MB; a task JSON file is read whole and may be at most 256 MB\. Split it/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  });
});
