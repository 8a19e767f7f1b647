import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLine } from './spool-format.js';
import type { MetricPoint } from './types.js';

/**
 * The spool's files on disk (docs/durability.md): `wal-<first seq>.log`, one line per point,
 * `<seq>\t<point as JSON>\n`, in sequence order. A torn last line (a crash in the middle of a write) is
 * cut off when the hub starts; a line that does not parse is skipped and counted.
 */
export interface Segment {
  /** Sequence number of the first point ever appended (its name). */
  first: number;
  /** Sequence number of the last point appended; first - 1 while empty. */
  last: number;
  path: string;
  bytes: number;
  points: number;
  /** When its first point was appended (ms; from a previous run: that point's `ts`), for the backlog's age. */
  firstAt: number | null;
  /** When a point was last appended (ms), for `maxAgeS`. */
  lastAppendAt: number;
  /** Telemetry has been taken out (the spool was over its bound, or the points were too old). */
  compacted: boolean;
  /** Bumped when the file is rewritten: a reader's copy is stale. */
  version: number;
}

export interface Entry {
  seq: number;
  point: MetricPoint;
}

export const SEGMENT_NAME = /^wal-(\d+)\.log$/;

export function segmentPath(dir: string, first: number): string {
  return join(dir, `wal-${String(first).padStart(12, '0')}.log`);
}

export function encodeEntry(seq: number, point: MetricPoint): string {
  return `${seq}\t${JSON.stringify(point)}\n`;
}

/** One line without its newline; null when torn or foreign. */
export function decodeEntry(line: string): Entry | null {
  const tab = line.indexOf('\t');
  if (tab <= 0) return null;
  const seq = Number(line.slice(0, tab));
  if (!Number.isSafeInteger(seq) || seq < 0) return null;
  const point = parseLine(line.slice(tab + 1));
  return point ? { seq, point } : null;
}

/** Every readable entry of a file's text, in order, and how many lines were not readable. */
export function decodeText(text: string): { entries: Entry[]; bad: number } {
  const entries: Entry[] = [];
  let bad = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const e = decodeEntry(text.slice(start, end));
      if (e) entries.push(e);
      else bad++;
    }
    start = end + 1;
  }
  return { entries, bad };
}

/**
 * The segments a previous run left, oldest first. A torn tail is cut off (a crash while appending), so
 * the file ends with a whole line again. Only the first and last lines are parsed here (a full spool is
 * up to 1 GiB); unreadable lines are found and counted when the backlog is replayed.
 */
export function scanSegments(dir: string, now: number): Segment[] {
  const segments: Segment[] = [];
  for (const name of readdirSync(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    const buf = readFileSync(path);
    const end = buf.lastIndexOf(10) + 1;
    if (end < buf.length) truncateSync(path, end);
    let lines = 0;
    for (let i = buf.indexOf(10); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) lines++;
    const firstEnd = buf.indexOf(10);
    const head = firstEnd > 0 ? decodeEntry(buf.subarray(0, firstEnd).toString('utf8')) : null;
    const tailStart = end >= 2 ? buf.lastIndexOf(10, end - 2) + 1 : 0;
    const tail = end > 0 ? decodeEntry(buf.subarray(tailStart, end - 1).toString('utf8')) : null;
    const first = Number(m[1]);
    segments.push({
      first,
      last: tail ? Math.max(tail.seq, first - 1) : first - 1 + lines,
      path,
      bytes: end,
      points: lines,
      firstAt: head?.point.ts ?? null,
      lastAppendAt: now,
      compacted: !buf.subarray(0, end).includes('"measurement":"telemetry"'),
      version: 0,
    });
  }
  segments.sort((a, b) => a.first - b.first);
  return segments;
}

/**
 * Writes `text` to `<path>.tmp`, synced with `fsync`, and returns that name: the caller renames it over
 * `path`, so a crash leaves either the old file or the new one.
 */
export async function writeTemp(path: string, text: string, fsync: boolean): Promise<string> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text);
    if (fsync) await fh.datasync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/** Makes a new file's name durable: on Linux a directory is synced like a file (elsewhere this is a no-op). */
export function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open a folder for syncing; NTFS journals the name itself.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
