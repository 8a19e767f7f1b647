import { z } from 'zod';
import { IDENT_HINT, IDENT_PATTERN } from '../../shared/ids.js';
import { HHMM_PATTERN } from './alerts.js';

const ident = z.string().regex(IDENT_PATTERN, IDENT_HINT);
const hhmm = z.string().regex(HHMM_PATTERN, 'expected a time of day HH:MM (24 h), e.g. 07:00');

/**
 * `reports.schedule`: uptime reports sent through the notification channels (docs/reports.md). Times are
 * in the villages' time zone (the first village's, as for every hub-wide time).
 */
export const reportScheduleSchema = z.strictObject({
  /** The previous calendar month's report, on this day of the month at this time. */
  monthly: z
    .strictObject({
      /** 1–28, so that every month has the day. */
      day: z.number().int().min(1).max(28).default(1),
      time: hhmm.default('07:00'),
    })
    .optional(),
  /** The previous week's report (Monday to Sunday), on this weekday at this time. */
  weekly: z
    .strictObject({
      weekday: z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']).default('mon'),
      time: hhmm.default('07:00'),
    })
    .optional(),
  /** notify.channels ids the reports go to; absent = every configured channel. */
  channels: z.array(ident).min(1).optional(),
  /** How many devices the message names as the worst and as the longest outages. */
  top: z.number().int().min(1).max(20).default(5),
});

export const reportsSchema = z.strictObject({
  schedule: reportScheduleSchema.default(reportScheduleSchema.parse({})),
});

export type ReportsConfig = z.infer<typeof reportsSchema>;
export type ReportSchedule = z.infer<typeof reportScheduleSchema>;

/** reports.schedule.channels must name configured channels. */
export function reportReferenceProblems(doc: Record<string, unknown>, channels: ReadonlySet<string>): string[] {
  const reports = doc.reports && typeof doc.reports === 'object' ? (doc.reports as Record<string, unknown>) : {};
  const schedule = reports.schedule && typeof reports.schedule === 'object' ? (reports.schedule as Record<string, unknown>) : {};
  const ids = Array.isArray(schedule.channels) ? (schedule.channels as unknown[]) : [];
  const known = [...channels].join(', ') || '(no channels defined)';
  return ids.flatMap((id, j) => (typeof id === 'string' && !channels.has(id) ? [`reports.schedule.channels[${j}]: unknown channel "${id}"; expected one of: ${known}`] : []));
}
