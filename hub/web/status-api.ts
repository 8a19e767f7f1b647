import type { Request, Response } from 'express';
import { z } from 'zod';
import { outboxStatuses, type Notifications } from '../alerts/outbox.js';
import type { InternetMonitor } from '../availability/internet.js';
import { sendError, zodIssues } from './api.js';
import { rules, secureRouter } from './access.js';

const notificationsQuery = z.strictObject({
  status: z.enum(outboxStatuses).default('pending'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** GET /api/internet: the village's internet link as the hub last probed it (one link for the hub: anyone logged in). */
export function internetRouter(internet: InternetMonitor) {
  return secureRouter().get('/', rules.login, (_req: Request, res: Response) => {
    res.json(internet.view());
  }).router;
}

/**
 * GET /api/notifications?status=&limit=: the outbox, to see what is waiting and why. Admins only: its
 * messages name every village's devices and the channels' last errors.
 */
export function notificationsRouter(notifications: Notifications) {
  return secureRouter().get('/', rules.admin, (req: Request, res: Response) => {
    const q = notificationsQuery.safeParse(req.query);
    if (!q.success) return sendError(res, 400, 'invalid notifications query', zodIssues(q.error));
    res.json({ stats: notifications.stats(), messages: notifications.list(q.data) });
  }).router;
}
