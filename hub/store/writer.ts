import { appendFileSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WriterConfig } from '../config/schema.js';
import type { Counters } from '../core/counters.js';
import type { Logger } from '../core/log.js';
import type { MetricPoint, MetricStore } from './types.js';

export interface WriterOptions {
  /** First retry delay after a failed write; doubles up to retryMaxMs. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Points per spool file; replay loads one file at a time, so this bounds replay memory. */
  spoolFilePoints?: number;
}

export interface WriterStats {
  /** Points held in memory, waiting to be written. */
  queued: number;
  /** Points in spool files on disk, waiting to be replayed. */
  spooled: number;
  /** Points written since start. */
  written: number;
  lastError: string | null;
}

interface SpoolFile {
  seq: number;
  path: string;
  count: number;
}

/** A batch being written (or retried). `file` is set for spool replay; `last` closes that file. */
interface Batch {
  points: MetricPoint[];
  file: SpoolFile | null;
  last: boolean;
}

const SPOOL_NAME = /^spool-(-?\d+)\.jsonl$/;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** Parses one spool line; torn or foreign lines give null. */
function parseLine(line: string): MetricPoint | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.village !== 'string' || typeof o.device !== 'string' || typeof o.kind !== 'string') return null;
  if (typeof o.ts !== 'number') return null;
  if (o.measurement === 'telemetry' && typeof o.fields === 'object' && o.fields !== null) return o as unknown as MetricPoint;
  if (o.measurement === 'availability' && typeof o.state === 'string') return o as unknown as MetricPoint;
  if (o.measurement === 'event' && typeof o.type === 'string' && typeof o.severity === 'string') return o as unknown as MetricPoint;
  return null;
}

/**
 * The one batching writer in front of a MetricStore (DESIGN.md §5). One write in flight keeps the
 * order. Failed batches are retried with backoff; when memory holds more than `maxQueued` points the
 * oldest go to JSON-lines files in `spoolDir`, which are replayed, oldest first, before newer points.
 * Order on the way to the store is always: batch in flight < spool files < memory queue.
 */
export class MetricWriter {
  private queue: MetricPoint[] = [];
  private added = 0;
  private inflight: Batch | null = null;
  private replay: { file: SpoolFile; points: MetricPoint[]; pos: number; done: number } | null = null;
  private files: SpoolFile[] = [];
  private appendTo: SpoolFile | null = null;
  private spoolReady = false;
  private draining: Promise<void> | null = null;
  private force = false;
  private failing = false;
  private retryDelay = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private written = 0;
  private lastError: string | null = null;

  constructor(
    private readonly store: MetricStore,
    private readonly cfg: WriterConfig,
    private readonly spoolDir: string,
    private readonly log: Logger,
    private readonly counters: Counters,
    private readonly opts: WriterOptions = {},
  ) {}

  private get filePoints(): number {
    return Math.max(1, this.opts.spoolFilePoints ?? this.cfg.batchSize * 4);
  }

  start(): void {
    this.stopping = false;
    try {
      this.initSpool();
    } catch (err) {
      this.lastError = `spool: ${errorText(err)}`;
      this.log.error({ err: this.lastError, dir: this.spoolDir }, 'metric writer: spool folder unusable');
    }
    if (!this.flushTimer) {
      this.flushTimer = setInterval(() => {
        if (this.queue.length > 0 || this.files.length > 0 || this.inflight) this.trigger(true);
      }, this.cfg.flushMs);
      this.flushTimer.unref();
    }
    if (this.files.length > 0) {
      this.log.info({ files: this.files.length, points: this.spooledCount() }, 'metric writer: replaying spool from a previous run');
      this.trigger(true);
    }
  }

  /** Queues one point; never throws. */
  add(point: MetricPoint): void {
    try {
      this.queue.push(point);
      this.added++;
      if (this.queue.length > this.cfg.maxQueued) {
        const keep = this.cfg.maxQueued > this.cfg.batchSize ? this.cfg.maxQueued - this.cfg.batchSize : Math.floor(this.cfg.maxQueued / 2);
        this.spill(this.queue.splice(0, this.queue.length - keep));
      }
      if (this.queue.length >= this.cfg.batchSize) this.trigger(false);
    } catch (err) {
      this.log.error({ err: errorText(err) }, 'metric writer: add failed');
    }
  }

  /** Resolves when every point added so far is written, or spooled to disk when the store fails. */
  async flush(): Promise<void> {
    const target = this.added;
    for (;;) {
      const pending = this.added - this.queue.length < target || (this.inflight !== null && this.inflight.file === null);
      if (!pending) return;
      if (this.draining) {
        await this.draining;
        continue;
      }
      // Store failing (don't hammer it) or stopping with a backlog on disk: persist instead.
      if (this.failing || (this.stopping && (this.files.length > 0 || this.replay !== null))) {
        this.spillAll();
        return;
      }
      this.trigger(true);
      if (!this.draining) {
        this.spillAll();
        return;
      }
    }
  }

  /** Writes what it can (without replaying a backlog), spools the rest, stops timers. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.flushTimer = null;
    this.retryTimer = null;
    if (this.draining) await this.draining;
    if (this.files.length === 0 && !this.failing) await this.flush();
    if (this.draining) await this.draining;
    this.spillAll();
  }

  stats(): WriterStats {
    const inflightMem = this.inflight && this.inflight.file === null ? this.inflight.points.length : 0;
    return { queued: this.queue.length + inflightMem, spooled: this.spooledCount(), written: this.written, lastError: this.lastError };
  }

  private spooledCount(): number {
    let n = 0;
    for (const f of this.files) n += f.count;
    return Math.max(0, n - (this.replay?.done ?? 0));
  }

  private trigger(force: boolean): void {
    if (force) this.force = true;
    if (this.draining || this.retryTimer) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (!this.retryTimer && !this.failing && this.queue.length >= this.cfg.batchSize) this.trigger(false);
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        // On stop, a backlog on disk stays there for the next run instead of delaying shutdown.
        if (this.stopping && !this.inflight && (this.files.length > 0 || this.replay)) return;
        const batch = this.nextBatch();
        if (!batch) {
          this.force = false;
          return;
        }
        try {
          await this.store.write(batch.points);
        } catch (err) {
          if ((err as { permanent?: unknown }).permanent === true) {
            this.lastError = errorText(err);
            this.counters.inc('store.dropped', batch.points.length);
            this.log.error({ err: this.lastError, points: batch.points.length }, 'metric writer: store rejected a batch; dropped');
            this.finish(batch, false);
            continue;
          }
          this.onFailure(err);
          return;
        }
        this.finish(batch, true);
      }
    } catch (err) {
      // Spool I/O failed: report it and retry later like a store failure.
      this.onFailure(err);
    }
  }

  private nextBatch(): Batch | null {
    if (this.inflight) return this.inflight;
    const size = this.cfg.batchSize;
    for (;;) {
      const r = this.replay;
      if (r) {
        if (r.pos < r.points.length) {
          const points = r.points.slice(r.pos, r.pos + size);
          r.pos += points.length;
          this.inflight = { points, file: r.file, last: r.pos >= r.points.length };
          return this.inflight;
        }
        this.removeFile(r.file); // a file without valid points
        this.replay = null;
        continue;
      }
      const head = this.files[0];
      if (!head) break;
      this.loadFile(head);
    }
    if (this.queue.length >= size || (this.force && this.queue.length > 0)) {
      this.inflight = { points: this.queue.splice(0, size), file: null, last: false };
      return this.inflight;
    }
    return null;
  }

  private finish(batch: Batch, ok: boolean): void {
    this.inflight = null;
    const n = batch.points.length;
    if (ok) {
      this.written += n;
      this.counters.inc('store.written', n);
      if (batch.file) this.counters.inc('store.replayed', n);
      if (this.failing) this.log.info({ spooled: this.spooledCount() }, 'metric writer: store reachable again');
      this.failing = false;
      this.retryDelay = 0;
    }
    if (batch.file && this.replay?.file === batch.file) this.replay.done += n;
    if (batch.file && batch.last) {
      this.removeFile(batch.file);
      this.replay = null;
    }
  }

  private onFailure(err: unknown): void {
    this.lastError = errorText(err);
    this.counters.inc('store.write_errors');
    const min = this.opts.retryMinMs ?? 500;
    const max = this.opts.retryMaxMs ?? 30_000;
    this.retryDelay = this.retryDelay === 0 ? min : Math.min(this.retryDelay * 2, max);
    const info = { err: this.lastError, retryMs: this.retryDelay, queued: this.stats().queued, spooled: this.spooledCount() };
    if (!this.failing) this.log.warn(info, 'metric writer: store write failed; retrying, spooling to disk when memory is full');
    else this.log.debug(info, 'metric writer: store write failed again');
    this.failing = true;
    if (this.stopping) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.trigger(true);
    }, this.retryDelay);
    this.retryTimer.unref();
  }

  // --- spool -----------------------------------------------------------------------------------

  private initSpool(): void {
    if (this.spoolReady) return;
    mkdirSync(this.spoolDir, { recursive: true });
    const found: SpoolFile[] = [];
    for (const name of readdirSync(this.spoolDir)) {
      const m = SPOOL_NAME.exec(name);
      if (!m) continue;
      const path = join(this.spoolDir, name);
      const text = readFileSync(path, 'utf8');
      let count = 0;
      for (const line of text.split('\n')) if (line.trim() !== '') count++;
      found.push({ seq: Number(m[1]), path, count });
    }
    found.sort((a, b) => a.seq - b.seq);
    this.files = found;
    this.spoolReady = true;
  }

  private newFile(seq: number): SpoolFile {
    return { seq, path: join(this.spoolDir, `spool-${seq}.jsonl`), count: 0 };
  }

  /** Appends the oldest points of memory to the spool tail (never to a file being replayed). */
  private spill(points: MetricPoint[]): void {
    if (points.length === 0) return;
    let i = 0;
    try {
      this.initSpool();
      const cap = this.filePoints;
      while (i < points.length) {
        let f = this.appendTo;
        if (!f || f.count >= cap) {
          const last = this.files[this.files.length - 1];
          f = this.newFile(last ? last.seq + 1 : 0);
          this.files.push(f);
          this.appendTo = f;
        }
        const chunk = points.slice(i, i + (cap - f.count));
        appendFileSync(f.path, chunk.map((p) => JSON.stringify(p)).join('\n') + '\n');
        f.count += chunk.length;
        i += chunk.length;
      }
      this.counters.inc('store.spooled', points.length);
      this.log.debug({ points: points.length, spooled: this.spooledCount() }, 'metric writer: spooled points to disk');
    } catch (err) {
      const lost = points.length - i;
      this.counters.inc('store.spooled', i);
      this.counters.inc('store.dropped', lost);
      this.lastError = `spool: ${errorText(err)}`;
      this.log.error({ err: errorText(err), dropped: lost, dir: this.spoolDir }, 'metric writer: cannot spool; points dropped');
    }
  }

  /** Moves everything held only in memory to disk, keeping order (used by flush/stop while the store fails). */
  private spillAll(): void {
    const head = this.inflight && this.inflight.file === null ? this.inflight : null;
    if (head) {
      try {
        this.initSpool();
        // The failed batch is older than every spool file: give it a file that sorts first.
        const first = this.files[0];
        const f = this.newFile(first ? first.seq - 1 : 0);
        writeFileSync(f.path, head.points.map((p) => JSON.stringify(p)).join('\n') + '\n');
        f.count = head.points.length;
        this.files.unshift(f);
        this.counters.inc('store.spooled', f.count);
        this.inflight = null;
      } catch (err) {
        this.lastError = `spool: ${errorText(err)}`;
        this.log.error({ err: errorText(err), dir: this.spoolDir }, 'metric writer: cannot spool the failed batch');
        return;
      }
    }
    this.spill(this.queue.splice(0));
  }

  private loadFile(f: SpoolFile): void {
    if (this.appendTo === f) this.appendTo = null;
    let text: string;
    try {
      text = readFileSync(f.path, 'utf8');
    } catch (err) {
      this.log.error({ err: errorText(err), file: f.path, points: f.count }, 'metric writer: spool file unreadable; skipped');
      this.counters.inc('store.dropped', f.count);
      this.files = this.files.filter((x) => x !== f);
      return;
    }
    const points: MetricPoint[] = [];
    let bad = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const p = parseLine(line);
      if (p) points.push(p);
      else bad++;
    }
    if (bad > 0) this.log.warn({ file: f.path, bad }, 'metric writer: skipped unreadable spool lines');
    f.count = points.length;
    this.replay = { file: f, points, pos: 0, done: 0 };
  }

  private removeFile(f: SpoolFile): void {
    this.files = this.files.filter((x) => x !== f);
    if (this.appendTo === f) this.appendTo = null;
    try {
      unlinkSync(f.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log.warn({ err: errorText(err), file: f.path }, 'metric writer: cannot delete replayed spool file');
      }
    }
  }
}
