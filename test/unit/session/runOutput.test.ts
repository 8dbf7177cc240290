import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunOutput } from '../../../src/session/runOutput';

describe('session/runOutput', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-output-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('captures every byte to the log, truncating what an earlier run left, and keeps the last lines', async () => {
    const log = path.join(dir, 'trial-1.log');
    writeFileSync(log, 'an earlier run\n'.repeat(100));
    const errors: Error[] = [];
    const out = new RunOutput(log, (e) => errors.push(e));
    const lines = Array.from({ length: 2000 }, (_, i) => `{"step": ${i}, "loss": ${1 / (i + 1)}}\n`).join('');
    for (let i = 0; i < lines.length; i += 777) out.add(Buffer.from(lines.slice(i, i + 777)));
    await out.close();
    assert.equal(readFileSync(log, 'utf8'), lines);
    assert.deepEqual(out.tail.lastLines(1), ['{"step": 1999, "loss": 0.0005}']);
    assert.deepEqual(errors, []);
  });

  it('a log that cannot be written is reported once and loses the log, not the run', async () => {
    const blocked = path.join(dir, 'a-file');
    writeFileSync(blocked, '');
    const errors: Error[] = [];
    const out = new RunOutput(path.join(blocked, 'trial-1.log'), (e) => errors.push(e));
    out.add(Buffer.from('first line\n'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    out.add(Buffer.from('Traceback: boom\n'));
    await out.close();
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /ENOTDIR|ENOENT/);
    assert.deepEqual(out.tail.lastLines(), ['first line', 'Traceback: boom']);
  });

  it('without a log path it only keeps the tail', async () => {
    const out = new RunOutput(undefined, () => assert.fail('no log, no error'));
    out.add(Buffer.from('done\n'));
    await out.close();
    assert.deepEqual(out.tail.lastLines(), ['done']);
  });
});
