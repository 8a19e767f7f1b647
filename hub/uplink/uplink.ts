import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { UplinkBacklog, UplinkView } from '../../shared/events.js';
import { Topics } from '../broker/topics.js';
import type { UplinkConfig } from '../config/uplink.js';
import type { HubContext } from '../context.js';
import type { Logger } from '../core/log.js';
import type { DeviceEntry } from '../registry/registry.js';
import { alertView } from '../web/alerts-socket.js';
import { VillageBridge } from './bridge.js';
import { readSecretFile, readSetting } from './link.js';
import { UplinkQueue } from './queue.js';

const OWNER = 'uplink';

/** The upstream broker's address as shown to people: no user or password. */
export function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The bridge to a commune/province broker (docs/uplink.md): forwards what each village's devices said
 * (as the hub accepted it), the hub's view of each device, alert changes, the village inventory and the
 * hub's own `$hub/status` (with a Last Will). One queue and one connection per village, under
 * `<dataDir>/uplink/<village>/`.
 */
export class Uplink {
  private readonly log: Logger;
  private readonly bridges = new Map<string, VillageBridge>();
  private readonly queues = new Map<string, UplinkQueue>();
  private readonly topics: Topics;
  private expireTimer: NodeJS.Timeout | null = null;
  private dropped = { telemetry: 0, other: 0 };

  constructor(
    private readonly ctx: HubContext,
    private readonly cfg: UplinkConfig,
    private readonly dataDir: string,
  ) {
    this.log = ctx.log.child({ module: 'uplink' });
    this.topics = new Topics(cfg.topicPrefix);
  }

  async start(): Promise<void> {
    const { ctx, cfg } = this;
    const password = cfg.passwordFile ? readSetting('uplink.passwordFile', cfg.passwordFile, readSecretFile) : cfg.password;
    const ca = cfg.caFile ? readSetting('uplink.caFile', cfg.caFile, (f) => readFileSync(f)) : undefined;
    for (const v of ctx.config.villages) {
      const queue = new UplinkQueue({
        dir: path.join(this.dataDir, 'uplink', v.id),
        maxBytes: cfg.queue.maxBytes,
        maxAgeMs: cfg.queue.maxAgeS * 1000,
        syncEveryMs: cfg.queue.syncEveryMs,
        fsync: cfg.queue.fsync,
        now: () => ctx.clock.now(),
        log: this.log,
        onDrop: (m) => {
          const cls = m.cls === 'telemetry' ? 'telemetry' : 'other';
          this.dropped[cls]++;
          ctx.counters.inc(`uplink.dropped.${cls}`);
        },
        // Counted and listed by /api/health (degraded) until a write succeeds again.
        onError: (err) => ctx.faults.report('uplink-queue', err),
        onRecovered: () => ctx.faults.clear('uplink-queue'),
      });
      queue.open();
      if (queue.bad > 0) ctx.counters.inc('uplink.queue.unreadable', queue.bad);
      this.queues.set(v.id, queue);
      const bridge = new VillageBridge({
        link: {
          url: cfg.url,
          ...(cfg.username ? { username: cfg.username } : {}),
          ...(password ? { password } : {}),
          ...(ca ? { ca } : {}),
          clientId: `${cfg.clientId}-${v.id}`,
          keepaliveS: cfg.keepaliveS,
          reconnectMs: cfg.reconnectS * 1000,
          will: { topic: this.topics.hubStatus(v.id), payload: JSON.stringify({ state: 'offline' }) },
        },
        queue,
        backlogPerS: cfg.backlogPerS,
        inflight: cfg.inflight,
        log: this.log.child({ village: v.id }),
        now: () => ctx.clock.now(),
        hubStatus: () => ({ topic: this.topics.hubStatus(v.id), payload: JSON.stringify(this.hubStatus(v.id)) }),
        statusEveryMs: cfg.statusEveryS * 1000,
        inventory: () => ({ topic: this.topics.hubInventory(v.id), payload: JSON.stringify(this.inventory(v.id)) }),
        onSent: () => ctx.counters.inc('uplink.sent'),
      });
      this.bridges.set(v.id, bridge);
    }
    this.listen();
    // The hub's view of every device as this run begins; transitions follow in order.
    for (const e of ctx.devices.all()) if (e.registered) this.deviceState(e);
    for (const b of this.bridges.values()) b.start();
    this.expireTimer = setInterval(() => {
      for (const q of this.queues.values()) q.expire();
    }, 60_000);
    this.log.info({ url: publicUrl(cfg.url), villages: this.bridges.size }, 'uplink: forwarding to the upstream broker');
  }

  async stop(): Promise<void> {
    this.ctx.bus.offOwner(OWNER);
    if (this.expireTimer) clearInterval(this.expireTimer);
    this.expireTimer = null;
    await Promise.all([...this.bridges.values()].map((b) => b.stop()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.bridges.clear();
    this.queues.clear();
  }

  /**
   * Resolves once every message queued so far is on disk (null: none waits). The broker waits for it
   * before acknowledging a device's message, as it does for the metric spool: acknowledged means queued
   * for the centre too, also across a power cut.
   */
  whenQueued(): Promise<void> | null {
    const waits = [...this.queues.values()].map((q) => q.whenDurable()).filter((w) => w !== null);
    return waits.length === 0 ? null : Promise.all(waits).then(() => undefined);
  }

  private listen(): void {
    const { bus } = this.ctx;
    bus.on(OWNER, 'accepted', (m) => {
      this.bridges.get(m.village)?.enqueue({
        topic: this.topics[m.channel](m.village, m.device),
        payload: JSON.stringify(m.body),
        retain: m.channel === 'status',
        cls: m.channel === 'telemetry' ? 'telemetry' : 'keep',
        key: `${m.village}/${m.device}`,
      });
    });
    const stateOf = (ref: { village: string; device: string }): void => {
      const e = this.ctx.devices.get(ref);
      if (e?.registered) this.deviceState(e);
    };
    bus.on(OWNER, 'transition', stateOf);
    bus.on(OWNER, 'reason', stateOf);
    bus.on(OWNER, 'alert', (a) => {
      const payload = this.ctx.redact(JSON.stringify({ change: a.change, alert: alertView(a.alert), ts: a.ts }));
      // A hub-wide alert (`*`) concerns every village of this hub.
      const villages = a.alert.village === '*' ? [...this.bridges.keys()] : [a.alert.village];
      for (const v of villages) this.bridges.get(v)?.enqueue({ topic: this.topics.hubAlerts(v), payload, retain: false, cls: 'keep', key: null });
    });
  }

  /** `$hub/devices/<device>`: the hub's view of one device (contract 2). */
  private deviceState(e: DeviceEntry): void {
    const body = {
      state: e.state,
      since: e.since,
      ts: this.ctx.clock.now(),
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.reasonCode ? { reasonCode: e.reasonCode } : {}),
      ...(e.reasonCode && e.reasonParams ? { reasonParams: e.reasonParams } : {}),
      ...(e.cause ? { cause: e.cause } : {}),
    };
    // A reason may quote a URL a poller failed on: no credentials leave the hub.
    const payload = this.ctx.redact(JSON.stringify(body));
    this.bridges.get(e.village)?.enqueue({ topic: this.topics.deviceState(e.village, e.id), payload, retain: true, cls: 'keep', key: `${e.village}/${e.id}` });
  }

  private backlogOf(village: string): UplinkBacklog {
    const s = this.queues.get(village)?.stats();
    return { messages: s?.messages ?? 0, bytes: s?.bytes ?? 0, oldestTs: s?.oldestTs ?? null };
  }

  private hubStatus(village: string): { state: 'online'; ts: number; version: string; backlog: UplinkBacklog } {
    return { state: 'online', ts: this.ctx.clock.now(), version: this.ctx.version, backlog: this.backlogOf(village) };
  }

  private inventory(village: string): Record<string, unknown> {
    const v = this.ctx.config.villages.find((x) => x.id === village);
    return {
      village: v ? { id: v.id, name: v.name, commune: v.commune ?? null, province: v.province ?? null, timezone: v.timezone } : { id: village },
      devices: this.ctx.config.devices
        .filter((d) => d.village === village)
        .map((d) => ({ id: d.id, name: d.name, kind: d.kind, ...(d.parent ? { parent: d.parent } : {}), ...(d.location ? { location: d.location } : {}) })),
      ts: this.ctx.clock.now(),
    };
  }

  view(): UplinkView {
    const villages = [...this.bridges.entries()].map(([village, b]) => ({
      village,
      state: b.state,
      since: b.since,
      protocol: b.protocol === 5 ? ('MQTT 5' as const) : b.protocol === 4 ? ('MQTT 3.1.1' as const) : null,
      backlog: this.backlogOf(village),
      sent: b.sent,
      lastError: b.lastError === null ? null : this.ctx.redact(b.lastError),
    }));
    const up = villages.filter((v) => v.state === 'connected').length;
    const oldest = villages.map((v) => v.backlog.oldestTs).filter((t): t is number => t !== null);
    return {
      state: villages.length > 0 && up === villages.length ? 'connected' : up > 0 ? 'partial' : 'disconnected',
      url: publicUrl(this.cfg.url),
      backlog: {
        messages: villages.reduce((n, v) => n + v.backlog.messages, 0),
        bytes: villages.reduce((n, v) => n + v.backlog.bytes, 0),
        oldestTs: oldest.length > 0 ? Math.min(...oldest) : null,
      },
      dropped: { ...this.dropped },
      villages,
    };
  }
}
