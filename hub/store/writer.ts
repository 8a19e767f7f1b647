import type { WriterConfig } from '../config/schema.js';
import type { Counters } from '../core/counters.js';
import type { Logger } from '../core/log.js';
import { AckQueue } from './acks.js';
import { Backlog } from './backlog.js';
import { lowWater, nothingToSpill, overflowChunk, overflowVictims, spill } from './spill.js';
import { RetryProbe } from './retry-probe.js';
import { adoptOldSpool } from './spool-legacy.js';
import { defaultSpoolBytes, SpoolBound } from './spool-bound.js';
import type { MetricPoint, MetricStore } from './types.js';
import { errorText, Wal, type CommitResult } from './wal.js';
import type { Entry } from './wal-segment.js';
import type { SpoolStats, WriterOptions, WriterStats } from './writer-types.js';

export type { SpoolStats, WriterOptions, WriterStats };

type Batch = { kind: 'live'; entries: Entry[] } | { kind: 'backlog'; entries: Entry[]; next: number };

/** Small enough that the one segment the backlog reader holds parsed stays a few megabytes of memory. */
const SEGMENT_BYTES = 2 * 1024 * 1024;

/**
 * The one writer in front of a MetricStore (DESIGN.md §5, docs/durability.md). Every point is appended
 * to the spool (a write-ahead log, wal.ts) and kept in memory; batches go from memory to the store.
 * While the store fails, or when memory holds `maxQueued` points, points leave memory and become the
 * backlog: a range of sequence numbers read back from the spool. Live points and backlog batches take
 * turns, live first, so a backlog never holds up what is happening now. Segments all of whose points
 * are in the store (and, for SQLite, synced) are deleted. Points are idempotent, so a point written
 * twice (replayed after a crash) is stored once.
 */
export class MetricWriter {
  private readonly wal: Wal;
  private readonly bound: SpoolBound;
  private readonly acks = new AckQueue();
  private readonly fsync: boolean;
  private live: Entry[] = [];
  private readonly backlog: Backlog;
  private inflight: Batch | null = null;
  private liveTurn = true;
  private draining: Promise<void> | null = null;
  private force = false;
  private failing = false;
  private readonly retry: RetryProbe;
  private flushTimer: NodeJS.Timeout | null = null;
  private releasing: Promise<void> | null = null;
  private started = false;
  private stopping = false;
  private written = 0;
  private lastError: string | null = null;
  private failingSince: number | null = null;
  private failedWrites = 0;
  private readonly now: () => number;

  constructor(
    private readonly store: MetricStore,
    private readonly cfg: WriterConfig,
    private readonly spoolDir: string,
    private readonly log: Logger,
    private readonly counters: Counters,
    private readonly opts: WriterOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.retry = new RetryProbe(store, { minMs: opts.retryMinMs ?? 500, maxMs: opts.retryMaxMs ?? 30_000, probeMs: opts.probeMs ?? 1_000, now: this.now });
    this.fsync = opts.spool?.fsync ?? true;
    this.wal = new Wal({
      dir: spoolDir,
      fsync: this.fsync,
      syncEveryMs: opts.spool?.syncEveryMs ?? 10,
      segmentBytes: opts.segmentBytes ?? SEGMENT_BYTES,
      now: this.now,
      log,
    });
    this.backlog = new Backlog(this.wal, counters, log);
    this.bound = new SpoolBound(this.wal, {
      maxBytes: opts.spool?.maxBytes ?? Number.POSITIVE_INFINITY,
      maxAgeMs: (opts.spool?.maxAgeS ?? 30 * 86_400) * 1000,
      now: this.now,
      log,
      dropped: (what, seqs) => this.onDropped(what, seqs),
    });
  }

  start(): void {
    this.stopping = false;
    if (!this.started) {
      this.started = true;
      this.wal.onCommit = (r) => this.onCommit(r);
      try {
        const left = this.wal.open();
        if (left.to > left.from) this.backlog.set(left.from, left.to);
        if (this.opts.spool?.maxBytes == null) this.bound.maxBytes = defaultSpoolBytes(this.spoolDir, this.log);
        const old = adoptOldSpool(this.spoolDir, this.wal);
        if (old.to > old.from) this.backlog.set(this.backlog.range?.from ?? old.from, old.to);
      } catch (err) {
        this.lastError = `spool: ${errorText(err)}`;
        this.log.error({ err: this.lastError, dir: this.spoolDir }, 'metric writer: spool folder unusable');
      }
    }
    if (!this.flushTimer) {
      this.flushTimer = setInterval(() => {
        if (this.live.length > 0 || this.backlog.range || this.inflight) this.trigger(true);
      }, this.cfg.flushMs);
      this.flushTimer.unref();
    }
    const left = this.backlog.range;
    if (left) {
      this.log.info({ points: left.to - left.from }, 'metric writer: writing the spool a previous run left');
      this.trigger(true);
    }
  }

  /** Resolves once a pass trimming the spool to its bounds, if one runs, is over. */
  async trimmed(): Promise<void> {
    await this.bound.idle();
  }

  /** Sequence number the next point will get: a message's points are those from before to after its events. */
  get nextSeq(): number {
    return this.wal.nextSeq;
  }

  /** Queues one point (and appends it to the spool); never throws. */
  add(point: MetricPoint): void {
    try {
      const seq = this.wal.append(point);
      this.live.push({ seq, point });
      if (this.live.length > this.cfg.maxQueued) this.toBacklog(true);
      if (this.live.length >= this.cfg.batchSize) this.trigger(false);
    } catch (err) {
      this.log.error({ err: errorText(err) }, 'metric writer: add failed');
    }
  }

  /**
   * Calls `done` once points `from..to` are safe: synced to the spool, or (the spool failing) written to
   * the store. With an error when they were lost: the message must not be acknowledged.
   */
  whenStored(from: number, to: number, done: (err?: Error) => void): void {
    if (to < from || !this.fsync) return done();
    this.acks.add(from, to, done);
    this.acks.settle(this.wal.committedThrough);
  }

  /** Resolves when every point added so far is written, or in the spool while the store fails. */
  async flush(): Promise<void> {
    const target = this.wal.nextSeq;
    for (;;) {
      await this.wal.commit();
      if (this.failing) {
        this.toBacklog(false);
        return;
      }
      const livePending = this.live.length > 0 && (this.live[0] as Entry).seq < target;
      // Stopping leaves a backlog in the spool for the next start rather than delay the stop.
      const waiting = this.backlog.range;
      const backlogPending = !this.stopping && waiting !== null && waiting.from < target;
      const inflight = this.inflight !== null;
      if (!livePending && !backlogPending && !inflight) return;
      if (this.retry.waiting) {
        this.toBacklog(false);
        return;
      }
      this.trigger(true);
      if (this.draining) await this.draining;
      else return;
    }
  }

  /** Writes what is in memory when the store is up; the spool keeps the rest for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.retry.cancel();
    if (this.draining) await this.draining;
    if (!this.failing) await this.flush().catch(() => undefined);
    if (this.draining) await this.draining;
    await this.wal.close().catch(() => undefined);
    await this.bound.idle();
    // A pass already running judged by an older low-water mark: the last one must see everything written.
    if (this.releasing) await this.releasing;
    await this.release();
    this.acks.drain();
    this.started = false;
  }

  stats(): WriterStats {
    const inflightMem = this.inflight?.kind === 'live' ? this.inflight.entries.length : 0;
    return {
      queued: this.live.length + inflightMem,
      spooled: this.backlogCount(),
      written: this.written,
      lastError: this.lastError,
      failing: this.failingSince !== null,
      failingSince: this.failingSince,
      failedWrites: this.failedWrites,
      spool: {
        bytes: this.wal.bytes,
        maxBytes: this.bound.maxBytes,
        oldestAt: this.backlog.oldestAt(),
        droppedTelemetry: this.backlog.dropped.telemetry,
        droppedEvents: this.backlog.dropped.events,
        diskError: this.wal.lastError,
      },
    };
  }

  private backlogCount(): number {
    return this.backlog.count(this.inflight?.kind === 'backlog' ? this.inflight.entries.length : 0);
  }

  private onCommit(r: CommitResult): void {
    if (r.failed) {
      // Only points still in memory are volatile: one the store already has (written while the commit
      // ran) is safe, and nothing would ever take it out of the set again.
      const { from, to } = r.failed;
      const inMemory = (e: Entry): void => {
        if (e.seq >= from && e.seq <= to) this.acks.volatile.add(e.seq);
      };
      this.live.forEach(inMemory);
      if (this.inflight?.kind === 'live') this.inflight.entries.forEach(inMemory);
      this.counters.inc('store.spool_errors');
    }
    this.acks.settle(r.through);
    // While the store is away, points go from memory to the backlog as soon as they are on disk.
    if (this.failing) this.toBacklog(false);
    this.bound.check();
  }

  /**
   * Moves the points of memory that are on disk to the backlog (all of them, or, with `overflow`, until
   * memory is under maxQueued). Volatile points stay in memory; past maxQueued the oldest are lost.
   */
  private toBacklog(overflow: boolean): void {
    const volatile = this.acks.volatile;
    const committed = this.wal.committedThrough;
    if (overflow && nothingToSpill(this.live, committed, volatile)) return;
    const target = overflow ? Math.max(0, this.cfg.maxQueued - this.cfg.batchSize) : 0;
    const out = spill(this.live, committed, volatile, this.live.length - target);
    if (out.moved > 0) {
      this.backlog.add(out.from, out.to);
      this.counters.inc('store.spooled', out.moved);
    }
    this.live = out.keep;
    const over = this.live.length - this.cfg.maxQueued;
    if (over > 0) {
      // What is left is nowhere but in memory (or on its way to disk): the oldest go, in chunks (spill.ts).
      const gone = overflowVictims(this.live, volatile, over + overflowChunk(this.cfg.maxQueued));
      this.live = this.live.filter((e) => !gone.has(e.seq));
      if (gone.size === 0) return;
      this.counters.inc('store.dropped', gone.size);
      this.log.error({ dropped: gone.size }, 'metric writer: neither the store nor the spool takes points; oldest dropped');
      this.acks.fail(new Error('points lost: neither the store nor the spool takes them'), (s) => gone.has(s));
      for (const s of gone) this.acks.volatile.delete(s);
    }
  }

  private onDropped(what: 'telemetry' | 'events', seqs: number[]): void {
    const n = this.backlog.drop(what, seqs);
    if (n === 0) return;
    this.log.warn({ points: n, what, bytes: this.wal.bytes, maxBytes: this.bound.maxBytes }, 'spool full or too old: oldest points dropped');
  }

  /** Deletes spool segments whose points are all in the store, once the store says they are on disk. */
  private async release(): Promise<void> {
    if (this.releasing) return this.releasing;
    const low = lowWater({
      committedThrough: this.wal.committedThrough,
      backlogFrom: this.backlog.range?.from,
      liveHead: this.live[0]?.seq,
      inflightHead: this.inflight?.entries[0]?.seq,
      volatile: this.acks.volatile,
    });
    if (!this.wal.segments.some((s) => s.last < low && !this.wal.isActive(s))) return;
    this.releasing = (async () => {
      try {
        if (this.store.sync && !(await this.store.sync())) return;
        if ((await this.wal.release(low)) > 0) this.backlog.forget();
      } catch (err) {
        this.log.warn({ err: errorText(err) }, 'metric writer: cannot delete written spool segments yet');
      } finally {
        this.releasing = null;
      }
    })();
    return this.releasing;
  }

  private trigger(force: boolean): void {
    if (force) this.force = true;
    if (this.draining || this.retry.waiting) return;
    this.draining = this.drain().then((progressed) => {
      this.draining = null;
      const more = this.live.length >= this.cfg.batchSize || (this.backlog.range !== null && !this.stopping);
      if (progressed && !this.retry.waiting && !this.failing && more) this.trigger(false);
    });
  }

  /** Writes batches until there is nothing to write or a write fails; true when something was written. */
  private async drain(): Promise<boolean> {
    let progressed = false;
    for (;;) {
      let batch: Batch | null;
      try {
        batch = await this.nextBatch();
      } catch (err) {
        // The spool cannot be read: report it and try again later, like a store failure.
        this.onFailure(err);
        return progressed;
      }
      if (!batch) {
        this.force = false;
        return progressed;
      }
      this.inflight = batch;
      try {
        await this.store.write(batch.entries.map((e) => e.point));
      } catch (err) {
        this.inflight = null;
        if ((err as { permanent?: unknown }).permanent === true) {
          this.lastError = errorText(err);
          this.failingSince ??= this.now();
          this.failedWrites++;
          this.counters.inc('store.dropped', batch.entries.length);
          this.log.error({ err: this.lastError, points: batch.entries.length }, 'metric writer: store rejected a batch; dropped');
          this.done(batch);
          continue;
        }
        if (batch.kind === 'live') this.live = [...batch.entries, ...this.live];
        this.acks.fail(new Error(`store: ${errorText(err)}`));
        this.onFailure(err);
        return progressed;
      }
      progressed = true;
      this.inflight = null;
      // A full batch means a burst: what came in while it was written goes next, whatever its size, so
      // the end of a burst does not wait for flushMs and memory holds one write's worth of points.
      if (batch.kind === 'live' && batch.entries.length >= this.cfg.batchSize) this.force = true;
      this.written += batch.entries.length;
      this.counters.inc('store.written', batch.entries.length);
      if (batch.kind === 'backlog') this.counters.inc('store.replayed', batch.entries.length);
      if (this.failing) this.log.info({ backlog: this.backlogCount() }, 'metric writer: store reachable again');
      this.failing = false;
      this.failingSince = null;
      this.failedWrites = 0;
      this.retry.reset();
      this.done(batch);
    }
  }

  private done(batch: Batch): void {
    if (batch.kind === 'live') {
      for (const e of batch.entries) this.acks.volatile.delete(e.seq);
      this.acks.settle(this.wal.committedThrough);
    } else this.backlog.advance(batch.next);
    void this.release();
  }

  /**
   * Live and backlog take turns, live first; a small live batch waits for flushMs unless a backlog is
   * draining or a full batch was just written (a burst: then the store is written as fast as it takes).
   */
  private async nextBatch(): Promise<Batch | null> {
    const size = this.cfg.batchSize;
    const liveReady = this.live.length >= size || ((this.force || this.backlog.range !== null) && this.live.length > 0);
    const backlogReady = this.backlog.range !== null && !this.stopping;
    if (liveReady && (this.liveTurn || !backlogReady)) {
      this.liveTurn = false;
      return { kind: 'live', entries: this.live.splice(0, size) };
    }
    this.liveTurn = true;
    if (backlogReady) {
      const read = await this.backlog.read(size);
      if (read) return { kind: 'backlog', entries: read.entries, next: read.next };
    }
    return liveReady ? { kind: 'live', entries: this.live.splice(0, size) } : null;
  }

  private onFailure(err: unknown): void {
    this.lastError = errorText(err);
    this.failingSince ??= this.now();
    this.failedWrites++;
    this.counters.inc('store.write_errors');
    // The parsed copy of a segment the reader holds is let go: through a long outage it would grow
    // with the segment being written (the retry reads the backlog's head again, once per retry).
    this.backlog.forget();
    const retryMs = this.retry.failed();
    const info = { err: this.lastError, retryMs, queued: this.live.length, backlog: this.backlogCount() };
    if (!this.failing) this.log.warn(info, 'metric writer: store write failed; points wait in the spool on disk');
    else this.log.debug(info, 'metric writer: store write failed again');
    this.failing = true;
    this.toBacklog(false);
    if (this.stopping) return;
    this.retry.schedule(() => {
      if (!this.stopping) this.trigger(true);
    });
  }
}
