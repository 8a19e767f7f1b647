import type { Request, Response } from 'express';
import { z } from 'zod';
import type { HubContext } from '../context.js';
import type { AuditLog } from '../security/audit.js';
import type { AuditResponse } from '../../shared/events.js';
import { rules, secureRouter } from './access.js';
import { rejectInput, zodIssues } from './api.js';

const auditQuery = z.strictObject({
  limit: z.coerce.number('expected a whole number from 1 to 500').int('expected a whole number from 1 to 500').min(1).max(500).default(100),
  before: z
    .string()
    .regex(/^[1-9]\d{0,14}$/, 'expected an audit entry id (a positive whole number)')
    .transform(Number)
    .optional(),
});

/** GET /api/audit?limit=&before= (admins): who did what, when, from which address; newest first, paged by id. */
export function auditRouter(ctx: Pick<HubContext, 'counters' | 'log'>, audit: AuditLog) {
  return secureRouter().get('/', rules.admin, (req: Request, res: Response) => {
    const q = auditQuery.safeParse(req.query);
    if (!q.success) return rejectInput(ctx, res, 'invalid audit query', zodIssues(q.error));
    const entries = audit.list({ limit: q.data.limit, ...(q.data.before !== undefined ? { before: q.data.before } : {}) });
    const last = entries.at(-1);
    const body: AuditResponse = { entries, next: entries.length === q.data.limit && last ? last.id : null };
    res.json(body);
  }).router;
}
