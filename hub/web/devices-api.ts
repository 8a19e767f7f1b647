import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { discover, markKnown, type DiscoveredCamera } from '../../devices/onvif-camera/discovery.js';
import { SNAPSHOT_FILE } from '../../devices/onvif-camera/driver.js';
import type { HubContext } from '../context.js';
import { refuseTypedName, rejectInput, sendError, zodIssues } from './api.js';
import { rules, secureRouter, villageParam, who } from './access.js';
import type { Auditor } from './auth.js';
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

/** Nothing to send: who dismisses is the logged-in admin. */
const dismissBody = z.strictObject({});

/**
 * Device extras under /api/devices, mounted before the core api router (reading needs the village, the
 * dismissal an admin):
 * POST /:village/:device/dismiss {} — hide an unregistered device (see hub/registry/dismissals.ts);
 * GET /:village/:device/snapshot — the camera's latest good snapshot (image/jpeg, revalidated on every
 * view: `no-cache` + Last-Modified, so a dashboard polling it gets 304 until a new picture arrives);
 * 204 No Content while there is none yet — a normal answer, not an error in the browser's console.
 * GET /:village/:device/events?from=&to=&limit= — the device's events, newest first.
 */
export function devicesRouter(ctx: HubContext, dismissals: Dismissals, audit: Auditor) {
  const r = secureRouter();

  r.get('/:village/:device/events', rules.read(villageParam), async (req: Request, res: Response) => {
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

  r.post('/:village/:device/dismiss', rules.admin, (req: Request, res: Response) => {
    const params = deviceParams.safeParse(req.params);
    if (!params.success) return rejectInput(ctx, res, 'invalid device address', zodIssues(params.error));
    if (!refuseTypedName(ctx, res, req.body, 'invalid dismissal')) return;
    const body = dismissBody.safeParse(req.body ?? {});
    if (!body.success) return rejectInput(ctx, res, 'invalid dismissal', zodIssues(body.error).map((i) => (i.path === '(query)' ? { ...i, path: '(body)' } : i)));
    const { village, device } = params.data;
    const done = dismissals.dismiss(params.data, who(res).username);
    if (done.result === 'missing') return sendError(res, 404, `no device "${device}" in village "${village}"`, undefined, 'not-found');
    if (done.result === 'registered') {
      return sendError(res, 409, `device "${device}" in village "${village}" is in the configuration file; remove it there`, undefined, 'from-config');
    }
    audit.record(req, res, 'device-dismiss', { target: `${village}/${device}`, village });
    res.json({ village, device, dismissedAt: done.at });
  });

  r.get('/:village/:device/snapshot', rules.read(villageParam), async (req: Request, res: Response) => {
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

  return r.router;
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
 * `known` when a configured device already polls its address. Admins only (it sends probes onto the
 * LAN and lists every camera on it); audited. One discovery at a time.
 */
export function discoverRouter(ctx: HubContext, audit: Auditor, opts: DiscoverRouterOptions = {}) {
  const r = secureRouter();
  let running = false;

  r.post('/', rules.admin, async (req: Request, res: Response) => {
    const body = discoverBodySchema.safeParse(req.body ?? {});
    if (!body.success) return sendError(res, 400, 'invalid discovery request', zodIssues(body.error));
    if (running) return sendError(res, 409, 'a discovery is already running; try again when it ends');
    running = true;
    // Recorded when it starts: the probes go out whether or not an answer comes back.
    audit.record(req, res, 'discovery', { detail: { timeoutMs: body.data.timeoutMs } });
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

  return r.router;
}
