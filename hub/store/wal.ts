import { constants, mkdirSync, renameSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import type { Logger } from '../core/log.js';
import type { MetricPoint } from './types.js';
import { decodeText, encodeEntry, scanSegments, segmentPath, syncDir, writeTemp, type Entry, type Segment } from './wal-segment.js';

export interface WalOptions {
  dir: string;
  /** Sync each group commit to disk (fdatasync). */
  fsync: boolean;
  /** Longest wait between an append and the commit that covers it. */
  syncEveryMs: number;
  /** A segment is closed and a new one begun past this size. */
  segmentBytes: number;
  now: () => number;
  log: Logger;
}

/** What a commit did: points up to `through` have been through one; those in `failed` are not on disk. */
export interface CommitResult {
  through: number;
  failed: { from: number; to: number; error: string } | null;
}

/**
 * With fsync, segments are opened for synchronous data writes (O_DSYNC, where the platform has it): a
 * commit's one write returns once its data is on disk, as write + fdatasync did, in one trip to the I/O
 * threads instead of two — half the wait for the acknowledgements of a busy hub. Elsewhere (Windows),
 * write + fdatasync.
 */
const DSYNC: number | undefined = process.platform === 'win32' ? undefined : constants.O_DSYNC;
const APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;

/** After a failed write, commits fail at once (without touching the disk) for this long. */
const BROKEN_PAUSE_MS = 1_000;

/** The message of anything thrown (its name when the message is empty). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/**
 * The spool as a write-ahead log (docs/durability.md). Points are appended to an in-memory buffer and
 * written with one write + fdatasync per group commit, at most `syncEveryMs` after the first of them; a
 * commit that fails (a full disk) is cut off the file again, so the file only ever holds whole lines.
 * Segments whose points are all in the store are deleted; the rest is read back in order.
 */
export class Wal {
  private segs: Segment[] = [];
  /** `dsync`: opened with O_DSYNC (every write is synced: no fdatasync after it). */
  private active: { seg: Segment; fh: FileHandle; dsync: boolean } | null = null;
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingFrom = 0;
  private pendingTo = -1;
  private next = 0;
  private committing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private brokenUntil = 0;
  private rotateWanted = false;
  /** Called after every commit, successful or not. */
  onCommit: (r: CommitResult) => void = () => undefined;
  lastError: string | null = null;

  constructor(private readonly opts: WalOptions) {}

  /** Opens the folder; returns the range of sequence numbers a previous run left on disk. */
  open(): { from: number; to: number } {
    mkdirSync(this.opts.dir, { recursive: true });
    this.segs = scanSegments(this.opts.dir, this.opts.now());
    const last = this.segs[this.segs.length - 1];
    const first = this.segs[0];
    this.next = last ? Math.max(last.last + 1, last.first) : 0;
    this.pendingFrom = this.next;
    return { from: first ? first.first : this.next, to: this.next };
  }

  get nextSeq(): number {
    return this.next;
  }

  /** Every point below this has been through a commit (on disk unless that commit failed). */
  get committedThrough(): number {
    return this.pendingFrom - 1;
  }

  get segments(): readonly Segment[] {
    return this.segs;
  }

  /** Bytes on disk and waiting to be written. */
  get bytes(): number {
    let n = this.pendingBytes;
    for (const s of this.segs) n += s.bytes;
    return n;
  }

  append(point: MetricPoint): number {
    const seq = this.next++;
    const line = encodeEntry(seq, point);
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.pendingTo = seq;
    if (!this.timer && !this.committing) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.commit();
      }, this.opts.syncEveryMs);
    }
    return seq;
  }

  /** Writes (and syncs) what is pending now; resolves when that commit and any before it are done. */
  async commit(): Promise<void> {
    while (this.committing) await this.committing;
    if (this.pending.length === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const run = this.writePending();
    this.committing = run;
    try {
      await run;
    } finally {
      this.committing = null;
      // Appended while this commit ran: the next one starts now (they have waited long enough).
      if (this.pending.length > 0 && !this.timer) {
        this.timer = setTimeout(() => {
          this.timer = null;
          void this.commit();
        }, 0);
      }
    }
  }

  private async writePending(): Promise<void> {
    const lines = this.pending;
    const from = this.pendingFrom;
    const to = this.pendingTo;
    const text = lines.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingFrom = to + 1;
    if (this.opts.now() < this.brokenUntil) {
      this.onCommit({ through: to, failed: { from, to, error: this.lastError ?? 'spool unusable' } });
      return;
    }
    let a: { seg: Segment; fh: FileHandle; dsync: boolean } | null = null;
    let before = 0;
    try {
      a = await this.activeFor(from);
      before = a.seg.bytes;
      const buf = Buffer.from(text, 'utf8');
      await a.fh.write(buf, 0, buf.length, before);
      if (this.opts.fsync && !a.dsync) await a.fh.datasync();
      a.seg.bytes = before + buf.length;
      a.seg.points += lines.length;
      a.seg.last = to;
      a.seg.lastAppendAt = this.opts.now();
      if (a.seg.firstAt === null && lines.length > 0) a.seg.firstAt = a.seg.lastAppendAt;
      if (this.lastError) this.opts.log.info('spool: writing to disk again');
      this.lastError = null;
      // Before the segment is closed: a closed segment may be trimmed (spool-bound.ts) at once, and its
      // points must be in the writer's backlog by then, or they would go uncounted.
      this.onCommit({ through: to, failed: null });
      if (a.seg.bytes >= this.opts.segmentBytes || this.rotateWanted) await this.closeActive();
    } catch (err) {
      this.lastError = errorText(err);
      this.brokenUntil = this.opts.now() + BROKEN_PAUSE_MS;
      this.opts.log.error({ err: this.lastError, dir: this.opts.dir, points: to - from + 1 }, 'spool: cannot write to disk');
      // Only whole lines stay in the file: what this commit wrote is cut off again.
      if (a) {
        await a.fh.truncate(before).catch(() => this.closeActive());
      }
      this.onCommit({ through: to, failed: { from, to, error: this.lastError } });
    }
  }

  private async activeFor(first: number): Promise<{ seg: Segment; fh: FileHandle; dsync: boolean }> {
    if (this.active) return this.active;
    const path = segmentPath(this.opts.dir, first);
    const dsync = this.opts.fsync && DSYNC !== undefined;
    const fh = await open(path, dsync ? APPEND | (DSYNC as number) : 'a');
    const seg: Segment = { first, last: first - 1, path, bytes: 0, points: 0, firstAt: null, lastAppendAt: this.opts.now(), compacted: false, version: 0 };
    const st = await fh.stat();
    seg.bytes = st.size;
    if (this.opts.fsync) syncDir(this.opts.dir);
    this.segs.push(seg);
    this.active = { seg, fh, dsync };
    return this.active;
  }

  private async closeActive(): Promise<void> {
    const a = this.active;
    this.active = null;
    this.rotateWanted = false;
    if (a) await a.fh.close().catch(() => undefined);
  }

  /** The next commit ends the current segment, so it can be compacted or deleted. */
  rotate(): void {
    if (this.active && this.active.seg.points > 0) {
      if (this.committing || this.pending.length > 0) this.rotateWanted = true;
      else void this.closeActive();
    }
  }

  isActive(seg: Segment): boolean {
    return this.active?.seg === seg;
  }

  /** Entries with from <= seq < to, at most `max`, oldest first, read back from the files. */
  async read(from: number, to: number, max: number, cache: ReaderCache): Promise<{ entries: Entry[]; next: number; bad: number }> {
    let bad = 0;
    let pos = from;
    for (const seg of this.segs) {
      if (seg.last < pos || seg.points === 0) continue;
      if (seg.first >= to) break;
      let c = cache.get(seg);
      if (!c || (c.upTo < Math.min(seg.last, to - 1) && c.bytes !== seg.bytes)) {
        // Only what was committed when the read began: a commit may be appending to this file meanwhile.
        const size = seg.bytes;
        // The version when the read began: a file trimmed meanwhile makes this copy stale at once.
        const version = seg.version;
        const decoded = decodeText((await readFile(seg.path)).subarray(0, size).toString('utf8'));
        bad += decoded.bad;
        c = cache.set(seg, decoded.entries, size, version);
      }
      // This copy holds every line of the file up to `to` (else the rest is still being committed).
      const covered = c.bytes === seg.bytes || c.upTo >= Math.min(seg.last, to - 1);
      const entries: Entry[] = [];
      let i = lowerBound(c.entries, pos);
      for (; i < c.entries.length && entries.length < max; i++) {
        const e = c.entries[i] as Entry;
        if (e.seq >= to) break;
        entries.push(e);
      }
      if (entries.length > 0) {
        const lastSeq = (entries[entries.length - 1] as Entry).seq;
        const more = i < c.entries.length && (c.entries[i] as Entry).seq < to;
        return { entries, next: more || !covered ? lastSeq + 1 : Math.min(to, Math.max(lastSeq + 1, seg.last + 1)), bad };
      }
      if (!covered) return { entries: [], next: pos, bad };
      pos = Math.max(pos, seg.last + 1);
    }
    return { entries: [], next: Math.max(pos, from), bad };
  }

  /** Deletes the closed segments whose every point is below `seq` (all in the store). */
  async release(seq: number): Promise<number> {
    let removed = 0;
    for (const seg of [...this.segs]) {
      if (seg.last >= seq || this.isActive(seg)) continue;
      await this.remove(seg);
      removed++;
    }
    return removed;
  }

  /** Sequence numbers of the points a closed segment holds. */
  async seqsOf(seg: Segment): Promise<number[]> {
    return decodeText(await readFile(seg.path, 'utf8')).entries.map((e) => e.seq);
  }

  async remove(seg: Segment): Promise<void> {
    this.segs = this.segs.filter((s) => s !== seg);
    await unlink(seg.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') this.opts.log.warn({ err: err.message, file: seg.path }, 'spool: cannot delete a segment');
    });
  }

  /**
   * Rewrites a closed segment without its telemetry (availability transitions and device events are
   * kept); `swapped` gets the sequence numbers of the telemetry taken out. The new file is synced and
   * renamed over the old one, so a crash leaves either.
   */
  async compact(seg: Segment, swapped: (dropped: number[]) => void): Promise<void> {
    const text = await readFile(seg.path, 'utf8');
    const { entries } = decodeText(text);
    const kept = entries.filter((e) => e.point.measurement !== 'telemetry');
    const dropped = entries.filter((e) => e.point.measurement === 'telemetry').map((e) => e.seq);
    const out = kept.map((e) => encodeEntry(e.seq, e.point)).join('');
    const tmp = await writeTemp(seg.path, out, this.opts.fsync);
    // The swap, the segment's new figures and the count happen in one synchronous step: the backlog
    // reader never sees the shorter file before the points it lacks are counted.
    renameSync(tmp, seg.path);
    seg.bytes = Buffer.byteLength(out);
    seg.points = kept.length;
    seg.compacted = true;
    seg.version++;
    swapped(dropped);
    if (this.opts.fsync) syncDir(this.opts.dir);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.commit();
    await this.closeActive();
  }
}

function lowerBound(entries: Entry[], seq: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((entries[mid] as Entry).seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The one segment the backlog reader holds parsed (a segment is read once, then served batch by batch). */
export class ReaderCache {
  private held: { seg: Segment; version: number; entries: Entry[]; bytes: number; upTo: number } | null = null;

  get(seg: Segment): { entries: Entry[]; bytes: number; upTo: number } | null {
    const h = this.held;
    return h && h.seg === seg && h.version === seg.version ? h : null;
  }

  set(seg: Segment, entries: Entry[], bytes: number, version: number): { entries: Entry[]; bytes: number; upTo: number } {
    const last = entries[entries.length - 1];
    this.held = { seg, version, entries, bytes, upTo: last ? last.seq : seg.first - 1 };
    return this.held;
  }

  clear(): void {
    this.held = null;
  }
}
