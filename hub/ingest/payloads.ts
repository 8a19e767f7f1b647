import { z } from 'zod';
import { METRIC_HINT, METRIC_PATTERN } from '../../shared/ids.js';
import { REASON_CODE_PATTERN } from '../../shared/reasons.js';

/**
 * Payload schemas of the MQTT contract (DESIGN.md §3). Everything a device sends is parsed here
 * before it becomes a domain event.
 */

const TS_MIN_MS = 946_684_800_000;
const TS_MAX_MS = 4_102_444_800_000;

/** Milliseconds since the epoch; bounded so a seconds-vs-ms mix-up or garbage is refused, not stored. */
export const tsSchema = z
  .number()
  .int('expected whole milliseconds since 1970')
  .min(TS_MIN_MS, 'expected milliseconds since 1970 (after 2000-01-01); seconds are not accepted')
  .max(TS_MAX_MS, 'expected milliseconds since 1970 (before 2100-01-01)');

export const deviceStates = ['online', 'offline'] as const;

export const MAX_REASON_PARAMS = 16;

/** Parameters of a reason code: a flat object of short strings and numbers ("port": 554, "iface": "wlan0"). */
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

export const reasonParamsSchema = z
  .record(
    z.string(),
    z.union([z.string().max(200, 'expected at most 200 characters'), z.number().finite()], {
      error: 'expected a string (at most 200 characters) or a finite number',
    }),
  )
  .superRefine((p, ctx) => {
    // Checked here rather than by a key schema, so the error names the key and says what was expected.
    for (const key of Object.keys(p)) {
      if (!PARAM_NAME.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'expected a parameter name of letters, digits and "_" (at most 32), starting with a letter' });
    }
    if (Object.keys(p).length > MAX_REASON_PARAMS) ctx.addIssue({ code: 'custom', path: [], message: `expected at most ${MAX_REASON_PARAMS} parameters` });
  });

export const statusPayloadSchema = z.strictObject({
  state: z.enum(deviceStates),
  ts: tsSchema.optional(),
  /** Why, in the device's or library's own words (shown to commune IT; to people when there is no code). */
  reason: z.string().max(500).optional(),
  /** Why, as a reason code the dashboard and notifications translate (shared/reasons.ts). */
  code: z.string().regex(REASON_CODE_PATTERN, 'expected a reason code: lowercase letters, digits and "-" (at most 64), e.g. "onvif-unauthorized"').optional(),
  params: reasonParamsSchema.optional(),
});
export type StatusPayload = z.infer<typeof statusPayloadSchema>;

export const MAX_METRICS = 64;

/** The telemetry schema as written: every field read and worded (the reference the fast path is tested against). */
export const telemetryRecordSchema = z
  .record(z.string(), z.unknown())
  .transform((obj, ctx) => {
    let ts: number | undefined;
    const fields: Record<string, number | boolean> = {};
    let count = 0;
    let bad = 0;
    for (const [key, value] of Object.entries(obj)) {
      if (key === 'ts') {
        const parsed = tsSchema.safeParse(value);
        if (!parsed.success) {
          ctx.addIssue({ code: 'custom', path: ['ts'], message: parsed.error.issues[0]?.message ?? 'invalid ts' });
        } else ts = parsed.data;
        continue;
      }
      if (!METRIC_PATTERN.test(key)) {
        bad++;
        ctx.addIssue({ code: 'custom', path: [key], message: METRIC_HINT });
        continue;
      }
      if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
        fields[key] = value;
        count++;
      } else {
        bad++;
        ctx.addIssue({ code: 'custom', path: [key], message: `expected a finite number or boolean, got ${describe(value)}` });
      }
    }
    // "No metric" only when nothing was wrong otherwise: a single bad field must be the one reported.
    if (count === 0 && bad === 0) ctx.addIssue({ code: 'custom', path: [], message: 'expected at least one metric (number or boolean field)' });
    if (count > MAX_METRICS) ctx.addIssue({ code: 'custom', path: [], message: `too many metrics: ${count} > ${MAX_METRICS}` });
    return { ts, fields };
  });
export type TelemetryPayload = z.infer<typeof telemetryRecordSchema>;

/**
 * Telemetry as the hub parses it: a message with nothing wrong in it is read by `readGoodTelemetry`
 * (below; no copy of the object, no allocation per field — this runs for every message the hub takes
 * in), anything else by `telemetryRecordSchema`, whose issues are this schema's, word for word.
 */
export const telemetryPayloadSchema = z.unknown().transform((value, ctx): TelemetryPayload => {
  const good = readGoodTelemetry(value);
  if (good) return good;
  const r = telemetryRecordSchema.safeParse(value);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom', input: value });
  return z.NEVER;
});

/**
 * What `telemetryPayloadSchema` makes of a telemetry message with nothing wrong in it, read without zod
 * (which copies the object once more and allocates per field: this runs for every message the hub takes
 * in). Undefined for anything else — then the schema reads it, so a refusal says exactly what it said.
 */
export function readGoodTelemetry(value: unknown): TelemetryPayload | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  let ts: number | undefined;
  const fields: Record<string, number | boolean> = {};
  let count = 0;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (key === 'ts') {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < TS_MIN_MS || v > TS_MAX_MS) return undefined;
      ts = v;
    } else if (METRIC_PATTERN.test(key) && (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
      fields[key] = v;
      count++;
    } else return undefined;
  }
  if (count === 0 || count > MAX_METRICS) return undefined;
  return { ts, fields };
}

export const eventPayloadSchema = z.strictObject({
  type: z.string().min(1).max(64),
  ts: tsSchema.optional(),
  severity: z.enum(['info', 'warning', 'critical']).default('info'),
  message: z.string().max(2000).optional(),
});
export type EventPayload = z.infer<typeof eventPayloadSchema>;

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string ("${value.length > 20 ? value.slice(0, 20) + '…' : value}")`;
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
}
