/**
 * Flapping (DESIGN.md §4): more than `maxChanges` state changes within `windowS` marks a device as
 * flapping — one alert instead of one per change — until it has been stable for `settleS`. Only changes
 * of the device's own doing are recorded: availability leaves out those inside a maintenance window and
 * those its parent caused.
 */
export interface FlappingSettings {
  maxChanges: number;
  windowS: number;
  settleS: number;
}

interface Change {
  ts: number;
  /** The change took the device down (an outage began). */
  down: boolean;
}

export class FlapDetector {
  private readonly changes: Change[] = [];
  flapping = false;

  constructor(private readonly s: FlappingSettings) {}

  /** Records a change at `ts`; returns true when this change started flapping. */
  record(ts: number, down: boolean): boolean {
    this.changes.push({ ts, down });
    this.prune(ts);
    if (!this.flapping && this.changes.length > this.s.maxChanges) {
      this.flapping = true;
      return true;
    }
    return false;
  }

  /** Takes back changes recorded at or after `ts` (they turned out to be caused by a parent). */
  withdraw(ts: number): void {
    while (this.changes.length > 0 && (this.changes.at(-1) as Change).ts >= ts) this.changes.pop();
  }

  /** Changes counted in the window ending at `ts`. */
  count(ts: number): number {
    this.prune(ts);
    return this.changes.length;
  }

  /** Outages (changes that took the device down) in the window ending at `ts`. */
  outages(ts: number): number {
    this.prune(ts);
    return this.changes.filter((c) => c.down).length;
  }

  /** The first change still in the window ending at `ts`: when the trouble began. */
  firstChange(ts: number): number | null {
    this.prune(ts);
    return this.changes[0]?.ts ?? null;
  }

  lastChange(): number | null {
    return this.changes.at(-1)?.ts ?? null;
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
    while (this.changes.length > 0 && (this.changes[0] as Change).ts <= from) this.changes.shift();
  }
}
