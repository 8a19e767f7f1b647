/**
 * Flapping (DESIGN.md §4): more than `maxChanges` state changes within `windowS` marks a device as
 * flapping — one alert instead of one per change — until it has been stable for `settleS`.
 */
export interface FlappingSettings {
  maxChanges: number;
  windowS: number;
  settleS: number;
}

export class FlapDetector {
  private readonly changes: number[] = [];
  flapping = false;

  constructor(private readonly s: FlappingSettings) {}

  /** Records a change at `ts`; returns true when this change started flapping. */
  record(ts: number): boolean {
    this.changes.push(ts);
    this.prune(ts);
    if (!this.flapping && this.changes.length > this.s.maxChanges) {
      this.flapping = true;
      return true;
    }
    return false;
  }

  /** Changes counted in the window ending at `ts`. */
  count(ts: number): number {
    this.prune(ts);
    return this.changes.length;
  }

  lastChange(): number | null {
    return this.changes.at(-1) ?? null;
  }

  /** True when a flapping device has been stable for settleS at `ts` (and clears the flag). */
  settle(ts: number): boolean {
    const last = this.lastChange();
    if (!this.flapping || (last !== null && ts - last < this.s.settleS * 1000)) return false;
    this.flapping = false;
    this.changes.length = 0;
    return true;
  }

  private prune(ts: number): void {
    const from = ts - this.s.windowS * 1000;
    while (this.changes.length > 0 && (this.changes[0] as number) <= from) this.changes.shift();
  }
}
