/**
 * GET /api/health: the hub's own health, its spool and the problems it lives through.
 * Free of Node imports: the dashboard bundles it.
 */
import type { UplinkView } from './uplink.js';

/** Something failing that the hub lives through: a store refusing writes, a read-only state database, accept errors. */
export interface HealthProblem {
  /** `store`, `state-db`, `listen.broker.port`, `broker`, `timer`, … */
  source: string;
  message: string;
  /** When this run of failures began, and the latest one (ms since epoch). */
  since: number;
  lastAt: number;
  count: number;
}

/**
 * The write-ahead spool on disk (docs/durability.md): every point passes through it; while the store is
 * away it holds the backlog, within `store.spool.maxBytes`.
 */
export interface SpoolHealth {
  /** Points waiting on disk for the store (the backlog). */
  points: number;
  /** Bytes the spool holds on disk. */
  bytes: number;
  maxBytes: number;
  /** How long the oldest point waiting has waited, seconds; null without a backlog. */
  oldestAgeS: number | null;
  /** Points taken out of a full (or too old) backlog since the hub started: telemetry first, then transitions and events. */
  droppedTelemetry: number;
  droppedEvents: number;
  /** Why the spool cannot be written now (a full disk); null when it can. */
  error: string | null;
}

/** GET /api/health without a session: liveness only, for monitoring without an account. */
export interface HealthSummary {
  status: 'ok' | 'degraded';
}

/** GET /api/health for a logged-in user. */
export interface HealthResponse {
  /** `degraded` while any problem is listed (or the store does not answer). */
  status: 'ok' | 'degraded';
  version: string;
  startedAt: number;
  uptimeS: number;
  broker: { clients: number; tcpPort: number; wsPort: number | null; messages: number };
  /** `ok`: the store answers; `failing`: the latest write failed (lastError says why) and no write has succeeded since. */
  store: { kind: 'influx' | 'sqlite'; ok: boolean; failing: boolean; queued: number; spooled: number; written: number; lastError: string | null; spool: SpoolHealth };
  problems: HealthProblem[];
  /** Settings that leave the hub open; the dashboard warns for as long as one is on. */
  security: {
    /** `broker.allowAnonymous`: MQTT clients may connect without credentials. */
    anonymousMqtt: boolean;
  };
  counters: Record<string, number>;
  /** The bridge to the commune/province broker; null when `uplink:` is not configured. */
  uplink: UplinkView | null;
}
