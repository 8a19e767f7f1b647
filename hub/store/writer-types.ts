import type { SpoolConfig } from '../config/schema.js';

export interface WriterOptions {
  /** First retry delay after a failed write; doubles up to retryMaxMs. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** While writes fail, the store is pinged this often; when it answers again the backlog starts at once. */
  probeMs?: number;
  /** The spool's settings (`store.spool`); defaults as in the config schema. */
  spool?: Partial<SpoolConfig>;
  /** Size at which a spool segment is closed and a new one begun. */
  segmentBytes?: number;
  now?: () => number;
}

export interface WriterStats {
  /** Points held in memory, waiting to be written. */
  queued: number;
  /** Points in the spool on disk waiting to be written (the backlog). */
  spooled: number;
  /** Points written since start. */
  written: number;
  lastError: string | null;
  /** The latest write failed (refused or unreachable) and none has succeeded since: /api/health is degraded. */
  failing: boolean;
  /** When the current run of failed writes began, null while writes succeed. */
  failingSince: number | null;
  /** Failed writes since then. */
  failedWrites: number;
  spool: SpoolStats;
}

export interface SpoolStats {
  /** Bytes the spool holds on disk, backlog and not yet deleted segments together. */
  bytes: number;
  maxBytes: number;
  /** Since when the oldest point of the backlog has waited (ms), null without a backlog. */
  oldestAt: number | null;
  /** Telemetry and transitions/events taken out of the backlog since start (bound or age). */
  droppedTelemetry: number;
  droppedEvents: number;
  /** The spool cannot be written (a full disk): messages are acknowledged only once the store has them. */
  diskError: string | null;
}
