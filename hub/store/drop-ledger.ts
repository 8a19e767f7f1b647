/**
 * Points the spool's bound took out of the backlog (spool-bound.ts), kept as one entry per trimmed
 * segment — a range and a count, not the sequence numbers, so a ledger of a full 1 GiB spool stays a
 * few kilobytes. The backlog's size is its range less what the ledger holds ahead of the reader.
 */
interface Drop {
  first: number;
  last: number;
  n: number;
}

export class DropLedger {
  private drops: Drop[] = [];

  /** Records dropped points (sequence numbers in the backlog). */
  add(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const s of seqs) {
      if (s < first) first = s;
      if (s > last) last = s;
    }
    this.drops.push({ first, last, n: seqs.length });
  }

  /**
   * Dropped points at or after `from` (where the backlog reader stands). A segment the reader is in the
   * middle of is counted in proportion: exact would need every sequence number kept.
   */
  ahead(from: number): number {
    this.drops = this.drops.filter((d) => d.last >= from);
    let n = 0;
    for (const d of this.drops) {
      if (d.first >= from) n += d.n;
      else n += Math.round((d.n * (d.last - from + 1)) / (d.last - d.first + 1));
    }
    return n;
  }

  clear(): void {
    this.drops = [];
  }
}
