import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const script = path.join(root, 'examples', 'train.ts');
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('examples/train.ts (the example training script)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-train-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trains with the given hyperparameters and writes one JSON line per epoch', () => {
    const out = path.join(dir, 'runs', '1', 'metrics.jsonl');
    const r = run(['--lr', '0.1', '--one-minus-momentum', '0.1', '--power', '1', '--decay-steps-factor', '0.8', '--epochs', '3', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    assert.deepEqual(lines.map((l) => l.epoch), [1, 2, 3]);
    for (const l of lines) {
      assert.ok(l['valid/error_rate']! >= 0 && l['valid/error_rate']! < 0.5, JSON.stringify(l));
      assert.ok(l['valid/ce_loss']! > 0 && l['train/ce_loss']! > 0);
    }
    assert.ok(lines[2]!['train/ce_loss']! < lines[0]!['train/ce_loss']!);
    assert.match(r.stderr, /best validation error rate/);
  });

  it('logs NaN and says so when training diverges', () => {
    const out = path.join(dir, 'diverged.jsonl');
    const r = run(['--lr', '1000', '--momentum', '0.99', '--power', '1', '--decay-steps-factor', '0.9', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const last = JSON.parse(readFileSync(out, 'utf8').trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(last['valid/error_rate'], 'NaN');
    assert.match(r.stderr, /Diverged at epoch/);
  });

  it('rejects bad arguments with a message and the usage', () => {
    const r = run(['--lr', '0', '--momentum', '0.9', '--power', '1', '--decay-steps-factor', '0.5', '--out', path.join(dir, 'x.jsonl')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--lr must be a positive number, got "0"/);
    assert.match(r.stderr, /Usage:/);
    const noMomentum = run(['--lr', '0.1', '--power', '1', '--decay-steps-factor', '0.5', '--out', path.join(dir, 'x.jsonl')]);
    assert.equal(noMomentum.status, 2);
    assert.match(noMomentum.stderr, /--momentum is required/);
  });
});
