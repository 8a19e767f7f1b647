import { z } from 'zod';
import { SLUG_HINT, SLUG_PATTERN } from '../../shared/ids.js';
import { logFormats } from '../core/log.js';

/** Ids of villages and devices: they become MQTT topic levels, so lowercase slugs only. */
export const slug = z.string().regex(SLUG_PATTERN, SLUG_HINT);

import { defaultTimeoutS, deviceKinds, type DeviceKind } from './kinds.js';
import { alertsSchema, maintenanceSchema, meetingSchema, notifySchema, internetSchema } from './alerts.js';
import { exportSchema } from './export.js';
import { memorySchema } from './memory.js';
import { centralSchema } from './central.js';
import { uplinkSchema } from './uplink.js';
import { reportReferenceProblems, reportsSchema } from './reports.js';

export { defaultTimeoutS, deviceKinds, type DeviceKind };

const port = z.number().int().min(0).max(65535);

export const villageSchema = z.strictObject({
  id: slug,
  name: z.string().min(1),
  commune: z.string().min(1).optional(),
  province: z.string().min(1).optional(),
  timezone: z
    .string()
    .min(1)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'expected an IANA time zone such as Asia/Ho_Chi_Minh')
    .default('Asia/Ho_Chi_Minh'),
});

export const deviceSchema = z.strictObject({
  id: slug,
  village: slug,
  name: z.string().min(1),
  kind: z.enum(deviceKinds),
  parent: slug.optional(),
  timeoutS: z.number().positive().max(86_400).optional(),
  location: z.string().min(1).optional(),
  /**
   * Present when the hub polls this device itself (ONVIF, SNMP, ping…); the driver of the device's kind
   * validates it (devices/index.ts). Absent when the device or an agent on it publishes over MQTT.
   */
  poll: z.record(z.string(), z.unknown()).optional(),
});

export const brokerSchema = z.strictObject({
  host: z.string().default('0.0.0.0'),
  port: port.default(1883),
  /** MQTT over WebSocket; null turns it off, 0 picks a free port. */
  wsPort: port.nullable().default(9001),
  topicPrefix: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, 'expected a lowercase word: a-z, 0-9 and "-"')
    .default('langso'),
  /** Larger payloads are counted and dropped; the publishing client stays connected. */
  maxPayloadBytes: z.number().int().positive().max(16 * 1024 * 1024).default(64 * 1024),
  /**
   * Clients without credentials may connect. Only for a demo or a closed network: the village LAN is
   * shared with free public Wi-Fi, so the dashboard warns for as long as this is on.
   */
  allowAnonymous: z.boolean().default(false),
  /** A packet whose header announces more than this is refused before it is read, and the connection closed. */
  maxPacketBytes: z.number().int().min(1024).max(32 * 1024 * 1024).default(256 * 1024),
  /** A connection that has not sent CONNECT within this long is closed. */
  connectTimeoutS: z.number().positive().max(300).default(10),
  /** Per-client publish rate: a token bucket; a client over it is slowed, then disconnected if it keeps on. */
  rateLimit: z
    .strictObject({
      messagesPerS: z.number().positive().default(50),
      burst: z.number().int().positive().default(200),
      /** Throttled this long without letting up → disconnected. */
      disconnectAfterS: z.number().positive().default(10),
    })
    .default({ messagesPerS: 50, burst: 200, disconnectAfterS: 10 }),
  /** MQTT over TLS (MQTTS) beside plain MQTT: PEM certificate and key files. */
  tls: z
    .strictObject({
      port: port.default(8883),
      cert: z.string().min(1),
      key: z.string().min(1),
    })
    .optional(),
});

export const httpSchema = z.strictObject({
  host: z.string().default('0.0.0.0'),
  port: port.default(8080),
  /**
   * Host names the dashboard answers to (the Host header): anything else is refused, which defeats DNS
   * rebinding. Empty = this PC's own addresses, its host name and localhost.
   */
  allowedHosts: z.array(z.string().min(1)).default([]),
  /** Serve the dashboard over HTTPS instead of HTTP: PEM certificate and key files. */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  session: z
    .strictObject({
      /** A login unused this long ends. */
      idleHours: z.number().positive().max(24 * 90).default(72),
      /** A login ends this long after it began, used or not. */
      maxDays: z.number().positive().max(365).default(30),
    })
    .default({ idleHours: 72, maxDays: 30 }),
});

/** Bounds that keep one misbehaving device from filling the store or the hub's memory. */
export const limitsSchema = z.strictObject({
  /** Distinct metric names one device may use; messages bringing more are refused, naming the limit. */
  metricsPerDevice: z.number().int().min(1).max(1_000).default(64),
  /** Distinct (device, metric) series on the whole hub. */
  seriesTotal: z.number().int().min(100).max(10_000_000).default(100_000),
});

const writerSchema = z.strictObject({
  batchSize: z.number().int().positive().max(50_000).default(5_000),
  flushMs: z.number().int().positive().max(60_000).default(1_000),
  /**
   * Points held in memory waiting for the store; beyond it (or while the store fails) they are read back
   * from the spool on disk instead, so memory stays bounded through any outage.
   */
  maxQueued: z.number().int().positive().default(20_000),
});

/**
 * The spool (docs/durability.md): every point is appended to a write-ahead log in `dataDir/spool` and,
 * with `fsync` on, synced to disk before the device's message is acknowledged (PUBACK). The same files
 * hold the backlog while the store is away.
 */
const spoolSchema = z.strictObject({
  /** Acknowledge a QoS 1/2 message only once its points are synced to disk (off: faster; a crash may lose the last moments). */
  fsync: z.boolean().default(true),
  /** Group commit: at most this long between a point and the sync that covers it. */
  syncEveryMs: z.number().int().min(1).max(50).default(10),
  /** Largest spool on disk, bytes; null: the lesser of 1 GiB and 10 % of the disk's free space when the hub starts. */
  maxBytes: z.number().int().min(1_048_576).nullable().default(null),
  /** Telemetry older than this is dropped from the backlog (transitions and events are kept). */
  maxAgeS: z.number().int().positive().default(30 * 86_400),
});

const DATABASE = /^[A-Za-z0-9_-]{1,64}$/;

const retention = z.string().regex(/^\d+[hdw]$/, 'expected a duration such as 12h, 30d or 104w (0d keeps forever)');

const sqliteStoreSchema = z.strictObject({
  kind: z.literal('sqlite'),
  /** Relative to dataDir unless absolute. */
  file: z.string().min(1).default('metrics.db'),
  /** Raw values are kept this long; older ones live on as 5-minute mean/min/max rollups. */
  rawRetention: retention.default('30d'),
  /** Rollups, availability transitions and device events are kept this long. */
  rollupRetention: retention.default('104w'),
  writer: writerSchema.default(writerSchema.parse({})),
  spool: spoolSchema.default(spoolSchema.parse({})),
});

const influxStoreSchema = z.strictObject({
  kind: z.literal('influx'),
  /** `http://[user:pass@]host:8086[/database]`: a path names the database, as in node-influx's connection strings. */
  url: z.url({ protocol: /^https?$/ }),
  /** Defaults to the URL's path, else `langso`. */
  database: z.string().regex(DATABASE, 'expected a database name: letters, digits, "_" and "-"').optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  /** Retention of raw points; rollups (5 min mean/min/max), availability transitions and device events are kept `rollupRetention`. */
  rawRetention: retention.default('30d'),
  rollupRetention: retention.default('104w'),
  writer: writerSchema.default(writerSchema.parse({})),
  spool: spoolSchema.default(spoolSchema.parse({})),
});

export const DEFAULT_INFLUX_DATABASE = 'langso';

/** The database named by an InfluxDB URL's path (`/langso`), null without a path; `error` when the path is not one name. */
export function databaseFromUrl(url: string): { database: string | null; error?: string } {
  let pathname: string;
  try {
    pathname = new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return { database: null }; // the url check reports it
  }
  if (pathname === '') return { database: null };
  let name = pathname.slice(1);
  try {
    name = decodeURIComponent(name);
  } catch {
    // not valid percent-encoding: checked as it is below
  }
  if (!DATABASE.test(name)) {
    return { database: null, error: `the URL path "${pathname}" must be one database name (letters, digits, "_" and "-"), e.g. http://127.0.0.1:8086/langso` };
  }
  return { database: name };
}

/**
 * The metric store. For InfluxDB the URL's path names the database (node-influx's connection strings:
 * `http://user:pass@host:8086/langso`); `database:` may say the same, never something else. The parsed
 * URL keeps no path, so requests go to /write and /query of the server, never under the database name.
 */
export const storeSchema = z
  .discriminatedUnion('kind', [sqliteStoreSchema, influxStoreSchema])
  .superRefine((s, ctx) => {
    if (s.kind !== 'influx') return;
    const fromUrl = databaseFromUrl(s.url);
    if (fromUrl.error) ctx.addIssue({ code: 'custom', path: ['url'], message: fromUrl.error });
    else if (fromUrl.database !== null && s.database !== undefined && s.database !== fromUrl.database) {
      ctx.addIssue({
        code: 'custom',
        path: ['database'],
        message: `database "${s.database}" disagrees with the URL, whose path names database "${fromUrl.database}": keep one of them, or make them the same`,
      });
    }
  })
  .transform((s) => {
    if (s.kind !== 'influx') return s;
    const u = new URL(s.url);
    const database = s.database ?? databaseFromUrl(s.url).database ?? DEFAULT_INFLUX_DATABASE;
    u.pathname = '/';
    u.search = '';
    u.hash = '';
    return { ...s, url: u.toString().replace(/\/$/, ''), database };
  });

export const simSchema = z.strictObject({
  /** Run the built-in fleet simulator against this hub's broker (the demo). */
  enabled: z.boolean().default(false),
  /** Mean seconds between simulated failures per device. */
  failureEveryS: z.number().positive().default(240),
  telemetryEveryS: z.number().positive().default(3),
  /**
   * The demo's stand-in for the Internet (a loopback server at each loopback `internet.targets` entry):
   * mean seconds between its outages, and how long one lasts (between half and one and a half times this).
   */
  internetOutageEveryS: z.number().positive().default(900),
  internetOutageS: z.number().positive().default(180),
});

/** The shape of the file. Cross-references are checked by referenceProblems (parseConfig runs both). */
export const configSchema = z
  .strictObject({
    /**
     * `village` (default): the hub serves its villages' devices. `central`: it reads many village hubs
     * through an upstream broker (`central:`), with no local broker, pollers or simulators.
     */
    mode: z.enum(['village', 'central']).default('village'),
    central: centralSchema.optional(),
    dataDir: z.string().min(1).default('./data'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** auto: short coloured lines on a terminal, JSON lines when the output is a pipe or a file. */
    logFormat: z.enum(logFormats).default('auto'),
    broker: brokerSchema.default(brokerSchema.parse({})),
    http: httpSchema.default(httpSchema.parse({})),
    store: storeSchema.default(sqliteStoreSchema.parse({ kind: 'sqlite' })),
    villages: z.array(villageSchema).default([]),
    devices: z.array(deviceSchema).default([]),
  limits: limitsSchema.default(limitsSchema.parse({})),
  sim: simSchema.default(simSchema.parse({})),
  alerts: alertsSchema.default(alertsSchema.parse({})),
  notify: notifySchema.default(notifySchema.parse({})),
  /** Internet (WAN) probe per village; the same targets serve every village of this hub. */
  internet: internetSchema.default(internetSchema.parse({})),
  maintenance: z.array(maintenanceSchema).default([]),
  meetings: z.array(meetingSchema).default([]),
  /** Home Assistant discovery and the Prometheus scrape token (hub/config/export.ts). */
  export: exportSchema.default(exportSchema.parse({})),
  /** The MQTT bridge to a commune/province broker with its on-disk queue (hub/config/uplink.ts); absent = off. */
  uplink: uplinkSchema.optional(),
  /** Uptime reports: scheduled monthly/weekly summaries through the notification channels. */
  reports: reportsSchema.default(reportsSchema.parse({})),
  /** V8's heap kept small while the hub is quiet (hub/config/memory.ts). */
  memory: memorySchema.default(memorySchema.parse({})),
  })
  .superRefine((c, ctx) => {
    if (c.mode === 'central' && c.central === undefined) {
      ctx.addIssue({ code: 'custom', path: ['central'], message: 'mode central needs a central: block (url and instanceId of the upstream broker)' });
    }
  });

type Loose = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Cross-references (device → village, parent, duplicates, parent cycles), checked on the raw document
 * so they are reported together with shape errors elsewhere, not only once everything else is right.
 */
export function referenceProblems(raw: unknown): string[] {
  const problems: string[] = [];
  if (!raw || typeof raw !== 'object') return problems;
  const doc = raw as Loose;
  const villagesRaw = Array.isArray(doc.villages) ? (doc.villages as unknown[]) : [];
  const devicesRaw = Array.isArray(doc.devices) ? (doc.devices as unknown[]) : [];
  const villages = new Set<string>();
  villagesRaw.forEach((v, i) => {
    const id = str((v as Loose | null)?.id);
    if (id === undefined) return;
    if (villages.has(id)) problems.push(`villages[${i}].id: duplicate village id "${id}"`);
    villages.add(id);
  });
  const devices = devicesRaw.map((d) => {
    const o = (d && typeof d === 'object' ? d : {}) as Loose;
    return { id: str(o.id), village: str(o.village), parent: str(o.parent) };
  });
  const keys = new Set<string>();
  const parentOf = new Map<string, string | undefined>();
  devices.forEach((d, i) => {
    if (d.village !== undefined && !villages.has(d.village)) {
      problems.push(`devices[${i}].village: unknown village "${d.village}"; expected one of: ${[...villages].join(', ') || '(no villages defined)'}`);
    }
    if (d.id === undefined || d.village === undefined) return;
    const key = `${d.village}/${d.id}`;
    if (keys.has(key)) problems.push(`devices[${i}].id: duplicate device id "${d.id}" in village "${d.village}"`);
    keys.add(key);
    // The first definition of a duplicated id wins for the parent checks.
    if (!parentOf.has(key)) parentOf.set(key, d.parent === undefined ? undefined : `${d.village}/${d.parent}`);
  });
  devices.forEach((d, i) => {
    if (d.parent === undefined || d.id === undefined || d.village === undefined) return;
    if (d.parent === d.id) problems.push(`devices[${i}].parent: a device cannot be its own parent`);
    else if (!keys.has(`${d.village}/${d.parent}`)) {
      problems.push(`devices[${i}].parent: unknown parent "${d.parent}": expected a device id of village "${d.village}"`);
    } else {
      // Parent chains must end: a cycle would make dependency resolution loop forever.
      const seen = new Set<string>();
      let cur: string | undefined = `${d.village}/${d.id}`;
      while (cur !== undefined) {
        if (seen.has(cur)) {
          problems.push(`devices[${i}].parent: parent chain loops back to "${d.id}"`);
          break;
        }
        seen.add(cur);
        cur = parentOf.get(cur);
      }
    }
  });
  problems.push(...notifyReferenceProblems(doc, villages, keys));
  return problems;
}

/** Routes and escalation must name configured channels; maintenance and meetings existing villages/devices. */
function notifyReferenceProblems(doc: Loose, villages: Set<string>, deviceKeys: Set<string>): string[] {
  const problems: string[] = [];
  const notify = (doc.notify && typeof doc.notify === 'object' ? doc.notify : {}) as Loose;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const channels = new Set<string>();
  list(notify.channels).forEach((c, i) => {
    const id = str((c as Loose | null)?.id);
    if (id === undefined) return;
    if (channels.has(id)) problems.push(`notify.channels[${i}].id: duplicate channel id "${id}"`);
    channels.add(id);
  });
  const known = [...channels].join(', ') || '(no channels defined)';
  const checkChannels = (where: string, ids: unknown) =>
    list(ids).forEach((id, j) => {
      if (typeof id === 'string' && !channels.has(id)) problems.push(`${where}.channels[${j}]: unknown channel "${id}"; expected one of: ${known}`);
    });
  list(notify.routes).forEach((r, i) => {
    const route = (r ?? {}) as Loose;
    checkChannels(`notify.routes[${i}]`, route.channels);
    list(route.villages).forEach((v, j) => {
      if (typeof v === 'string' && !villages.has(v)) problems.push(`notify.routes[${i}].villages[${j}]: unknown village "${v}"`);
    });
  });
  if (notify.escalation && typeof notify.escalation === 'object') checkChannels('notify.escalation', (notify.escalation as Loose).channels);
  problems.push(...reportReferenceProblems(doc, channels));
  for (const section of ['maintenance', 'meetings'] as const) {
    list(doc[section]).forEach((m, i) => {
      const village = str((m as Loose | null)?.village);
      const device = str((m as Loose | null)?.device);
      if (village !== undefined && !villages.has(village)) problems.push(`${section}[${i}].village: unknown village "${village}"`);
      else if (village !== undefined && device !== undefined && !deviceKeys.has(`${village}/${device}`)) {
        problems.push(`${section}[${i}].device: no device "${device}" in village "${village}"`);
      }
    });
  }
  return problems;
}

export type Config = z.infer<typeof configSchema>;
export type VillageConfig = z.infer<typeof villageSchema>;
export type DeviceConfig = z.infer<typeof deviceSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
export type WriterConfig = z.infer<typeof writerSchema>;
export type SpoolConfig = z.infer<typeof spoolSchema>;
export type SimConfig = z.infer<typeof simSchema>;

export function timeoutFor(device: Pick<DeviceConfig, 'kind' | 'timeoutS'>): number {
  return device.timeoutS ?? defaultTimeoutS(device.kind);
}
