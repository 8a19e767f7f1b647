import type { Request, Response } from 'express';
import { z } from 'zod';
import type { HubContext } from '../context.js';
import { DeviceRegistry } from '../registry/registry.js';
import { kindViews } from '../registry/kinds.js';
import { deviceParams, rangeParams } from './params.js';
import type { MqttBroker } from '../broker/broker.js';
import { HHMM_PATTERN } from '../config/alerts.js';
import type { ApiIssue, ApiIssueCode, DevicesResponse, KindView, HealthProblem, HealthResponse, HealthSummary, SeriesResponse, SpoolHealth, UplinkView } from '../../shared/events.js';
import { apiIssueCodes } from '../../shared/events.js';
import { METRIC_HINT, METRIC_PATTERN, SLUG_PATTERN } from '../../shared/ids.js';

const HOUR = 3_600_000;
/** Longest range one series request may cover (2 years, the rollup retention). */
export const MAX_RANGE_MS = 2 * 366 * 24 * HOUR;

export const seriesQuerySchema = z
  .strictObject({
    metric: z.string().regex(METRIC_PATTERN, `expected a metric name such as clients or rttMs: ${METRIC_HINT}`),
    ...rangeParams,
    points: z.coerce.number().int().min(1).max(2_000).default(300),
  });


import { sendError } from './errors.js';
import { principalOf, rules, secureRouter, unauthorized, villageParam, who } from './access.js';
import { canRead, type Principal } from '../security/roles.js';

export { sendError, type IssueInput } from './errors.js';

function isIssueCode(v: unknown): v is ApiIssueCode {
  return typeof v === 'string' && (apiIssueCodes as readonly string[]).includes(v);
}

/** One zod issue as a code the dashboard translates, with what it needs to say it (a maximum, the choices). */
function issueCode(i: z.core.$ZodIssue): { code: ApiIssueCode; params?: Record<string, string | number> } {
  switch (i.code) {
    case 'invalid_type':
      // zod reports a missing field as "expected X, received undefined".
      if (/received undefined$/.test(i.message) || i.message.endsWith('expected string, received undefined')) return { code: 'required' };
      return { code: i.expected === 'number' || i.expected === 'int' ? 'invalid-number' : 'invalid-value' };
    case 'too_big':
      if (i.origin === 'string') return { code: 'too-long', params: { max: Number(i.maximum) } };
      return { code: 'too-big', params: { max: Number(i.maximum) } };
    case 'too_small':
      // An empty text or an empty list where one is needed: nothing was given.
      if ((i.origin === 'string' || i.origin === 'array') && Number(i.minimum) <= 1) return { code: 'required' };
      if (i.origin === 'string') return { code: 'too-short', params: { min: Number(i.minimum) } };
      return { code: 'too-small', params: { min: Number(i.minimum) } };
    case 'invalid_format':
      if (i.format === 'datetime' || i.format === 'date') return { code: 'invalid-date-time' };
      if (i.format === 'regex' && i.pattern !== undefined) {
        if (i.pattern === String(HHMM_PATTERN)) return { code: 'invalid-time' };
        if (i.pattern === String(SLUG_PATTERN)) return { code: 'invalid-id' };
      }
      return { code: 'invalid-value' };
    case 'invalid_value':
      return { code: 'invalid-choice', params: { options: i.values.map(String).join(', ') } };
    case 'unrecognized_keys':
      return { code: 'unknown-field', params: { fields: i.keys.join(', ') } };
    case 'custom': {
      const c = (i.params as { code?: unknown } | undefined)?.code;
      return { code: isIssueCode(c) ? c : 'invalid-value' };
    }
    default:
      return { code: 'invalid-value' };
  }
}

/** Bad input: a 400 that names each field and what was expected, logged and counted (`api.bad_requests` in /api/health). */
export function rejectInput(ctx: Pick<HubContext, 'counters' | 'log'>, res: Response, error: string, issues: ApiIssue[]): void {
  ctx.counters.inc('api.bad_requests');
  ctx.log.warn({ issues }, `bad API request: ${error}`);
  sendError(res, 400, error, issues);
}

/**
 * Who did something is the logged-in user: a `by` typed into a body (the dashboard before accounts) is
 * refused with a 400 that says so, rather than recorded as if true. False = the 400 was sent.
 */
export function refuseTypedName(ctx: Pick<HubContext, 'counters' | 'log'>, res: Response, body: unknown, what: string): boolean {
  if (typeof body !== 'object' || body === null || !('by' in body)) return true;
  rejectInput(ctx, res, what, [{ path: 'by', code: 'unknown-field', message: '"by" is not accepted: the hub records the logged-in user', params: { fields: 'by' } }]);
  return false;
}

export function zodIssues(err: z.ZodError): ApiIssue[] {
  return err.issues.map((i) => {
    const { code, params } = issueCode(i);
    return {
      path: i.path.map(String).join('.') || '(query)',
      code,
      message: i.code === 'unrecognized_keys' ? `unknown parameter(s): ${i.keys.join(', ')}` : i.message,
      ...(params ? { params } : {}),
    };
  });
}

/** GET /api/devices for one user: only the villages they may read, and their devices (also the page's first view). */
export function devicesFor(ctx: Pick<HubContext, 'devices'>, p: Principal, kinds: KindView[], changes: number): DevicesResponse {
  return {
    villages: ctx.devices.villageList().filter((v) => canRead(p, v.id)),
    kinds,
    devices: ctx.devices.all().filter((e) => canRead(p, e.village)).map((e) => DeviceRegistry.view(e)),
    changes,
  };
}

/** REST under /api (DESIGN.md §7). Every input is parsed by a zod schema; errors name the field. */
export function apiRouter(ctx: HubContext, broker: MqttBroker, changes: () => number = () => 0, uplink: () => UplinkView | null = () => null) {
  const r = secureRouter();
  const router = r.router;
  const kinds = kindViews();

  // Liveness for monitoring (Uptime Kuma, a cron curl) without an account: `{status}` only. Logged-in
  // users get the whole report: versions, ports, counters and problem texts are for commune IT, not for
  // whoever joins the public Wi-Fi.
  r.get('/health', rules.public('a liveness probe: anonymous callers get only {status}'), async (_req: Request, res: Response) => {
    const storeOk = await ctx.store.ping().catch(() => false);
    const w = ctx.writer.stats();
    const b = broker.stats();
    const problems: HealthProblem[] = ctx.faults.active();
    // Writes failing while the store still answers a ping (a wrong database, a full disk) is degraded too.
    if (w.failing || !storeOk) {
      const message = w.failing && w.lastError ? w.lastError : `${ctx.store.name} does not answer`;
      const since = w.failingSince ?? ctx.clock.now();
      problems.unshift({ source: 'store', message, since, lastAt: ctx.clock.now(), count: Math.max(1, w.failedWrites) });
    }
    const now = ctx.clock.now();
    const sp = w.spool;
    if (sp.diskError) {
      problems.unshift({ source: 'spool', message: `the spool on disk cannot be written (${sp.diskError}): messages are acknowledged only once the store has them`, since: now, lastAt: now, count: 1 });
    }
    if (sp.droppedTelemetry + sp.droppedEvents > 0 && w.spooled > 0) {
      problems.unshift({
        source: 'spool',
        message: `the spool reached its bound (${sp.maxBytes} bytes, store.spool.maxBytes/maxAgeS): ${sp.droppedTelemetry} telemetry points and ${sp.droppedEvents} transitions/events dropped, oldest first`,
        since: now,
        lastAt: now,
        count: sp.droppedTelemetry + sp.droppedEvents,
      });
    }
    const spool: SpoolHealth = {
      points: w.spooled,
      bytes: sp.bytes,
      maxBytes: sp.maxBytes,
      oldestAgeS: sp.oldestAt === null ? null : Math.max(0, Math.round((Date.now() - sp.oldestAt) / 1000)),
      droppedTelemetry: sp.droppedTelemetry,
      droppedEvents: sp.droppedEvents,
      error: sp.diskError,
    };
    const body: HealthResponse = {
      status: problems.length === 0 ? 'ok' : 'degraded',
      version: ctx.version,
      startedAt: ctx.startedAt,
      uptimeS: Math.round((ctx.clock.now() - ctx.startedAt) / 1000),
      broker: { clients: b.clients, tcpPort: broker.ports.tcp, wsPort: broker.ports.ws, messages: b.messages },
      store: { kind: ctx.store.name, ok: storeOk, failing: w.failing, queued: w.queued, spooled: w.spooled, written: w.written, lastError: w.lastError, spool },
      problems,
      security: { anonymousMqtt: ctx.config.broker.allowAnonymous },
      counters: ctx.counters.snapshot(),
      uplink: uplink(),
    };
    if (!principalOf(res)) return res.json({ status: body.status } satisfies HealthSummary);
    res.json(body);
  });

  // Only the villages the user may read, and their devices.
  r.get('/devices', rules.login, (_req: Request, res: Response) => {
    res.json(devicesFor(ctx, who(res), kinds, changes()));
  });

  r.get('/devices/:village/:device/series', rules.read(villageParam), async (req: Request, res: Response) => {
    const params = deviceParams.safeParse(req.params);
    if (!params.success) return sendError(res, 400, 'invalid device address', zodIssues(params.error));
    const query = seriesQuerySchema.safeParse(req.query);
    if (!query.success) return sendError(res, 400, 'invalid series query', zodIssues(query.error));
    const entry = ctx.devices.get(params.data);
    if (!entry) return sendError(res, 404, `no device "${params.data.device}" in village "${params.data.village}"`, undefined, 'not-found');
    const to = query.data.to ?? ctx.clock.now();
    const from = query.data.from ?? to - HOUR;
    if (from >= to) return sendError(res, 400, 'invalid series query', [{ path: 'from', code: 'to-before-from', message: '"from" must be before "to"' }]);
    if (to - from > MAX_RANGE_MS) {
      return sendError(res, 400, 'invalid series query', [{ path: 'from', code: 'range-too-long', message: 'range too long: at most 2 years', params: { max: '2 years' } }]);
    }
    try {
      const points = await ctx.store.querySeries({ ...params.data, metric: query.data.metric, from, to, points: query.data.points });
      const body: SeriesResponse = { ...params.data, metric: query.data.metric, from, to, points };
      res.json(body);
    } catch (err) {
      ctx.counters.inc('api.store_errors');
      ctx.log.error({ err: (err as Error).message }, 'series query failed');
      sendError(res, 503, `metric store unavailable: ${(err as Error).message}`, undefined, 'store-unavailable');
    }
  });

  // Nobody logged in learns nothing, not even which paths exist.
  router.use((req: Request, res: Response) =>
    principalOf(res) ? sendError(res, 404, `no such API endpoint: ${req.method} ${req.baseUrl}${req.path}`, undefined, 'not-found') : unauthorized(res),
  );
  return router;
}
