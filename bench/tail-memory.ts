// Memory of tailing a large training log with the real tail (src/formats/tail.ts), as the editor's server and
// `hyperbo tune` read trial logs: `npm run bench:tail [-- --size-mb 1024 --small-mb 64 --kinds jsonl,tfevents
// --modes server,tune --step-mb 64 --dir /tmp]`.
//
// For each kind (a JSON Lines log; a TensorBoard event file of about the same size) the log is written to a temp dir
// at two sizes, and each size is read in a child process of its own, so the child's peak RSS (the kernel's maxRSS) is
// the tail's and Node's alone:
// - server: the log grows in --step-mb steps written by this process; after each the child reads it with the server's
//   LogWatcher (only the appended bytes), as on the server's file events;
// - tune: the child reads the complete log once with session/outcome readTrialLog, as `hyperbo tune` does when a
//   trial's command has exited.
// Each child checks that it read every record and the exact minimum of the objective. Memory is bounded when the
// peak RSS of the large log is about that of the small one. The logs are deleted afterwards (also on Ctrl-C).
import { fork } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { maskedCrc32c } from '../src/formats/tfevents';
import { LogWatcher } from '../src/server/service/logWatcher';
import { readTrialLog, type TrialLogState } from '../src/session/outcome';

type Kind = 'jsonl' | 'tfevents';
type Mode = 'server' | 'tune';
const METRIC = 'valid/error_rate';
const MB = 2 ** 20;

interface ChildResult {
  /** The last step read: the tail reached the end of the log. */
  lastStep: number | undefined;
  value: number | undefined;
  seconds: number;
  baseRssMB: number;
  maxRssMB: number;
  peakHeapMB: number;
  peakArrayBuffersMB: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

// ---------- the logs ----------

const rowValues = (i: number) => ({
  loss: 2 / (1 + i / 1e5) + 0.05 * Math.sin(i / 7),
  error: 0.5 + 0.4 * Math.exp(-i / 2e6) + 0.01 * Math.sin(i / 13),
  lr: 0.1 * Math.exp(-i / 5e6),
});

/** An Event record with scalar summaries (simple_value), framed as a TFRecord (tfevents.ts describes the fields). */
function encodeEvent(step: number, wallTime: number, scalars: [string, number][]): Buffer {
  const values: Buffer[] = scalars.map(([tag, value]) => {
    const t = Buffer.from(tag);
    const body = Buffer.alloc(2 + t.length + 5);
    body[0] = 0x0a; // Value.tag
    body[1] = t.length;
    t.copy(body, 2);
    body[2 + t.length] = 0x15; // Value.simple_value (float)
    body.writeFloatLE(value, 3 + t.length);
    return Buffer.concat([Buffer.from([0x0a, body.length]), body]); // Summary.value
  });
  const summary = Buffer.concat(values);
  const stepBytes: number[] = [];
  for (let v = step; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      stepBytes.push(v);
      break;
    }
    stepBytes.push((v % 128) | 0x80);
  }
  const head = Buffer.alloc(9);
  head[0] = 0x09; // Event.wall_time (double)
  head.writeDoubleLE(wallTime, 1);
  const data = Buffer.concat([head, Buffer.from([0x10, ...stepBytes]), Buffer.from([0x2a, summary.length]), summary]);
  return tfRecord(data);
}

function tfRecord(data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length + 4);
  out.writeUInt32LE(data.length, 0);
  out.writeUInt32LE(0, 4);
  out.writeUInt32LE(maskedCrc32c(out, 0, 8), 8);
  data.copy(out, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/** Appends rows to a log up to `untilBytes`; returns the rows written so far and the objective's exact minimum. */
class LogWriter {
  rows = 0;
  bytes = 0;
  min = Infinity;
  private readonly fd: number;

  constructor(
    readonly file: string,
    readonly kind: Kind,
  ) {
    this.fd = openSync(file, 'w');
    if (kind === 'tfevents') {
      // The first event of every event file: file_version.
      const version = Buffer.from('brain.Event:2');
      const head = Buffer.alloc(9);
      head[0] = 0x09;
      head.writeDoubleLE(1.7e9, 1);
      this.write(tfRecord(Buffer.concat([head, Buffer.from([0x1a, version.length]), version])));
    }
  }

  appendUntil(untilBytes: number): void {
    const blockBytes = 4 * MB;
    while (this.bytes < untilBytes) {
      const parts: Buffer[] = [];
      let size = 0;
      while (size < blockBytes && this.bytes + size < untilBytes) {
        const i = this.rows++;
        const v = rowValues(i);
        let part: Buffer;
        if (this.kind === 'jsonl') {
          const error = v.error.toFixed(6);
          this.min = Math.min(this.min, Number(error));
          part = Buffer.from(`{"step": ${i}, "epoch": ${Math.floor(i / 10000)}, "train/loss": ${v.loss.toFixed(6)}, "${METRIC}": ${error}, "lr": ${v.lr.toExponential(4)}}\n`);
        } else {
          this.min = Math.min(this.min, Math.fround(v.error));
          part = encodeEvent(i, 1.7e9 + i / 100, [['train/loss', v.loss], [METRIC, v.error], ['lr', v.lr]]);
        }
        parts.push(part);
        size += part.length;
      }
      this.write(Buffer.concat(parts));
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private write(bytes: Buffer): void {
    writeSync(this.fd, bytes);
    this.bytes += bytes.length;
  }
}

// ---------- the child: one tail, measured ----------

async function runChild(mode: Mode, file: string): Promise<void> {
  const objective = { metric: METRIC, reduce: 'min' as const, divergenceFactor: 1e6 };
  const baseRss = process.memoryUsage().rss;
  let peakHeap = 0;
  let peakArrayBuffers = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
  };
  // The tail awaits each chunk's read, so the sampler runs during a poll too.
  const sampler = setInterval(sample, 5);
  let busy = 0;
  const finish = (state: TrialLogState | undefined) => {
    clearInterval(sampler);
    sample();
    const result: ChildResult = {
      lastStep: state?.curve.at(-1)?.step,
      value: state?.value,
      seconds: busy / 1000,
      baseRssMB: baseRss / MB,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      peakHeapMB: peakHeap / MB,
      peakArrayBuffersMB: peakArrayBuffers / MB,
    };
    process.send!(result, () => process.exit(0));
  };
  if (mode === 'tune') {
    const started = performance.now();
    const state = await readTrialLog(file, objective);
    busy = performance.now() - started;
    finish(state);
    return;
  }
  const watcher = new LogWatcher();
  process.on('message', (message: { read?: boolean; done?: boolean }) => {
    void (async () => {
      if (message.read) {
        const started = performance.now();
        await watcher.read(file, objective);
        busy += performance.now() - started;
        process.send!({ read: true });
      } else if (message.done) {
        finish(watcher.state(file, objective));
      }
    })();
  });
  process.send!({ ready: true });
}

// ---------- the parent ----------

function child(mode: Mode, file: string): { send(m: object): Promise<unknown>; result: Promise<ChildResult> } {
  const proc = fork(__filename, ['--child', mode, file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let waiting: ((m: unknown) => void) | undefined;
  let resolveResult: (r: ChildResult) => void;
  let rejectResult: (e: Error) => void;
  const result = new Promise<ChildResult>((res, rej) => ((resolveResult = res), (rejectResult = rej)));
  const ready = new Promise<unknown>((res) => (waiting = res));
  proc.on('message', (m: Record<string, unknown>) => {
    if ('maxRssMB' in m) resolveResult(m as unknown as ChildResult);
    else if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(m);
    }
  });
  proc.on('exit', (code) => rejectResult(new Error(`the child exited with ${code}`)));
  return {
    async send(m: object) {
      await ready;
      const reply = new Promise((res) => (waiting = res));
      proc.send(m);
      return m && 'done' in m ? undefined : reply;
    },
    result,
  };
}

interface Row {
  kind: Kind;
  mode: Mode;
  sizeMB: number;
  rows: number;
  result: ChildResult;
}

async function measure(kind: Kind, sizeMB: number, modes: Mode[], stepMB: number, dir: string): Promise<Row[]> {
  const file = path.join(dir, kind === 'jsonl' ? 'metrics.jsonl' : 'events.out.tfevents.1700000000.bench');
  const writer = new LogWriter(file, kind);
  const rows: Row[] = [];
  try {
    const check = (mode: Mode, result: ChildResult) => {
      if (result.value !== writer.min || result.lastStep !== writer.rows - 1) {
        throw new Error(`${kind} ${mode}: read up to step ${result.lastStep} with minimum ${result.value}; written: ${writer.rows} rows, minimum ${writer.min}`);
      }
      rows.push({ kind, mode, sizeMB: writer.bytes / MB, rows: writer.rows, result });
    };
    if (modes.includes('server')) {
      const server = child('server', file);
      for (let mb = stepMB; ; mb += stepMB) {
        writer.appendUntil(Math.min(mb, sizeMB) * MB);
        await Promise.race([server.send({ read: true }), server.result]);
        if (mb >= sizeMB) break;
      }
      await server.send({ done: true });
      check('server', await server.result);
    } else writer.appendUntil(sizeMB * MB);
    if (modes.includes('tune')) {
      const tune = child('tune', file);
      check('tune', await tune.result);
    }
  } finally {
    writer.close();
    rmSync(file, { force: true });
  }
  return rows;
}

async function main(): Promise<void> {
  const sizeMB = Number(arg('size-mb', '1024'));
  const smallMB = Number(arg('small-mb', '64'));
  const stepMB = Number(arg('step-mb', '64'));
  const kinds = arg('kinds', 'jsonl,tfevents').split(',') as Kind[];
  const modes = arg('modes', 'server,tune').split(',') as Mode[];
  const base = arg('dir', tmpdir());
  const fs = statfsSync(base);
  const freeMB = (fs.bavail * fs.bsize) / MB;
  if (freeMB < sizeMB + 512) throw new Error(`${base} has ${freeMB.toFixed(0)} MB free; the log needs ${sizeMB} MB and 512 MB to spare`);
  const dir = mkdtempSync(path.join(base, 'hyperbo-tail-bench-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  console.log(`Tailing logs in ${dir} (${freeMB.toFixed(0)} MB free); Node ${process.version}`);
  const rows: Row[] = [];
  try {
    for (const kind of kinds) {
      for (const size of [smallMB, sizeMB]) {
        const measured = await measure(kind, size, modes, Math.min(stepMB, size), dir);
        for (const r of measured) {
          rows.push(r);
          const x = r.result;
          console.log(
            `${r.kind.padEnd(8)} ${r.mode.padEnd(6)} ${r.sizeMB.toFixed(0).padStart(5)} MB ${String(r.rows).padStart(9)} rows  ` +
              `${x.seconds.toFixed(1).padStart(6)} s ${(r.sizeMB / x.seconds).toFixed(1).padStart(6)} MB/s  ` +
              `peak RSS ${x.maxRssMB.toFixed(0).padStart(4)} MB (at start ${x.baseRssMB.toFixed(0)} MB)  ` +
              `peak heap ${x.peakHeapMB.toFixed(0).padStart(3)} MB  peak buffers ${x.peakArrayBuffersMB.toFixed(0).padStart(3)} MB`,
          );
        }
      }
    }
  } finally {
    cleanup();
  }
  console.log('\n| log | read as | size | rows | time | peak RSS | peak heap |\n|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const x = r.result;
    console.log(`| ${r.kind === 'jsonl' ? 'JSON Lines' : 'TensorBoard'} | ${r.mode} | ${r.sizeMB.toFixed(0)} MB | ${(r.rows / 1e6).toFixed(2)} M | ${x.seconds.toFixed(0)} s | ${x.maxRssMB.toFixed(0)} MB | ${x.peakHeapMB.toFixed(0)} MB |`);
  }
}

if (process.argv[2] === '--child') {
  runChild(process.argv[3] as Mode, process.argv[4]!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
