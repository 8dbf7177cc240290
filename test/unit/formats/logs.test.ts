import assert from 'node:assert/strict';
import { detectLogFormat, LogLineParser, parseJsonLogLine, parseLog, parseNumber, parseTextLogLine } from '../../../src/formats/logs';
import { assessCurves, assessValues, MetricCurve } from '../../../src/formats/curve';

describe('formats/logs: numbers', () => {
  it('reads decimals, exponents and non-finite spellings', () => {
    assert.equal(parseNumber('0.31'), 0.31);
    assert.equal(parseNumber(' -1.5e-3 '), -1.5e-3);
    assert.equal(parseNumber('.5'), 0.5);
    for (const s of ['nan', 'NaN', '-nan', '+NAN']) assert.ok(Number.isNaN(parseNumber(s)), s);
    assert.equal(parseNumber('inf'), Infinity);
    assert.equal(parseNumber('-Infinity'), -Infinity);
    assert.equal(parseNumber('+INF'), Infinity);
    for (const s of ['', 'abc', '1.2.3', '12:00', 'nanx', 'info']) assert.equal(parseNumber(s), undefined, s);
  });
});

describe('formats/logs: JSON Lines', () => {
  it('reads metrics with names as written and takes the step out', () => {
    assert.deepEqual(parseJsonLogLine('{"step": 100, "valid/error_rate": 0.31, "train.loss": 1.2, "lr-max": 3, "note": "x", "ok": true}'), {
      step: 100,
      metrics: { 'valid/error_rate': 0.31, 'train.loss': 1.2, 'lr-max': 3 },
    });
  });

  it("reads Python's NaN/Infinity tokens and numeric strings, but not inside strings", () => {
    const r = parseJsonLogLine('{"step": 3, "loss": NaN, "g": -Infinity, "h": Infinity, "s": "NaN-ish Infinity", "v": "nan", "w": "0.5"}')!;
    assert.ok(Number.isNaN(r.metrics.loss));
    assert.equal(r.metrics.g, -Infinity);
    assert.equal(r.metrics.h, Infinity);
    assert.ok(Number.isNaN(r.metrics.v));
    assert.equal(r.metrics.w, 0.5);
    assert.equal(r.metrics.s, undefined);
  });

  it('flattens nested objects with / and ignores half-written lines', () => {
    assert.deepEqual(parseJsonLogLine('{"epoch": 2, "valid": {"loss": 0.4, "acc": 0.9}}'), { step: 2, metrics: { 'valid/loss': 0.4, 'valid/acc': 0.9 } });
    assert.equal(parseJsonLogLine('{"step": 100, "valid/err'), undefined);
    assert.equal(parseJsonLogLine('[1, 2]'), undefined);
  });
});

describe('formats/logs: text lines', () => {
  it('reads key=value, key: value and step words', () => {
    assert.deepEqual(parseTextLogLine('step 100 | loss=0.42 acc: 0.88'), { step: 100, metrics: { loss: 0.42, acc: 0.88 } });
    assert.deepEqual(parseTextLogLine('Epoch 3/10 - val/error_rate = 0.12, train.loss: nan; lr-x=1e-3'), {
      step: 3,
      metrics: { 'val/error_rate': 0.12, 'train.loss': Number.NaN, 'lr-x': 1e-3 },
    });
    assert.deepEqual(parseTextLogLine('epoch 3'), { step: 3, metrics: {} });
    assert.deepEqual(parseTextLogLine('[12:00:01] INFO step=7 loss=inf'), { step: 7, metrics: { loss: Infinity } });
  });

  it('ignores prose, timestamps and flags', () => {
    assert.equal(parseTextLogLine('Loading data from /tmp/x at 12:00:00'), undefined);
    assert.equal(parseTextLogLine('--lr=0.1 given'), undefined);
    assert.equal(parseTextLogLine(''), undefined);
  });
});

describe('formats/logs: CSV and detection', () => {
  it('detects the format from the first non-blank line', () => {
    assert.equal(detectLogFormat('{"step": 1}'), 'jsonl');
    assert.equal(detectLogFormat('step,loss,valid/error_rate'), 'csv');
    assert.equal(detectLogFormat('step\tloss'), 'csv');
    assert.equal(detectLogFormat('step 1, loss=0.5'), 'text');
    assert.equal(detectLogFormat('Starting training, please wait'), 'text');
  });

  it('reads CSV rows against the header, skipping empty and non-numeric cells and repeated headers', () => {
    const { format, records } = parseLog('\nstep,loss,"valid/error_rate",phase\n1,0.9,0.5,train\n2,,0.4,train\nstep,loss,valid/error_rate,phase\n3,NaN,0.35,eval\n');
    assert.equal(format, 'csv');
    assert.deepEqual(records, [
      { step: 1, metrics: { loss: 0.9, 'valid/error_rate': 0.5 } },
      { step: 2, metrics: { 'valid/error_rate': 0.4 } },
      { step: 3, metrics: { loss: Number.NaN, 'valid/error_rate': 0.35 } },
    ]);
  });

  it('a JSONL file tolerates interleaved text lines; CRLF is fine', () => {
    const { format, records } = parseLog('{"step": 1, "loss": 2}\r\nwarning: slow\r\nstep 2 loss=1\r\n');
    assert.equal(format, 'jsonl');
    assert.deepEqual(records, [{ step: 1, metrics: { loss: 2 } }, { step: 2, metrics: { loss: 1 } }]);
  });

  it('a parser can be reset for a truncated file', () => {
    const p = new LogLineParser();
    p.parseLine('a,b');
    assert.deepEqual(p.parseLine('1,2'), { metrics: { a: 1, b: 2 } });
    p.reset();
    assert.equal(p.format, undefined);
    assert.deepEqual(p.parseLine('{"a": 3}'), { metrics: { a: 3 } });
    assert.equal(p.format, 'jsonl');
  });
});

describe('formats/curve: reduction and divergence', () => {
  it('reduces by last, min, max', () => {
    assert.deepEqual(assessValues([0.9, 0.4, 0.5], 'last'), { status: 'completed', value: 0.5 });
    assert.deepEqual(assessValues([0.9, 0.4, 0.5], 'min'), { status: 'completed', value: 0.4 });
    assert.deepEqual(assessValues([0.9, 0.4, 0.5], 'max'), { status: 'completed', value: 0.9 });
    const curve = new MetricCurve();
    assert.equal(curve.reduce('min'), undefined);
    [1, Number.NaN, 3].forEach((v, i) => curve.add(v, i));
    assert.equal(curve.reduce('last'), 3, 'the last finite value');
  });

  it('marks NaN/inf and explosions (> factor × first non-zero magnitude) diverged, never a number', () => {
    const nan = assessValues([0.9, 0.5, Number.NaN, 0.4], 'min');
    assert.equal(nan.status, 'diverged');
    assert.match((nan as { reason: string }).reason, /became NaN at step 2/);
    assert.equal(assessValues([1, Infinity], 'last').status, 'diverged');
    const boom = assessValues([0, 2, 3, 2.5e6], 'last');
    assert.equal(boom.status, 'diverged');
    assert.match((boom as { reason: string }).reason, /exploded to 2\.5e\+6 at step 3, 1\.3e\+6× its first value/);
    assert.equal(assessValues([2, 1.9e6], 'last').status, 'completed');
    assert.equal(assessValues([2, 30], 'last', 10).status, 'diverged');
    assert.equal(assessValues([], 'last').status, 'empty');
  });

  it('a diverging loss marks the trial diverged even when the objective is accuracy; other metrics do not', () => {
    const curves = new Map<string, MetricCurve>();
    const add = (name: string, values: number[]) => {
      const c = new MetricCurve();
      values.forEach((v, i) => c.add(v, i * 10));
      curves.set(name, c);
    };
    add('valid/acc', [0.1, 0.5, 0.6]);
    add('grad_norm', [1, Infinity, 2]);
    assert.deepEqual(assessCurves(curves, 'valid/acc', 'max'), { status: 'completed', value: 0.6 });
    const missing = assessCurves(curves, 'valid/error', 'min');
    assert.equal(missing.status, 'empty');
    assert.match((missing as { reason: string }).reason, /no "valid\/error" values \(it logs valid\/acc, grad_norm\)/);
    add('train/loss', [2.3, 1.1, Number.NaN]);
    const out = assessCurves(curves, 'valid/acc', 'max');
    assert.deepEqual(out, { status: 'diverged', reason: 'train/loss became NaN at step 20' });
  });

  it('keeps curves bounded with exact statistics', () => {
    const c = new MetricCurve(100);
    for (let i = 0; i < 100_000; i++) c.add(Math.sin(i) + 2, i);
    const pts = c.points();
    assert.ok(pts.length <= 101, `${pts.length} points`);
    assert.ok(pts.length >= 50);
    assert.equal(pts.at(-1)!.step, 99_999);
    assert.equal(c.stats.count, 100_000);
    assert.equal(c.stats.last, Math.sin(99_999) + 2);
    let min = Infinity;
    for (let i = 0; i < 100_000; i++) min = Math.min(min, Math.sin(i) + 2);
    assert.equal(c.stats.min, min);
    // Evenly thinned: constant stride between kept points.
    const strides = new Set(pts.slice(0, -1).map((p, i) => (i ? p.step - pts[i - 1]!.step : 0)).slice(1));
    assert.equal(strides.size, 1);
  });
});
