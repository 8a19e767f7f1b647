import { mkdirSync, existsSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/log.js';
import { DONE_FILE, decodeMessage, encodeMessage, listSegments, readWholeLines, segmentPath, syncDir, writeTemp, type QueueClass, type QueuedMessage } from './queue-files.js';

export interface QueueOptions {
  dir: string;
  /** Bound of the queued messages' bytes; past it the oldest telemetry goes first, then the oldest of the rest. */
  maxBytes: number;
  /** Telemetry queued longer ago than this is dropped. */
  maxAgeMs: number;
  /** Longest wait between an append and the commit (write + fdatasync) that covers it. */
  syncEveryMs: number;
  fsync: boolean;
  /** A segment is closed and a new one begun past this size. */
  segmentBytes?: number;
  now: () => number;
  log: Logger;
  /** A message left the queue without reaching the upstream broker. */
  onDrop?: (m: QueuedMessage, why: 'bytes' | 'age') => void;
  /** A commit failed (a full or broken disk): its messages stay in memory and go with the next one. */
  onError?: (err: unknown) => void;
  /** A commit succeeded after failed ones. */
  onRecovered?: () => void;
}

export interface QueueStats {
  messages: number;
  bytes: number;
  /** When the oldest waiting message was queued (ms), null when none waits. */
  oldestTs: number | null;
  telemetry: number;
  /** Bytes of the files on disk. */
  diskBytes: number;
}

interface Seg {
  first: number;
  path: string;
  fileBytes: number;
  /** Messages of this file still in the queue, and their bytes. */
  remaining: number;
  liveBytes: number;
}

type Rec = QueuedMessage & { seg: Seg | null; bytes: number; line: string };

const SEGMENT_BYTES = 4 * 1024 * 1024;
/** done.log is rewritten (only what the segments still need) past this size. */
const DONE_REWRITE_BYTES = 1024 * 1024;

/**
 * The uplink's store-and-forward queue (docs/uplink.md): every message for the upstream broker is
 * appended here first and leaves when the broker acknowledges it (PUBACK) or a bound drops it. Appends
 * are written and synced in group commits (like the metric spool's write-ahead log), so after a restart
 * or a power cut the queue holds every message appended more than `syncEveryMs` before, minus those that
 * had left it. The messages waiting are also held in memory (the bound keeps that small), in order.
 */
export class UplinkQueue {
  private readonly all = new Map<number, Rec>();
  private readonly telemetry = new Map<number, Rec>();
  private segs: Seg[] = [];
  private active: { seg: Seg; fh: FileHandle } | null = null;
  private doneFh: FileHandle | null = null;
  private doneBytes = 0;
  private pendingLines: Rec[] = [];
  private pendingDone: number[] = [];
  /** Callers of whenDurable waiting for the next commit, and for the one being written. */
  private waitNext: Array<() => void> = [];
  private waitCurrent: Array<() => void> | null = null;
  private next = 0;
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Lines that could not be read on open (a damaged file), counted once. */
  bad = 0;
  lastError: string | null = null;

  constructor(private readonly opts: QueueOptions) {}

  /** Reads what a previous run left: every message not yet acknowledged, in order. */
  open(): void {
    const { dir } = this.opts;
    mkdirSync(dir, { recursive: true });
    const donePath = join(dir, DONE_FILE);
    const done = new Set<number>();
    let maxSeq = -1;
    if (existsSync(donePath)) {
      for (const l of readWholeLines(donePath)) {
        const n = Number(l);
        if (Number.isSafeInteger(n) && n >= 0) {
          done.add(n);
          maxSeq = Math.max(maxSeq, n);
        }
      }
    }
    for (const { first, path } of listSegments(dir)) {
      const seg: Seg = { first, path, fileBytes: 0, remaining: 0, liveBytes: 0 };
      for (const line of readWholeLines(path)) {
        const bytes = Buffer.byteLength(line) + 1;
        seg.fileBytes += bytes;
        const m = decodeMessage(line);
        if (!m) {
          this.bad++;
          continue;
        }
        maxSeq = Math.max(maxSeq, m.seq);
        if (done.has(m.seq) || this.all.has(m.seq)) continue;
        this.add({ ...m, seg, bytes, line: `${line}\n` });
      }
      this.segs.push(seg);
    }
    this.next = maxSeq + 1;
    if (this.bad > 0) this.opts.log.warn({ lines: this.bad, dir }, 'uplink queue: unreadable lines skipped');
    this.chain = this.chain
      .then(() => this.afterOpen(done))
      .catch((err: unknown) => this.opts.log.warn({ err: err instanceof Error ? err.message : String(err), dir }, 'uplink queue: cannot tidy the files left by the last run'));
  }

  private async afterOpen(done: Set<number>): Promise<void> {
    for (const seg of [...this.segs]) if (seg.remaining === 0) await this.removeSeg(seg);
    if (done.size > 0) await this.forgetDone();
  }

  get size(): number {
    return this.all.size;
  }

  stats(): QueueStats {
    const first = this.all.values().next();
    let disk = this.doneBytes;
    for (const s of this.segs) disk += s.fileBytes;
    return { messages: this.all.size, bytes: this.bytes, oldestTs: first.done ? null : first.value.at, telemetry: this.telemetry.size, diskBytes: disk };
  }

  has(seq: number): boolean {
    return this.all.has(seq);
  }

  get(seq: number): QueuedMessage | undefined {
    return this.all.get(seq);
  }

  /** The waiting messages, oldest first. */
  messages(): IterableIterator<QueuedMessage> {
    return this.all.values();
  }

  /** Queues a message (durable once the commit that covers it is done); keeps the bounds. */
  append(m: { topic: string; payload: string; retain: boolean; cls: QueueClass; key: string | null }): QueuedMessage {
    const rec: Rec = { ...m, seq: this.next++, at: this.opts.now(), seg: null, bytes: 0, line: '' };
    rec.line = encodeMessage(rec);
    rec.bytes = Buffer.byteLength(rec.line);
    this.add(rec);
    this.pendingLines.push(rec);
    this.bound();
    this.schedule();
    return rec;
  }

  /** A message left the queue (the upstream broker acknowledged it). */
  done(seq: number): void {
    const rec = this.all.get(seq);
    if (!rec) return;
    this.remove(rec);
    this.pendingDone.push(seq);
    this.schedule();
  }

  /** Drops telemetry queued longer ago than `maxAgeMs`; returns how many. */
  expire(): number {
    const cutoff = this.opts.now() - this.opts.maxAgeMs;
    let n = 0;
    for (const rec of this.telemetry.values()) {
      if (rec.at >= cutoff) break;
      this.drop(rec, 'age');
      n++;
    }
    return n;
  }

  private bound(): void {
    this.expire();
    while (this.bytes > this.opts.maxBytes && this.all.size > 1) {
      const victim = this.telemetry.values().next();
      this.drop(victim.done ? (this.all.values().next().value as Rec) : victim.value, 'bytes');
    }
  }

  private drop(rec: Rec, why: 'bytes' | 'age'): void {
    this.remove(rec);
    this.pendingDone.push(rec.seq);
    this.opts.onDrop?.(rec, why);
  }

  private add(rec: Rec): void {
    this.all.set(rec.seq, rec);
    if (rec.cls === 'telemetry') this.telemetry.set(rec.seq, rec);
    this.bytes += rec.bytes;
    if (rec.seg) {
      rec.seg.remaining++;
      rec.seg.liveBytes += rec.bytes;
    }
  }

  private remove(rec: Rec): void {
    this.all.delete(rec.seq);
    this.telemetry.delete(rec.seq);
    this.bytes -= rec.bytes;
    const seg = rec.seg;
    if (seg) {
      seg.remaining--;
      seg.liveBytes -= rec.bytes;
    }
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      // Reported by writePending (logged, lastError, onError); the next append tries again.
      this.commit().catch(() => undefined);
    }, this.opts.syncEveryMs);
  }

  /**
   * Resolves once what was appended so far has been through a commit (null: nothing waits). A commit
   * that fails (a full disk) resolves it too: the message then waits in memory, reported in /api/health.
   */
  whenDurable(): Promise<void> | null {
    if (this.closed) return null;
    if (this.pendingLines.length > 0) return new Promise((resolve) => this.waitNext.push(resolve));
    const current = this.waitCurrent;
    return current ? new Promise((resolve) => current.push(resolve)) : null;
  }

  /** Writes and syncs what was appended or acknowledged so far; resolves when it is on disk. */
  commit(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const run = this.chain.then(() => this.writePending());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async writePending(): Promise<void> {
    const lines = this.pendingLines;
    const done = this.pendingDone;
    if (lines.length === 0 && done.length === 0) return;
    this.pendingLines = [];
    this.pendingDone = [];
    const waiters = this.waitNext;
    this.waitNext = [];
    this.waitCurrent = waiters;
    try {
      if (lines.length > 0) {
        const a = await this.activeFor(lines[0] as Rec);
        const buf = Buffer.from(lines.map((r) => r.line).join(''), 'utf8');
        await a.fh.write(buf, 0, buf.length, a.seg.fileBytes);
        if (this.opts.fsync) await a.fh.datasync();
        a.seg.fileBytes += buf.length;
        for (const r of lines) {
          r.seg = a.seg;
          // Still queued: it now belongs to this file (one acknowledged meanwhile is only in done.log).
          if (this.all.get(r.seq) === r) {
            a.seg.remaining++;
            a.seg.liveBytes += r.bytes;
          }
        }
      }
      if (done.length > 0) {
        const fh = await this.doneHandle();
        const buf = Buffer.from(done.map((s) => `${s}\n`).join(''), 'utf8');
        await fh.write(buf, 0, buf.length, this.doneBytes);
        this.doneBytes += buf.length;
        if (this.opts.fsync) await fh.datasync();
      }
      if (this.lastError) {
        this.opts.log.info('uplink queue: writing to disk again');
        this.opts.onRecovered?.();
      }
      this.lastError = null;
      await this.tidy();
    } catch (err) {
      // Kept in memory and tried again with the next commit; a full disk is reported, not fatal.
      this.lastError = err instanceof Error ? err.message : String(err);
      this.opts.log.error({ err: this.lastError, dir: this.opts.dir }, 'uplink queue: cannot write to disk');
      this.opts.onError?.(err);
      this.pendingLines = [...lines.filter((r) => r.seg === null), ...this.pendingLines];
      this.pendingDone = [...done, ...this.pendingDone];
      if (this.active) await this.closeActive();
      throw err;
    } finally {
      this.waitCurrent = null;
      for (const resolve of waiters) resolve();
    }
  }

  private async activeFor(first: Rec): Promise<{ seg: Seg; fh: FileHandle }> {
    if (this.active) return this.active;
    const path = segmentPath(this.opts.dir, first.seq);
    const fh = await open(path, 'a');
    // After a failed write the same file may be taken up again: one Seg per file, or deleting one would drop the other's messages.
    const known = this.segs.find((g) => g.path === path);
    const seg: Seg = known ?? { first: first.seq, path, fileBytes: 0, remaining: 0, liveBytes: 0 };
    seg.fileBytes = (await fh.stat()).size;
    if (this.opts.fsync) syncDir(this.opts.dir);
    if (!known) this.segs.push(seg);
    this.active = { seg, fh };
    return this.active;
  }

  private async doneHandle(): Promise<FileHandle> {
    if (this.doneFh) return this.doneFh;
    const path = join(this.opts.dir, DONE_FILE);
    this.doneFh = await open(path, 'a');
    this.doneBytes = (await this.doneFh.stat()).size;
    if (this.opts.fsync) syncDir(this.opts.dir);
    return this.doneFh;
  }

  private async closeActive(): Promise<void> {
    const a = this.active;
    this.active = null;
    if (a) await a.fh.close().catch(() => undefined);
  }

  /** Closes a full segment; deletes files with nothing left; rewrites half-empty ones and done.log when large. */
  private async tidy(): Promise<void> {
    if (this.active && this.active.seg.fileBytes >= (this.opts.segmentBytes ?? SEGMENT_BYTES)) await this.closeActive();
    for (const seg of [...this.segs]) {
      if (this.active?.seg === seg) continue;
      if (seg.remaining === 0) await this.removeSeg(seg);
      else if (seg.fileBytes > 64 * 1024 && seg.liveBytes * 2 < seg.fileBytes) await this.compact(seg);
    }
    if (this.doneBytes > DONE_REWRITE_BYTES) await this.forgetDone();
  }

  /**
   * Every file is written again with only its queued messages, then done.log is emptied (a crash in
   * between leaves done.log as it was: harmless).
   */
  private async forgetDone(): Promise<void> {
    await this.closeActive();
    for (const seg of this.segs) if (seg.liveBytes < seg.fileBytes) await this.compact(seg);
    await this.rewriteDone();
  }

  private async removeSeg(seg: Seg): Promise<void> {
    this.segs = this.segs.filter((s) => s !== seg);
    await unlink(seg.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') this.opts.log.warn({ err: err.message, file: seg.path }, 'uplink queue: cannot delete a file');
    });
  }

  /** Writes a file again with only its messages still queued; synced and renamed over the old one (a crash leaves either). */
  private async compact(seg: Seg): Promise<void> {
    const keep = [...this.all.values()].filter((r) => r.seg === seg);
    const text = keep.map((r) => r.line).join('');
    await this.replaceFile(seg.path, text);
    seg.fileBytes = Buffer.byteLength(text);
  }

  private async rewriteDone(): Promise<void> {
    if (this.doneFh) await this.doneFh.close().catch(() => undefined);
    this.doneFh = null;
    await this.replaceFile(join(this.opts.dir, DONE_FILE), '');
    this.doneBytes = 0;
  }

  private async replaceFile(path: string, text: string): Promise<void> {
    await rename(await writeTemp(path, text, this.opts.fsync), path);
    if (this.opts.fsync) syncDir(this.opts.dir);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.commit().catch(() => undefined);
    await this.chain;
    await this.closeActive();
    if (this.doneFh) await this.doneFh.close().catch(() => undefined);
    this.doneFh = null;
  }
}
