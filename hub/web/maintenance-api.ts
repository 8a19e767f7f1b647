import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Availability } from '../availability/availability.js';
import { maintenanceSchema } from '../config/alerts.js';
import type { HubContext } from '../context.js';
import { sendError, zodIssues } from './api.js';

const createSchema = z.intersection(maintenanceSchema, z.object({ by: z.string().trim().min(1).max(80).optional() }));

/**
 * Maintenance windows over REST: list, add (one-off or recurring), remove. No alerts fire for what a
 * window covers and its time is left out of uptime. `by` is the name typed by the person: there are
 * no user accounts yet.
 */
export function maintenanceRouter(ctx: HubContext, availability: Availability): Router {
  const router = Router();

  router.get('/', (_req: Request, res: Response) => {
    const now = ctx.clock.now();
    res.json({
      windows: availability.maintenance.list().map((w) => ({
        ...w,
        activeNow: ctx.devices.all().some((d) => d.village === w.village && (!w.device || w.device === d.id) && availability.maintenance.active(d.village, d.id, now)?.id === w.id),
      })),
    });
  });

  router.post('/', (req: Request, res: Response) => {
    const parsed = createSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, 'invalid maintenance window', zodIssues(parsed.error));
    const { by, ...spec } = parsed.data;
    if (!ctx.config.villages.some((v) => v.id === spec.village)) {
      return sendError(res, 400, 'invalid maintenance window', [{ path: 'village', code: 'unknown-village', message: `unknown village "${spec.village}"` }]);
    }
    if (spec.device && !ctx.devices.get({ village: spec.village, device: spec.device })) {
      return sendError(res, 400, 'invalid maintenance window', [{ path: 'device', code: 'unknown-device', message: `no device "${spec.device}" in village "${spec.village}"` }]);
    }
    const w = availability.maintenance.add(spec, by, ctx.clock.now());
    availability.refresh();
    res.status(201).json(w);
  });

  router.delete('/:id', (req: Request, res: Response) => {
    const id = String(req.params.id);
    const r = availability.maintenance.remove(id);
    if (r === 'not-found') return sendError(res, 404, `no maintenance window "${id}"`, undefined, 'not-found');
    if (r === 'config') return sendError(res, 409, `window "${id}" comes from the configuration file: remove it there`, undefined, 'from-config');
    availability.refresh();
    res.status(204).end();
  });

  return router;
}
