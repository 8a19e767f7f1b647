import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { meetingSchema } from '../config/alerts.js';
import { slug } from '../config/schema.js';
import type { HubContext } from '../context.js';
import type { AlertEngine } from '../alerts/engine.js';
import type { Meeting } from '../alerts/meetings.js';
import { rejectInput, sendError, zodIssues } from './api.js';
import { alertView } from './alerts-socket.js';
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
});

const ackBody = z.strictObject({
  // No user accounts yet: `by` is the name the person types, recorded as given.
  by: z.string().trim().min(1, 'enter your name (1 to 80 characters)').max(80, 'at most 80 characters'),
  note: z.string().trim().max(500, 'at most 500 characters').optional(),
});

const noteBody = z.strictObject({
  by: z.string().trim().min(1, 'enter your name (1 to 80 characters)').max(80, 'at most 80 characters'),
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

/** Alerts (DESIGN.md §6, §7): list, one with its history, acknowledge, add a note. Mounted at /api/alerts. */
export function alertsRouter(ctx: HubContext, engine: AlertEngine): Router {
  const router = Router();

  router.get('/', (req: Request, res: Response) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return sendError(res, 400, 'invalid alerts query', zodIssues(q.error));
    const alerts = engine.store.list(q.data);
    const last = alerts.at(-1);
    const body: AlertsResponse = { alerts: alerts.map(alertView), next: alerts.length === q.data.limit && last ? last.id : null };
    res.json(body);
  });

  router.get('/:id', (req: Request, res: Response) => {
    const id = parseId(req, res);
    if (id === undefined) return;
    const alert = engine.store.get(id);
    if (!alert) return sendError(res, 404, `no alert with id ${id}`, undefined, 'not-found');
    const body: AlertDetailResponse = { alert: alertView(alert), history: engine.store.history(id) };
    res.json(body);
  });

  router.post('/:id/ack', (req: Request, res: Response) => {
    const id = parseId(req, res);
    if (id === undefined) return;
    const b = ackBody.safeParse(req.body ?? {});
    if (!b.success) return sendError(res, 400, 'invalid acknowledgement', bodyIssues(b.error));
    const r = engine.acknowledge(id, b.data.by, b.data.note || undefined);
    if (r.result === 'missing') return sendError(res, 404, `no alert with id ${id}`, undefined, 'not-found');
    if (r.result === 'resolved') return sendError(res, 409, `alert ${id} is already resolved; there is nothing to acknowledge`, undefined, 'already-resolved');
    // Acknowledging twice is harmless: the first acknowledgement stands and is returned.
    const body: AlertDetailResponse = { alert: alertView(r.alert), history: engine.store.history(id) };
    res.json(body);
  });

  /**
   * A note in the alert's history, whatever its status: someone was writing an acknowledgement when the
   * alert resolved itself (or another person acknowledged it), and what they wrote is still worth keeping.
   * Changes nothing else and notifies no one.
   */
  router.post('/:id/note', (req: Request, res: Response) => {
    const id = parseId(req, res);
    if (id === undefined) return;
    const b = noteBody.safeParse(req.body ?? {});
    if (!b.success) return rejectInput(ctx, res, 'invalid note', bodyIssues(b.error));
    const alert = engine.store.get(id);
    if (!alert) return sendError(res, 404, `no alert with id ${id}`);
    engine.store.addNote(id, b.data.by, b.data.note, ctx.clock.now());
    const body: AlertDetailResponse = { alert: alertView(alert), history: engine.store.history(id) };
    res.json(body);
  });

  return router;
}

/** The schedule of online meetings whose readiness is checked. Mounted at /api/meetings. */
export function meetingsRouter(ctx: HubContext, engine: AlertEngine): Router {
  const router = Router();
  const view = (m: Meeting): MeetingView => ({ ...m, readiness: engine.meetings.readinessNow(m) });

  router.get('/', (req: Request, res: Response) => {
    const q = meetingsQuery.safeParse(req.query);
    if (!q.success) return sendError(res, 400, 'invalid meetings query', zodIssues(q.error));
    res.json({ meetings: engine.meetings.list(q.data.village).map(view) });
  });

  router.post('/', (req: Request, res: Response) => {
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
    res.status(201).json({ meeting: view(meeting) });
  });

  router.delete('/:id', (req: Request, res: Response) => {
    const id = meetingId.safeParse(req.params.id);
    if (!id.success) return sendError(res, 400, 'invalid meeting id', zodIssues(id.error).map((i) => ({ ...i, path: 'id', code: 'invalid-id' })));
    const r = engine.meetings.remove(id.data);
    if (r === 'missing') return sendError(res, 404, `no meeting with id ${id.data}`, undefined, 'not-found');
    if (r === 'config') return sendError(res, 409, `meeting ${id.data} is defined in the configuration file; remove it there`, undefined, 'from-config');
    res.status(204).end();
  });

  return router;
}
