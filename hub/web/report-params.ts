import type { Request, Response } from 'express';
import { z } from 'zod';
import { slug } from '../config/schema.js';
import type { HubContext } from '../context.js';
import type { Period } from '../reports/report.js';
import { alertConditions, type ApiIssue } from '../../shared/events.js';
import { languages, type Lang } from '../../shared/i18n.js';
import { MAX_RANGE_MS, rejectInput } from './api.js';
import { instantParam } from './params.js';

/** Query parameters of the uptime API, the CSV exports and the alert history, parsed the same way everywhere. */

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** `month=YYYY-MM`: a calendar month in the village's time zone. */
export const monthParam = z
  .string()
  .optional()
  .superRefine((v, ctx) => {
    if (v !== undefined && !MONTH.test(v)) ctx.addIssue({ code: 'custom', message: 'expected a month as YYYY-MM, e.g. 2026-11', params: { code: 'invalid-month' } });
  });

/** The filters of the alert history (GET /api/alerts and its CSV). */
export const alertFilterParams = {
  device: slug.optional(),
  condition: z.enum(alertConditions).optional(),
  /** Alerts open at some time in [from, to). */
  from: instantParam,
  to: instantParam,
};

const langParam = z.enum(languages).optional();

export const uptimeQuery = z.strictObject({
  village: slug.optional(),
  device: slug.optional(),
  from: instantParam,
  to: instantParam,
  month: monthParam,
});

export const uptimeCsvQuery = uptimeQuery.extend({ lang: langParam });

export const alertsCsvQuery = z.strictObject({
  village: slug.optional(),
  status: z.enum(['open', 'firing', 'acknowledged', 'resolved', 'all']).default('all'),
  lang: langParam,
  ...alertFilterParams,
});

function issue(path: string, code: ApiIssue['code'], message: string): ApiIssue {
  return { path, code, message };
}

/** Checks a range (when given): from before to, at most 2 years. */
function rangeIssues(from: number | undefined, to: number | undefined): ApiIssue[] {
  if (from !== undefined && to !== undefined && from >= to) return [issue('from', 'to-before-from', '"from" must be before "to"')];
  if (from !== undefined && to !== undefined && to - from > MAX_RANGE_MS) return [issue('from', 'range-too-long', 'range too long: at most 2 years')];
  return [];
}

/** Village and device must be configured; a device needs its village. */
function placeIssues(ctx: HubContext, q: { village?: string | undefined; device?: string | undefined }): ApiIssue[] {
  if (q.village !== undefined && !ctx.config.villages.some((v) => v.id === q.village)) {
    return [issue('village', 'unknown-village', `unknown village "${q.village}"; expected one of: ${ctx.config.villages.map((v) => v.id).join(', ') || '(none configured)'}`)];
  }
  if (q.device !== undefined && q.village === undefined) return [issue('village', 'required', 'a device is named within its village: give village too')];
  if (q.device !== undefined && !ctx.config.devices.some((d) => d.village === q.village && d.id === q.device)) {
    return [issue('device', 'unknown-device', `no device "${q.device}" in village "${q.village}"`)];
  }
  return [];
}

/** The alert filters' cross-field rules; false = a 400 was sent. */
export function checkAlertFilter(ctx: HubContext, res: Response, q: { village?: string | undefined; device?: string | undefined; from?: number | undefined; to?: number | undefined }, error: string): boolean {
  const issues = [...(q.device !== undefined && q.village === undefined ? [issue('village', 'required', 'a device is named within its village: give village too')] : []), ...rangeIssues(q.from, q.to)];
  if (issues.length === 0) return true;
  rejectInput(ctx, res, error, issues);
  return false;
}

/** The period of an uptime query: `month`, or `from` (and `to`, default now); false = a 400 was sent. */
export function uptimePeriod(ctx: HubContext, res: Response, q: z.infer<typeof uptimeQuery>, error: string): Period | false {
  const issues: ApiIssue[] = [...placeIssues(ctx, q)];
  if (q.month !== undefined && (q.from !== undefined || q.to !== undefined)) issues.push(issue('month', 'month-or-range', 'give either month or from/to, not both'));
  else if (q.month === undefined && q.from === undefined) issues.push(issue('from', 'required', 'give from (and to; default now) in ms since 1970 or ISO 8601, or month=YYYY-MM'));
  const to = q.to ?? ctx.clock.now();
  if (q.month === undefined && q.from !== undefined) issues.push(...rangeIssues(q.from, to));
  if (issues.length > 0) {
    rejectInput(ctx, res, error, issues);
    return false;
  }
  return q.month !== undefined ? { month: q.month } : { from: q.from!, to };
}

/** The language of a CSV: `lang=`, else the browser's Accept-Language (Vietnamese unless English comes first). */
export function csvLang(req: Request, lang: Lang | undefined): Lang {
  if (lang) return lang;
  const accepted = req.acceptsLanguages('vi', 'en');
  return accepted === 'en' ? 'en' : 'vi';
}
