import { statfsSync } from 'node:fs';
import type { Logger } from '../core/log.js';
import type { Wal } from './wal.js';

const GIB = 1024 ** 3;

/** The default bound of the spool: the lesser of 1 GiB and 10 % of the free space of its disk now. */
export function defaultSpoolBytes(dir: string, log: Logger): number {
  try {
    const s = statfsSync(dir);
    const free = Number(s.bavail) * Number(s.bsize);
    return Math.max(1_048_576, Math.min(GIB, Math.floor(free / 10)));
  } catch (err) {
    log.warn({ err: (err as Error).message, dir }, 'spool: cannot read the free space of its disk; bound set to 1 GiB');
    return GIB;
  }
}

export interface SpoolBoundOptions {
  maxBytes: number;
  maxAgeMs: number;
  now: () => number;
  log: Logger;
  /** Points taken out of the spool: telemetry (the first to go) or transitions and events (only once no telemetry is left). */
  dropped: (what: 'telemetry' | 'events', seqs: number[]) => void;
}

/**
 * Keeps the spool within `maxBytes` and `maxAgeS` (docs/durability.md). Over the bound, the oldest
 * segment still holding telemetry is rewritten without it; availability transitions and device events
 * are only dropped, oldest segment first, when no telemetry is left anywhere but the segment being
 * written. Telemetry older than `maxAgeS` is taken out the same way.
 */
export class SpoolBound {
  private running: Promise<void> | null = null;

  constructor(
    private readonly wal: Wal,
    private readonly opts: SpoolBoundOptions,
  ) {}

  get maxBytes(): number {
    return this.opts.maxBytes;
  }

  set maxBytes(n: number) {
    this.opts.maxBytes = n;
  }

  /** Starts a pass when the spool is over a bound; one pass at a time. */
  check(): void {
    if (this.running || !this.over()) return;
    this.running = this.pass()
      .catch((err: unknown) => this.opts.log.error({ err: (err as Error).message }, 'spool: cannot trim to its bound'))
      .finally(() => {
        this.running = null;
      });
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private over(): boolean {
    return this.wal.bytes > this.opts.maxBytes || this.aged() !== undefined;
  }

  private aged() {
    const limit = this.opts.now() - this.opts.maxAgeMs;
    return this.wal.segments.find((s) => !s.compacted && !this.wal.isActive(s) && s.lastAppendAt < limit);
  }

  private async pass(): Promise<void> {
    for (let seg = this.aged(); seg; seg = this.aged()) {
      await this.wal.compact(seg, (seqs) => this.opts.dropped('telemetry', seqs));
    }
    while (this.wal.bytes > this.opts.maxBytes) {
      const closed = this.wal.segments.filter((s) => !this.wal.isActive(s));
      const withTelemetry = closed.find((s) => !s.compacted);
      if (withTelemetry) {
        await this.wal.compact(withTelemetry, (seqs) => this.opts.dropped('telemetry', seqs));
        continue;
      }
      const active = this.wal.segments.find((s) => this.wal.isActive(s));
      if (active && !active.compacted && active.points > 0) {
        // Only the segment being written still holds telemetry: close it; the next pass can trim it.
        this.wal.rotate();
        return;
      }
      const oldest = closed.find((s) => s.points > 0);
      if (!oldest) return;
      // Only what is left in it (its telemetry, if any, was counted when it was taken out).
      const seqs = await this.wal.seqsOf(oldest);
      // Counted before the file goes (remove() takes it out of the list at once).
      this.opts.dropped('events', seqs);
      await this.wal.remove(oldest);
    }
  }
}
