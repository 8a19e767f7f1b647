import { z } from 'zod';

/** Ids of villages and devices: they become MQTT topic levels, so lowercase slugs only. */
export const slug = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/, 'expected a lowercase slug: a-z, 0-9 and "-", 1 to 64 characters');

/** Device kinds the hub knows. Drivers for pollers register under the same names (devices/index.ts). */
export const deviceKinds = ['onvif-camera', 'wifi-ap', 'meeting-room', 'pc', 'router', 'switch', 'generic'] as const;
export type DeviceKind = (typeof deviceKinds)[number];

/**
 * Heartbeat timeout per kind, in seconds: a device that sends no valid message for this long is offline.
 * Cameras and APs are polled (or report) every 10 s, so three missed rounds mark them offline.
 */
export const defaultTimeoutS: Record<DeviceKind, number> = {
  'onvif-camera': 30,
  'wifi-ap': 30,
  'meeting-room': 60,
  pc: 90,
  router: 30,
  switch: 30,
  generic: 60,
};

const port = z.number().int().min(0).max(65535);

export const villageSchema = z.strictObject({
  id: slug,
  name: z.string().min(1),
  commune: z.string().min(1).optional(),
  province: z.string().min(1).optional(),
  timezone: z.string().min(1).default('Asia/Ho_Chi_Minh'),
});

export const deviceSchema = z.strictObject({
  id: slug,
  village: slug,
  name: z.string().min(1),
  kind: z.enum(deviceKinds),
  parent: slug.optional(),
  timeoutS: z.number().positive().max(86_400).optional(),
  location: z.string().min(1).optional(),
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
});

export const httpSchema = z.strictObject({
  host: z.string().default('0.0.0.0'),
  port: port.default(8080),
});

const writerSchema = z.strictObject({
  batchSize: z.number().int().positive().max(50_000).default(5_000),
  flushMs: z.number().int().positive().max(60_000).default(1_000),
  /** Points held in memory before the writer spills to the on-disk spool. */
  maxQueued: z.number().int().positive().default(100_000),
});

export const storeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sqlite'),
    /** Relative to dataDir unless absolute. */
    file: z.string().min(1).default('metrics.db'),
    writer: writerSchema.default(writerSchema.parse({})),
  }),
  z.strictObject({
    kind: z.literal('influx'),
    url: z.url({ protocol: /^https?$/ }),
    database: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('langso'),
    username: z.string().optional(),
    password: z.string().optional(),
    /** Retention of raw points; rollups (5 min mean/min/max) are kept `rollupRetention`. */
    rawRetention: z.string().regex(/^\d+[hdw]$/).default('30d'),
    rollupRetention: z.string().regex(/^\d+[hdw]$/).default('104w'),
    writer: writerSchema.default(writerSchema.parse({})),
  }),
]);

export const simSchema = z.strictObject({
  /** Run the built-in fleet simulator against this hub's broker (the demo). */
  enabled: z.boolean().default(false),
  /** Mean seconds between simulated failures per device. */
  failureEveryS: z.number().positive().default(240),
  telemetryEveryS: z.number().positive().default(5),
});

export const configSchema = z
  .strictObject({
    dataDir: z.string().min(1).default('./data'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    broker: brokerSchema.default(brokerSchema.parse({})),
    http: httpSchema.default(httpSchema.parse({})),
    store: storeSchema.default({ kind: 'sqlite', file: 'metrics.db', writer: writerSchema.parse({}) }),
    villages: z.array(villageSchema).default([]),
    devices: z.array(deviceSchema).default([]),
    sim: simSchema.default(simSchema.parse({})),
  })
  .superRefine((cfg, ctx) => {
    const villages = new Set<string>();
    cfg.villages.forEach((v, i) => {
      if (villages.has(v.id)) ctx.addIssue({ code: 'custom', path: ['villages', i, 'id'], message: `duplicate village id "${v.id}"` });
      villages.add(v.id);
    });
    const keys = new Set<string>();
    cfg.devices.forEach((d, i) => {
      if (!villages.has(d.village)) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', i, 'village'],
          message: `unknown village "${d.village}"; expected one of: ${[...villages].join(', ') || '(no villages defined)'}`,
        });
      }
      const key = `${d.village}/${d.id}`;
      if (keys.has(key)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate device id "${d.id}" in village "${d.village}"` });
      keys.add(key);
    });
    cfg.devices.forEach((d, i) => {
      if (d.parent === undefined) return;
      if (d.parent === d.id) {
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'parent'], message: 'a device cannot be its own parent' });
      } else if (!keys.has(`${d.village}/${d.parent}`)) {
        ctx.addIssue({ code: 'custom', path: ['devices', i, 'parent'], message: `unknown parent "${d.parent}": expected a device id of village "${d.village}"` });
      }
    });
    // Parent chains must end: a cycle would make dependency resolution loop forever.
    const parentOf = new Map<string, string | undefined>();
    for (const d of cfg.devices) {
      const key = `${d.village}/${d.id}`;
      // A duplicate id is reported above; the first definition wins for this check.
      if (!parentOf.has(key)) parentOf.set(key, d.parent && `${d.village}/${d.parent}`);
    }
    cfg.devices.forEach((d, i) => {
      const seen = new Set<string>();
      let cur: string | undefined = `${d.village}/${d.id}`;
      while (cur) {
        if (seen.has(cur)) {
          ctx.addIssue({ code: 'custom', path: ['devices', i, 'parent'], message: `parent chain loops back to "${d.id}"` });
          return;
        }
        seen.add(cur);
        cur = parentOf.get(cur) || undefined;
      }
    });
  });

export type Config = z.infer<typeof configSchema>;
export type VillageConfig = z.infer<typeof villageSchema>;
export type DeviceConfig = z.infer<typeof deviceSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
export type WriterConfig = z.infer<typeof writerSchema>;

export function timeoutFor(device: Pick<DeviceConfig, 'kind' | 'timeoutS'>): number {
  return device.timeoutS ?? defaultTimeoutS[device.kind];
}
