import mqtt, { type MqttClient } from 'mqtt';
import type { Topics } from '../hub/broker/topics.js';
import type { Reason, ReasonParams } from '../shared/reasons.js';

/** A status message as the topic contract has it (docs/mqtt.md): `reason` is the raw text, `code` what people read. */
export interface StatusMessage {
  state: 'online' | 'offline';
  code?: string;
  params?: ReasonParams;
  reason?: string;
}

/** The status payload for a state and why: free words, or a typed reason (its detail is the raw text). */
export function statusMessage(state: 'online' | 'offline', why?: string | Reason): StatusMessage {
  if (why === undefined) return { state };
  if (typeof why === 'string') return { state, reason: why };
  return {
    state,
    code: why.code,
    ...(why.params && Object.keys(why.params).length > 0 ? { params: why.params } : {}),
    ...(why.detail ? { reason: why.detail } : {}),
  };
}

/** How to reach the broker as one MQTT client. */
export interface ConnectionOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** PEM certificate(s) to trust for mqtts:// (a village's own CA). */
  ca?: Buffer;
  /** The Last Will: set by a client that speaks for one device (an agent on it), never by a shared one. */
  will?: { topic: string; payload: string };
}

/**
 * One MQTT connection. An agent on a device has one of its own (with its Last Will); the hub's pollers
 * share one for all the devices they check (hub/pollers/pollers.ts): a connection costs memory on both
 * sides of the broker, and an in-process poller needs no Last Will — the hub knows when it stops, and
 * its own `$hub/status` Last Will covers a crash. Reconnects by itself; `onConnect` listeners run at
 * every (re)connect, so each device can repeat its retained status.
 */
export class MqttConnection {
  private client: MqttClient | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: ConnectionOptions) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async connect(): Promise<void> {
    const { url, clientId, will } = this.opts;
    const client = mqtt.connect(url, {
      clientId,
      reconnectPeriod: 2_000,
      connectTimeout: 10_000,
      ...(this.opts.username ? { username: this.opts.username } : {}),
      ...(this.opts.password ? { password: this.opts.password } : {}),
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      ...(will ? { will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true } } : {}),
    });
    this.client = client;
    client.on('connect', () => {
      for (const l of this.listeners) l();
    });
    // Errors are retried by mqtt.js; they must not become unhandled 'error' events.
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      const onConnect = () => {
        client.off('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        client.off('connect', onConnect);
        client.end(true);
        reject(new Error(`MQTT: cannot connect to ${url}: ${err.message}`));
      };
      client.once('connect', onConnect);
      client.once('error', onError);
    });
  }

  /** Runs `listener` at every later (re)connect; returns its removal. */
  onConnect(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(topic: string, payload: string, opts: { qos: 0 | 1; retain?: boolean }): void {
    this.client?.publish(topic, payload, opts);
  }

  async publishAsync(topic: string, payload: string, opts: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    if (!this.client?.connected) return;
    await this.client.publishAsync(topic, payload, opts).catch(() => undefined);
  }

  /** Ends cleanly with DISCONNECT: the broker does not send the Last Will. */
  async end(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.listeners.clear();
    await client?.endAsync().catch(() => undefined);
  }
}

export interface PublisherOptions {
  topics: Topics;
  village: string;
  device: string;
  /**
   * Its own connection (with the Last Will `{"state":"offline","reason":"lwt"}` on the device's status
   * topic), or one shared with other devices, which it neither opens nor ends.
   */
  connection: { own: Omit<ConnectionOptions, 'will'> } | { shared: MqttConnection };
}

/**
 * An MQTT identity speaking for one device per the topic contract: retained status, telemetry and
 * events, each on the device's own topics. On every reconnect it repeats the last status so the
 * broker's retained state is right again.
 */
export class DevicePublisher {
  private connection: MqttConnection | null = null;
  private detach: (() => void) | null = null;
  private lastStatus: StatusMessage | null = null;

  constructor(private readonly opts: PublisherOptions) {}

  get connected(): boolean {
    return this.connection?.connected ?? false;
  }

  /** Opens its own connection, or joins the shared one (which must be connected already). */
  async connect(): Promise<void> {
    const { topics, village, device, connection } = this.opts;
    const c =
      'shared' in connection
        ? connection.shared
        : new MqttConnection({ ...connection.own, will: { topic: topics.status(village, device), payload: '{"state":"offline","code":"lwt","reason":"lwt"}' } });
    this.detach = c.onConnect(() => {
      if (this.lastStatus) this.sendStatus(this.lastStatus);
    });
    try {
      if ('own' in connection) await c.connect();
    } catch (err) {
      this.detach();
      this.detach = null;
      throw err;
    }
    this.connection = c;
  }

  status(state: 'online' | 'offline', why?: string | Reason): void {
    const next = statusMessage(state, why || undefined);
    this.lastStatus = next;
    this.sendStatus(next);
  }

  get currentStatus(): StatusMessage | null {
    return this.lastStatus;
  }

  telemetry(fields: Record<string, number | boolean>, ts?: number): void {
    this.connection?.publish(this.opts.topics.telemetry(this.opts.village, this.opts.device), JSON.stringify(ts ? { ts, ...fields } : fields), { qos: 0 });
  }

  event(e: { type: string; severity?: 'info' | 'warning' | 'critical'; message?: string; ts?: number }): void {
    this.connection?.publish(this.opts.topics.event(this.opts.village, this.opts.device), JSON.stringify(e), { qos: 1 });
  }

  /**
   * Stops speaking for the device; `final` first publishes that offline reason. Its own connection ends
   * cleanly with DISCONNECT (no Last Will); a shared one stays open for the other devices.
   */
  async end(final?: { reason: string | Reason }): Promise<void> {
    const c = this.connection;
    this.connection = null;
    this.detach?.();
    this.detach = null;
    if (!c) return;
    if (final) await c.publishAsync(this.opts.topics.status(this.opts.village, this.opts.device), JSON.stringify(statusMessage('offline', final.reason)), { qos: 1, retain: true });
    if ('own' in this.opts.connection) await c.end();
  }

  private sendStatus(s: StatusMessage): void {
    this.connection?.publish(this.opts.topics.status(this.opts.village, this.opts.device), JSON.stringify(s), { qos: 1, retain: true });
  }
}
