import { z } from 'zod';
import { IDENT_HINT, IDENT_PATTERN, METRIC_HINT, METRIC_PATTERN, SLUG_HINT, SLUG_PATTERN } from '../../shared/ids.js';
import { deviceKindList, deviceKinds } from './kinds.js';

/** Ids of rules and channels. */
const ident = z.string().regex(IDENT_PATTERN, IDENT_HINT);
const slug = z.string().regex(SLUG_PATTERN, SLUG_HINT);
/** A text people read: one string, or one per language ({ vi, en }). */
const text = z.union([z.string().min(1), z.strictObject({ vi: z.string().min(1), en: z.string().min(1) })]);
/** A time of day, HH:MM (24 h); the API names a mismatch `invalid-time`. */
export const HHMM_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
const hhmm = z.string().regex(HHMM_PATTERN, 'expected a time of day HH:MM (24 h), e.g. 22:30');
const severity = z.enum(['info', 'warning', 'critical']);
const isoDateTime = z.iso.datetime({ offset: true, local: true });

/** A threshold rule on telemetry with a hold time: `clients > 50 for 10 min`. */
export const thresholdRuleSchema = z.strictObject({
  id: ident,
  /** Applies to devices of this kind (and/or the listed devices). */
  kind: z.enum(deviceKinds).optional(),
  devices: z.array(slug).optional(),
  metric: z.string().regex(METRIC_PATTERN, `expected a metric name such as clients: ${METRIC_HINT}`),
  op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
  value: z.number(),
  /** Compare the absolute value (clock drift can be negative). */
  abs: z.boolean().default(false),
  /** The condition must hold this long before the alert fires; it resolves when it stops holding. */
  forS: z.number().nonnegative().default(0),
  severity: severity.default('warning'),
  /** Shown in the message: one text (Vietnamese), or { vi, en }. */
  label: text.optional(),
});
export type ThresholdRule = z.infer<typeof thresholdRuleSchema>;

/** Rules shipped by default: every kind's descriptor rules; a config that lists `rules` replaces them. */
export const defaultRules: ThresholdRule[] = deviceKindList.flatMap((k) =>
  k.rules.map((r) => ({ id: r.id, kind: k.kind, metric: r.metric, op: r.op, value: r.value, abs: r.abs ?? false, forS: r.forS, severity: r.severity, label: r.label })),
);

export const flappingSchema = z.strictObject({
  /** More than this many state changes within windowS → flapping: one alert, no more notifications. */
  maxChanges: z.number().int().min(2).default(5),
  windowS: z.number().positive().default(600),
  /** It stops flapping after this long without a change. */
  settleS: z.number().positive().default(600),
});

export const alertsSchema = z.strictObject({
  flapping: flappingSchema.default(flappingSchema.parse({})),
  rules: z.array(thresholdRuleSchema).default(defaultRules),
  /**
   * A device with a parent that goes offline waits this long before its alert fires: if the parent turns
   * out to be down too, the device becomes unreachable and only the parent's (root-cause) alert goes out.
   */
  dependencyGraceS: z.number().nonnegative().max(60).default(3),
  /**
   * A device that took others down is declared back once it has stayed up this long and the devices behind
   * it are back (or their heartbeat timeout has passed): a router rebooting again meanwhile is the same outage.
   */
  recoverS: z.number().nonnegative().max(600).default(15),
  /** A firing alert not acknowledged within this long is escalated (notify.escalation). */
  escalateAfterS: z.number().positive().default(1800),
  meetingReadiness: z
    .strictObject({
      /** Checks start this long before a meeting… */
      checkFromMin: z.number().positive().default(60),
      /** …and if the set or the internet is not ready this long before, an alert goes out. */
      alertAtMin: z.number().positive().default(30),
    })
    .default({ checkFromMin: 60, alertAtMin: 30 }),
});

export const internetTargetSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535) }),
  z.strictObject({ type: z.literal('http'), url: z.url({ protocol: /^https?$/ }) }),
  z.strictObject({ type: z.literal('icmp'), host: z.string().min(1) }),
]);

export const internetSchema = z.strictObject({
  /** Internet targets probed from the village; the internet is down when every target fails. Empty = not probed. */
  targets: z.array(internetTargetSchema).default([]),
  intervalS: z.number().positive().default(10),
  timeoutS: z.number().positive().default(3),
  /** Consecutive failed rounds before the internet is declared down. */
  failuresToDown: z.number().int().min(1).default(3),
});

const smtpSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  secure: z.boolean().default(false),
  user: z.string().optional(),
  pass: z.string().optional(),
});

export const channelSchema = z.discriminatedUnion('type', [
  z.strictObject({
    id: ident,
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    /** HMAC-SHA256 of the body with this secret goes in the X-Langso-Signature header. */
    secret: z.string().min(8).optional(),
  }),
  z.strictObject({
    id: ident,
    type: z.literal('telegram'),
    token: z.string().min(1),
    chatId: z.union([z.string().min(1), z.number().int()]),
    apiBase: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
  }),
  z.strictObject({
    id: ident,
    type: z.literal('email'),
    smtp: smtpSchema,
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
  }),
]);
export type ChannelConfig = z.infer<typeof channelSchema>;

export const routeSchema = z.strictObject({
  /** Villages this route covers; absent = all. */
  villages: z.array(slug).optional(),
  minSeverity: severity.default('warning'),
  channels: z.array(ident).min(1),
});

export const notifySchema = z.strictObject({
  language: z.enum(['vi', 'en']).default('vi'),
  channels: z.array(channelSchema).default([]),
  routes: z.array(routeSchema).default([]),
  /** Where alerts go that nobody acknowledged within alerts.escalateAfterS (commune IT). */
  escalation: z.strictObject({ channels: z.array(ident).min(1) }).optional(),
  retry: z
    .strictObject({
      initialS: z.number().positive().default(5),
      maxS: z.number().positive().default(600),
      /** A message not delivered within this long is given up (and logged). */
      expireAfterS: z.number().positive().default(172_800),
    })
    .default({ initialS: 5, maxS: 600, expireAfterS: 172_800 }),
});

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

export const maintenanceSchema = z.strictObject({
  village: slug,
  /** Absent = the whole village. */
  device: slug.optional(),
  note: z.string().max(500).optional(),
  /** One-off: ISO date-times (without offset = the village's time zone). */
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
  /** Recurring: daily, or on the listed weekdays, between start and end (end before start crosses midnight). */
  days: z.array(weekday).optional(),
  daily: z.boolean().optional(),
  start: hhmm.optional(),
  end: hhmm.optional(),
}).superRefine((m, ctx) => {
  const oneOff = m.from !== undefined || m.to !== undefined;
  const recurring = m.daily !== undefined || m.days !== undefined || m.start !== undefined || m.end !== undefined;
  // `params.code`: what the REST API reports, for the dashboard to say in words at the field.
  if (oneOff && recurring) {
    ctx.addIssue({ code: 'custom', path: [], message: 'either a one-off window (from, to) or a recurring one (daily or days, start, end), not both', params: { code: 'one-off-or-recurring' } });
  } else if (oneOff) {
    if (!m.from || !m.to) ctx.addIssue({ code: 'custom', path: [m.from ? 'to' : 'from'], message: 'a one-off window needs both from and to', params: { code: 'required' } });
    else if (Date.parse(m.from) >= Date.parse(m.to)) ctx.addIssue({ code: 'custom', path: ['to'], message: '"to" must be after "from"', params: { code: 'to-before-from' } });
  } else if (recurring) {
    if (!m.start || !m.end) ctx.addIssue({ code: 'custom', path: [m.start ? 'end' : 'start'], message: 'a recurring window needs start and end (HH:MM)', params: { code: 'required' } });
    if (!m.daily && (!m.days || m.days.length === 0)) ctx.addIssue({ code: 'custom', path: ['days'], message: 'set daily: true or list the days (mon … sun)', params: { code: 'pick-days' } });
  } else {
    ctx.addIssue({ code: 'custom', path: [], message: 'a maintenance window needs from/to (one-off) or daily/days with start/end (recurring)', params: { code: 'needs-schedule' } });
  }
});
export type MaintenanceConfig = z.infer<typeof maintenanceSchema>;

export const meetingSchema = z.strictObject({
  village: slug,
  /** ISO date-time; without offset = the village's time zone. */
  startAt: isoDateTime,
  title: z.string().min(1).max(200),
  /** The meeting-room device checked for readiness; absent = every meeting-room device of the village. */
  device: slug.optional(),
});
export type MeetingConfig = z.infer<typeof meetingSchema>;
