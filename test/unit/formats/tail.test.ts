import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogTail } from '../../../src/formats/tail';

describe('formats/tail: LogTail', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hyperbo-tail-'));
    file = join(dir, 'metrics.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads only appended bytes and accumulates curves', async () => {
    writeFileSync(file, '{"step": 1, "loss": 2.0}\n{"step": 2, "loss": 1.5}\n');
    const tail = new LogTail(file);
    const first = await tail.poll();
    assert.deepEqual(first, { reset: false, missing: false, bytesRead: 50, records: 2 });
    assert.equal(tail.format, 'jsonl');
    appendFileSync(file, '{"step": 3, "loss": 1.2, "acc": 0.7}\n');
    const second = await tail.poll();
    assert.equal(second.bytesRead, 37);
    assert.equal(second.records, 1);
    assert.equal(tail.offset, 87);
    assert.deepEqual(tail.curve('loss')!.points(), [{ step: 1, value: 2 }, { step: 2, value: 1.5 }, { step: 3, value: 1.2 }]);
    assert.deepEqual((await tail.poll()).bytesRead, 0);
    assert.deepEqual(tail.assess('loss', 'min'), { status: 'completed', value: 1.2 });
  });

  it('buffers a half-written last line until its newline (and flushes it at the end)', async () => {
    writeFileSync(file, 'step,loss\n1,0.9\n2,0.');
    const tail = new LogTail(file);
    assert.equal((await tail.poll()).records, 1);
    appendFileSync(file, '8');
    assert.equal((await tail.poll()).records, 0);
    appendFileSync(file, '5\n3,0.7');
    assert.equal((await tail.poll()).records, 1);
    assert.deepEqual(tail.curve('loss')!.points().map((p) => p.value), [0.9, 0.85]);
    assert.equal(tail.flush(), 1);
    assert.deepEqual(tail.curve('loss')!.points().map((p) => p.value), [0.9, 0.85, 0.7]);
  });

  it('restarts from the beginning when the file shrinks (truncation)', async () => {
    writeFileSync(file, 'step 1 loss=3\nstep 2 loss=2\nstep 3 loss=1\n');
    const tail = new LogTail(file);
    await tail.poll();
    truncateSync(file, 0);
    appendFileSync(file, 'step 1 loss=9\n');
    const r = await tail.poll();
    assert.equal(r.reset, true);
    assert.equal(r.records, 1);
    assert.deepEqual(tail.curve('loss')!.points(), [{ step: 1, value: 9 }]);
  });

  it('restarts when the file is replaced (rotation: new inode) or rewritten to a larger size', async () => {
    writeFileSync(file, '{"step": 1, "loss": 1}\n');
    const tail = new LogTail(file);
    await tail.poll();
    renameSync(file, file + '.1');
    writeFileSync(file, '{"step": 1, "loss": 5}\n{"step": 2, "loss": 4}\n');
    const rotated = await tail.poll();
    assert.equal(rotated.reset, true);
    assert.deepEqual(tail.curve('loss')!.points().map((p) => p.value), [5, 4]);
    // Same inode, truncated and rewritten with more bytes than before between two polls.
    writeFileSync(file, '{"step": 1, "loss": 7}\n{"step": 2, "loss": 6}\n{"step": 3, "loss": 5}\n');
    const rewritten = await tail.poll();
    assert.equal(rewritten.reset, true);
    assert.deepEqual(tail.curve('loss')!.points().map((p) => p.value), [7, 6, 5]);
  });

  it('reports a missing file without throwing, then picks it up', async () => {
    const tail = new LogTail(file);
    assert.deepEqual(await tail.poll(), { reset: false, missing: true, bytesRead: 0, records: 0 });
    writeFileSync(file, 'epoch 1 | val_loss: nan\n');
    assert.equal((await tail.poll()).records, 1);
    const outcome = tail.assess('val_loss', 'min');
    assert.equal(outcome.status, 'diverged');
  });

  it('skips over-long lines and keeps multi-byte names intact across chunk boundaries', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) lines.push(JSON.stringify({ step: i, 'λ/loss': 1 / (i + 1), 'données.précision': i / 400 }));
    lines.splice(200, 0, `{"step": -1, "junk": "${'x'.repeat(5000)}"}`);
    writeFileSync(file, lines.join('\n') + '\n');
    const tail = new LogTail(file, { chunkBytes: 1024, maxRecordBytes: 1024 });
    const r = await tail.poll();
    assert.equal(r.records, 400);
    assert.deepEqual([...tail.curves.keys()].sort(), ['données.précision', 'λ/loss']);
    assert.equal(tail.curve('λ/loss')!.stats.count, 400);
    assert.equal(tail.curve('λ/loss')!.stats.last, 1 / 400);
  });

  it('overlapping polls are serialised', async () => {
    writeFileSync(file, '{"step": 1, "loss": 1}\n');
    const tail = new LogTail(file);
    const [a, b] = await Promise.all([tail.poll(), tail.poll()]);
    assert.equal(a.records + b.records, 1);
  });

  it('stays bounded on a large log: curves thinned, no raw text kept (≈25 MB in chunks)', async function () {
    this.timeout(30_000);
    const out = createWriteStream(file);
    const rows = 250_000;
    let block = '';
    for (let i = 0; i < rows; i++) {
      block += `{"step": ${i}, "train/loss": ${(2 / (1 + i / 1000)).toFixed(6)}, "valid/error_rate": ${(0.5 + 0.4 * Math.exp(-i / 50_000)).toFixed(6)}, "lr": 0.001}\n`;
      if (block.length > 1 << 20) {
        out.write(block);
        block = '';
      }
    }
    out.end(block);
    await new Promise<void>((resolve) => out.on('finish', () => resolve()));
    const tail = new LogTail(file, { maxPointsPerMetric: 500 });
    const started = performance.now();
    const r = await tail.poll();
    const seconds = (performance.now() - started) / 1000;
    assert.equal(r.records, rows);
    for (const curve of tail.curves.values()) {
      assert.ok(curve.points().length <= 501);
      assert.equal(curve.stats.count, rows);
    }
    const err = tail.curve('valid/error_rate')!;
    assert.equal(err.points().at(-1)!.step, rows - 1);
    assert.deepEqual(tail.assess('valid/error_rate', 'min'), { status: 'completed', value: Number((0.5 + 0.4 * Math.exp(-(rows - 1) / 50_000)).toFixed(6)) });
    const mb = r.bytesRead / 2 ** 20;
    console.log(`      tail: ${mb.toFixed(1)} MB, ${rows} rows in ${seconds.toFixed(2)} s (${(mb / seconds).toFixed(0)} MB/s)`);
  });
});
