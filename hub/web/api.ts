import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { HubContext } from '../context.js';
import { DeviceRegistry } from '../registry/registry.js';
import { kindViews } from '../registry/kinds.js';
import type { MqttBroker } from '../broker/broker.js';
import { slug } from '../config/schema.js';
import type { ApiError, DevicesResponse, HealthResponse, SeriesResponse } from '../../shared/events.js';
import { METRIC_HINT, METRIC_PATTERN } from '../../shared/ids.js';

const HOUR = 3_600_000;
/** Longest range one series request may cover (2 years, the rollup retention). */
export const MAX_RANGE_MS = 2 * 366 * 24 * HOUR;

/** Accepts ms since epoch or an ISO 8601 date. */
const instant = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

export const seriesQuerySchema = z
  .strictObject({
    metric: z.string().regex(METRIC_PATTERN, `expected a metric name such as clients or rttMs: ${METRIC_HINT}`),
    from: z
      .string()
      .optional()
      .transform((v, ctx) => parseInstant(v, ctx)),
    to: z
      .string()
      .optional()
      .transform((v, ctx) => parseInstant(v, ctx)),
    points: z.coerce.number().int().min(1).max(2_000).default(300),
  });

export function parseInstant(v: string | undefined, ctx: z.RefinementCtx): number | undefined {
  if (v === undefined) return undefined;
  const r = instant.safeParse(v);
  if (!r.success) {
    ctx.addIssue({ code: 'custom', message: 'expected milliseconds since 1970 or an ISO 8601 date-time (2026-11-25T08:00:00+07:00)' });
    return z.NEVER;
  }
  return r.data;
}

const deviceParams = z.strictObject({ village: slug, device: slug });

export function sendError(res: Response, status: number, error: string, issues?: ApiError['issues']): void {
  const body: ApiError = issues ? { error, issues } : { error };
  res.status(status).json(body);
}

/** Bad input: a 400 that names each field and what was expected, logged and counted (`api.bad_requests` in /api/health). */
export function rejectInput(ctx: Pick<HubContext, 'counters' | 'log'>, res: Response, error: string, issues: NonNullable<ApiError['issues']>): void {
  ctx.counters.inc('api.bad_requests');
  ctx.log.warn({ issues }, `bad API request: ${error}`);
  sendError(res, 400, error, issues);
}

export function zodIssues(err: z.ZodError): NonNullable<ApiError['issues']> {
  return err.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(query)',
    message: i.code === 'unrecognized_keys' ? `unknown parameter(s): ${i.keys.join(', ')}` : i.message,
  }));
}

/** REST under /api (DESIGN.md §7). Every input is parsed by a zod schema; errors name the field. */
export function apiRouter(ctx: HubContext, broker: MqttBroker, changes: () => number = () => 0): Router {
  const router = Router();
  const kinds = kindViews();

  router.get('/health', async (_req: Request, res: Response) => {
    const storeOk = await ctx.store.ping().catch(() => false);
    const w = ctx.writer.stats();
    const b = broker.stats();
    const body: HealthResponse = {
      status: storeOk ? 'ok' : 'degraded',
      version: ctx.version,
      startedAt: ctx.startedAt,
      uptimeS: Math.round((ctx.clock.now() - ctx.startedAt) / 1000),
      broker: { clients: b.clients, tcpPort: broker.ports.tcp, wsPort: broker.ports.ws, messages: b.messages },
      store: { kind: ctx.store.name, ok: storeOk, queued: w.queued, spooled: w.spooled, written: w.written, lastError: w.lastError },
      counters: ctx.counters.snapshot(),
    };
    res.json(body);
  });

  router.get('/devices', (_req: Request, res: Response) => {
    const body: DevicesResponse = {
      villages: ctx.devices.villageList(),
      kinds,
      devices: ctx.devices.all().map((e) => DeviceRegistry.view(e)),
      changes: changes(),
    };
    res.json(body);
  });

  router.get('/devices/:village/:device/series', async (req: Request, res: Response) => {
    const params = deviceParams.safeParse(req.params);
    if (!params.success) return sendError(res, 400, 'invalid device address', zodIssues(params.error));
    const query = seriesQuerySchema.safeParse(req.query);
    if (!query.success) return sendError(res, 400, 'invalid series query', zodIssues(query.error));
    const entry = ctx.devices.get(params.data);
    if (!entry) return sendError(res, 404, `no device "${params.data.device}" in village "${params.data.village}"`);
    const to = query.data.to ?? ctx.clock.now();
    const from = query.data.from ?? to - HOUR;
    if (from >= to) return sendError(res, 400, 'invalid series query', [{ path: 'from', message: '"from" must be before "to"' }]);
    if (to - from > MAX_RANGE_MS) {
      return sendError(res, 400, 'invalid series query', [{ path: 'from', message: 'range too long: at most 2 years' }]);
    }
    try {
      const points = await ctx.store.querySeries({ ...params.data, metric: query.data.metric, from, to, points: query.data.points });
      const body: SeriesResponse = { ...params.data, metric: query.data.metric, from, to, points };
      res.json(body);
    } catch (err) {
      ctx.counters.inc('api.store_errors');
      ctx.log.error({ err: (err as Error).message }, 'series query failed');
      sendError(res, 503, `metric store unavailable: ${(err as Error).message}`);
    }
  });

  router.use((req: Request, res: Response) => sendError(res, 404, `no such API endpoint: ${req.method} ${req.baseUrl}${req.path}`));
  return router;
}
