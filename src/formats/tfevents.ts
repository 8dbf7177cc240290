// TensorBoard event files (`events.out.tfevents.*`): TFRecord framing and the Event/Summary protobufs, read by hand.
//
// TFRecord (tensorflow/core/lib/io/record_writer.cc): each record is
//   uint64 length (little-endian) · uint32 masked_crc32c(length bytes) · data[length] · uint32 masked_crc32c(data)
// with masked_crc(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8 (mod 2^32), CRC-32C (Castagnoli).
// Event (tensorflow/core/util/event.proto): wall_time = 1 (double), step = 2 (int64), file_version = 3, summary = 5.
// Summary (tensorflow/core/framework/summary.proto): repeated Value value = 1; Value: tag = 1, simple_value = 2
// (float), tensor = 8 (TensorProto), metadata = 9. TensorProto (tensor.proto): dtype = 1, tensor_shape = 2,
// tensor_content = 4, float_val = 5, double_val = 6, int_val = 7, int64_val = 10, half_val = 13.
// Scalars are a Value's simple_value (PyTorch's SummaryWriter, TF1) or a one-element tensor (TF2 tf.summary.scalar).

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of bytes[start, end). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const c = crc32c(bytes, start, end);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** The TFRecord at `pos`: whole (its data, undefined when the data checksum fails), cut off (its full length once
 * the 12-byte header is in), or unreadable (the length's checksum failed: the framing is lost from here on). */
export type TfRecordFrame =
  | { kind: 'record'; end: number; body: Uint8Array | undefined }
  | { kind: 'partial'; length?: number }
  | { kind: 'lost'; reason: string };

export function nextTfRecord(bytes: Uint8Array, pos: number): TfRecordFrame {
  if (pos + 12 > bytes.length) return { kind: 'partial' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(pos + 8, true) !== maskedCrc32c(bytes, pos, pos + 8)) return { kind: 'lost', reason: 'bad length checksum' };
  const length = view.getUint32(pos + 4, true) * 2 ** 32 + view.getUint32(pos, true);
  const end = pos + 12 + length + 4;
  if (end > bytes.length) return { kind: 'partial', length: end - pos };
  const dataStart = pos + 12;
  const dataEnd = dataStart + length;
  const ok = view.getUint32(dataEnd, true) === maskedCrc32c(bytes, dataStart, dataEnd);
  return { kind: 'record', end, body: ok ? bytes.subarray(dataStart, dataEnd) : undefined };
}

/** A protobuf reader over one message's bytes: just what Event/Summary/TensorProto need. */
class Reader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    private readonly view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  ) {}
  get done(): boolean {
    return this.pos >= this.bytes.length;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) throw new RangeError('truncated varint');
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new RangeError('varint too long');
  }
  /** A varint read as a signed 64-bit integer (negative steps are two's complement in 10 bytes). */
  int64(): number {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }
  float(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  bytesField(): Uint8Array {
    const n = this.varint();
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.bytesField();
    else if (wire === 5) this.advance(4);
    else throw new RangeError(`unsupported wire type ${wire}`);
  }
  private advance(n: number): void {
    this.need(n);
    this.pos += n;
  }
  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new RangeError('truncated field');
  }
}

const utf8 = new TextDecoder();

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

// DataType enum (types.proto).
export const DT = { FLOAT: 1, DOUBLE: 2, INT32: 3, INT64: 9, BFLOAT16: 14, HALF: 19 } as const;

/** The single value of a one-element numeric TensorProto, else undefined. */
export function tensorScalar(bytes: Uint8Array): number | undefined {
  const r = new Reader(bytes);
  let dtype = 0;
  let content: Uint8Array | undefined;
  const values: number[] = [];
  let elements = 1;
  while (!r.done) {
    const key = r.varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 1 && wire === 0) dtype = r.varint();
    else if (field === 2 && wire === 2) {
      // TensorShapeProto: repeated Dim dim = 2 { int64 size = 1 }.
      const shape = new Reader(r.bytesField());
      while (!shape.done) {
        const k = shape.varint();
        if (k >> 3 === 2 && (k & 7) === 2) {
          const dim = new Reader(shape.bytesField());
          while (!dim.done) {
            const dk = dim.varint();
            if (dk >> 3 === 1 && (dk & 7) === 0) elements *= dim.int64();
            else dim.skip(dk & 7);
          }
        } else shape.skip(k & 7);
      }
    } else if (field === 4 && wire === 2) content = r.bytesField();
    else if ((field === 5 || field === 6 || field === 7 || field === 10 || field === 13) && wire === 2) {
      // Packed repeated values.
      const packed = new Reader(r.bytesField());
      while (!packed.done) values.push(field === 5 ? packed.float() : field === 6 ? packed.double() : field === 13 ? halfToFloat(packed.varint()) : field === 10 ? packed.int64() : packed.int64());
    } else if (field === 5 && wire === 5) values.push(r.float());
    else if (field === 6 && wire === 1) values.push(r.double());
    else if ((field === 7 || field === 10 || field === 13) && wire === 0) values.push(field === 13 ? halfToFloat(r.varint()) : r.int64());
    else r.skip(wire);
  }
  if (elements !== 1) return undefined;
  if (content && content.length > 0) {
    const v = new DataView(content.buffer, content.byteOffset, content.byteLength);
    if (dtype === DT.FLOAT && content.length >= 4) return v.getFloat32(0, true);
    if (dtype === DT.DOUBLE && content.length >= 8) return v.getFloat64(0, true);
    if (dtype === DT.INT32 && content.length >= 4) return v.getInt32(0, true);
    if (dtype === DT.INT64 && content.length >= 8) return Number(v.getBigInt64(0, true));
    if (dtype === DT.HALF && content.length >= 2) return halfToFloat(v.getUint16(0, true));
    if (dtype === DT.BFLOAT16 && content.length >= 2) return new DataView(new Uint32Array([v.getUint16(0, true) << 16]).buffer).getFloat32(0, true);
    return undefined;
  }
  if (![DT.FLOAT, DT.DOUBLE, DT.INT32, DT.INT64, DT.HALF].includes(dtype as 1)) return undefined;
  return values.length === 1 ? values[0] : undefined;
}

export interface TfEvent {
  wallTime?: number;
  step: number;
  /** Scalar summaries by tag. */
  scalars: Record<string, number>;
}

/** Decodes one Event record; undefined when it is not a valid Event message. */
export function decodeEvent(bytes: Uint8Array): TfEvent | undefined {
  try {
    const r = new Reader(bytes);
    const event: TfEvent = { step: 0, scalars: {} };
    while (!r.done) {
      const key = r.varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (field === 1 && wire === 1) event.wallTime = r.double();
      else if (field === 2 && wire === 0) event.step = r.int64();
      else if (field === 5 && wire === 2) readSummary(r.bytesField(), event.scalars);
      else r.skip(wire);
    }
    return event;
  } catch {
    return undefined;
  }
}

function readSummary(bytes: Uint8Array, out: Record<string, number>): void {
  const r = new Reader(bytes);
  while (!r.done) {
    const key = r.varint();
    if (key >> 3 !== 1 || (key & 7) !== 2) {
      r.skip(key & 7);
      continue;
    }
    const v = new Reader(r.bytesField());
    let tag = '';
    let value: number | undefined;
    while (!v.done) {
      const k = v.varint();
      const f = k >> 3;
      const w = k & 7;
      if (f === 1 && w === 2) tag = utf8.decode(v.bytesField());
      else if (f === 7 && w === 2 && !tag) tag = utf8.decode(v.bytesField());
      else if (f === 2 && w === 5) value = v.float();
      else if (f === 8 && w === 2) value = tensorScalar(v.bytesField()) ?? value;
      else v.skip(w);
    }
    if (tag && value !== undefined) out[tag] = value;
  }
}
