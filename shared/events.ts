/**
 * Types shared by the hub's web server and the browser dashboard: REST responses and socket.io events.
 * This file must stay free of Node imports: the dashboard bundles it.
 */
import type { Text } from './i18n.js';
import type { ReasonParams } from './reasons.js';
import type { Unit } from './units.js';

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

/** GET /api/health */
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

/** GET /api/devices/:village/:device/series */
export interface SeriesResponse {
  village: string;
  device: string;
  metric: string;
  from: number;
  to: number;
  points: Array<{ ts: number; mean: number; min: number; max: number }>;
}

/**
 * What is wrong with one field of a request, as a code the dashboard translates (the English `message`
 * is for people calling the API by hand). Parameters: `max`/`min` (lengths, sizes), `options` (choices).
 */
export const apiIssueCodes = [
  'required',
  'too-long',
  'too-short',
  'too-big',
  'too-small',
  'invalid-number',
  'invalid-choice',
  'invalid-id',
  'invalid-time',
  'invalid-date-time',
  'invalid-value',
  'unknown-field',
  'to-before-from',
  'range-too-long',
  'one-off-or-recurring',
  'needs-schedule',
  'pick-days',
  'unknown-village',
  'unknown-device',
  'not-in-future',
  /** A month that is not YYYY-MM (reports). */
  'invalid-month',
  /** A report asked for both a month and a from/to range. */
  'month-or-range',
] as const;
export type ApiIssueCode = (typeof apiIssueCodes)[number];

export interface ApiIssue {
  /** The field (`to`, `checks.1.name`), or `(query)` / `(body)` for the request as a whole. */
  path: string;
  code: ApiIssueCode;
  message: string;
  params?: Record<string, string | number>;
}

/** Why a request failed as a whole, beside the English `error` (absent: see the HTTP status). */
export const apiErrorCodes = [
  'invalid',
  'not-found',
  'from-config',
  'already-resolved',
  'busy',
  'store-unavailable',
  'bad-json',
  'too-large',
  'internal',
  // Access (hub/web/access.ts, csrf.ts, hosts.ts, session-api.ts):
  /** 401: nobody is logged in, or the session ended. */
  'unauthorized',
  /** 403: logged in, but this role or village may not. */
  'forbidden',
  /** 401 from POST /api/session: wrong user name or password. */
  'bad-login',
  /** 429 from POST /api/session: too many failed logins; `retryAfterS` says when to try again. */
  'rate-limited',
  /** 415: a change sent as something other than JSON (a form or text/plain post from another site). */
  'json-only',
  /** 403: a change sent by a page of another site (Origin / Referer). */
  'cross-origin',
  /** 421: the Host header is not a name of this hub (DNS rebinding). */
  'host-not-allowed',
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];
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

export interface ApiError {
  error: string;
  code?: ApiErrorCode;
  /** One entry per bad field: path, code and what was expected. */
  issues?: ApiIssue[];
  /** With `rate-limited`: seconds until a login may be tried again (the Retry-After header says the same). */
  retryAfterS?: number;
}

/** Who is logged in, as GET/POST /api/session answer it (never a password hash). */
export interface SessionUser {
  username: string;
  role: 'viewer' | 'leader' | 'admin';
  /** The villages a leader leads or a viewer is limited to; empty = every village (viewer, admin). */
  villages: string[];
}

/** GET /api/session (200, or 401 when nobody is logged in) and POST /api/session (login). */
export interface SessionResponse {
  user: SessionUser;
}

/** POST /api/session body. */
export interface LoginRequest {
  username: string;
  password: string;
}

/** One line of the audit log (GET /api/audit, admins only): who did what, when, from where. */
export interface AuditEntryView {
  id: number;
  ts: number;
  /** A user name; `cli:<os user>` for the command line; the name typed for a failed login. */
  who: string;
  /**
   * `login`, `login-failed`, `logout`, `alert-ack`, `alert-note`, `maintenance-add`, `maintenance-remove`,
   * `meeting-add`, `meeting-remove`, `discovery`, `device-dismiss`, `user-add`, `user-passwd`, `user-role`,
   * `user-remove`, `mqtt-credentials`, … (hub/security/audit.ts); the dashboard names the ones it knows.
   */
  action: string;
  /** What it was done to: `alert:12`, `maintenance:3`, `dong-cam/cam-1`, a user name. */
  target: string | null;
  village: string | null;
  detail: Record<string, string | number | boolean | null>;
  /** The address the request came from; null for the command line. */
  ip: string | null;
}

/** GET /api/audit?limit=&before= (newest first). */
export interface AuditResponse {
  entries: AuditEntryView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next: number | null;
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

export type AlertChange = 'fired' | 'acknowledged' | 'resolved' | 'escalated';

/** An alert's facts: flat values, plus `reasonParams`, the one nested object (string/number values). */
export type AlertDetail = Record<string, string | number | boolean | null | ReasonParams>;
/** What an alert is about (DESIGN.md §6); the hub's domain types use this list too. */
export const alertConditions = ['offline', 'unreachable-root', 'flapping', 'threshold', 'internet-down', 'meeting-not-ready', 'event', 'hub-offline', 'hub-backlog'] as const;
export type AlertCondition = (typeof alertConditions)[number];

/**
 * The `village` of an alert about the hub itself (its Internet link): it belongs to every village of the
 * hub. The API lists it under any village, notification routes naming villages receive it, and the
 * dashboard names the hub's villages.
 */
export const HUB_WIDE = '*';

/** An alert as the REST API and the `alert` socket event carry it (times in ms since 1970). */
export interface AlertView {
  id: number;
  /** One open alert per key, e.g. `offline:dong-cam/cam-1`, `threshold:ap-crowded:dong-cam/ap-1`. */
  key: string;
  village: string;
  /** null for village-wide alerts (internet, meeting). */
  device: string | null;
  condition: AlertCondition;
  severity: 'info' | 'warning' | 'critical';
  status: 'firing' | 'acknowledged' | 'resolved';
  startedAt: number;
  ackedAt: number | null;
  /** Who acknowledged: the logged-in user's name (older alerts: the name typed then). */
  ackedBy: string | null;
  ackNote: string | null;
  resolvedAt: number | null;
  escalatedAt: number | null;
  /**
   * Facts for the message: device name, reason, affected count, metric and value, meeting title… The
   * reason travels as `reason` (raw text) plus `reasonCode` and `reasonParams` (an object) when known.
   */
  detail: AlertDetail;
}

/** GET /api/alerts (newest first). */
export interface AlertsResponse {
  alerts: AlertView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next: number | null;
}

/** One step in an alert's life, oldest first in AlertDetailResponse.history. */
export interface AlertHistoryView {
  ts: number;
  action: 'fired' | 'acknowledged' | 'escalated' | 'resolved' | 'note';
  /** Who did it; null when the hub itself did (fired, escalated, resolved by a rule). */
  who: string | null;
  note: string | null;
}

/** GET /api/alerts/:id and POST /api/alerts/:id/ack (body `{ note? }`; who acknowledges is the logged-in user). */
export interface AlertDetailResponse {
  alert: AlertView;
  history: AlertHistoryView[];
}

/** A scheduled online meeting whose readiness is checked (GET/POST /api/meetings). */
export interface MeetingView {
  /** `cfg-<n>` for meetings from the config file, a number for ones created through the API. */
  id: string;
  village: string;
  /** ms since 1970 (text without offset is read in the village's time zone). */
  startAt: number;
  title: string;
  /** The meeting-room device to check; null = every meeting-room device of the village. */
  device: string | null;
  source: 'config' | 'api';
  /** Set while the meeting is being checked (from `checkFromMin` before until it is over). */
  readiness: {
    ready: boolean;
    /** Display names of what is not ready: devices, and the internet link. */
    failed: string[];
    internet: 'up' | 'down' | 'unknown';
  } | null;
}

/** GET /api/meetings; POST answers `{ meeting }` (201). */
export interface MeetingsResponse {
  meetings: MeetingView[];
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * A maintenance window (GET /api/maintenance → `{ windows }`; POST answers the window, 201). One-off:
 * `from`/`to` (ISO, without offset = the village's time zone). Recurring: `daily` or `days`, with
 * `start`/`end` HH:MM in the village's time zone (an end before the start crosses midnight).
 */
export interface MaintenanceWindowView {
  id: string;
  village: string;
  /** Absent = the whole village. */
  device?: string;
  note?: string;
  from?: string;
  to?: string;
  daily?: boolean;
  days?: Weekday[];
  start?: string;
  end?: string;
  source: 'config' | 'api';
  createdBy?: string;
  /** Covers some device right now (only in GET). */
  activeNow?: boolean;
}

/** POST /api/maintenance body: a window without its id and source (who adds it is the logged-in user). */
export type MaintenanceRequest = Omit<MaintenanceWindowView, 'id' | 'source' | 'createdBy' | 'activeNow'>;

/** POST /api/meetings body: startAt as ISO (without offset = the village's time zone). */
export interface MeetingRequest {
  village: string;
  startAt: string;
  title: string;
  device?: string;
}

/** GET /api/notifications: the outbox of alert messages. */
export interface NotificationsResponse {
  stats: {
    pending: number;
    delivered: number;
    expired: number;
    failed: number;
    /** When the oldest message still waiting was queued (ms), null if none waits. */
    oldestPendingAt: number | null;
    channels: Array<{ id: string; type: string; pending: number; lastError: string | null; nextAttemptAt: number | null; lastDeliveredAt: number | null }>;
  };
  /** `alertId` null and `change` `report` for a scheduled uptime report. */
  messages: Array<{ id: number; alertId: number | null; change: AlertChange | 'report'; channelId: string; status: 'pending' | 'delivered' | 'expired' | 'failed'; createdAt: number; title: string; text: string }>;
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

/** Server → browser. Only changes are pushed; the full list comes from REST on (re)connect. */
export interface ServerToClientEvents {
  /** `changes`: changes pushed so far (see DevicesResponse.changes). */
  hello: (info: { startedAt: number; version: string; changes: number }) => void;
  'device:state': (change: StateChange) => void;
  'device:reading': (reading: ReadingPush) => void;
  /** A device sent an event (to the same rooms as `device:state`). */
  'device:event': (event: DeviceEventView) => void;
  /** A device appeared that was not known before (unregistered publisher). */
  'device:added': (device: DeviceView) => void;
  /** An unregistered device was dismissed by an admin: it leaves the list (until it publishes again). */
  'device:removed': (ref: { village: string; device: string }) => void;
  /** The internet link changed state. */
  internet: (u: InternetView) => void;
  /** An alert fired, was acknowledged, escalated or resolved (the list itself comes from GET /api/alerts). */
  alert: (e: { change: AlertChange; alert: AlertView }) => void;
}

/** Browser → server. */
export interface ClientToServerEvents {
  /**
   * Limit pushes to this socket to some villages; empty = every village the user may read. It never widens
   * what the user may read: villages they may not read are refused (`ok: false`, the rest still applies).
   */
  'watch:villages': (villages: string[], ack: (res: { ok: boolean; error?: string }) => void) => void;
}

/**
 * Uptime over a range (hub/reports/uptime.ts, docs/reports.md): time in each state, in ms; `uptimePct` =
 * online / (online + offline), `availablePct` = online / (online + offline + unreachable), maintenance
 * and unknown (hub not running, nothing heard yet) left out of both; null where nothing counts.
 * `to` is where the figures end: the range's end, or now for a range reaching into the future.
 */
export interface UptimeFiguresView {
  from: number;
  to: number;
  onlineMs: number;
  offlineMs: number;
  unreachableMs: number;
  maintenanceMs: number;
  unknownMs: number;
  uptimePct: number | null;
  availablePct: number | null;
  outages: number;
  longestOutageMs: number;
  mttrMs: number | null;
  mtbfMs: number | null;
}

/** GET /api/uptime?village=V&device=D — one device's figures. */
export interface DeviceUptimeView extends UptimeFiguresView {
  village: string;
  device: string;
}

/** GET /api/uptime?village=V — a village's time-weighted figures, its worst device, and each device's. */
export interface VillageUptimeView extends UptimeFiguresView {
  village: string;
  worst: { device: string; uptimePct: number } | null;
  devices: DeviceUptimeView[];
}

/** GET /api/uptime without `village`: every village the user may read. */
export interface UptimeAllResponse {
  villages: VillageUptimeView[];
}
