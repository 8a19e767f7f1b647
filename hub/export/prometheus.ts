import type { Registry } from 'prom-client';
import type { AlertEngine } from '../alerts/engine.js';
import type { Notifications } from '../alerts/outbox.js';
import type { InternetMonitor } from '../availability/internet.js';
import type { MqttBroker } from '../broker/broker.js';
import type { HubContext } from '../context.js';
import { availabilityStates } from '../core/domain.js';
import type { Uplink } from '../uplink/uplink.js';

/** What the metrics read besides the context, all built by the composition root. */
export interface MetricSources {
  broker: MqttBroker;
  alerts: AlertEngine;
  notifications: Notifications;
  internet: InternetMonitor;
  /** null when `uplink:` is not configured (its series are then absent). */
  uplink?: Uplink | null;
}

type Labels = Record<string, string>;

/**
 * The hub's figures for Prometheus (`GET /metrics`, hub/web/metrics-api.ts), read at each scrape from
 * the parts that keep them — nothing is counted twice: the hub's own counters (ingest, broker, store,
 * notifications, faults) as counters, the live state (devices by state, open alerts, the outbox, the
 * writer's queue and spool) as gauges — plus prom-client's Node defaults (RSS, heap, event-loop lag, GC,
 * file descriptors). The registry is the hub's own, not prom-client's global one, built at the first
 * scrape: the default collectors start an event-loop monitor and a GC observer, which a hub nobody
 * scrapes does not need.
 */
export class PrometheusMetrics {
  private registry: Registry | null = null;

  constructor(
    private readonly ctx: HubContext,
    private readonly sources: MetricSources,
  ) {}

  /** The exposition (Prometheus text format 0.0.4) and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    const registry = await this.registryNow();
    return { contentType: registry.contentType, text: await registry.metrics() };
  }

  /** Forgets the registry (a restarted hub builds a new one). */
  stop(): void {
    this.registry?.clear();
    this.registry = null;
  }

  /** prom-client itself is loaded at the first scrape too: a hub nobody scrapes keeps its memory. */
  private async registryNow(): Promise<Registry> {
    if (this.registry) return this.registry;
    const prom = await import('prom-client');
    if (this.registry) return this.registry;
    const registry = new prom.Registry();
    prom.collectDefaultMetrics({ register: registry });
    this.define(registry, prom);
    this.registry = registry;
    return registry;
  }

  private define(registers: Registry, { Counter, Gauge }: typeof import('prom-client')): void {
    const { ctx, sources } = this;
    const r = [registers];
    const counts = (): Record<string, number> => ctx.counters.snapshot();
    /** A counter mirroring one of the hub's counters. */
    const mirror = (name: string, help: string, counter: string): void => {
      new Counter({
        name,
        help,
        registers: r,
        collect() {
          this.reset();
          this.inc(counts()[counter] ?? 0);
        },
      });
    };
    /** A counter mirroring the hub's counters `<prefix>.<label value>`. */
    const mirrorBy = (name: string, help: string, label: string, prefix: string, known: readonly string[] = []): void => {
      new Counter({
        name,
        help,
        labelNames: [label],
        registers: r,
        collect() {
          this.reset();
          for (const k of known) this.inc({ [label]: k }, 0);
          for (const [key, v] of Object.entries(counts())) {
            if (key.startsWith(`${prefix}.`)) this.inc({ [label]: key.slice(prefix.length + 1) }, v);
          }
        },
      });
    };
    const gauge = (name: string, help: string, labelNames: string[], read: () => Array<[Labels, number]> | Promise<Array<[Labels, number]>>): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers: r,
        async collect() {
          const values = await read();
          this.reset();
          for (const [labels, v] of values) this.set(labels, v);
        },
      });
    };

    gauge('langso_hub_info', 'The running hub: 1, with its version.', ['version'], () => [[{ version: ctx.version }, 1]]);
    gauge('langso_hub_start_time_seconds', 'When the hub started (Unix time).', [], () => [[{}, ctx.startedAt / 1000]]);

    // Messages in, and what was refused at the door or by the parser.
    gauge('langso_mqtt_clients', 'MQTT clients connected to the hub\'s broker.', [], () => [[{}, sources.broker.stats().clients]]);
    new Counter({
      name: 'langso_mqtt_messages_total',
      help: 'Messages the hub\'s broker routed (devices, Last Wills, the hub\'s own).',
      registers: r,
      collect() {
        this.reset();
        this.inc(sources.broker.stats().messages);
      },
    });
    mirror('langso_ingest_accepted_total', 'Device messages parsed and accepted.', 'ingest.accepted');
    mirrorBy('langso_ingest_dropped_total', 'Device messages dropped by the parser, by reason (topic, json, schema, oversize, …).', 'reason', 'ingest.dropped');
    mirror('langso_ingest_unregistered_devices_total', 'Devices not in the configuration that published a valid message.', 'ingest.unregistered_devices');
    mirrorBy('langso_broker_refused_total', 'Connections, publishes and subscriptions the broker refused, by reason.', 'reason', 'broker.refused');

    // The metric store and its writer's backlog.
    gauge('langso_store_up', 'The metric store answers (1) or not (0).', ['store'], async () => [[{ store: ctx.store.name }, (await ctx.store.ping().catch(() => false)) ? 1 : 0]]);
    gauge('langso_store_failing', 'Writes to the metric store are failing (1) or not (0).', [], () => [[{}, ctx.writer.stats().failing ? 1 : 0]]);
    gauge('langso_store_queued_points', 'Points waiting in memory to be written to the metric store.', [], () => [[{}, ctx.writer.stats().queued]]);
    gauge('langso_store_spooled_points', 'Points waiting on disk (the spool) for the metric store to come back.', [], () => [[{}, ctx.writer.stats().spooled]]);
    gauge('langso_store_spool_bytes', 'Bytes the spool holds on disk (the backlog and what is not yet deleted).', [], () => [[{}, ctx.writer.stats().spool.bytes]]);
    gauge('langso_store_spool_max_bytes', 'The spool\'s bound on disk (store.<engine>.spool.maxBytes).', [], () => [[{}, ctx.writer.stats().spool.maxBytes]]);
    gauge('langso_store_spool_oldest_age_seconds', 'How long the oldest point of the backlog has waited (0 without a backlog).', [], () => {
      const oldest = ctx.writer.stats().spool.oldestAt;
      return [[{}, oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000)]];
    });
    mirrorBy(
      'langso_store_spool_dropped_points_total',
      'Points the spool dropped at its bound (maxBytes or maxAgeS), by what: telemetry first, transitions and events only when no telemetry is left.',
      'what',
      'store.spool_dropped',
      ['telemetry', 'events'],
    );
    mirror('langso_store_written_points_total', 'Points written to the metric store.', 'store.written');
    mirror('langso_store_dropped_points_total', 'Points lost: the memory queue and the spool were both full, or the store refused them for good.', 'store.dropped');
    mirror('langso_store_write_errors_total', 'Failed writes to the metric store (each retried).', 'store.write_errors');

    // Devices, alerts, notifications, the village link.
    gauge('langso_devices', 'Configured devices by village, kind and availability state.', ['village', 'kind', 'state'], () => {
      const n = new Map<string, number>();
      for (const e of ctx.devices.all()) {
        if (!e.registered) continue;
        // Every state of every (village, kind) present, zeros included, so a query never meets a missing series.
        for (const s of availabilityStates) n.set(`${e.village}\u0000${e.kind}\u0000${s}`, n.get(`${e.village}\u0000${e.kind}\u0000${s}`) ?? 0);
        const key = `${e.village}\u0000${e.kind}\u0000${e.state}`;
        n.set(key, (n.get(key) ?? 0) + 1);
      }
      return [...n].map(([k, v]) => {
        const [village, kind, state] = k.split('\u0000') as [string, string, string];
        return [{ village, kind, state }, v];
      });
    });
    gauge('langso_devices_unregistered', 'Devices that publish without being in the configuration.', [], () => [[{}, ctx.devices.all().filter((e) => !e.registered).length]]);
    gauge('langso_alerts_open', 'Open alerts by status (firing, acknowledged), severity and village ("*" = the whole hub).', ['status', 'severity', 'village'], () => {
      const n = new Map<string, number>();
      for (const a of sources.alerts.store.listOpen()) {
        const key = `${a.status}\u0000${a.severity}\u0000${a.village}`;
        n.set(key, (n.get(key) ?? 0) + 1);
      }
      return [...n].map(([k, v]) => {
        const [status, severity, village] = k.split('\u0000') as [string, string, string];
        return [{ status, severity, village }, v];
      });
    });
    gauge('langso_notifications', 'Notification outbox messages by status (pending, delivered, expired, failed).', ['status'], () => {
      const s = sources.notifications.stats();
      return [
        [{ status: 'pending' }, s.pending],
        [{ status: 'delivered' }, s.delivered],
        [{ status: 'expired' }, s.expired],
        [{ status: 'failed' }, s.failed],
      ];
    });
    gauge('langso_notifications_pending', 'Messages waiting to be sent, by channel.', ['channel'], () =>
      sources.notifications.stats().channels.map((c): [Labels, number] => [{ channel: c.id }, c.pending]),
    );
    gauge('langso_notifications_oldest_pending_seconds', 'How long the oldest waiting message has waited (0 when none waits).', [], () => {
      const oldest = sources.notifications.stats().oldestPendingAt;
      return [[{}, oldest === null ? 0 : Math.max(0, (ctx.clock.now() - oldest) / 1000)]];
    });
    mirror('langso_notifications_sent_total', 'Notifications delivered.', 'notify.sent');
    mirror('langso_notification_attempts_failed_total', 'Failed delivery attempts (each retried with backoff).', 'notify.failed_attempts');
    gauge('langso_internet_up', 'The village Internet link: 1 up, 0 down (absent while unknown or not probed).', [], () => {
      const v = sources.internet.view();
      return v.state === 'unknown' ? [] : [[{}, v.state === 'up' ? 1 : 0]];
    });

    // The bridge to the commune/province broker, per village (each has its own connection and queue).
    const uplinkVillages = () => sources.uplink?.view().villages ?? [];
    gauge('langso_uplink_connected', 'The village\'s link to the upstream broker: 1 connected, 0 not (absent without uplink).', ['village'], () =>
      uplinkVillages().map((v): [Labels, number] => [{ village: v.village }, v.state === 'connected' ? 1 : 0]),
    );
    gauge('langso_uplink_backlog_messages', 'Messages waiting in the uplink\'s on-disk queue for the upstream broker.', ['village'], () =>
      uplinkVillages().map((v): [Labels, number] => [{ village: v.village }, v.backlog.messages]),
    );
    gauge('langso_uplink_backlog_bytes', 'Bytes waiting in the uplink\'s queue.', ['village'], () => uplinkVillages().map((v): [Labels, number] => [{ village: v.village }, v.backlog.bytes]));
    gauge('langso_uplink_backlog_oldest_seconds', 'How long the oldest message in the uplink\'s queue has waited (0 when none waits).', ['village'], () =>
      uplinkVillages().map((v): [Labels, number] => [{ village: v.village }, v.backlog.oldestTs === null ? 0 : Math.max(0, (ctx.clock.now() - v.backlog.oldestTs) / 1000)]),
    );
    mirror('langso_uplink_sent_total', 'Messages the upstream broker acknowledged.', 'uplink.sent');
    mirrorBy('langso_uplink_dropped_total', 'Messages dropped to keep the uplink queue\'s bounds, by class (telemetry first, then other).', 'class', 'uplink.dropped', ['telemetry', 'other']);
    mirrorBy('langso_errors_total', 'Recoverable failures by where they happened (also listed by /api/health).', 'source', 'errors');
  }
}
