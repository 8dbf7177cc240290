// One tail for every log kind: a JSON Lines log, a CSV log and a TensorBoard event file written with the same rows
// get the same treatment — a record cut off mid-write, truncation, an in-place rewrite, an over-long record, a
// diverged curve — because only their codecs differ (formats/tail.ts).
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LogTail } from '../../../src/formats/tail';
import { encodeFileVersionEvent, encodeScalarEvent, tfRecord } from './tfeventsWriter';

type Row = [step: number, metrics: Record<string, number>];

interface Kind {
  name: string;
  file: string;
  /** The log's bytes for these rows; `run` stands for the run that wrote them (a new run starts differently). */
  encode(rows: Row[], run?: number): Buffer;
}

const num = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v));

const KINDS: Kind[] = [
  {
    name: 'JSON Lines',
    file: 'metrics.jsonl',
    encode: (rows, run = 0) =>
      Buffer.from(
        rows
          .map(([step, m]) => `{"run": ${run}, "step": ${step}, ${Object.entries(m).map(([k, v]) => `"${k}": ${num(v)}`).join(', ')}}\n`)
          .join(''),
      ),
  },
  {
    name: 'CSV',
    file: 'metrics.csv',
    encode: (rows, run = 0) => {
      const names = [...new Set(rows.flatMap(([, m]) => Object.keys(m)))];
      const header = `step,${names.join(',')},run\n`;
      return Buffer.from(header + rows.map(([step, m]) => `${step},${names.map((n) => (n in m ? num(m[n]!) : '')).join(',')},${run}\n`).join(''));
    },
  },
  {
    name: 'TensorBoard',
    file: 'events.out.tfevents.1700000000.host.1.0',
    encode: (rows, run = 0) =>
      Buffer.concat([tfRecord(encodeFileVersionEvent(1.7e9 + run)), ...rows.map(([step, m]) => tfRecord(encodeScalarEvent(step, m, { wallTime: 1.7e9 + run + step })))]),
  },
];

const rows: Row[] = [
  [1, { loss: 2 }],
  [2, { loss: 1.5 }],
  [3, { loss: 1.25 }],
];

describe('formats/tail: one tail for every log kind', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'hyperbo-tailkinds-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of KINDS) {
    describe(kind.name, () => {
      const file = () => path.join(dir, kind.file);
      const lossSteps = (tail: LogTail) => tail.curve('loss')!.points().map((p) => [p.step, p.value]);

      it('a record cut off mid-write waits for its rest: read once it is complete, nothing reset', async () => {
        const all = kind.encode(rows);
        // Cut in the middle of the last record.
        const cut = all.length - Math.floor((all.length - kind.encode(rows.slice(0, -1)).length) / 2);
        writeFileSync(file(), all.subarray(0, cut));
        const tail = new LogTail(file());
        assert.deepEqual(await tail.poll(), { reset: false, missing: false, bytesRead: cut, records: 2 });
        appendFileSync(file(), all.subarray(cut, cut + 1));
        assert.equal((await tail.poll()).records, 0, 'still cut off');
        appendFileSync(file(), all.subarray(cut + 1));
        assert.deepEqual(await tail.poll(), { reset: false, missing: false, bytesRead: all.length - cut - 1, records: 1 });
        assert.deepEqual(lossSteps(tail), [[1, 2], [2, 1.5], [3, 1.25]]);
        assert.equal(tail.offset, all.length);
        assert.equal(tail.lastStep, 3);
        assert.equal(tail.flush(), 0, 'nothing left over');
      });

      it('a diverged curve: NaN and an explosion are assessed alike', async () => {
        writeFileSync(file(), kind.encode([[1, { loss: 2, acc: 0.5 }], [2, { loss: Number.NaN, acc: 0.6 }]]));
        const nan = new LogTail(file());
        await nan.poll();
        assert.deepEqual(nan.assess('acc', 'max'), { status: 'diverged', reason: 'loss became NaN at step 2' });
        writeFileSync(file(), kind.encode([[1, { loss: 2, acc: 0.5 }], [2, { loss: 4e6, acc: 0.6 }]]));
        const boom = new LogTail(file());
        await boom.poll();
        assert.deepEqual(boom.assess('acc', 'max'), { status: 'diverged', reason: 'loss exploded to 4e+6 at step 2, 2e+6× its first value' });
        assert.deepEqual(boom.assess('missing', 'max').status, 'diverged', 'a diverged loss marks any objective');
      });

      it('truncated and rewritten: the tail restarts from the new start', async () => {
        writeFileSync(file(), kind.encode(rows));
        const tail = new LogTail(file());
        await tail.poll();
        truncateSync(file(), 0);
        appendFileSync(file(), kind.encode([[1, { loss: 9 }]], 1));
        const u = await tail.poll();
        assert.equal(u.reset, true);
        assert.equal(u.records, 1);
        assert.deepEqual(lossSteps(tail), [[1, 9]]);
      });

      it('rewritten in place by a new run to a larger size (same inode): the tail restarts', async () => {
        writeFileSync(file(), kind.encode(rows.slice(0, 1)));
        const tail = new LogTail(file());
        await tail.poll();
        writeFileSync(file(), kind.encode([[1, { loss: 7 }], [2, { loss: 6 }], [3, { loss: 5 }]], 1));
        const u = await tail.poll();
        assert.equal(u.reset, true);
        assert.deepEqual(lossSteps(tail), [[1, 7], [2, 6], [3, 5]]);
      });

      it('deleted, then written again: missing and reset, then read from its start', async () => {
        writeFileSync(file(), kind.encode(rows));
        const tail = new LogTail(file());
        await tail.poll();
        unlinkSync(file());
        assert.deepEqual(await tail.poll(), { reset: true, missing: true, bytesRead: 0, records: 0 });
        assert.equal(tail.curves.size, 0);
        writeFileSync(file(), kind.encode(rows.slice(0, 2), 1));
        assert.equal((await tail.poll()).records, 2);
      });

      if (kind.name !== 'CSV') {
        it('a record longer than maxRecordBytes is passed over and counted; the records after it are read', async () => {
          const long = 'x'.repeat(5000);
          const all = kind.encode([[1, { loss: 2 }], [2, { [long]: 1 }], [3, { loss: 1 }]]);
          writeFileSync(file(), all);
          const tail = new LogTail(file(), { chunkBytes: 1024, maxRecordBytes: 1024 });
          assert.equal((await tail.poll()).records, 2);
          assert.equal(tail.skippedRecords, 1);
          assert.deepEqual(lossSteps(tail), [[1, 2], [3, 1]]);
          assert.deepEqual([...tail.curves.keys()].filter((k) => k !== 'run'), ['loss']);
        });
      }
    });
  }

  it('the same rows give the same curves and outcome whatever the kind', async () => {
    const outcomes = [];
    for (const kind of KINDS) {
      const file = path.join(dir, kind.file);
      writeFileSync(file, kind.encode(Array.from({ length: 3000 }, (_, i): Row => [i, { loss: 1 + 1 / (i + 1) }])));
      const tail = new LogTail(file, { maxPointsPerMetric: 100 });
      await tail.poll();
      outcomes.push({ points: tail.curve('loss')!.points().map((p) => p.step), min: tail.assess('loss', 'min'), count: tail.curve('loss')!.stats.count });
    }
    // Float32 in event files: compare the steps and counts exactly, the values to float32 precision.
    assert.deepEqual(outcomes[1], outcomes[0]);
    assert.deepEqual(outcomes[2]!.points, outcomes[0]!.points);
    assert.equal(outcomes[2]!.count, 3000);
    assert.equal(outcomes[2]!.min.status, 'completed');
    assert.equal((outcomes[2]!.min as { value: number }).value, Math.fround(1 + 1 / 3000));
  });
});
