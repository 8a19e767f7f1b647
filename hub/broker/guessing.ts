/**
 * Keeps password guessing from burning the CPU. A secret check is a scrypt of ~130 ms and 32 MiB
 * (hub/security/passwords.ts), so:
 * - an address with `maxFailures` failed attempts within `windowMs` is blocked for `blockMs`: its
 *   attempts are refused without a check (a real device behind it that connected before still gets in,
 *   its secret being known from memory: MqttAccounts.authenticateCached);
 * - at most `concurrency` checks run at once and at most `maxWaiting` wait; more are refused as busy, so
 *   many addresses together cannot queue unbounded work either.
 */
export interface GuessLimits {
  maxFailures: number;
  windowMs: number;
  blockMs: number;
  concurrency: number;
  maxWaiting: number;
}

export const defaultGuessLimits: GuessLimits = { maxFailures: 5, windowMs: 60_000, blockMs: 60_000, concurrency: 2, maxWaiting: 200 };

/** Addresses remembered at most; the oldest are forgotten first. */
const MAX_ADDRESSES = 10_000;

export class GuessLimiter {
  private readonly failures = new Map<string, { since: number; count: number; blockedUntil: number }>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limits: GuessLimits = defaultGuessLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  blocked(address: string): boolean {
    const f = this.failures.get(address);
    return f !== undefined && f.blockedUntil > this.now();
  }

  /** Records a failed attempt; true when it starts a block. */
  failed(address: string): boolean {
    const now = this.now();
    let f = this.failures.get(address);
    if (!f || now - f.since > this.limits.windowMs) {
      if (!f && this.failures.size >= MAX_ADDRESSES) {
        const oldest = this.failures.keys().next();
        if (!oldest.done) this.failures.delete(oldest.value);
      }
      f = { since: now, count: 0, blockedUntil: f?.blockedUntil ?? 0 };
      this.failures.set(address, f);
    }
    f.count++;
    if (f.count < this.limits.maxFailures || f.blockedUntil > now) return false;
    f.blockedUntil = now + this.limits.blockMs;
    f.since = now;
    f.count = 0;
    return true;
  }

  /** Runs a slow check when a slot is free; undefined (nothing run) when too many already wait. */
  run<T>(check: () => Promise<T>): Promise<T> | undefined {
    if (this.running >= this.limits.concurrency && this.waiting.length >= this.limits.maxWaiting) return undefined;
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        check()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.waiting.shift()?.();
          });
      };
      if (this.running < this.limits.concurrency) start();
      else this.waiting.push(start);
    });
  }
}
