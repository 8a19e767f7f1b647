import type { Counters } from '../core/counters.js';
import type { Logger } from '../core/log.js';
import { DropLedger } from './drop-ledger.js';
import { ReaderCache, type Wal } from './wal.js';
import type { Entry } from './wal-segment.js';

/**
 * The metric writer's backlog (writer.ts): a range of sequence numbers that are in the spool but not yet
 * in the store, and the reader that reads them back, a batch at a time, for replay. Points the spool's
 * bound took out of the range are counted off (drop-ledger.ts). The reader holds one segment parsed
 * (ReaderCache); it is let go when the backlog is written, when segments are deleted, and after a failed
 * write.
 */
export class Backlog {
  private span: { from: number; to: number } | null = null;
  private readonly ledger = new DropLedger();
  /** Points the bound took out of the backlog since the hub started, by what they were. */
  readonly dropped = { telemetry: 0, events: 0 };
  private readonly cache = new ReaderCache();

  constructor(
    private readonly wal: Wal,
    private readonly counters: Counters,
    private readonly log: Logger,
  ) {}

  /** The points waiting, `from` up to (not including) `to`; null when none wait. */
  get range(): Readonly<{ from: number; to: number }> | null {
    return this.span;
  }

  /** Makes points `from..to-1` the backlog (what a previous run left in the spool). */
  set(from: number, to: number): void {
    this.span = { from, to };
  }

  /** Adds points `from..to-1`, which are on disk, to the backlog. */
  add(from: number, to: number): void {
    const b = this.span;
    this.span = { from: b ? Math.min(b.from, from) : from, to: b ? Math.max(b.to, to) : to };
  }

  /** Points waiting, less those the bound dropped; `inflight` (a backlog batch being written) when none is left. */
  count(inflight: number): number {
    const b = this.span;
    return b ? Math.max(0, b.to - b.from - this.ledger.ahead(b.from)) : inflight;
  }

  /** When the oldest waiting point was appended (ms); null without a backlog. */
  oldestAt(): number | null {
    const b = this.span;
    if (!b) return null;
    const seg = this.wal.segments.find((s) => s.last >= b.from && s.points > 0);
    return seg?.firstAt ?? null;
  }

  /** Counts off points the spool's bound dropped; returns how many of them were waiting here. */
  drop(what: 'telemetry' | 'events', seqs: number[]): number {
    const b = this.span;
    if (!b) return 0;
    const inBacklog = seqs.filter((s) => s >= b.from && s < b.to);
    const n = inBacklog.length;
    if (n === 0) return 0;
    this.ledger.add(inBacklog);
    this.dropped[what] += n;
    this.counters.inc(what === 'telemetry' ? 'store.spool_dropped.telemetry' : 'store.spool_dropped.events', n);
    return n;
  }

  /** Everything before `next` is in the store. */
  advance(next: number): void {
    const b = this.span;
    if (!b) return;
    b.from = Math.max(b.from, next);
    if (b.from >= b.to) {
      this.span = null;
      this.ledger.clear();
      this.cache.clear();
      this.log.info('metric writer: backlog written');
    }
  }

  /**
   * Reads the next batch of at most `size` points from the spool, skipping unreadable lines and ranges
   * with nothing left in them; null when nothing can be read now.
   */
  async read(size: number): Promise<{ entries: Entry[]; next: number } | null> {
    while (this.span) {
      const b = this.span;
      // Points not yet committed are read next time (they are in memory or the commit is under way).
      const to = Math.min(b.to, this.wal.committedThrough + 1);
      if (to <= b.from) return null;
      const r = await this.wal.read(b.from, to, size, this.cache);
      if (r.bad > 0) {
        this.counters.inc('store.spool_bad_lines', r.bad);
        this.log.warn({ lines: r.bad }, 'metric writer: skipped unreadable spool lines');
      }
      if (r.entries.length > 0) return { entries: r.entries, next: r.next };
      if (r.next <= b.from) return null;
      this.advance(r.next);
    }
    return null;
  }

  /** Lets go of the parsed segment the reader holds (its segment was deleted, or the store is away). */
  forget(): void {
    this.cache.clear();
  }
}
