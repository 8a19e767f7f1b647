import { z } from 'zod';
import { SLUG_HINT, SLUG_PATTERN } from '../../shared/ids.js';

/**
 * `central:` — a hub in `mode: central` reads many village hubs through an upstream MQTT 5 broker
 * (Mosquitto, EMQX, VerneMQ, HiveMQ) instead of serving devices itself (docs/scale.md).
 */
export const centralSchema = z.strictObject({
  /** The commune/province broker the village hubs' uplinks publish to. */
  url: z.url({ protocol: /^mqtts?$/, error: 'expected mqtt://host:1883 or mqtts://host:8883' }),
  username: z.string().min(1).optional(),
  /** Never logged or shown (masked like every other secret of the configuration). */
  password: z.string().min(1).optional(),
  /** PEM file of the certificate authority that signed the broker's certificate (mqtts://). */
  ca: z.string().min(1).optional(),
  /**
   * This instance's id: its MQTT client id (`<group>-<instanceId>`), its presence topic and its rank in the
   * alert-owner election (the smallest live id sends notifications). Unique per instance.
   */
  instanceId: z.string().regex(SLUG_PATTERN, SLUG_HINT),
  /** The village hubs' `uplink.topicPrefix`. */
  topicPrefix: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, 'expected a lowercase word: a-z, 0-9 and "-"')
    .default('langso'),
  /** Shared-subscription group: instances in one group split telemetry and events between them. */
  group: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected letters, digits, "_" and "-" (no "/", "+" or "#")')
    .default('langso-central'),
  keepaliveS: z.number().int().min(5).max(600).default(30),
  /**
   * How long the broker keeps this instance's session (its share of queued and unacknowledged messages)
   * while it is away. A live peer adopts the session of a dead one meanwhile (see docs/scale.md).
   */
  sessionExpiryS: z.number().int().min(60).max(30 * 86_400).default(86_400),
  /** A peer that dies leaves its session to the others: they connect as it, drain it and carry its share. */
  adoptPeers: z.boolean().default(true),
  /** QoS 1 messages the broker may have in flight to this instance (MQTT 5 Receive Maximum). */
  receiveMaximum: z.number().int().min(1).max(65_535).default(1_000),
  /** A device state received this much later than it happened is history: recorded, flagged late, never alerted. */
  lateAfterS: z.number().positive().max(86_400).default(60),
  /** A village hub's queue (its `$hub/status` backlog) that keeps growing past these raises an alert. */
  backlog: z
    .strictObject({
      messages: z.number().int().positive().default(10_000),
      /** Age of the oldest queued message. */
      ageS: z.number().positive().default(1_800),
    })
    .default({ messages: 10_000, ageS: 1_800 }),
});

export type CentralConfig = z.infer<typeof centralSchema>;
