/**
 * Messages waiting for their points to be safe before the broker acknowledges them (PUBACK/PUBREC).
 * A message's points are the sequence numbers `from..to` the writer gave them. They are safe once a
 * spool commit has covered them, unless that commit failed: such points are "volatile" (in memory
 * only) until the store has written them. A volatile point that is lost fails its message, which is
 * then not acknowledged (the device keeps it and sends it again).
 */
interface Waiter {
  from: number;
  to: number;
  done: (err?: Error) => void;
}

export class AckQueue {
  private waiters: Waiter[] = [];
  /** Waiters were added in the order of their points (as they almost always are). */
  private inOrder = true;
  /** Points whose spool commit failed and which the store has not written yet. */
  readonly volatile = new Set<number>();

  get size(): number {
    return this.waiters.length;
  }

  add(from: number, to: number, done: (err?: Error) => void): void {
    const last = this.waiters[this.waiters.length - 1];
    if (last && to < last.to) this.inOrder = false;
    this.waiters.push({ from, to, done });
  }

  /** Answers every message whose points are all safe now (committed through `committed`, none volatile). */
  settle(committed: number): void {
    if (this.waiters.length === 0) return;
    if (this.volatile.size === 0 && this.inOrder) {
      // The ready ones are a prefix: no need to look at the (possibly thousands of) others at each commit.
      let n = 0;
      while (n < this.waiters.length && this.waiters[n]!.to <= committed) n++;
      // Called for every message as it arrives, when none is ready yet.
      if (n === 0) return;
      const ready = this.waiters.splice(0, n);
      for (const w of ready) w.done();
      return;
    }
    const keep: Waiter[] = [];
    const ready: Waiter[] = [];
    for (const w of this.waiters) (w.to <= committed && !this.hasVolatile(w) ? ready : keep).push(w);
    this.waiters = keep;
    if (keep.length === 0) this.inOrder = true;
    for (const w of ready) w.done();
  }

  /** Fails the messages holding a volatile point `lost` says is gone (or any volatile point when `lost` is absent). */
  fail(err: Error, lost?: (seq: number) => boolean): void {
    const keep: Waiter[] = [];
    const failed: Waiter[] = [];
    for (const w of this.waiters) {
      let hit = false;
      for (let s = w.from; s <= w.to && !hit; s++) hit = this.volatile.has(s) && (lost ? lost(s) : true);
      (hit ? failed : keep).push(w);
    }
    this.waiters = keep;
    for (const w of failed) w.done(err);
  }

  /** Answers everyone (the hub is stopping: nothing more will be written in this run). */
  drain(err?: Error): void {
    const all = this.waiters;
    this.waiters = [];
    this.inOrder = true;
    for (const w of all) w.done(err);
  }

  private hasVolatile(w: Waiter): boolean {
    if (this.volatile.size === 0) return false;
    for (let s = w.from; s <= w.to; s++) if (this.volatile.has(s)) return true;
    return false;
  }
}
