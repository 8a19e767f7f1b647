import type { MetricStore } from './types.js';

export interface RetryProbeOptions {
  /** First retry delay after a failed write; doubles up to maxMs. */
  minMs: number;
  maxMs: number;
  /** While waiting, the store is pinged this often. */
  probeMs: number;
  now: () => number;
}

/**
 * When to try the store again after a failed write: a doubling backoff, but the store is pinged
 * meanwhile, and a store that answers again (after not answering) is written to at once — a backlog
 * starts within a probe period of the store's return, not after a long backoff (docs/durability.md).
 */
export class RetryProbe {
  private delay = 0;
  private at = 0;
  private timer: NodeJS.Timeout | null = null;
  private pingOk = false;

  constructor(
    private readonly store: Pick<MetricStore, 'ping'>,
    private readonly opts: RetryProbeOptions,
  ) {}

  /** A retry or a probe is pending: writes wait for it. */
  get waiting(): boolean {
    return this.timer !== null;
  }

  /** A write failed: the next delay (ms). */
  failed(): number {
    this.delay = this.delay === 0 ? this.opts.minMs : Math.min(this.delay * 2, this.opts.maxMs);
    this.at = this.opts.now() + this.delay;
    this.pingOk = false;
    return this.delay;
  }

  /** A write succeeded: the next failure starts the backoff from the beginning. */
  reset(): void {
    this.delay = 0;
  }

  /** Calls `go` once the delay is over or the store answers again, whichever is first. */
  schedule(go: () => void): void {
    this.cancel();
    const wait = Math.max(0, Math.min(this.opts.probeMs, this.at - this.opts.now()));
    const timer = setTimeout(() => {
      void (async () => {
        let due = this.opts.now() >= this.at;
        if (!due) {
          const ok = await this.store.ping().catch(() => false);
          due = ok && !this.pingOk;
          this.pingOk = ok;
        }
        if (this.timer !== timer) return; // cancelled meanwhile
        if (due) {
          this.timer = null;
          go();
        } else this.schedule(go);
      })();
    }, wait);
    timer.unref();
    this.timer = timer;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
