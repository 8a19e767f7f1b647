import type { Request, Response } from 'express';
import type { Availability } from '../availability/availability.js';
import { maintenanceSchema } from '../config/alerts.js';
import type { HubContext } from '../context.js';
import { readsEverything } from '../security/roles.js';
import { refuseTypedName, sendError, zodIssues } from './api.js';
import { rules, secureRouter, villageInBody, who, type VillageOf } from './access.js';
import type { Auditor } from './auth.js';

/**
 * Maintenance windows over REST: list (the villages the user may read), add (one-off or recurring) and
 * remove (a leader of the window's village, or an admin). No alerts fire for what a window covers and its
 * time is left out of uptime, so who set it is recorded: the logged-in user, in the window and the audit log.
 */
export function maintenanceRouter(ctx: HubContext, availability: Availability, audit: Auditor) {
  const r = secureRouter();
  const windowVillage: VillageOf = (req) => availability.maintenance.list().find((w) => w.id === String(req.params.id))?.village;

  r.get('/', rules.login, (_req: Request, res: Response) => {
    const now = ctx.clock.now();
    const p = who(res);
    res.json({
      windows: availability.maintenance
        .list()
        .filter((w) => readsEverything(p) || p.villages.includes(w.village))
        .map((w) => ({
          ...w,
          activeNow: ctx.devices.all().some((d) => d.village === w.village && (!w.device || w.device === d.id) && availability.maintenance.active(d.village, d.id, now)?.id === w.id),
        })),
    });
  });

  r.post('/', rules.act(villageInBody), (req: Request, res: Response) => {
    if (!refuseTypedName(ctx, res, req.body, 'invalid maintenance window')) return;
    const parsed = maintenanceSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, 'invalid maintenance window', zodIssues(parsed.error));
    const spec = parsed.data;
    if (!ctx.config.villages.some((v) => v.id === spec.village)) {
      return sendError(res, 400, 'invalid maintenance window', [{ path: 'village', code: 'unknown-village', message: `unknown village "${spec.village}"` }]);
    }
    if (spec.device && !ctx.devices.get({ village: spec.village, device: spec.device })) {
      return sendError(res, 400, 'invalid maintenance window', [{ path: 'device', code: 'unknown-device', message: `no device "${spec.device}" in village "${spec.village}"` }]);
    }
    const w = availability.maintenance.add(spec, who(res).username, ctx.clock.now());
    availability.refresh();
    audit.record(req, res, 'maintenance-add', { target: `maintenance:${w.id}`, village: w.village, detail: { device: w.device ?? null, note: w.note ?? null, from: w.from ?? null, to: w.to ?? null, start: w.start ?? null, end: w.end ?? null } });
    res.status(201).json(w);
  });

  r.delete('/:id', rules.act(windowVillage), (req: Request, res: Response) => {
    const id = String(req.params.id);
    const before = availability.maintenance.list().find((w) => w.id === id);
    const done = availability.maintenance.remove(id);
    if (done === 'not-found') return sendError(res, 404, `no maintenance window "${id}"`, undefined, 'not-found');
    if (done === 'config') return sendError(res, 409, `window "${id}" comes from the configuration file: remove it there`, undefined, 'from-config');
    availability.refresh();
    audit.record(req, res, 'maintenance-remove', { target: `maintenance:${id}`, village: before?.village ?? null, detail: { device: before?.device ?? null } });
    res.status(204).end();
  });

  return r.router;
}
