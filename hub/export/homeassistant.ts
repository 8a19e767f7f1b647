import type { MqttBroker } from '../broker/broker.js';
import { filterMatches } from '../broker/topics.js';
import type { HubContext } from '../context.js';
import type { DeviceRef } from '../core/domain.js';
import type { Logger } from '../core/log.js';
import type { DeviceEntry } from '../registry/registry.js';
import { DiscoveryStore } from './discovery-store.js';
import { discoveryEntities, type DiscoveryEntity } from './ha-entities.js';

const OWNER = 'homeassistant';
/** A removal is told to every Home Assistant that subscribes this long after it went out. */
export const REMOVAL_KEPT_MS = 30 * 86_400_000;

/**
 * Home Assistant MQTT discovery (`export.homeassistant`, off by default). On start: removes what an
 * earlier run announced and the configuration no longer has (an empty retained config, Home Assistant's
 * "delete"), announces every configured device (retained, ha-entities.ts), and publishes the hub's view
 * of each device on `$hub/devices/<device>` (retained), then again at each change.
 *
 * The embedded broker keeps retained messages in memory: a Home Assistant that reconnects after a hub
 * restart finds the announcements again, but would never hear of a removal that went out before it was
 * back. So removals are kept (state database) and sent again whenever a client subscribes to a filter
 * that covers them, for REMOVAL_KEPT_MS.
 */
export class HomeAssistantExport {
  private readonly log: Logger;
  private readonly store: DiscoveryStore;
  private removed: string[] = [];
  private offSubscribe: (() => void) | null = null;
  private enabled = false;

  constructor(
    private readonly ctx: HubContext,
    private readonly broker: MqttBroker,
  ) {
    this.log = ctx.log.child({ module: 'homeassistant' });
    this.store = new DiscoveryStore(ctx.state);
  }

  /** What this configuration announces (empty when the export is off). */
  entities(): DiscoveryEntity[] {
    const { config, version } = this.ctx;
    if (!config.export.homeassistant.enabled) return [];
    return discoveryEntities({
      topics: this.broker.topics,
      discoveryPrefix: config.export.homeassistant.discoveryPrefix,
      version,
      villages: config.villages,
      devices: config.devices,
    });
  }

  async start(): Promise<void> {
    const { clock, bus } = this.ctx;
    this.enabled = this.ctx.config.export.homeassistant.enabled;
    const now = clock.now();
    this.store.purgeRemovedBefore(now - REMOVAL_KEPT_MS);
    const wanted = this.entities();
    const wantedTopics = new Set(wanted.map((e) => e.topic));
    const gone = this.store.all().filter((r) => r.removedAt === null && !wantedTopics.has(r.topic));
    if (gone.length > 0) {
      await Promise.all(gone.map((r) => this.clear(r.topic)));
      const stillThere = new Set(wanted.map((e) => `${e.village}/${e.device}`));
      const devicesGone = new Map(gone.filter((r) => !stillThere.has(`${r.village}/${r.device}`)).map((r) => [`${r.village}/${r.device}`, r]));
      await Promise.all([...devicesGone.values()].map((r) => this.clear(this.broker.topics.deviceState(r.village, r.device))));
      this.store.markRemoved(
        gone.map((r) => r.topic),
        now,
      );
      this.log.info({ removed: gone.length, devices: devicesGone.size }, 'Home Assistant: removed the entities of devices no longer configured');
    }
    this.removed = this.store.removed();
    // A Home Assistant connecting later (or again) gets the removals it missed.
    if (this.removed.length > 0) this.offSubscribe = this.broker.onSubscribe((filters) => this.resendRemovals(filters));
    if (!this.enabled) return;

    bus.on(OWNER, 'transition', (t) => this.publishStateOf(t));
    bus.on(OWNER, 'reason', (r) => this.publishStateOf(r));
    await Promise.all(this.ctx.devices.all().filter((e) => e.registered).map((e) => this.publishState(e)));
    await Promise.all(wanted.map((e) => this.broker.publish(e.topic, JSON.stringify(e.config), { retain: true, qos: 1 })));
    this.store.announced(wanted, now);
    this.log.info({ entities: wanted.length, devices: this.ctx.config.devices.length }, 'Home Assistant: devices announced over MQTT discovery');
  }

  stop(): void {
    this.ctx.bus.offOwner(OWNER);
    this.offSubscribe?.();
    this.offSubscribe = null;
  }

  private clear(topic: string): Promise<void> {
    // An empty retained message: the broker forgets the retained one, subscribers get the removal.
    return this.broker.publish(topic, Buffer.alloc(0), { retain: true, qos: 1 });
  }

  private resendRemovals(filters: readonly string[]): void {
    const due = this.removed.filter((topic) => filters.some((f) => filterMatches(f, topic)));
    for (const topic of due) {
      this.clear(topic).catch((err: unknown) => this.ctx.faults.report('homeassistant', err));
    }
  }

  private publishStateOf(ref: DeviceRef): void {
    const entry = this.ctx.devices.get(ref);
    if (!entry?.registered) return;
    this.publishState(entry).catch((err: unknown) => this.ctx.faults.report('homeassistant', err));
  }

  /** The hub's view of one device, as Home Assistant's connectivity entity and its attributes read it. */
  private publishState(entry: DeviceEntry): Promise<void> {
    const body = {
      state: entry.state,
      since: entry.since,
      ts: this.ctx.clock.now(),
      ...(entry.reasonCode ? { code: entry.reasonCode } : {}),
      ...(entry.reasonCode && entry.reasonParams ? { params: entry.reasonParams } : {}),
      ...(entry.reason ? { reason: entry.reason } : {}),
      ...(entry.cause ? { cause: entry.cause } : {}),
    };
    // A reason may quote a URL a poller failed on: no credentials leave the hub.
    const payload = this.ctx.redact(JSON.stringify(body));
    return this.broker.publish(this.broker.topics.deviceState(entry.village, entry.id), payload, { retain: true, qos: 1 });
  }
}
