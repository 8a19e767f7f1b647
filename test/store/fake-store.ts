import type { AvailabilityPoint, DeviceAvailability, EventPoint, MetricPoint, MetricStore, SeriesPoint } from '../../hub/store/types.js';

export const T0 = 1_700_000_000_000;

/** A store that records successful batches and fails while `down` (or when `failIf` says so). */
export class FakeStore implements MetricStore {
  readonly name = 'sqlite' as const;
  down = false;
  failIf: ((attempt: number) => boolean) | null = null;
  permanentIf: ((batch: readonly MetricPoint[]) => boolean) | null = null;
  attempts = 0;
  batches: MetricPoint[][] = [];

  async open(): Promise<void> {}
  /** How long each write takes. */
  delayMs = 0;
  async write(points: readonly MetricPoint[]): Promise<void> {
    this.attempts++;
    await new Promise((r) => (this.delayMs > 0 ? setTimeout(r, this.delayMs) : setImmediate(r)));
    if (this.down || this.failIf?.(this.attempts)) throw new Error('connect ECONNREFUSED 127.0.0.1:9');
    if (this.permanentIf?.(points)) throw Object.assign(new Error('400 bad point'), { permanent: true });
    this.batches.push([...points]);
  }
  /** Timestamps of everything written, in write order. */
  get written(): number[] {
    return this.batches.flat().map((p) => p.ts - T0);
  }
  async querySeries(): Promise<SeriesPoint[]> {
    return [];
  }
  async queryAvailability(): Promise<AvailabilityPoint[]> {
    return [];
  }
  async availabilityHistory(): Promise<DeviceAvailability[]> {
    return [];
  }
  async lastAvailability(): Promise<AvailabilityPoint[]> {
    return [];
  }
  async events(): Promise<EventPoint[]> {
    return [];
  }
  async countTelemetry(): Promise<number> {
    return new Set(this.written).size;
  }
  async ping(): Promise<boolean> {
    return !this.down;
  }
  /** Distinct timestamps written: a point written twice (a replay) is stored once. */
  get distinct(): number[] {
    return [...new Set(this.written)].sort((a, b) => a - b);
  }
  async close(): Promise<void> {}
}

