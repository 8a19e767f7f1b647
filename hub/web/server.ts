import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Server as IoServer } from 'socket.io';
import { z } from 'zod';
import type { MqttBroker } from '../broker/broker.js';
import type { HubContext } from '../context.js';
import { deviceKey } from '../core/domain.js';
import { closeServer, listen } from '../core/net.js';
import { DeviceRegistry } from '../registry/registry.js';
import { slug } from '../config/schema.js';
import { apiRouter, sendError } from './api.js';
import { deviceEventView } from './devices-api.js';
import { dashboardStatic } from './static.js';
import type { ClientToServerEvents, ReadingPush, ServerToClientEvents } from '../../shared/events.js';

const OWNER = 'web';
/** Readings are coalesced per device and pushed at most this often: the browser needs the newest, not every one. */
const READING_FLUSH_MS = 250;
const ALL_ROOM = 'all';

const watchSchema = z.array(slug).max(500);

export type HubIo = IoServer<ClientToServerEvents, ServerToClientEvents>;

/** What other modules add to the web tier: REST routers under /api and socket.io attachments. */
export interface WebExtension {
  routers?: Array<[path: string, router: express.Router]>;
  /** Called once the socket.io server exists; returns a detach function called on stop. */
  attach?: (io: HubIo) => (() => void) | void;
}

/** The web tier: REST, socket.io live pushes and the built dashboard, on one HTTP port. */
export class WebServer {
  private http: HttpServer | null = null;
  private io: IoServer<ClientToServerEvents, ServerToClientEvents> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Map<string, ReadingPush>();
  private readonly detach: Array<() => void> = [];
  private readonly extensions: WebExtension[] = [];
  /** Changes pushed to browsers so far (devices, alerts, internet): lets a browser tell whether its list missed one. */
  private changes = 0;
  port = 0;

  constructor(
    private readonly ctx: HubContext,
    private readonly broker: MqttBroker,
    private readonly dashboardDir: string,
  ) {}

  /** Adds routers and socket attachments; call before start(). */
  extend(ext: WebExtension): void {
    this.extensions.push(ext);
  }

  async start(): Promise<void> {
    const { ctx } = this;
    const app = express();
    app.disable('x-powered-by');
    app.use(
      helmet({
        // Served over plain HTTP on the village LAN: upgrading requests or HSTS would break it.
        strictTransportSecurity: false,
        contentSecurityPolicy: {
          directives: { 'upgrade-insecure-requests': null, 'img-src': ["'self'", 'data:', 'blob:'] },
        },
      }),
    );
    app.use(express.json({ limit: '64kb' }));
    // Every JSON answer passes the redactor: a reason quoting a URL with credentials never leaves the hub.
    app.set('json replacer', (_key: string, value: unknown) => (typeof value === 'string' ? ctx.redact(value) : value));
    for (const ext of this.extensions) for (const [p, r] of ext.routers ?? []) app.use(`/api${p}`, r);
    app.use('/api', apiRouter(ctx, this.broker, () => this.changes));
    this.serveDashboard(app);
    // Malformed JSON bodies and other request errors: a specific 4xx, never a stack trace.
    app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
      ctx.counters.inc('http.bad_requests');
      if (err.type === 'entity.parse.failed') return sendError(res, 400, `request body is not valid JSON: ${err.message}`, undefined, 'bad-json');
      if (err.type === 'entity.too.large') return sendError(res, 413, 'request body too large (limit 64 KiB)', undefined, 'too-large');
      ctx.log.error({ module: 'web', err: err.message }, 'http request failed');
      sendError(res, err.status && err.status < 500 ? err.status : 500, err.status && err.status < 500 ? err.message : 'internal error');
    });

    const http = createServer(app);
    this.http = http;
    const io: HubIo = new IoServer<ClientToServerEvents, ServerToClientEvents>(http, {
      serveClient: false,
      allowRequest: (req, cb) => cb(null, sameOrigin(req)),
    });
    this.io = io;
    io.on('connection', (socket) => {
      void socket.join(ALL_ROOM);
      socket.emit('hello', { startedAt: ctx.startedAt, version: ctx.version, changes: this.changes });
      socket.on('watch:villages', (villages: unknown, ack: unknown) => {
        const reply = typeof ack === 'function' ? (ack as (r: { ok: boolean; error?: string }) => void) : () => undefined;
        const parsed = watchSchema.safeParse(villages);
        if (!parsed.success) {
          ctx.counters.inc('socket.bad_events');
          reply({ ok: false, error: 'watch:villages expects an array of village ids (lowercase slugs)' });
          return;
        }
        for (const room of socket.rooms) if (room !== socket.id) void socket.leave(room);
        if (parsed.data.length === 0) void socket.join(ALL_ROOM);
        else for (const v of parsed.data) void socket.join(`v:${v}`);
        reply({ ok: true });
      });
    });

    ctx.bus.on(OWNER, 'transition', (t) => {
      this.changes++;
      io.to([ALL_ROOM, `v:${t.village}`]).emit('device:state', {
        village: t.village,
        device: t.device,
        state: t.to,
        from: t.from,
        ts: t.ts,
        ...(t.reason ? { reason: t.reason } : {}),
        ...(t.reasonCode ? { reasonCode: t.reasonCode } : {}),
        ...(t.reasonParams ? { reasonParams: t.reasonParams } : {}),
        ...(t.cause ? { cause: t.cause } : {}),
      });
    });
    // A new reason for the same state: pushed as a state change from and to that state, dated when the
    // state began (the dashboard keeps its `since`).
    ctx.bus.on(OWNER, 'reason', (r) => {
      if (r.since === null) return;
      io.to([ALL_ROOM, `v:${r.village}`]).emit('device:state', {
        village: r.village,
        device: r.device,
        state: r.state,
        from: r.state,
        ts: r.since,
        ...(r.reason ? { reason: r.reason } : {}),
        ...(r.reasonCode ? { reasonCode: r.reasonCode } : {}),
        ...(r.reasonParams ? { reasonParams: r.reasonParams } : {}),
      });
    });
    ctx.bus.on(OWNER, 'device-event', (e) => {
      io.to([ALL_ROOM, `v:${e.village}`]).emit('device:event', deviceEventView(e));
    });
    ctx.bus.on(OWNER, 'reading', (r) => {
      const key = deviceKey(r);
      const prev = this.pending.get(key);
      if (prev && prev.ts > r.ts) return;
      this.pending.set(key, { village: r.village, device: r.device, ts: r.ts, fields: { ...(prev?.fields ?? {}), ...r.fields } });
    });
    ctx.bus.on(OWNER, 'unregistered', (u) => {
      const entry = ctx.devices.get(u);
      this.changes++;
      if (entry) io.to([ALL_ROOM, `v:${u.village}`]).emit('device:added', DeviceRegistry.view(entry));
    });
    ctx.bus.on(OWNER, 'device-dismissed', (d) => {
      this.changes++;
      io.to([ALL_ROOM, `v:${d.village}`]).emit('device:removed', { village: d.village, device: d.device });
    });
    // Pushed by extensions (alerts-socket.ts, main.ts); counted here so a browser's lists can be checked.
    ctx.bus.on(OWNER, 'alert', () => this.changes++);
    ctx.bus.on(OWNER, 'internet', () => this.changes++);
    for (const ext of this.extensions) {
      const off = ext.attach?.(io);
      if (off) this.detach.push(off);
    }
    this.flushTimer = setInterval(() => this.flushReadings(), READING_FLUSH_MS);

    this.port = await listen(http, ctx.config.http.port, ctx.config.http.host, 'http.port', 'LANGSO_HTTP_PORT', (err) =>
      ctx.faults.report('listen.http.port', err),
    );
  }

  private flushReadings(): void {
    if (!this.io || this.pending.size === 0) return;
    for (const push of this.pending.values()) this.io.to([ALL_ROOM, `v:${push.village}`]).emit('device:reading', push);
    this.pending.clear();
  }

  private serveDashboard(app: express.Express): void {
    const index = path.join(this.dashboardDir, 'index.html');
    if (!existsSync(index)) {
      this.ctx.log.warn({ module: 'web', dir: this.dashboardDir }, 'dashboard not built: run "npm run build"; the API still works');
      app.get('/', (_req, res) => {
        res.status(503).type('text/plain; charset=utf-8').send('Làng Số Hub: dashboard not built. Run "npm run build", then reload.\n');
      });
      return;
    }
    app.use(dashboardStatic(this.dashboardDir));
  }

  async stop(): Promise<void> {
    this.ctx.bus.offOwner(OWNER);
    for (const off of this.detach.splice(0)) off();
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.pending.clear();
    const io = this.io;
    if (io) await new Promise<void>((resolve) => void io.close(() => resolve()));
    if (this.http) {
      this.http.closeAllConnections();
      await closeServer(this.http);
    }
    this.io = null;
    this.http = null;
  }
}

/** CSRF-safe sockets: a browser page from another origin may not open a live connection (DESIGN.md §7). */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // not a browser, or same-origin navigation
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
