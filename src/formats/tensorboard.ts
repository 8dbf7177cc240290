// TensorBoard logs for the tail (tail.ts): which files of a log folder are event files (`events.out.tfevents.*`), and
// how an event file's bytes become records (TFRecord framing and Event scalars, tfevents.ts). Everything else —
// offsets, records cut off mid-write, truncation, size bounds, curves — is the tail's, as for text logs.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { LogRecord } from './logs';
import type { RecordCodec, RecordFrame } from './tail';
import { decodeEvent, nextTfRecord } from './tfevents';

export const TFEVENTS_PREFIX = 'events.out.tfevents.';
export const isEventFileName = (file: string): boolean => path.basename(file).startsWith(TFEVENTS_PREFIX);

/** Event files under a folder (itself and two levels below), sorted by path; at most `limit`. */
export async function findEventFiles(dir: string, limit = 64, depth = 2): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, level: number): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (out.length >= limit) return;
      if (e.isFile() && e.name.startsWith(TFEVENTS_PREFIX)) out.push(path.join(d, e.name));
    }
    if (level < depth) for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) await walk(path.join(d, e.name), level + 1);
  };
  await walk(dir, 0);
  return out.sort();
}

/** An event file's records: one TFRecord each; those whose Event carries scalar summaries are records with points. */
export class EventCodec implements RecordCodec {
  readonly format = 'tfevents';

  frame(bytes: Buffer, start: number): RecordFrame {
    return nextTfRecord(bytes, start);
  }

  /** Never needed: a record's length is known from its 12-byte header, so an over-long one is passed over by length. */
  resync(): number {
    return -1;
  }

  decode(body: Uint8Array): LogRecord | 'bad' | undefined {
    const event = decodeEvent(body);
    if (!event) return 'bad';
    return Object.keys(event.scalars).length > 0 ? { step: event.step, metrics: event.scalars } : undefined;
  }
}
