// TensorBoard event files tailed like the text logs: TFRecord framing with masked CRC-32C, Event/Summary scalars as
// simple_value or tensors, appended bytes only, cut-off and corrupt records; folders of event files; Lightning's
// CSVLogger folder (metrics.csv) as a log.
import * as assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LogTail } from '../../../src/formats/tail';
import { crc32c, decodeEvent, maskedCrc32c, nextTfRecord, tensorScalar } from '../../../src/formats/tfevents';
import { encodeFileVersionEvent, encodeScalarEvent, tfRecord } from './tfeventsWriter';

const bytes = (...parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
const events = (rows: [number, Record<string, number>][], asTensor = false) =>
  bytes(tfRecord(encodeFileVersionEvent(1.7e9)), ...rows.map(([step, s]) => tfRecord(encodeScalarEvent(step, s, { wallTime: 1.7e9 + step, asTensor }))));

describe('TensorBoard event files', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-tb-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('CRC-32C is the Castagnoli CRC (standard check value) and masks as TFRecord does', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa, 'RFC 3720 B.4: 32 bytes of zeros');
    const c = crc32c(Buffer.from('abc'));
    assert.equal(maskedCrc32c(Buffer.from('abc')), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
  });

  it('reads scalars written as simple_value and as TF2 scalar tensors, with their steps', async () => {
    const file = path.join(dir, 'events.out.tfevents.1700000000.host.1.0');
    writeFileSync(file, bytes(events([[0, { 'train/loss': 2 }], [10, { 'train/loss': 1.5, 'val/acc': 0.5 }]]), events([[20, { 'val/acc': 0.75 }]], true)));
    const tail = new LogTail(file);
    const u = await tail.poll();
    assert.equal(u.records, 3, 'the file-version events carry no scalar');
    assert.deepEqual(tail.curve('train/loss')!.points(), [{ step: 0, value: 2 }, { step: 10, value: 1.5 }]);
    assert.deepEqual(tail.curve('val/acc')!.points(), [{ step: 10, value: 0.5 }, { step: 20, value: 0.75 }]);
    assert.equal(tail.lastStep, 20);
    assert.deepEqual(tail.assess('val/acc', 'last'), { status: 'completed', value: 0.75 });
  });

  it('a double tensor_content scalar and a non-scalar tensor (left out)', () => {
    // TensorProto { dtype: DT_DOUBLE (2), tensor_shape: {}, tensor_content: <float64 LE> }.
    const content = Buffer.from(new Float64Array([0.125]).buffer);
    assert.equal(tensorScalar(Buffer.from([0x08, 2, 0x12, 0, 0x22, 8, ...content])), 0.125);
    // shape [2]: dim { size: 2 } → not a scalar.
    assert.equal(tensorScalar(Buffer.from([0x08, 1, 0x12, 4, 0x12, 2, 0x08, 2, 0x2a, 8, ...Buffer.from(new Float32Array([1, 2]).buffer)])), undefined);
    assert.equal(decodeEvent(Buffer.from([0x10, 0x80])), undefined, 'a truncated varint is not an Event');
  });

  it('tails appended bytes: a record cut off mid-write waits for its rest', async () => {
    const file = path.join(dir, 'events.out.tfevents.1');
    const all = events([[1, { loss: 1 }], [2, { loss: 0.5 }], [3, { loss: 0.25 }]]);
    const cut = all.length - 7;
    writeFileSync(file, all.subarray(0, cut));
    const tail = new LogTail(file);
    assert.equal((await tail.poll()).records, 2);
    appendFileSync(file, all.subarray(cut));
    const u = await tail.poll();
    assert.equal(u.records, 1);
    assert.equal(u.reset, false);
    assert.deepEqual(tail.curve('loss')!.points().map((p) => p.step), [1, 2, 3]);
    assert.equal((await tail.poll()).bytesRead, 0, 'nothing new, nothing read');
  });

  it('a record whose data checksum fails is skipped and counted; the records after it are read', async () => {
    const file = path.join(dir, 'events.out.tfevents.2');
    const good = events([[1, { loss: 1 }]]);
    const bad = Buffer.from(tfRecord(encodeScalarEvent(2, { loss: 0.5 })));
    bad[bad.length - 6] ^= 0xff; // inside the data
    writeFileSync(file, bytes(good, bad, tfRecord(encodeScalarEvent(3, { loss: 0.25 }))));
    const tail = new LogTail(file);
    await tail.poll();
    assert.equal(tail.badRecords, 1);
    assert.deepEqual(tail.curve('loss')!.points().map((p) => p.step), [1, 3]);
  });

  it('a length whose checksum fails loses the framing: earlier records kept, the corruption reported', async () => {
    const file = path.join(dir, 'events.out.tfevents.3');
    const first = events([[1, { loss: 1 }]]);
    const second = Buffer.from(tfRecord(encodeScalarEvent(2, { loss: 0.5 })));
    second[0] ^= 0x01; // the length
    writeFileSync(file, bytes(first, second, tfRecord(encodeScalarEvent(3, { loss: 0.25 }))));
    const tail = new LogTail(file);
    await tail.poll();
    assert.deepEqual(tail.curve('loss')!.points().map((p) => p.step), [1]);
    assert.deepEqual(tail.corruption, [`events.out.tfevents.3: bad length checksum at byte ${first.length}`]);
    const both = bytes(first, second);
    let at = 0;
    let frame = nextTfRecord(both, 0);
    for (; frame.kind === 'record'; frame = nextTfRecord(both, at)) at = frame.end;
    assert.equal(frame.kind, 'lost');
    assert.equal(at, first.length);
  });

  it('a log folder: event files two levels down, a new file joins, a replaced file restarts the tail', async () => {
    const run = path.join(dir, 'tb');
    mkdirSync(path.join(run, 'train'), { recursive: true });
    writeFileSync(path.join(run, 'train', 'events.out.tfevents.1.host'), events([[1, { loss: 1 }]]));
    const tail = new LogTail(run);
    assert.equal((await tail.poll()).records, 1);
    assert.equal(tail.format, 'tfevents');
    mkdirSync(path.join(run, 'validation'));
    writeFileSync(path.join(run, 'validation', 'events.out.tfevents.1.host'), events([[1, { val_loss: 2 }]]));
    assert.equal((await tail.poll()).records, 1);
    writeFileSync(path.join(run, 'train', 'events.out.tfevents.1.host'), events([[5, { loss: 0.1 }]]).subarray(0, 30));
    const u = await tail.poll();
    assert.equal(u.reset, true, 'the file shrank');
    assert.deepEqual(tail.curve('val_loss')!.points(), [{ step: 1, value: 2 }]);
    assert.equal(tail.curve('loss'), undefined);
  });

  it("a Lightning CSVLogger folder is read through its metrics.csv (sparse columns, the step column)", async () => {
    const version = path.join(dir, 'version_0');
    cpSync(path.resolve(__dirname, '../../fixtures/history/lightning_logs/mlp/version_0'), version, { recursive: true });
    const tail = new LogTail(version);
    await tail.poll();
    assert.equal(tail.format, 'csv');
    const points = tail.curve('val_loss')!.points();
    assert.deepEqual(points.map((p) => p.step), [9, 19, 29]);
    assert.ok(!tail.curves.has('step'));
    assert.equal(tail.assess('val_loss', 'last').status, 'completed');
  });

  it('a log path that does not exist yet may become a folder of event files', async () => {
    const logPath = path.join(dir, 'later');
    const tail = new LogTail(logPath);
    assert.equal((await tail.poll()).missing, true);
    mkdirSync(logPath);
    writeFileSync(path.join(logPath, 'events.out.tfevents.9'), events([[1, { loss: 3 }]]));
    assert.equal((await tail.poll()).records, 1);
    assert.equal(tail.curve('loss')!.stats.last, 3);
  });
});
