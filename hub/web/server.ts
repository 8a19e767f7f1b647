import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createTlsServer, type Server as HttpsServer } from 'node:https';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Server as IoServer } from 'socket.io';
import type { MqttBroker } from '../broker/broker.js';
import type { HubContext } from '../context.js';
import { deviceKey } from '../core/domain.js';
import { closeServer, listen } from '../core/net.js';
import { DeviceRegistry } from '../registry/registry.js';
import { apiRouter, sendError } from './api.js';
import { deviceEventView } from './devices-api.js';
import { dashboardStatic } from './static.js';
import { firstViewPage } from './first-view.js';
import { assertEveryRouteRuled, rules, secureRouter } from './access.js';
import { auditRouter } from './audit-api.js';
import type { WebAuth } from './auth.js';
import { csrfGuard } from './csrf.js';
import { HostCheck, hostGuard } from './hosts.js';
import { sessionRouter } from './session-api.js';
import { roomsFor, SocketAccess, type HubIo, type SocketData } from './socket-access.js';
import type { ClientToServerEvents, ReadingPush, ServerToClientEvents, UplinkView } from '../../shared/events.js';

export type { HubIo };

const OWNER = 'web';
/** Readings are coalesced per device and pushed at most this often: the browser needs the newest, not every one. */
const READING_FLUSH_MS = 250;
/** How often live sockets are checked against their sessions (expired, revoked, role changed) and old sessions purged. */
const SESSION_CHECK_MS = 60_000;
/** HSTS max-age when served over TLS: 180 days. */
const HSTS_S = 180 * 86_400;

/** What other modules add to the web tier: REST routers under /api and socket.io attachments. */
export interface WebExtension {
  routers?: Array<[path: string, router: express.Router]>;
  /** Routers outside /api (`/metrics`, where Prometheus looks), with the login session but without /api's CSRF check: GET only. */
  mounts?: Array<[path: string, router: express.Router]>;
  /** Called once the socket.io server exists; returns a detach function called on stop. */
  attach?: (io: HubIo) => (() => void) | void;
  /** The uplink's state for /api/health. */
  uplink?: () => UplinkView | null;
}

/** The web tier: REST, socket.io live pushes and the built dashboard, on one HTTP port. */
export class WebServer {
  private http: HttpServer | HttpsServer | null = null;
  private io: HubIo | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private sessionTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Map<string, ReadingPush>();
  private readonly detach: Array<() => void> = [];
  private readonly extensions: WebExtension[] = [];
  /** Changes pushed to browsers so far (devices, alerts, internet): lets a browser tell whether its list missed one. */
  private changes = 0;
  port = 0;
  /** The express app once started: test/web/access.test.ts lists its routes. */
  app: express.Express | null = null;

  constructor(
    private readonly ctx: HubContext,
    private readonly broker: MqttBroker,
    private readonly dashboardDir: string,
    private readonly auth: WebAuth,
  ) {}

  /** Adds routers and socket attachments; call before start(). */
  extend(ext: WebExtension): void {
    this.extensions.push(ext);
  }

  async start(): Promise<void> {
    const { ctx, auth } = this;
    const tlsFiles = ctx.config.http.tls;
    // Read before anything listens: a missing certificate stops the start with the file named.
    const tls = tlsFiles ? { cert: await readTlsFile(tlsFiles.cert, 'http.tls.cert'), key: await readTlsFile(tlsFiles.key, 'http.tls.key') } : null;
    const hosts = new HostCheck(ctx.config.http.allowedHosts, () => this.port, tls !== null);
    const access = new SocketAccess(ctx, auth, hosts);
    const app = express();
    this.app = app;
    app.disable('x-powered-by');
    app.use(
      helmet({
        // Over plain HTTP on the village LAN, upgrading requests or HSTS would break the dashboard; over TLS both apply.
        strictTransportSecurity: tls ? { maxAge: HSTS_S } : false,
        contentSecurityPolicy: {
          directives: { 'upgrade-insecure-requests': tls ? [] : null, 'img-src': ["'self'", 'data:', 'blob:'] },
        },
      }),
    );
    // DNS rebinding: only the hub's own host names get an answer (API, dashboard files and live socket alike).
    app.use(hostGuard(ctx, hosts));
    app.use('/api', csrfGuard(ctx, tls !== null));
    app.use(express.json({ limit: '64kb' }));
    app.use('/api', auth.middleware());
    // Every JSON answer passes the redactor: a reason quoting a URL with credentials never leaves the hub.
    app.set('json replacer', (_key: string, value: unknown) => (typeof value === 'string' ? ctx.redact(value) : value));
    app.use('/api/session', sessionRouter(ctx, auth, (token) => this.io && access.endSession(this.io, token)));
    app.use('/api/audit', auditRouter(ctx, auth.security.audit));
    for (const ext of this.extensions) for (const [p, r] of ext.routers ?? []) app.use(`/api${p}`, r);
    for (const ext of this.extensions) for (const [p, r] of ext.mounts ?? []) app.use(p, auth.middleware(), r);
    const uplinkView = this.extensions.find((e) => e.uplink)?.uplink ?? (() => null);
    app.use('/api', apiRouter(ctx, this.broker, () => this.changes, uplinkView));
    this.serveDashboard(app);
    // Malformed JSON bodies and other request errors: a specific 4xx, never a stack trace.
    app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
      ctx.counters.inc('http.bad_requests');
      if (err.type === 'entity.parse.failed') return sendError(res, 400, `request body is not valid JSON: ${err.message}`, undefined, 'bad-json');
      if (err.type === 'entity.too.large') return sendError(res, 413, 'request body too large (limit 64 KiB)', undefined, 'too-large');
      ctx.log.error({ module: 'web', err: err.message }, 'http request failed');
      sendError(res, err.status && err.status < 500 ? err.status : 500, err.status && err.status < 500 ? err.message : 'internal error');
    });
    assertEveryRouteRuled(app);

    const http = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, app) : createServer(app);
    this.http = http;
    const io: HubIo = new IoServer<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(http, {
      serveClient: false,
      allowRequest: (req, cb) => access.allowRequest(req, cb),
    });
    this.io = io;
    io.on('connection', (socket) => {
      if (!access.accept(socket)) return;
      socket.emit('hello', { startedAt: ctx.startedAt, version: ctx.version, changes: this.changes });
    });
    this.sessionTimer = setInterval(() => {
      access.revalidate(io);
      auth.security.sessions.purgeExpired(ctx.clock.now());
    }, SESSION_CHECK_MS);

    ctx.bus.on(OWNER, 'transition', (t) => {
      this.changes++;
      io.to(roomsFor(t.village)).emit('device:state', {
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
      io.to(roomsFor(r.village)).emit('device:state', {
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
      io.to(roomsFor(e.village)).emit('device:event', deviceEventView(e));
    });
    ctx.bus.on(OWNER, 'reading', (r) => {
      const key = deviceKey(r);
      const prev = this.pending.get(key);
      if (!prev) {
        this.pending.set(key, { village: r.village, device: r.device, ts: r.ts, fields: { ...r.fields } });
        return;
      }
      if (prev.ts > r.ts) return;
      // The push waiting for this tick is this listener's own object: merged in place, not copied per message.
      prev.ts = r.ts;
      Object.assign(prev.fields, r.fields);
    });
    ctx.bus.on(OWNER, 'unregistered', (u) => {
      const entry = ctx.devices.get(u);
      this.changes++;
      if (entry) io.to(roomsFor(u.village)).emit('device:added', DeviceRegistry.view(entry));
    });
    ctx.bus.on(OWNER, 'device-dismissed', (d) => {
      this.changes++;
      io.to(roomsFor(d.village)).emit('device:removed', { village: d.village, device: d.device });
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
    for (const push of this.pending.values()) this.io.to(roomsFor(push.village)).emit('device:reading', push);
    this.pending.clear();
  }

  private serveDashboard(app: express.Express): void {
    const index = path.join(this.dashboardDir, 'index.html');
    if (!existsSync(index)) {
      this.ctx.log.warn({ module: 'web', dir: this.dashboardDir }, 'dashboard not built: run "npm run build"; the API still works');
      const r = secureRouter().get('/', rules.public('says the dashboard is not built, as the dashboard itself would be public'), (_req, res) => {
        res.status(503).type('text/plain; charset=utf-8').send('Làng Số Hub: dashboard not built. Run "npm run build", then reload.\n');
      });
      app.use(r.router);
      return;
    }
    // A logged-in user's page carries their overview; everything else is the built files as they are.
    app.use(firstViewPage(this.ctx, this.auth, this.dashboardDir, () => this.changes));
    app.use(dashboardStatic(this.dashboardDir));
  }

  async stop(): Promise<void> {
    this.ctx.bus.offOwner(OWNER);
    for (const off of this.detach.splice(0)) off();
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    if (this.sessionTimer) clearInterval(this.sessionTimer);
    this.sessionTimer = null;
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

/** A PEM file of http.tls, its path named when it cannot be read. */
async function readTlsFile(file: string, field: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new Error(`${field}: cannot read ${file}: ${(err as Error).message}`);
  }
}
