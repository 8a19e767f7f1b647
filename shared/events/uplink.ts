/**
 * The bridge to the commune/province broker as GET /api/uplink and /api/health show it.
 * Free of Node imports: the dashboard bundles it.
 */

/** Messages waiting for the upstream broker (the uplink's on-disk queue). */
export interface UplinkBacklog {
  messages: number;
  bytes: number;
  /** When the oldest waiting message was queued (ms), null when none waits. */
  oldestTs: number | null;
}

/** One village's connection to the upstream broker (each village has its own, with its own Last Will). */
export interface UplinkVillageView {
  village: string;
  state: 'connected' | 'disconnected';
  /** Since when (ms). */
  since: number;
  protocol: 'MQTT 5' | 'MQTT 3.1.1' | null;
  backlog: UplinkBacklog;
  /** Messages the upstream broker acknowledged in this run. */
  sent: number;
  /** Why the link last failed (never holds a password). */
  lastError: string | null;
}

/** GET /api/health `uplink`, GET /api/uplink: the bridge to the commune/province broker; null when not configured. */
export interface UplinkView {
  /** `partial`: some villages connected, others not. */
  state: 'connected' | 'partial' | 'disconnected';
  /** The upstream broker, without credentials. */
  url: string;
  backlog: UplinkBacklog;
  /** Messages dropped to keep the queue's bounds (telemetry first), in this run. */
  dropped: { telemetry: number; other: number };
  villages: UplinkVillageView[];
}
