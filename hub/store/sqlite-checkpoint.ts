import type Database from 'better-sqlite3';
import type { Logger } from '../core/log.js';

/**
 * WAL checkpoints of the metric store, on the store's own connection. A checkpoint copies the WAL into
 * the database file and syncs it (with `synchronous = NORMAL` a commit reaches the disk only then).
 *
 * A small one every second keeps each short: measured 1–15 ms here for a second of writes at 2 000
 * values/s, and the storage benchmark's event-loop check (scripts/bench/storage-size.ts) covers them. A
 * burst (a backlog drained at tens of thousands of points a second) is checkpointed inside the commits
 * once the WAL passes AUTOCHECKPOINT_PAGES, so no checkpoint copies more than about that much. They used
 * to run in a worker thread with a connection of its own; the thread was a V8 isolate of its own, about
 * 10 MiB of the hub's memory for a few milliseconds a second (docs/benchmarks.md, "Memory").
 */

/** Pages (of 4 KB) the WAL may reach before a commit checkpoints: SQLite's own default. */
const AUTOCHECKPOINT_PAGES = 1_000;

export class WalCheckpointer {
  private timer: NodeJS.Timeout | null = null;
  private longest = 0;
  private failing = false;

  constructor(
    private readonly db: Database.Database,
    private readonly log: Logger,
    private readonly everyMs = 1_000,
  ) {}

  /** The longest checkpoint so far (ms): the event loop waits for it. */
  get longestMs(): number {
    return this.longest;
  }

  start(): void {
    if (this.timer) return;
    this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    this.timer = setInterval(() => this.checkpoint(), this.everyMs);
    // A program that opens the store and ends is not kept alive by it.
    this.timer.unref();
  }

  /**
   * A checkpoint now: true when every committed frame was copied into the database file and synced;
   * false when a reader held some back or the disk refused (the caller tries again later).
   */
  checkpoint(): boolean {
    if (!this.db.open) return false;
    const began = performance.now();
    try {
      const [r] = this.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      if (this.failing) this.log.info('sqlite: WAL checkpoints work again');
      this.failing = false;
      return r !== undefined && r.busy === 0 && r.log === r.checkpointed;
    } catch (err) {
      // A full or read-only disk: said once, tried again at the next tick.
      if (!this.failing) this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'sqlite: WAL checkpoint failed; tried again every second');
      this.failing = true;
      return false;
    } finally {
      this.longest = Math.max(this.longest, performance.now() - began);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
