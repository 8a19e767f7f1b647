import { z } from 'zod';

/**
 * The bridge to a commune/province MQTT broker (hub/uplink/, docs/uplink.md). Absent or `url` unset:
 * the hub forwards nothing.
 */
export const uplinkSchema = z
  .strictObject({
    /** The upstream broker: `mqtt://host:1883` or `mqtts://host:8883`. */
    url: z.url({ protocol: /^mqtts?$/, error: 'expected a URL mqtt://host:port or mqtts://host:port' }),
    username: z.string().min(1).optional(),
    /** Never logged nor shown; prefer `passwordFile` so the configuration can be shared. */
    password: z.string().min(1).optional(),
    /** A file holding the password (its first line), read at start. */
    passwordFile: z.string().min(1).optional(),
    /** PEM file of the CA that signed the upstream broker's certificate (mqtts://); default: the system's CAs. */
    caFile: z.string().min(1).optional(),
    /** MQTT client id prefix; each village connects as `<clientId>-<village>` (it carries its own Last Will). */
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'expected 1-40 letters, digits, "_", "." or "-"')
      .default('langso'),
    /** First topic level upstream: `<topicPrefix>/<village>/…`. */
    topicPrefix: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected one topic level: letters, digits, "_" and "-"')
      .default('langso'),
    /** MQTT keepalive (s): the upstream broker sends the Last Will within 1.5 × this after the link dies. */
    keepaliveS: z.number().int().min(5).max(3600).default(30),
    /** Wait between connection attempts (s). */
    reconnectS: z.number().positive().max(600).default(5),
    /** `$hub/status` is sent again this often (s) while connected, with the backlog figures. */
    statusEveryS: z.number().positive().max(3600).default(30),
    queue: z
      .strictObject({
        /** Bound of the on-disk queue per village; past it the oldest telemetry is dropped first. */
        maxBytes: z.number().int().min(64 * 1024).default(256 * 1024 * 1024),
        /** Telemetry older than this is dropped (status, events, alerts and device states are kept). */
        maxAgeS: z.number().positive().default(7 * 86_400),
        /** Longest wait between a message and the disk sync that covers it (group commit). */
        syncEveryMs: z.number().int().min(0).max(1000).default(10),
        /** Sync to disk (fdatasync); off only for throwaway test runs. */
        fsync: z.boolean().default(true),
      })
      .default({ maxBytes: 256 * 1024 * 1024, maxAgeS: 7 * 86_400, syncEveryMs: 10, fsync: true }),
    /** Backlog messages sent per second beside live traffic once the link is back. */
    backlogPerS: z.number().positive().default(1000),
    /** Most backlog messages waiting for their PUBACK at once. */
    inflight: z.number().int().min(1).max(65535).default(200),
  })
  .refine((u) => !(u.password && u.passwordFile), { message: 'set password or passwordFile, not both', path: ['passwordFile'] });

export type UplinkConfig = z.infer<typeof uplinkSchema>;

/** Keys of the old `uplink:` section, the Internet-link probe (now `internet:`). */
export const OLD_INTERNET_KEYS = ['targets', 'intervalS', 'timeoutS', 'failuresToDown'] as const;

/** Is this `uplink:` section the old Internet-link probe (its keys, and no bridge key)? */
export function isOldInternetSection(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && !keys.includes('url') && keys.every((k) => (OLD_INTERNET_KEYS as readonly string[]).includes(k));
}
