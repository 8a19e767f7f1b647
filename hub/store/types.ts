import type { DeviceKind } from '../config/schema.js';
import type { AvailabilityState, DeviceRef } from '../core/domain.js';
import type { EventSeverity } from '../../shared/event-types.js';

/** One telemetry message as stored: numeric fields (booleans as 0/1), tags village/device/kind. */
export interface TelemetryPoint {
  measurement: 'telemetry';
  village: string;
  device: string;
  kind: DeviceKind;
  ts: number;
  fields: Record<string, number>;
}

/** One availability transition as stored: `up` is 1 for online, 0 otherwise. */
export interface AvailabilityPoint {
  measurement: 'availability';
  village: string;
  device: string;
  kind: DeviceKind;
  ts: number;
  state: AvailabilityState;
}

/** One device event (the `event` MQTT channel) as stored: tags village/device/kind, fields type/severity/message. */
export interface EventPoint {
  measurement: 'event';
  village: string;
  device: string;
  kind: DeviceKind;
  ts: number;
  type: string;
  severity: EventSeverity;
  message?: string;
}

export type MetricPoint = TelemetryPoint | AvailabilityPoint | EventPoint;

export interface SeriesQuery {
  village: string;
  device: string;
  metric: string;
  /** Inclusive, ms since epoch. */
  from: number;
  /** Exclusive, ms since epoch. */
  to: number;
  /** At most this many points come back; more raw points are averaged into equal time buckets. */
  points: number;
}

export interface SeriesPoint {
  /** Start of the bucket (or the raw point's time when not downsampled). */
  ts: number;
  mean: number;
  min: number;
  max: number;
}

export interface EventQuery {
  village: string;
  device: string;
  /** Inclusive, ms since epoch. */
  from: number;
  /** Exclusive, ms since epoch. */
  to: number;
  /** At most this many, the newest. */
  limit: number;
}

export interface AvailabilityQuery {
  village: string;
  device: string;
  from: number;
  to: number;
}

/**
 * Availability of many devices over one range, in one call (uptime reports). Either `devices` (exactly
 * those, in that order, each answered even when nothing is stored for it) or every device with stored
 * transitions up to `to`, in `village` when given (sorted by village, then device).
 */
export interface AvailabilityHistoryQuery {
  devices?: readonly DeviceRef[];
  village?: string;
  /** Inclusive, ms since epoch. */
  from: number;
  /** Exclusive, ms since epoch. */
  to: number;
}

/** One device's stored transitions for an AvailabilityHistoryQuery: what uptimeOf (hub/reports/uptime.ts) takes. */
export interface DeviceAvailability extends DeviceRef {
  /** The last transition before `from` (the state at `from`) when there is one, then every one in [from, to), oldest first. */
  points: AvailabilityPoint[];
}

/**
 * Metric storage (DESIGN.md §5): telemetry, availability transitions and device events. Implementations: InfluxDB 1.x and embedded SQLite; both pass
 * test/store/contract.ts. Writes are idempotent: the same series + timestamp overwrites.
 */
export interface MetricStore {
  readonly name: 'influx' | 'sqlite';
  /** Connects and creates what is missing (database, retention policies, continuous queries, tables). */
  open(): Promise<void>;
  write(points: readonly MetricPoint[]): Promise<void>;
  querySeries(q: SeriesQuery): Promise<SeriesPoint[]>;
  /** Stored transitions in [from, to), oldest first, plus the last one before `from` if any (the state at `from`). */
  queryAvailability(q: AvailabilityQuery): Promise<AvailabilityPoint[]>;
  /**
   * The same for many devices at once, in one or a few queries (index seeks, never a scan per device): a
   * 30-day report for 1 000 devices reads them in well under a second.
   */
  availabilityHistory(q: AvailabilityHistoryQuery): Promise<DeviceAvailability[]>;
  /** The newest availability point of every device, for restoring state after a restart. */
  lastAvailability(): Promise<AvailabilityPoint[]>;
  /** A device's events in [from, to), newest first, at most `limit`. */
  events(q: EventQuery): Promise<EventPoint[]>;
  /** Number of stored telemetry points (rows per message) for a device in a range; used by benchmarks and checks. */
  countTelemetry(q: { village?: string; device?: string; from: number; to: number }): Promise<number>;
  /** True when the backend answers. */
  ping(): Promise<boolean>;
  /**
   * True once everything written so far would survive a power cut (the spool deletes its copy only
   * then); false: not yet, ask again later. Absent: a successful write is already durable.
   */
  sync?(): Promise<boolean>;
  close(): Promise<void>;
}
