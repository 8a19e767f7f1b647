import type { Request, Response } from 'express';
import { z } from 'zod';
import type { HubContext } from '../context.js';
import type { AvailabilityPoint } from '../store/types.js';
import type { AvailabilityResponse, AvailabilitySpan } from '../../shared/events.js';
import { MAX_RANGE_MS, rejectInput, sendError, zodIssues } from './api.js';
import { deviceParams, rangeParams } from './params.js';
import { rules, secureRouter, villageParam } from './access.js';

const HOUR = 3_600_000;
const rangeQuery = z.strictObject({
  ...rangeParams,
});

/**
 * Stored transitions (the last one before `from` first, as the store returns them) as spans clipped to
 * [from, to); neighbours in the same state are merged. The last span is the state at `to`: ongoing.
 */
export function availabilitySpans(points: readonly AvailabilityPoint[], from: number, to: number): AvailabilitySpan[] {
  const spans: AvailabilitySpan[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const next = points[i + 1];
    const start = Math.max(p.ts, from);
    const end = Math.min(next ? next.ts : to, to);
    if (end <= start) continue;
    const last = spans.at(-1);
    if (last && last.state === p.state && last.to === start) last.to = end;
    else spans.push({ from: start, to: end, state: p.state, ongoing: false });
  }
  const last = spans.at(-1);
  if (last && last.to === to && points.at(-1)?.state === last.state) last.ongoing = true;
  return spans;
}

/**
 * GET /api/devices/:village/:device/availability?from=&to= (ms since 1970 or ISO 8601; default the last
 * hour): when the device was online, offline, unreachable, in maintenance or unknown — the device page
 * shades its outages and maintenance on the chart's time axis.
 */
export function availabilityRouter(ctx: HubContext) {
  const r = secureRouter();
  r.get('/:village/:device/availability', rules.read(villageParam), async (req: Request, res: Response) => {
    const params = deviceParams.safeParse(req.params);
    if (!params.success) return rejectInput(ctx, res, 'invalid device address', zodIssues(params.error));
    const query = rangeQuery.safeParse(req.query);
    if (!query.success) return rejectInput(ctx, res, 'invalid availability query', zodIssues(query.error));
    const { village, device } = params.data;
    if (!ctx.devices.get(params.data)) return sendError(res, 404, `no device "${device}" in village "${village}"`);
    const to = query.data.to ?? ctx.clock.now();
    const from = query.data.from ?? to - HOUR;
    if (from >= to) return rejectInput(ctx, res, 'invalid availability query', [{ path: 'from', code: 'to-before-from', message: '"from" must be before "to"' }]);
    if (to - from > MAX_RANGE_MS) return rejectInput(ctx, res, 'invalid availability query', [{ path: 'from', code: 'range-too-long', message: 'range too long: at most 2 years' }]);
    try {
      const points = await ctx.store.queryAvailability({ village, device, from, to });
      const body: AvailabilityResponse = { village, device, from, to, spans: availabilitySpans(points, from, to) };
      res.json(body);
    } catch (err) {
      ctx.counters.inc('api.store_errors');
      ctx.log.error({ err: (err as Error).message }, 'availability query failed');
      sendError(res, 503, `metric store unavailable: ${(err as Error).message}`);
    }
  });
  return r.router;
}
