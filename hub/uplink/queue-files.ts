import { readFileSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The uplink queue's files (docs/uplink.md): `q-<first seq>.log` holds queued messages, one JSON line
 * each, in sequence order; `done.log` holds the sequence numbers that left the queue (acknowledged
 * upstream, or dropped by a bound), one per line. Same rules as the metric spool's write-ahead log: only
 * whole lines count, a torn last line (a crash in the middle of a write) is cut off on start.
 */

/** Telemetry may be dropped to keep the bounds; everything else (status, events, alerts, device states) is kept longer. */
export type QueueClass = 'telemetry' | 'keep';

export interface QueuedMessage {
  seq: number;
  topic: string;
  payload: string;
  retain: boolean;
  cls: QueueClass;
  /** When it was queued (ms). */
  at: number;
  /** `<village>/<device>` of a device's message, for per-device order; null for the hub's own. */
  key: string | null;
}

const lineSchema = z.strictObject({
  s: z.number().int().nonnegative(),
  t: z.string().min(1),
  p: z.string(),
  r: z.boolean(),
  c: z.enum(['telemetry', 'keep']),
  a: z.number(),
  k: z.string().nullable(),
});

export const SEGMENT_NAME = /^q-(\d+)\.log$/;
export const DONE_FILE = 'done.log';

export function segmentPath(dir: string, first: number): string {
  return join(dir, `q-${String(first).padStart(12, '0')}.log`);
}

export function encodeMessage(m: QueuedMessage): string {
  return `${JSON.stringify({ s: m.seq, t: m.topic, p: m.payload, r: m.retain, c: m.cls, a: m.at, k: m.key })}\n`;
}

export function decodeMessage(line: string): QueuedMessage | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  const r = lineSchema.safeParse(raw);
  if (!r.success) return null;
  const v = r.data;
  return { seq: v.s, topic: v.t, payload: v.p, retain: v.r, cls: v.c, at: v.a, key: v.k };
}

/** A file's whole lines (a torn tail is cut off the file itself). */
export function readWholeLines(path: string): string[] {
  const buf = readFileSync(path);
  const end = buf.lastIndexOf(10) + 1;
  if (end < buf.length) truncateSync(path, end);
  return buf
    .subarray(0, end)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

/** Segment files present, oldest first. */
export function listSegments(dir: string): Array<{ first: number; path: string }> {
  return readdirSync(dir)
    .map((name) => SEGMENT_NAME.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ first: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.first - b.first);
}

// The metric spool's: the same rules for replacing a file and making a new or renamed file's name durable.
export { syncDir, writeTemp } from '../store/wal-segment.js';
