import type { Request, Response } from 'express';
import { z } from 'zod';
import { meetingSchema } from '../config/alerts.js';
import { alertFilterParams, checkAlertFilter } from './report-params.js';
import { slug } from '../config/schema.js';
import type { HubContext } from '../context.js';
import type { AlertEngine } from '../alerts/engine.js';
import type { Meeting } from '../alerts/meetings.js';
import { refuseTypedName, rejectInput, sendError, zodIssues } from './api.js';
import { alertView } from './alerts-socket.js';
import { mayIn, rules, secureRouter, villageInBody, who, type VillageOf } from './access.js';
import type { Auditor } from './auth.js';
import { readsEverything } from '../security/roles.js';
import type { AlertDetailResponse, AlertsResponse, MeetingView } from '../../shared/events.js';

// The response shapes live in events.ts, shared with the dashboard; re-exported for the API's callers.
export type { AlertDetailResponse, AlertsResponse, MeetingView };

const idText = z.string().regex(/^[1-9]\d{0,14}$/, 'expected an alert id (a positive whole number)').transform(Number);

const listQuery = z.strictObject({
  status: z.enum(['open', 'firing', 'acknowledged', 'resolved', 'all']).default('open'),
  village: slug.optional(),
  /** ms since 1970 or an ISO 8601 date-time: alerts still open at or after it. */
  since: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const n = /^\d{1,15}$/.test(v) ? Number(v) : z.iso.datetime({ offset: true }).safeParse(v).success ? Date.parse(v) : Number.NaN;
      if (Number.isNaN(n)) {
        ctx.addIssue({ code: 'custom', message: 'expected milliseconds since 1970 or an ISO 8601 date-time (2026-11-25T08:00:00+07:00)', params: { code: 'invalid-date-time' } });
        return z.NEVER;
      }
      return n;
    }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: idText.optional(),
  ...alertFilterParams,
});

// Who acknowledges or writes is the logged-in user (refuseTypedName): the body carries the note only.
const ackBody = z.strictObject({
  note: z.string().trim().max(500, 'at most 500 characters').optional(),
});

const noteBody = z.strictObject({
  note: z.string().trim().min(1, 'write the note (1 to 500 characters)').max(500, 'at most 500 characters'),
});

const meetingsQuery = z.strictObject({ village: slug.optional() });
const meetingBody = meetingSchema.extend({ title: z.string().trim().min(1).max(200) });
const meetingId = z.string().regex(/^(cfg-)?\d{1,15}$/, 'expected a meeting id');

/** Body errors have no query parameter to blame: name the body instead. */
function bodyIssues(err: z.ZodError): ReturnType<typeof zodIssues> {
  return zodIssues(err).map((i) => (i.path === '(query)' ? { ...i, path: '(body)' } : i));
}

function parseId(req: Request, res: Response): number | undefined {
  const id = idText.safeParse(req.params.id);
  if (!id.success) {
    sendError(res, 400, 'invalid alert id', zodIssues(id.error).map((i) => ({ ...i, path: 'id', code: 'invalid-id' })));
    return undefined;
  }
  return id.data;
}

/**
 * Alerts (DESIGN.md §6, §7): list, one with its history, acknowledge, add a note. Mounted at /api/alerts.
 * Reading is scoped to the villages the user may read (hub-wide alerts belong to all); acknowledging and
 * notes need a leader of the alert's village (or an admin), recorded under the user's name.
 */
export function alertsRouter(ctx: HubContext, engine: AlertEngine, audit: Auditor) {
  const r = secureRouter();
  /** The village of the alert named by `:id` (undefined for a bad or unknown id: the handler answers 400/404). */
  const alertVillage: VillageOf = (req) => {
    const id = idText.safeParse(req.params.id);
    return id.success ? engine.store.get(id.data)?.village : undefined;
  };

  r.get('/', rules.login, (req: Request, res: Response) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return sendError(res, 400, 'invalid alerts query', zodIssues(q.error));
    const p = who(res);
    if (!checkAlertFilter(ctx, res, q.data, 'invalid alerts query')) return;
    if (q.data.village !== undefined && !mayIn(res, 'read', q.data.village)) return;
    const alerts = engine.store.list({ ...q.data, ...(readsEverything(p) ? {} : { villages: p.villages }) });
    const last = alerts.at(-1);
    const body: AlertsResponse = { alerts: alerts.map(alertView), next: alerts.length === q.data.limit && last ? last.id : null };
    res.json(body);
  });

  r.get('/:id', rules.read(alertVillage), (req: Request, res: Response) => {
    const id = parseId(req, res);
    if (id === undefined) return;
    const alert = engine.store.get(id);
    if (!alert) return sendError(res, 404, `no alert with id ${id}`, undefined, 'not-found');
    const body: AlertDetailResponse = { alert: alertView(alert), history: engine.store.history(id) };
    res.json(body);
  });

  r.post('/:id/ack', rules.act(alertVillage), (req: Request, res: Response) => {
    const id = parseId(req, res);
    if (id === undefined) return;
    if (!refuseTypedName(ctx, res, req.body, 'invalid acknowledgement')) return;
    const b = ackBody.safeParse(req.body ?? {});
    if (!b.success) return sendError(res, 400, 'invalid acknowledgement', bodyIssues(b.error));
    const done = engine.acknowledge(id, who(res).username, b.data.note || undefined);
    if (done.result === 'missing') return sendError(res, 404, `no alert with id ${id}`, undefined, 'not-found');
    if (done.result === 'resolved') return sendError(res, 409, `alert ${id} is already resolved; there is nothing to acknowledge`, undefined, 'already-resolved');
    if (done.result === 'acknowledged') audit.record(req, res, 'alert-ack', { target: `alert:${id}`, village: done.alert.village, detail: { note: b.data.note || null } });
    // Acknowledging twice is harmless: the first acknowledgement stands and is returned.
    const body: AlertDetailResponse = { alert: alertView(done.alert), history: engine.store.history(id) };
    res.json(body);
  });

  /**
   * A note in the alert's history, whatever its status: someone was writing an acknowledgement when the
   * alert resolved itself (or another person acknowledged it), and what they wrote is still worth keeping.
   * Changes nothing else and notifies no one.
   */
  r.post('/:id/note', rules.act(alertVillage), (req: Request, res: Response) => {
    const id = parseId(req, res);
    if (id === undefined) return;
    if (!refuseTypedName(ctx, res, req.body, 'invalid note')) return;
    const b = noteBody.safeParse(req.body ?? {});
    if (!b.success) return rejectInput(ctx, res, 'invalid note', bodyIssues(b.error));
    const alert = engine.store.get(id);
    if (!alert) return sendError(res, 404, `no alert with id ${id}`, undefined, 'not-found');
    engine.store.addNote(id, who(res).username, b.data.note, ctx.clock.now());
    audit.record(req, res, 'alert-note', { target: `alert:${id}`, village: alert.village, detail: { note: b.data.note } });
    const body: AlertDetailResponse = { alert: alertView(alert), history: engine.store.history(id) };
    res.json(body);
  });

  return r.router;
}

/**
 * The schedule of online meetings whose readiness is checked. Mounted at /api/meetings. Listed for the
 * villages the user may read; added and removed by a leader of the meeting's village (or an admin).
 */
export function meetingsRouter(ctx: HubContext, engine: AlertEngine, audit: Auditor) {
  const r = secureRouter();
  const view = (m: Meeting): MeetingView => ({ ...m, readiness: engine.meetings.readinessNow(m) });
  const meetingVillage: VillageOf = (req) => {
    const id = meetingId.safeParse(req.params.id);
    return id.success ? engine.meetings.get(id.data)?.village : undefined;
  };

  r.get('/', rules.login, (req: Request, res: Response) => {
    const q = meetingsQuery.safeParse(req.query);
    if (!q.success) return sendError(res, 400, 'invalid meetings query', zodIssues(q.error));
    if (q.data.village !== undefined && !mayIn(res, 'read', q.data.village)) return;
    const p = who(res);
    const meetings = engine.meetings.list(q.data.village).filter((m) => readsEverything(p) || p.villages.includes(m.village));
    res.json({ meetings: meetings.map(view) });
  });

  r.post('/', rules.act(villageInBody), (req: Request, res: Response) => {
    const b = meetingBody.safeParse(req.body ?? {});
    if (!b.success) return sendError(res, 400, 'invalid meeting', bodyIssues(b.error));
    const { village, startAt, title, device } = b.data;
    if (!ctx.config.villages.some((v) => v.id === village)) {
      const known = ctx.config.villages.map((v) => v.id).join(', ') || '(none configured)';
      return sendError(res, 400, 'invalid meeting', [{ path: 'village', code: 'unknown-village', message: `unknown village "${village}"; expected one of: ${known}` }]);
    }
    if (device !== undefined && !ctx.devices.get({ village, device })?.registered) {
      return sendError(res, 400, 'invalid meeting', [{ path: 'device', code: 'unknown-device', message: `no device "${device}" in village "${village}"` }]);
    }
    const at = engine.meetings.parseTime(startAt, village);
    if (Number.isNaN(at)) return sendError(res, 400, 'invalid meeting', [{ path: 'startAt', code: 'invalid-date-time', message: 'not a valid date-time' }]);
    if (at <= ctx.clock.now()) {
      return sendError(res, 400, 'invalid meeting', [{ path: 'startAt', code: 'not-in-future', message: 'the meeting must start in the future' }]);
    }
    const meeting = engine.meetings.add({ village, startAt: at, title, device });
    audit.record(req, res, 'meeting-add', { target: `meeting:${meeting.id}`, village, detail: { title, startAt: at, device: device ?? null } });
    res.status(201).json({ meeting: view(meeting) });
  });

  r.delete('/:id', rules.act(meetingVillage), (req: Request, res: Response) => {
    const id = meetingId.safeParse(req.params.id);
    if (!id.success) return sendError(res, 400, 'invalid meeting id', zodIssues(id.error).map((i) => ({ ...i, path: 'id', code: 'invalid-id' })));
    const before = engine.meetings.get(id.data);
    const done = engine.meetings.remove(id.data);
    if (done === 'missing') return sendError(res, 404, `no meeting with id ${id.data}`, undefined, 'not-found');
    if (done === 'config') return sendError(res, 409, `meeting ${id.data} is defined in the configuration file; remove it there`, undefined, 'from-config');
    audit.record(req, res, 'meeting-remove', { target: `meeting:${id.data}`, village: before?.village ?? null, detail: { title: before?.title ?? null } });
    res.status(204).end();
  });

  return r.router;
}
