import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Availability } from './availability/availability.js';
import { defaultInternetProbe, InternetMonitor } from './availability/internet.js';
import { maintenanceRouter } from './web/maintenance-api.js';
import { AlertEngine } from './alerts/engine.js';
import { Notifications } from './alerts/outbox.js';
import { alertsRouter, meetingsRouter } from './web/alerts-api.js';
import { attachAlertSocket } from './web/alerts-socket.js';
import { notificationsRouter, internetRouter } from './web/status-api.js';
import { MqttAccounts } from './broker/accounts.js';
import { MqttBroker } from './broker/broker.js';
import { Bus } from './core/bus.js';
import { guardedClock, systemClock, type Clock } from './core/clock.js';
import type { Config } from './config/schema.js';
import type { HubContext } from './context.js';
import { Counters } from './core/counters.js';
import { HeapTuning } from './core/heap.js';
import { Faults, isSqliteError } from './core/faults.js';
import { Redactor } from './core/redact.js';
import { Ingest } from './ingest/ingest.js';
import { LiveTelemetry } from './registry/live-telemetry.js';
import { createLogger, type Logger } from './core/log.js';
import { Dismissals } from './registry/dismissals.js';
import { DeviceRegistry } from './registry/registry.js';
import { createMetricStore } from './store/index.js';
import { Recorder } from './store/recorder.js';
import { MetricWriter } from './store/writer.js';
import { Pollers } from './pollers/pollers.js';
import { StateDb } from './state/db.js';
import { WebServer } from './web/server.js';
import { HUB_ROOM } from './web/socket-access.js';
// The demo's simulators (ONVIF, SNMP and RTSP servers, JPEG scenes) are loaded only when `sim.enabled`:
// a real village's hub does not hold their code in memory.
import type { FleetSimulator } from '../devices/sim/fleet.js';
import type { ProtocolFleet } from '../devices/sim/protocol-fleet.js';
import type { InternetStandIn } from '../devices/sim/internet-standin.js';
import { devicesRouter, discoverRouter } from './web/devices-api.js';
import { availabilityRouter } from './web/availability-api.js';
import { reportsRouter, uptimeRouter } from './web/reports-api.js';
import { ReportScheduler } from './reports/schedule.js';
import { AuditLog } from './security/audit.js';
import { SessionStore } from './security/sessions.js';
import { UserStore } from './security/users.js';
import { WebAuth, type WebSecurity } from './web/auth.js';
import { LoginLimiter } from './web/login-limit.js';
import { HomeAssistantExport } from './export/homeassistant.js';
import { PrometheusMetrics } from './export/prometheus.js';
import { metricsRouter } from './web/metrics-api.js';
import { CentralMode, centralRouter } from './central/central.js';
import { Uplink } from './uplink/uplink.js';

export interface HubOptions {
  config: Config;
  /** Defaults to one built from the config (format, level, secrets redacted). */
  log?: Logger;
  clock?: Clock;
  /** Where the built dashboard is; defaults to <package>/dist/dashboard. */
  dashboardDir?: string;
}

export interface Hub {
  readonly ctx: HubContext;
  readonly ports: { mqtt: number; ws: number | null; mqtts: number | null; http: number };
  /** The hub's own pollers (devices with a `poll:` block): schedule figures, check now. */
  readonly pollers: Pollers;
  readonly broker: MqttBroker;
  readonly web: WebServer;
  /** Scheduled uptime reports (`reports.schedule`). */
  readonly reports: ReportScheduler;
  /** Dashboard users, their sessions, the audit log (usable once the hub has started: the state database is open). */
  readonly security: WebSecurity;
  /** The bridge to the commune/province broker, when `uplink:` is configured. */
  readonly uplink: Uplink | null;
  /**
   * The demo simulators while `sim.enabled`: MQTT fleet, protocol simulators of polled devices, and the
   * stand-in for the Internet that the link probe reaches.
   */
  readonly sim: { fleet: FleetSimulator | null; protocols: ProtocolFleet | null; internet: InternetStandIn | null };
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Module {
  name: string;
  /** A critical module that fails to start stops the hub (it cannot do its job without it). */
  critical: boolean;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/** The package root: the nearest folder above this file with our package.json (works from hub/ and dist/hub/). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'langso') return dir;
    } catch {
      // keep walking up
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

function readVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The composition root (DESIGN.md §2): builds every module with one HubContext, starts them in order and
 * stops them in reverse. A non-critical module that fails to start is reported, not fatal to the rest.
 */
export function createHub(opts: HubOptions): Hub {
  const { config } = opts;
  const root = packageRoot();
  const redactor = Redactor.fromConfig(config);
  const redact = (text: string): string => redactor.text(text);
  const log = opts.log ?? createLogger(config.logLevel, undefined, { format: config.logFormat, redact });
  const baseClock = opts.clock ?? systemClock;
  const dataDir = path.resolve(config.dataDir);
  const counters = new Counters();
  const faults = new Faults({ counters, log, now: () => baseClock.now(), redact });
  // Timers and bus listeners that touch SQLite may meet a read-only or full disk: counted and shown, never fatal.
  const clock = guardedClock(baseClock, (err) => faults.report(isSqliteError(err) ? 'state-db' : 'timer', err));
  const store = createMetricStore(config.store, dataDir, log, clock);
  const writer = new MetricWriter(store, config.store.writer, path.join(dataDir, 'spool'), log.child({ module: 'store' }), counters, {
    spool: config.store.spool,
  });
  const state = new StateDb(path.join(dataDir, 'state.db'));
  const ctx: HubContext = {
    config,
    log,
    bus: new Bus(log, (err, owner) => faults.report(isSqliteError(err) ? 'state-db' : `bus.${owner}`, err)),
    clock,
    counters,
    faults,
    redact,
    devices: new DeviceRegistry(config),
    store,
    writer,
    state,
    version: readVersion(root),
    startedAt: clock.now(),
  };

  const users = new UserStore(state);
  const security: WebSecurity = {
    users,
    sessions: new SessionStore(state, users, { idleMs: config.http.session.idleHours * 3_600_000, maxMs: config.http.session.maxDays * 86_400_000 }),
    audit: new AuditLog(state),
    limiter: new LoginLimiter(),
  };
  const auth = new WebAuth(ctx, security);
  const accounts = new MqttAccounts(state);
  const broker = new MqttBroker(ctx, accounts);
  const web = new WebServer(ctx, broker, opts.dashboardDir ?? path.join(root, 'dist', 'dashboard'), auth);
  const dismissals = new Dismissals(ctx);
  const ingest = new Ingest(ctx, broker, dismissals);
  const availability = new Availability(ctx);
  const recorder = new Recorder(ctx);
  const live = new LiveTelemetry(ctx);
  const pollers = new Pollers(ctx, broker);
  const internet = new InternetMonitor(ctx, defaultInternetProbe);
  // Central mode: the village hubs judge their devices; the centre mirrors their alerts and adds its own.
  const alerts = new AlertEngine(ctx, { devices: config.mode !== 'central' });
  const notifications = new Notifications(ctx);
  const central = config.mode === 'central' && config.central ? new CentralMode(ctx, config.central, alerts, notifications, dataDir) : null;
  const homeAssistant = new HomeAssistantExport(ctx, broker);
  const uplink = config.uplink ? new Uplink(ctx, config.uplink, dataDir) : null;
  // Acknowledged means queued for the centre too (docs/uplink.md).
  if (uplink) broker.addAckBarrier(() => uplink.whenQueued());
  const metrics = new PrometheusMetrics(ctx, { broker, alerts, notifications, internet, uplink });
  const reports = new ReportScheduler(ctx, notifications);
  const heap = new HeapTuning({ clock, messages: () => counters.get('ingest.accepted') + counters.get('ingest.dropped'), busyPerS: config.memory.busyPerS });
  // Before the core api router (extensions are mounted first): /api/devices/:village/:device/snapshot,
  // /dismiss and /availability.
  web.extend({
    routers: [
      ['/devices', devicesRouter(ctx, dismissals, auth)],
      ['/devices', availabilityRouter(ctx)],
      ['/discover', discoverRouter(ctx, auth)],
    ],
  });
  web.extend({
    routers: [
      ['/maintenance', maintenanceRouter(ctx, availability, auth)],
      ['/internet', internetRouter(internet)],
      ['/alerts', alertsRouter(ctx, alerts, auth)],
      ['/meetings', meetingsRouter(ctx, alerts, auth)],
      ['/notifications', notificationsRouter(notifications)],
      ['/uptime', uptimeRouter(ctx)],
      ['/reports', reportsRouter(ctx, alerts.store)],
    ],
    mounts: [['/metrics', metricsRouter(ctx, metrics)]],
    uplink: () => uplink?.view() ?? null,
    attach: (io) => {
      const detachAlerts = attachAlertSocket(ctx, io);
      // One link per hub, one event, to every logged-in browser.
      ctx.bus.on('web-internet', 'internet', () => io.to(HUB_ROOM).emit('internet', internet.view()));
      return () => {
        detachAlerts?.();
        ctx.bus.offOwner('web-internet');
      };
    },
  });
  if (central) web.extend({ routers: [['/central', centralRouter(central)]] });
  let sim: FleetSimulator | null = null;
  let protocols: ProtocolFleet | null = null;
  let internetStandIn: InternetStandIn | null = null;

  const villageModules: Module[] = [
    { name: 'heap', critical: false, start: () => (config.memory.compactHeap ? heap.start() : heap.useDefaults()), stop: () => heap.stop() },
    { name: 'data-dir', critical: true, start: () => mkdir(dataDir, { recursive: true }).then(() => undefined), stop: () => undefined },
    // Alerts, the outbox, maintenance, meetings and device states: its tables are created or brought up to date here.
    { name: 'state', critical: true, start: () => state.open(), stop: () => undefined },
    {
      name: 'store',
      critical: false,
      // InfluxDB may be down when the village PC boots: the writer spools until it answers.
      start: async () => {
        await store.open();
      },
      stop: () => store.close(),
    },
    { name: 'writer', critical: true, start: () => writer.start(), stop: () => writer.stop() },
    { name: 'recorder', critical: true, start: () => recorder.start(), stop: () => recorder.stop() },
    { name: 'live', critical: true, start: () => live.start(), stop: () => live.stop() },
    // The outbox listens before the alert engine emits (it resolves leftovers on start), and stops after it.
    { name: 'notifications', critical: false, start: () => notifications.start(), stop: () => notifications.stop() },
    // Alerts listen before availability and the internet emit their first changes.
    { name: 'alerts', critical: true, start: () => alerts.start(), stop: () => alerts.stop() },
    { name: 'availability', critical: true, start: () => availability.start(), stop: () => availability.stop() },
    // After the store and the outbox: a report due while the hub was off is made and queued at start.
    { name: 'reports', critical: false, start: () => reports.start(), stop: () => reports.stop() },
    // The demo's Internet stand-in listens before the link's first probe, so the demo starts "up".
    {
      name: 'internet-standin',
      critical: false,
      start: async () => {
        if (!config.sim.enabled) return;
        const { InternetStandIn } = await import('../devices/sim/internet-standin.js');
        internetStandIn = new InternetStandIn({ targets: config.internet.targets, sim: config.sim, log: log.child({ module: 'sim' }) });
        await internetStandIn.start();
      },
      stop: () => internetStandIn?.stop(),
    },
    { name: 'internet', critical: false, start: () => internet.start(), stop: () => internet.stop() },
    // Listens before the broker accepts the first message, so each accepted one is queued for upstream.
    { name: 'uplink', critical: false, start: () => uplink?.start(), stop: () => uplink?.stop() },
    { name: 'broker', critical: true, start: () => broker.start(), stop: () => broker.stop() },
    { name: 'ingest', critical: true, start: () => ingest.start(), stop: () => ingest.stop() },
    {
      name: 'hub-status',
      critical: false,
      start: () => publishHubStatus(ctx, broker, 'online'),
      stop: () => publishHubStatus(ctx, broker, 'offline'),
    },
    // After the broker and availability: announces the devices and publishes the hub's view of each.
    { name: 'homeassistant', critical: false, start: () => homeAssistant.start(), stop: () => homeAssistant.stop() },
    { name: 'web', critical: true, start: () => web.start(), stop: () => web.stop() },
    { name: 'metrics', critical: false, start: () => undefined, stop: () => metrics.stop() },
    // Before the pollers: the protocol simulators of the demo's polled cameras and APs must be listening
    // when the first checks go out.
    {
      name: 'simulator',
      critical: false,
      start: async () => {
        if (!config.sim.enabled) return;
        const simLog = log.child({ module: 'sim' });
        const [{ ProtocolFleet }, { FleetSimulator }] = await Promise.all([import('../devices/sim/protocol-fleet.js'), import('../devices/sim/fleet.js')]);
        const p = (protocols = new ProtocolFleet({ villages: config.villages, devices: config.devices, sim: config.sim, log: simLog }));
        await p.start();
        sim = new FleetSimulator({
          url: `mqtt://127.0.0.1:${broker.ports.tcp}`,
          credentials: broker.internalAccount('sim'),
          topics: broker.topics,
          villages: config.villages,
          devices: config.devices,
          sim: config.sim,
          log: simLog,
          onIsolate: (village, device, isolated) => p.isolate(village, device, isolated),
        });
        await sim.start();
      },
      stop: async () => {
        await sim?.stop();
        await protocols?.stop();
      },
    },
    { name: 'pollers', critical: false, start: () => pollers.start(), stop: () => pollers.stop() },
  ];
  const modules = central ? centralModules(villageModules, central) : villageModules;

  const started: Module[] = [];
  const hub: Hub = {
    ctx,
    get ports() {
      return { mqtt: broker.ports.tcp, ws: broker.ports.ws, mqtts: broker.ports.tls, http: web.port };
    },
    pollers,
    broker,
    web,
    security,
    uplink,
    reports,
    get sim() {
      return { fleet: sim, protocols, internet: internetStandIn };
    },
    async start() {
      for (const m of modules) {
        try {
          await m.start();
          started.push(m);
        } catch (err) {
          if (m.critical) {
            log.error({ module: m.name, err: (err as Error).message }, 'module failed to start; stopping');
            // The failed module may hold half of what it opened (aedes before its port failed): stop it too.
            started.push(m);
            await hub.stop();
            throw err;
          }
          started.push(m);
          log.error({ module: m.name, err: (err as Error).message }, 'module failed to start; the hub goes on without it');
          counters.inc(`modules.failed.${m.name}`);
        }
      }
      log.info({ mqtt: broker.ports.tcp, ws: broker.ports.ws, http: web.port, store: store.name }, 'hub started');
    },
    async stop() {
      while (started.length > 0) {
        const m = started.pop() as Module;
        try {
          await m.stop();
        } catch (err) {
          log.error({ module: m.name, err: (err as Error).message }, 'module failed to stop cleanly');
        }
      }
      state.close();
    },
  };
  return hub;
}

/** What a village hub does itself (its devices, broker, probes, simulators) is left out in central mode. */
const VILLAGE_ONLY = new Set(['uplink', 'recorder', 'live', 'availability', 'internet-standin', 'internet', 'broker', 'ingest', 'hub-status', 'homeassistant', 'simulator', 'pollers', 'notifications']);

function centralModules(villageModules: Module[], central: CentralMode): Module[] {
  const kept = villageModules.filter((m) => !VILLAGE_ONLY.has(m.name));
  const at = kept.findIndex((m) => m.name === 'web');
  // After the alert engine (it mirrors the villages' alerts), before the web tier. The outbox runs only
  // while this instance is the alert owner (hub/central/election.ts).
  const mod: Module = {
    name: 'central',
    critical: true,
    start: () => central.start(),
    stop: async () => {
      await central.stop();
      await central.stopNotifications();
    },
  };
  return [...kept.slice(0, at), mod, ...kept.slice(at)];
}

async function publishHubStatus(ctx: HubContext, broker: MqttBroker, state: 'online' | 'offline'): Promise<void> {
  const payload = JSON.stringify({ state, ts: ctx.clock.now(), version: ctx.version });
  await Promise.all(ctx.config.villages.map((v) => broker.publish(broker.topics.hubStatus(v.id), payload, { retain: true, qos: 1 })));
}
