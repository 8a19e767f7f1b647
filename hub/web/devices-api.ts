import { open } from 'node:fs/promises';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { discover, markKnown, type DiscoveredCamera } from '../../devices/onvif-camera/discovery.js';
import { SNAPSHOT_FILE } from '../../devices/onvif-camera/driver.js';
import type { HubContext } from '../context.js';
import { rejectInput, sendError, zodIssues } from './api.js';
import { deviceParams, rangeParams } from './params.js';
import type { DeviceEvent } from '../core/domain.js';
import type { EventPoint } from '../store/types.js';
import type { ApiIssue, DeviceEventView, DeviceEventsResponse } from '../../shared/events.js';
import type { Dismissals } from '../registry/dismissals.js';


const DAY = 86_400_000;
/** Without `from`: the last 30 days (InfluxDB keeps events as long as raw telemetry, 30 days by default). */
const DEFAULT_EVENTS_RANGE_MS = 30 * DAY;
/** Without `to`: a little ahead of now, so a device whose clock runs fast still shows its newest events. */
const DEFAULT_AHEAD_MS = 3_600_000;

export const eventsQuerySchema = z.strictObject({
  ...rangeParams,
  limit: z.coerce.number('expected a whole number from 1 to 1000').int('expected a whole number from 1 to 1000').min(1).max(1_000).default(100),
});

/** A device event as the REST API and the `device:event` socket push carry it. */
export function deviceEventView(e: DeviceEvent | EventPoint): DeviceEventView {
  return { village: e.village, device: e.device, ts: e.ts, type: e.type, severity: e.severity, message: e.message ?? null };
}

/** Largest snapshot served (a 4K JPEG is a few MB; the driver refuses bodies above 10 MB). */
const MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024;

/** Where a device's latest good snapshot lives (written by the onvif-camera driver). */
export function snapshotPath(dataDir: string, village: string, device: string): string {
  return path.join(path.resolve(dataDir), 'devices', village, device, SNAPSHOT_FILE);
}

const dismissBody = z.strictObject({
  /** No user accounts yet: the name the person typed, kept with the dismissal. */
  by: z.string().trim().min(1, 'enter your name (1 to 80 characters)').max(80, 'at most 80 characters').optional(),
});

/**
 * Device extras under /api/devices, mounted before the core api router:
 * POST /:village/:device/dismiss {by?} — hide an unregistered device (see hub/registry/dismissals.ts);
 * GET /:village/:device/snapshot — the camera's latest good snapshot (image/jpeg, revalidated on every
 * view: `no-cache` + Last-Modified, so a dashboard polling it gets 304 until a new picture arrives);
 * 204 No Content while there is none yet — a normal answer, not an error in the browser's console.
 * GET /:village/:device/events?from=&to=&limit= — the device's events, newest first.
 */
export function devicesRouter(ctx: HubContext, dismissals: Dismissals): Router {
  const router = Router();

  router.get('/:village/:device/events', async (req: Request, res: Response) => {
    // Counted (GET /api/health) and logged for commune IT; the answer names each bad parameter.
    const refuse = (error: string, issues: ApiIssue[]): void => rejectInput(ctx, res, error, issues);
    const params = deviceParams.safeParse(req.params);
    if (!params.success) return refuse('invalid device address', zodIssues(params.error));
    const query = eventsQuerySchema.safeParse(req.query);
    if (!query.success) return refuse('invalid events query', zodIssues(query.error));
    const { village, device } = params.data;
    if (!ctx.devices.get({ village, device })) return sendError(res, 404, `no device "${device}" in village "${village}"`);
    const to = query.data.to ?? ctx.clock.now() + DEFAULT_AHEAD_MS;
    const from = query.data.from ?? to - DEFAULT_AHEAD_MS - DEFAULT_EVENTS_RANGE_MS;
    if (from >= to) return refuse('invalid events query', [{ path: 'from', code: 'to-before-from', message: '"from" must be before "to"' }]);
    try {
      const events = await ctx.store.events({ village, device, from, to, limit: query.data.limit });
      const body: DeviceEventsResponse = { village, device, from, to, events: events.map(deviceEventView) };
      res.json(body);
    } catch (err) {
      ctx.counters.inc('api.store_errors');
      ctx.log.error({ err: (err as Error).message }, 'events query failed');
      sendError(res, 503, `metric store unavailable: ${(err as Error).message}`);
    }
  });

  router.post('/:village/:device/dismiss', (req: Request, res: Response) => {
    const params = deviceParams.safeParse(req.params);
    if (!params.success) return rejectInput(ctx, res, 'invalid device address', zodIssues(params.error));
    const body = dismissBody.safeParse(req.body ?? {});
    if (!body.success) return rejectInput(ctx, res, 'invalid dismissal', zodIssues(body.error).map((i) => (i.path === '(query)' ? { ...i, path: '(body)' } : i)));
    const { village, device } = params.data;
    const r = dismissals.dismiss(params.data, body.data.by ?? null);
    if (r.result === 'missing') return sendError(res, 404, `no device "${device}" in village "${village}"`);
    if (r.result === 'registered') {
      return sendError(res, 409, `device "${device}" in village "${village}" is in the configuration file; remove it there`);
    }
    res.json({ village, device, dismissedAt: r.at });
  });

  router.get('/:village/:device/snapshot', async (req: Request, res: Response) => {
    const params = deviceParams.safeParse(req.params);
    if (!params.success) return sendError(res, 400, 'invalid device address', zodIssues(params.error));
    const { village, device } = params.data;
    const entry = ctx.devices.get({ village, device });
    if (!entry) return sendError(res, 404, `no device "${device}" in village "${village}"`);
    // One open file: the stat and the bytes are of the same picture even if the driver renames a new one in.
    const none = (): void => void res.status(204).setHeader('Cache-Control', 'no-cache').end();
    let fh;
    try {
      fh = await open(snapshotPath(ctx.config.dataDir, village, device), 'r');
    } catch {
      return none();
    }
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.size === 0 || st.size > MAX_SNAPSHOT_BYTES) return none();
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Last-Modified', st.mtime.toUTCString());
      if (req.fresh) return void res.status(304).end();
      const body = await fh.readFile();
      res.status(200).type('image/jpeg').send(body);
    } finally {
      await fh.close();
    }
  });

  return router;
}

export const discoverBodySchema = z.strictObject({
  /** How long to listen for cameras' answers. */
  timeoutMs: z.number().int().min(1_000).max(15_000).default(4_000),
});

export interface DiscoverRouterOptions {
  /** Where probes go; default the WS-Discovery multicast group (every camera on the hub's LAN). */
  address?: string;
  port?: number;
}

/** A discovered camera as the API returns it. */
export interface DiscoveredCameraView extends Omit<DiscoveredCamera, 'scopes'> {
  known: boolean;
  /** The configured device at that address, when known. */
  village?: string;
  device?: string;
}

/**
 * POST /api/discover {timeoutMs?} → {cameras}: a WS-Discovery probe from the hub, each camera marked
 * `known` when a configured device already polls its address. An admin action: there are no user
 * accounts yet, so like the other write endpoints it is open to whoever reaches the web port. One
 * discovery at a time.
 */
export function discoverRouter(ctx: HubContext, opts: DiscoverRouterOptions = {}): Router {
  const router = Router();
  let running = false;

  router.post('/', async (req: Request, res: Response) => {
    const body = discoverBodySchema.safeParse(req.body ?? {});
    if (!body.success) return sendError(res, 400, 'invalid discovery request', zodIssues(body.error));
    if (running) return sendError(res, 409, 'a discovery is already running; try again when it ends');
    running = true;
    const ac = new AbortController();
    // The client gave up: no need to keep listening for it.
    res.on('close', () => ac.abort());
    try {
      const found = await discover({
        timeoutMs: body.data.timeoutMs,
        signal: ac.signal,
        ...(opts.address ? { address: opts.address } : {}),
        ...(opts.port ? { port: opts.port } : {}),
      });
      const cameras: DiscoveredCameraView[] = markKnown(found, ctx.config).map(({ known, scopes: _scopes, ...cam }) => ({
        ...cam,
        known: known !== null,
        ...(known ? { village: known.village, device: known.device } : {}),
      }));
      ctx.log.info({ found: cameras.length, known: cameras.filter((c) => c.known).length }, 'camera discovery');
      res.json({ cameras });
    } catch (err) {
      sendError(res, 503, (err as Error).message);
    } finally {
      running = false;
    }
  });

  return router;
}
