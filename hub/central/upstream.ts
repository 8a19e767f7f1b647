import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { CentralConfig } from '../config/central.js';
import type { Logger } from '../core/log.js';
import type { UpstreamTopics } from './contract.js';

/** Retained messages follow the SUBACK at once; this settles them before the bulk traffic starts. */
const SETTLE_MS = 300;

export interface LinkHandlers {
  /** Every message of every connection (state, bulk, adopted sessions). */
  message(topic: string, payload: Buffer): void;
  /** The state connection is up with its retained topics read (true), or down (false). */
  ready(up: boolean): void;
  /** What a bulk message must wait for before it is handled and acknowledged (null: nothing). */
  before?(topic: string): Promise<void> | null;
}

/**
 * The connections of one central instance to the upstream broker (MQTT 5, mqtt.js):
 * - `state`: clean session, every instance: `P/+/$hub/#` and the instances' presence; its Last Will
 *   clears this instance's presence;
 * - `bulk`: persistent session (client id `<group>-<instanceId>`, session expiry) with the shared
 *   subscriptions: the broker keeps this instance's share while it is away;
 * - `adopted`: the bulk session of a dead peer, taken over by the alert owner until the peer returns
 *   (see docs/scale.md: Mosquitto keeps routing a dead member's share to its session).
 * The bulk connection starts once the state connection has read the retained inventories, so a
 * device's kind is known before its telemetry is stored.
 */
export class UpstreamLink {
  private state: MqttClient | null = null;
  private bulk: MqttClient | null = null;
  private readonly adopted = new Map<string, MqttClient>();
  private stopping = false;

  constructor(
    private readonly cfg: CentralConfig,
    private readonly topics: UpstreamTopics,
    private readonly log: Logger,
    private readonly handlers: LinkHandlers,
    private readonly presence: () => string,
  ) {}

  private base(): IClientOptions {
    return {
      protocolVersion: 5,
      keepalive: this.cfg.keepaliveS,
      connectTimeout: 10_000,
      reconnectPeriod: 1_000,
      ...(this.cfg.username ? { username: this.cfg.username } : {}),
      ...(this.cfg.password ? { password: this.cfg.password } : {}),
      ...(this.cfg.ca ? { ca: readFileSync(this.cfg.ca) } : {}),
    };
  }

  bulkClientId(instanceId: string): string {
    return `${this.cfg.group}-${instanceId}`;
  }

  start(): void {
    this.stopping = false;
    const self = this.cfg.instanceId;
    const state = mqtt.connect(this.cfg.url, {
      ...this.base(),
      clientId: `${this.cfg.group}-${self}-state`,
      clean: true,
      will: { topic: this.topics.instance(self), payload: Buffer.alloc(0), qos: 1, retain: true },
    });
    this.state = state;
    state.on('message', (topic, payload) => this.handlers.message(topic, payload));
    state.on('error', (err) => this.log.warn({ err: err.message }, 'central: upstream broker refused or failed (state connection)'));
    state.on('close', () => this.handlers.ready(false));
    state.on('connect', () => {
      this.log.info({ url: this.cfg.url }, 'central: connected to the upstream broker');
      state.subscribe([this.topics.hubs(), this.topics.instances()], { qos: 1 }, (err) => {
        if (err) {
          this.log.error({ err: err.message }, 'central: subscription refused');
          return;
        }
        state.publish(this.topics.instance(self), this.presence(), { qos: 1, retain: true });
        setTimeout(() => {
          if (this.stopping || !state.connected) return;
          this.handlers.ready(true);
          this.startBulk();
        }, SETTLE_MS);
      });
    });
  }

  private startBulk(): void {
    if (this.bulk) return;
    this.bulk = this.sessionClient(this.cfg.instanceId, true);
  }

  /** A persistent shared-subscription session under `instanceId`'s client id. */
  private sessionClient(instanceId: string, reconnect: boolean): MqttClient {
    const c = mqtt.connect(this.cfg.url, {
      ...this.base(),
      clientId: this.bulkClientId(instanceId),
      clean: false,
      reconnectPeriod: reconnect ? 1_000 : 0,
      properties: { sessionExpiryInterval: this.cfg.sessionExpiryS, receiveMaximum: this.cfg.receiveMaximum },
      // Called before 'message' and the PUBACK, and mqtt.js reads the next packet only after: a reading of a
      // device whose inventory has not come in yet waits for it here (handlers.before), in order.
      customHandleAcks: (topic, _message, _packet, done) => {
        const wait = this.handlers.before?.(topic) ?? null;
        if (wait === null) return done(0);
        wait.then(
          () => done(0),
          () => done(0),
        );
      },
    });
    c.on('message', (topic, payload) => this.handlers.message(topic, payload));
    c.on('error', (err) => this.log.warn({ err: err.message, session: instanceId }, 'central: upstream bulk connection failed'));
    c.on('connect', () => {
      c.subscribe(this.topics.shared(this.cfg.group), { qos: 1 }, (err) => {
        if (err) this.log.error({ err: err.message }, 'central: shared subscription refused');
        // Until a group's first member has subscribed, the broker drops what no one subscribes to.
        else this.log.info({ session: instanceId, group: this.cfg.group }, 'central: shared subscription active');
      });
    });
    return c;
  }

  /** Takes over a dead peer's session (queued and unacknowledged messages, and its share from now on). */
  adopt(peer: string): void {
    if (this.stopping || this.adopted.has(peer) || peer === this.cfg.instanceId) return;
    this.log.info({ peer }, 'central: a peer is gone; carrying its share of the load until it returns');
    const c = this.sessionClient(peer, false);
    this.adopted.set(peer, c);
    // The peer back under its own id takes its session over: the broker closes this connection.
    c.on('close', () => {
      if (this.adopted.get(peer) === c) this.adopted.delete(peer);
      c.end(true);
    });
  }

  /** The peer is back (or another instance owns now): its session is its own again. */
  release(peer: string): void {
    const c = this.adopted.get(peer);
    if (!c) return;
    this.adopted.delete(peer);
    this.log.info({ peer }, 'central: the peer is back; its share is its own again');
    c.end(false);
  }

  adoptedPeers(): string[] {
    return [...this.adopted.keys()].sort();
  }

  connected(): boolean {
    return this.state?.connected === true && this.bulk?.connected === true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const self = this.cfg.instanceId;
    const all: MqttClient[] = [...this.adopted.values()];
    this.adopted.clear();
    if (this.bulk) all.push(this.bulk);
    this.bulk = null;
    const state = this.state;
    this.state = null;
    if (state?.connected) {
      // A clean stop leaves no Last Will: clear the presence by hand so the others re-elect at once.
      await state.publishAsync(this.topics.instance(self), Buffer.alloc(0), { qos: 1, retain: true }).catch(() => undefined);
    }
    if (state) all.push(state);
    await Promise.all(all.map((c) => c.endAsync().catch(() => undefined)));
  }
}
