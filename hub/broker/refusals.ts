import type { Counters } from '../core/counters.js';
import type { Logger } from '../core/log.js';

/**
 * Why the broker turned something away; each is counted as `broker.refused.<why>` (GET /api/health).
 * Connections: `no-credentials`, `bad-credentials`, `client-id-taken`, `not-configured` (a device account
 * whose device left the configuration), `guessing` (an address blocked after failed attempts), `busy`
 * (too many password checks waiting), `connect-timeout`, and the packet guard's `packet-too-large`,
 * `not-connect-first`, `malformed-length`. Traffic: `publish` and `subscribe` (the ACL), `flood` (a
 * client disconnected for publishing too fast for too long).
 */
export type RefusalReason =
  | 'no-credentials'
  | 'bad-credentials'
  | 'client-id-taken'
  | 'not-configured'
  | 'guessing'
  | 'busy'
  | 'connect-timeout'
  | 'packet-too-large'
  | 'not-connect-first'
  | 'malformed-length'
  | 'publish'
  | 'subscribe'
  | 'flood';

/** One log line per (reason, client) per window; a client retrying every second must not flood the log. */
const WINDOW_MS = 60_000;
/** Clients remembered per window; beyond that, refusals of new clients share one line per reason. */
const MAX_KEYS = 2_000;
/** Lines per address per window: a client changing its id at every attempt must not flood the log either. */
const LINES_PER_ADDRESS = 10;

/** Who was refused: the key its log lines are rate-limited by (an account, or a client id), and its address. */
export interface Refused {
  key: string;
  address: string;
}

/**
 * Counts every refusal and logs the first of each (reason, client) per minute, with how many were left
 * out — at most ten lines a minute per address.
 */
export class Refusals {
  private readonly windows = new Map<string, { until: number; suppressed: number }>();
  private readonly addresses = new Map<string, { until: number; lines: number }>();

  constructor(
    private readonly counters: Counters,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `message` is built only when the line is written. */
  refuse(why: RefusalReason, who: Refused, fields: Record<string, unknown>, message: () => string): void {
    this.counters.inc(`broker.refused.${why}`);
    const now = this.now();
    if (this.windows.size >= MAX_KEYS) {
      for (const [k, w] of this.windows) if (w.until <= now) this.windows.delete(k);
      for (const [k, a] of this.addresses) if (a.until <= now) this.addresses.delete(k);
    }
    const key = this.windows.size >= MAX_KEYS ? `${why}|*` : `${why}|${who.key}`;
    const w = this.windows.get(key);
    if (w && now < w.until) {
      w.suppressed++;
      return;
    }
    let a = this.addresses.get(who.address);
    if (!a || a.until <= now) {
      a = { until: now + WINDOW_MS, lines: 0 };
      if (this.addresses.size < MAX_KEYS) this.addresses.set(who.address, a);
    }
    if (a.lines >= LINES_PER_ADDRESS) return;
    this.windows.set(key, { until: now + WINDOW_MS, suppressed: 0 });
    const last = ++a.lines === LINES_PER_ADDRESS;
    this.log.warn(
      { refused: why, address: who.address, ...fields, ...(w?.suppressed ? { suppressedSinceLast: w.suppressed } : {}) },
      `${message()}${last ? ` (More refusals from ${who.address} this minute are counted, not logged.)` : ''}`,
    );
  }
}
