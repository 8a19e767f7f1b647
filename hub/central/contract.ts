import { z } from 'zod';
import { SLUG_PATTERN } from '../../shared/ids.js';
import { alertConditions } from '../../shared/events.js';
import { availabilityStates } from '../core/domain.js';
import { reasonParamsSchema, tsSchema } from '../ingest/payloads.js';

/**
 * The upstream contract (village hub → commune/province broker, docs/scale.md), as central mode reads it.
 * The only place central mode builds or parses upstream topic strings.
 *
 *   P/V/<device>/telemetry|event      QoS 1, `ts` always present          → shared between instances
 *   P/V/$hub/devices/<device>         retained, the village hub's view     → every instance
 *   P/V/$hub/status                   retained, Last Will {"state":"offline"}
 *   P/V/$hub/alerts                   {"change","alert","ts"}
 *   P/V/$hub/inventory                retained, the village and its devices
 *   P/$central/instances/<id>         retained presence of a central instance, empty Last Will
 */
export type UpstreamTopic =
  | { kind: 'telemetry' | 'event'; village: string; device: string }
  | { kind: 'device-state'; village: string; device: string }
  | { kind: 'hub-status' | 'alerts' | 'inventory'; village: string }
  | { kind: 'instance'; id: string };

export const HUB = '$hub';
export const CENTRAL = '$central';

export class UpstreamTopics {
  constructor(readonly prefix: string) {}

  /** Bulk traffic: one copy per group, spread over its instances (MQTT 5 shared subscriptions, §4.8.2). */
  shared(group: string): string[] {
    return [`$share/${group}/${this.prefix}/+/+/telemetry`, `$share/${group}/${this.prefix}/+/+/event`];
  }
  /** Low volume, every instance: device states, hub status, alerts, inventory. */
  hubs(): string {
    return `${this.prefix}/+/${HUB}/#`;
  }
  instances(): string {
    return `${this.prefix}/${CENTRAL}/instances/+`;
  }
  instance(id: string): string {
    return `${this.prefix}/${CENTRAL}/instances/${id}`;
  }
  hubStatus(village: string): string {
    return `${this.prefix}/${village}/${HUB}/status`;
  }
  deviceState(village: string, device: string): string {
    return `${this.prefix}/${village}/${HUB}/devices/${device}`;
  }
  alerts(village: string): string {
    return `${this.prefix}/${village}/${HUB}/alerts`;
  }
  inventory(village: string): string {
    return `${this.prefix}/${village}/${HUB}/inventory`;
  }
  telemetry(village: string, device: string): string {
    return `${this.prefix}/${village}/${device}/telemetry`;
  }
  event(village: string, device: string): string {
    return `${this.prefix}/${village}/${device}/event`;
  }

  parse(topic: string): UpstreamTopic | null {
    const p = topic.split('/');
    if (p[0] !== this.prefix) return null;
    const slug = (s: string | undefined): s is string => s !== undefined && SLUG_PATTERN.test(s);
    if (p[1] === CENTRAL) return p.length === 4 && p[2] === 'instances' && slug(p[3]) ? { kind: 'instance', id: p[3] } : null;
    const village = p[1];
    if (!slug(village)) return null;
    if (p[2] === HUB) {
      if (p.length === 5 && p[3] === 'devices' && slug(p[4])) return { kind: 'device-state', village, device: p[4] };
      if (p.length !== 4) return null;
      if (p[3] === 'status') return { kind: 'hub-status', village };
      if (p[3] === 'alerts') return { kind: 'alerts', village };
      if (p[3] === 'inventory') return { kind: 'inventory', village };
      return null;
    }
    const device = p[2];
    if (p.length === 4 && slug(device) && (p[3] === 'telemetry' || p[3] === 'event')) return { kind: p[3], village, device };
    return null;
  }
}

const slug = z.string().regex(SLUG_PATTERN, 'expected a lowercase slug');

export const hubStatusSchema = z.object({
  state: z.enum(['online', 'offline']),
  ts: tsSchema.optional(),
  version: z.string().max(64).optional(),
  backlog: z
    .object({
      messages: z.number().int().min(0),
      bytes: z.number().int().min(0),
      oldestTs: tsSchema.nullable(),
    })
    .optional(),
});
export type HubStatus = z.infer<typeof hubStatusSchema>;

/** The village hub's view of a device; `code`/`params` are the names its local topic uses (Home Assistant export). */
export const deviceStateSchema = z.object({
  state: z.enum(availabilityStates),
  since: tsSchema.nullable(),
  ts: tsSchema.optional(),
  reason: z.string().max(500).optional(),
  reasonCode: z.string().max(64).optional(),
  reasonParams: reasonParamsSchema.optional(),
  code: z.string().max(64).optional(),
  params: reasonParamsSchema.optional(),
  cause: slug.optional(),
});
export type DeviceStatePayload = z.infer<typeof deviceStateSchema>;

export const forwardedAlertSchema = z.object({
  change: z.enum(['fired', 'acknowledged', 'escalated', 'resolved']),
  ts: tsSchema,
  alert: z.object({
    id: z.number().int(),
    key: z.string().min(1).max(200),
    village: z.string().min(1).max(64),
    device: slug.nullable(),
    condition: z.enum(alertConditions),
    severity: z.enum(['info', 'warning', 'critical']),
    startedAt: tsSchema,
    ackedBy: z.string().max(100).nullable().optional(),
    ackNote: z.string().max(2000).nullable().optional(),
    resolvedAt: tsSchema.nullable().optional(),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), reasonParamsSchema])).default({}),
  }),
});
export type ForwardedAlert = z.infer<typeof forwardedAlertSchema>;

export const inventorySchema = z.object({
  // The village hub sends null for what its configuration leaves out.
  village: z.object({
    id: slug,
    name: z.string().min(1).max(200).nullish(),
    commune: z.string().min(1).max(200).nullish(),
    province: z.string().min(1).max(200).nullish(),
    timezone: z.string().min(1).max(64).nullish(),
  }),
  devices: z
    .array(
      z.object({
        id: slug,
        name: z.string().min(1).max(200),
        kind: z.string().min(1).max(64),
        parent: slug.optional(),
        location: z.string().max(200).optional(),
      }),
    )
    .max(10_000),
  ts: tsSchema,
});
export type Inventory = z.infer<typeof inventorySchema>;

/** The first problem of a failed parse, naming the field: what the log and /api/health show. */
export function firstIssue(err: z.ZodError): string {
  const i = err.issues[0];
  return i ? `${i.path.join('.') || '(payload)'}: ${i.message}` : 'invalid payload';
}
