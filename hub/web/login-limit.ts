/**
 * Failed logins per client address and per user name, in memory: after `max` failures within `windowMs`
 * further attempts are refused (429 with Retry-After) before any password is checked, until the oldest
 * failure leaves the window. Per address stops one phone on the public Wi-Fi guessing many accounts; per
 * name stops many addresses guessing one account. A right password clears the name's failures (its owner
 * typed it), not the address's: an account of one's own cannot buy more guesses at another.
 */
export interface LoginLimitOptions {
  max: number;
  windowMs: number;
  /** Keys tracked at most (addresses + names); the oldest are forgotten first, so memory stays bounded. */
  maxKeys: number;
}

export const defaultLoginLimit: LoginLimitOptions = { max: 5, windowMs: 15 * 60_000, maxKeys: 10_000 };

export type LimitVerdict = { ok: true } | { ok: false; retryAfterS: number };

export class LoginLimiter {
  /** Failure times per key, oldest first; Map order = least recently failed first. */
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly opts: LoginLimitOptions = defaultLoginLimit) {}

  /** Whether another attempt may be made now (without counting one). */
  check(ip: string | null, username: string, now: number): LimitVerdict {
    let until = 0;
    for (const key of this.keys(ip, username)) {
      const times = this.recent(key, now);
      if (times.length >= this.opts.max) until = Math.max(until, (times[times.length - this.opts.max] ?? now) + this.opts.windowMs);
    }
    return until > now ? { ok: false, retryAfterS: Math.max(1, Math.ceil((until - now) / 1000)) } : { ok: true };
  }

  /**
   * Checks, and when allowed counts the attempt as a failure at once, before the (slow) password check:
   * guesses sent in parallel cannot all pass the check. `succeed` takes it back when the password was right.
   */
  attempt(ip: string | null, username: string, now: number): LimitVerdict {
    const verdict = this.check(ip, username, now);
    if (!verdict.ok) return verdict;
    for (const key of this.keys(ip, username)) {
      const times = this.recent(key, now);
      times.push(now);
      this.failures.delete(key);
      this.failures.set(key, times.slice(-this.opts.max));
    }
    while (this.failures.size > this.opts.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
    return verdict;
  }

  /** The attempt made at `at` was right: it is not a failure of the address, and the name starts afresh. */
  succeed(ip: string | null, username: string, at: number): void {
    this.failures.delete(`user:${username.toLowerCase()}`);
    if (!ip) return;
    const times = this.failures.get(`ip:${ip}`);
    const i = times?.lastIndexOf(at) ?? -1;
    if (times && i >= 0) times.splice(i, 1);
    if (times && times.length === 0) this.failures.delete(`ip:${ip}`);
  }

  get size(): number {
    return this.failures.size;
  }

  private keys(ip: string | null, username: string): string[] {
    return [...(ip ? [`ip:${ip}`] : []), `user:${username.toLowerCase()}`];
  }

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => now - t < this.opts.windowMs);
    if (times.length === 0) this.failures.delete(key);
    return times;
  }
}
