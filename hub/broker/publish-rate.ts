export interface RateLimit {
  messagesPerS: number;
  burst: number;
  /** Held back this long without letting up → disconnected. */
  disconnectAfterS: number;
}

/** What became of one publish: it goes on (now or later), or the client must go. */
export type Admit = (go: boolean) => void;

/**
 * One client's publish rate (broker.rateLimit), a token bucket kept as the time its next message is
 * due (GCRA, ITU-T I.371): `burst` messages may come at once, then one per 1/`messagesPerS` s.
 *
 * A message over the rate is not refused but held back: the broker's publish hook answers it later.
 * aedes reads a client's next packets only when its current batch is answered, so holding messages
 * back slows that client alone (its bytes wait in its own socket) while every other client goes on.
 * A client still behind after `disconnectAfterS` of being held back is disconnected.
 */
export class PublishRate {
  private due = 0;
  private throttledSince: number | null = null;
  private readonly queue: Array<{ at: number; admit: Admit }> = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly limit: RateLimit,
    /** Called once, when the client is to be disconnected for flooding. */
    private readonly onFlood: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Calls `admit(true)` when the message may go on (now or later), `admit(false)` when the client is to go. */
  take(admit: Admit): void {
    if (this.closed) return admit(false);
    const now = this.now();
    const interval = 1000 / this.limit.messagesPerS;
    const due = Math.max(this.due, now);
    const at = due - interval * (this.limit.burst - 1);
    this.due = due + interval;
    if (at <= now && this.queue.length === 0) {
      this.throttledSince = null;
      return admit(true);
    }
    this.throttledSince ??= now;
    this.queue.push({ at, admit });
    if (this.tooLong(now)) return this.flood();
    this.schedule();
  }

  /** The client is gone: what waits is answered "no" (aedes has closed the connection anyway). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const q of this.queue.splice(0)) q.admit(false);
  }

  private tooLong(now: number): boolean {
    return this.throttledSince !== null && now - this.throttledSince >= this.limit.disconnectAfterS * 1000;
  }

  private flood(): void {
    if (this.closed) return;
    this.onFlood();
    this.close();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const head = this.queue[0] as { at: number };
    this.timer = setTimeout(() => this.release(), Math.max(0, head.at - this.now()));
  }

  private release(): void {
    this.timer = null;
    const now = this.now();
    // In arrival order: a client's messages keep their order (aedes handles a batch's publishes in parallel).
    while (this.queue.length > 0 && (this.queue[0] as { at: number }).at <= now + 1) (this.queue.shift() as { admit: Admit }).admit(true);
    // A long batch is answered over many seconds: the client keeps on for as long as it is behind.
    if (this.queue.length > 0 && this.tooLong(now)) return this.flood();
    this.schedule();
  }
}
