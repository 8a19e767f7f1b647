import mqtt, { type MqttClient } from 'mqtt';
import type { Topics } from '../hub/broker/topics.js';

export interface PublisherOptions {
  url: string;
  topics: Topics;
  village: string;
  device: string;
  clientId: string;
  username?: string;
  password?: string;
}

/**
 * An MQTT identity speaking for one device per the topic contract: retained status with a Last Will
 * (`{"state":"offline","reason":"lwt"}`), telemetry and events. Reconnects by itself; on reconnect it
 * repeats the last status so the broker's retained state is right again.
 */
export class DevicePublisher {
  private client: MqttClient | null = null;
  private lastStatus: { state: 'online' | 'offline'; reason?: string } | null = null;

  constructor(private readonly opts: PublisherOptions) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async connect(): Promise<void> {
    const { url, topics, village, device, clientId } = this.opts;
    const client = mqtt.connect(url, {
      clientId,
      reconnectPeriod: 2_000,
      connectTimeout: 10_000,
      ...(this.opts.username ? { username: this.opts.username } : {}),
      ...(this.opts.password ? { password: this.opts.password } : {}),
      will: { topic: topics.status(village, device), payload: Buffer.from('{"state":"offline","reason":"lwt"}'), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      if (this.lastStatus) this.sendStatus(this.lastStatus);
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

  status(state: 'online' | 'offline', reason?: string): void {
    const next = reason ? { state, reason } : { state };
    this.lastStatus = next;
    this.sendStatus(next);
  }

  get currentStatus(): { state: 'online' | 'offline'; reason?: string } | null {
    return this.lastStatus;
  }

  telemetry(fields: Record<string, number | boolean>, ts?: number): void {
    this.client?.publish(this.opts.topics.telemetry(this.opts.village, this.opts.device), JSON.stringify(ts ? { ts, ...fields } : fields), { qos: 0 });
  }

  event(e: { type: string; severity?: 'info' | 'warning' | 'critical'; message?: string; ts?: number }): void {
    this.client?.publish(this.opts.topics.event(this.opts.village, this.opts.device), JSON.stringify(e), { qos: 1 });
  }

  /** Ends cleanly with DISCONNECT (no Last Will); `offline` first publishes that reason. */
  async end(final?: { reason: string }): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (final && client.connected) {
      await client.publishAsync(this.opts.topics.status(this.opts.village, this.opts.device), JSON.stringify({ state: 'offline', reason: final.reason }), {
        qos: 1,
        retain: true,
      }).catch(() => undefined);
    }
    await client.endAsync().catch(() => undefined);
  }

  private sendStatus(s: { state: 'online' | 'offline'; reason?: string }): void {
    this.client?.publish(this.opts.topics.status(this.opts.village, this.opts.device), JSON.stringify(s), { qos: 1, retain: true });
  }
}
