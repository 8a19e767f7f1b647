/**
 * Devices as the dashboard lists them: villages, kinds and their metrics, live state changes and readings,
 * stored series, availability spans, device events, and the village's internet link.
 * Free of Node imports: the dashboard bundles it.
 */
import type { Text } from '../i18n.js';
import type { ReasonParams } from '../reasons.js';
import type { Unit } from '../units.js';

export type AvailabilityState = 'online' | 'offline' | 'unreachable' | 'maintenance' | 'unknown';

export interface VillageView {
  id: string;
  name: string;
  /** IANA zone of the village (Asia/Ho_Chi_Minh by default): show its times in it. */
  timezone: string;
  commune?: string;
  province?: string;
}

export interface DeviceView {
  village: string;
  id: string;
  name: string;
  kind: string;
  /** False for a device that published but is not in the configuration (to adopt). */
  registered: boolean;
  parent?: string;
  /** Where it is, as the configuration says ("Nhà văn hóa thôn"). */
  location?: string;
  state: AvailabilityState;
  /** When the current state began (ms), null before anything is known. */
  since: number | null;
  /**
   * Why it is not online, as raw text: the device's own words, a poller's technical error ("ONVIF: 401
   * Unauthorized"), or a code the hub set — `timeout` (no message for timeoutS), `lwt` (connection lost:
   * MQTT Last Will), `parent` (see `cause`), `maintenance` (or the window's note).
   */
  reason?: string;
  /** The same reason as a code people read translated (shared/reasons.ts `reasonText`), when known. */
  reasonCode?: string;
  /** Parameters of `reasonCode` ("port": 554, "iface": "wlan0", "s": 2). */
  reasonParams?: ReasonParams;
  /** For `unreachable`: the id of the offline device that took this one down (same village). */
  cause?: string;
  /** Last valid message of any kind (ms), null if never. */
  lastSeen: number | null;
  timeoutS: number;
  telemetry: { ts: number; fields: Record<string, number | boolean> } | null;
}

/** How a metric reads (from its kind's descriptor in devices/<kind>/descriptor.ts). */
export interface MetricView {
  label: Text;
  unit: Unit;
  /** Can be below zero; the rest are charted from 0. */
  signed?: boolean;
}

/** A device kind as the dashboard needs it: its name, its metrics' labels and units, the tile's metric. */
export interface KindView {
  kind: string;
  label: Text;
  metrics: Record<string, MetricView>;
  mainMetric?: string;
  /** Devices of this kind have a latest snapshot picture. */
  snapshot?: boolean;
}

/** GET /api/devices */
export interface DevicesResponse {
  villages: VillageView[];
  kinds: KindView[];
  devices: DeviceView[];
  /**
   * How many changes (device states, devices added or removed, alerts, the internet link) the hub had
   * pushed when it answered; `hello` says the same when a socket connects. A list older than the
   * socket's start may have missed a push: the dashboard loads it again.
   */
  changes: number;
}

/** GET /api/devices/:village/:device/series */
export interface SeriesResponse {
  village: string;
  device: string;
  metric: string;
  from: number;
  to: number;
  points: Array<{ ts: number; mean: number; min: number; max: number }>;
}

/** One stretch of time in one availability state (GET /api/devices/:village/:device/availability). */
export interface AvailabilitySpan {
  from: number;
  to: number;
  state: AvailabilityState;
  /** The state the device was still in at the end of the range (for a range ending now: its state now). */
  ongoing: boolean;
}

/** GET /api/devices/:village/:device/availability?from=&to= — the stored transitions as spans, oldest first, clipped to the range. */
export interface AvailabilityResponse {
  village: string;
  device: string;
  from: number;
  to: number;
  spans: AvailabilitySpan[];
}

export interface StateChange {
  village: string;
  device: string;
  state: AvailabilityState;
  from: AvailabilityState;
  ts: number;
  reason?: string;
  reasonCode?: string;
  reasonParams?: ReasonParams;
  cause?: string;
}

/** GET /api/internet and the `internet` socket event: the village's internet link as the hub probes it. */
export interface InternetView {
  state: 'up' | 'down' | 'unknown';
  since: number;
  /** The probes' raw text; `reasonCode`/`reasonParams` say it in words (shared/reasons.ts). */
  reason: string | null;
  reasonCode?: string;
  reasonParams?: ReasonParams;
  rttMs: number | null;
  /** False when no internet targets are configured (nothing is probed). */
  probed: boolean;
}

export interface ReadingPush {
  village: string;
  device: string;
  ts: number;
  fields: Record<string, number | boolean>;
}

/** A device event (the `event` MQTT channel: a reboot, a tamper alarm, changed facts…), as stored. */
export interface DeviceEventView {
  village: string;
  device: string;
  /** When it happened (the device's `ts`, else when the hub received it), ms since 1970. */
  ts: number;
  /** As the device sent it (`boot`, `info`, …); shared/event-types.ts has words for the known ones. */
  type: string;
  severity: 'info' | 'warning' | 'critical';
  /** The device's own words, as sent. */
  message: string | null;
}

/** GET /api/devices/:village/:device/events?from=&to=&limit= (newest first). */
export interface DeviceEventsResponse {
  village: string;
  device: string;
  from: number;
  to: number;
  events: DeviceEventView[];
}
