// A TensorBoard event-file writer following the same specification as src/formats/tfevents.ts (TFRecord framing with
// masked CRC-32C, Event/Summary/TensorProto fields), for tests: Debian packages no TensorBoard writer (python3-torch's
// SummaryWriter needs the tensorboard package, which Debian does not have). Its CRCs are checked against the
// standard CRC-32C check value in the tests, so reader and writer cannot agree on a wrong checksum.
import { DT, maskedCrc32c } from '../../../src/formats/tfevents';

function varintBytes(n: number): number[] {
  const out: number[] = [];
  let v = n < 0 ? 2 ** 64 + n : n;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const field = (num: number, wire: number) => varintBytes(num * 8 + wire);
const lengthDelimited = (num: number, body: Uint8Array | number[]) => [...field(num, 2), ...varintBytes(body.length), ...body];

/** One TFRecord around `data`. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length >>> 0, true);
  view.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out, 0, 8), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** An Event with scalar summaries: simple_value, or a float32 scalar tensor with the "scalars" plugin (TF2's form). */
export function encodeScalarEvent(step: number, scalars: Record<string, number>, options: { wallTime?: number; asTensor?: boolean } = {}): Uint8Array {
  const values: number[] = [];
  for (const [tag, value] of Object.entries(scalars)) {
    const f32 = new Uint8Array(new Float32Array([value]).buffer);
    const body = options.asTensor
      ? [
          ...lengthDelimited(1, new TextEncoder().encode(tag)),
          ...lengthDelimited(9, lengthDelimited(1, lengthDelimited(1, new TextEncoder().encode('scalars')))),
          ...lengthDelimited(8, [...field(1, 0), ...varintBytes(DT.FLOAT), ...lengthDelimited(2, []), ...field(5, 5), ...f32]),
        ]
      : [...lengthDelimited(1, new TextEncoder().encode(tag)), ...field(2, 5), ...f32];
    values.push(...lengthDelimited(1, body));
  }
  const wall = new Uint8Array(new Float64Array([options.wallTime ?? 0]).buffer);
  return new Uint8Array([...field(1, 1), ...wall, ...field(2, 0), ...varintBytes(step), ...lengthDelimited(5, values)]);
}

/** The first Event of every event file: file_version "brain.Event:2". */
export function encodeFileVersionEvent(wallTime = 0): Uint8Array {
  const wall = new Uint8Array(new Float64Array([wallTime]).buffer);
  return new Uint8Array([...field(1, 1), ...wall, ...lengthDelimited(3, new TextEncoder().encode('brain.Event:2'))]);
}
