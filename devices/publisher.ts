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

export interface PublisherOptions {
  url: string;
  topics: Topics;
  village: string;
  device: string;
  clientId: string;
  username?: string;
  password?: string;
  /** PEM certificate(s) to trust for mqtts:// (a village's own CA). */
  ca?: Buffer;
}

/**
 * An MQTT identity speaking for one device per the topic contract: retained status with a Last Will
 * (`{"state":"offline","reason":"lwt"}`), telemetry and events. Reconnects by itself; on reconnect it
 * repeats the last status so the broker's retained state is right again.
 */
export class DevicePublisher {
  private client: MqttClient | null = null;
  private lastStatus: StatusMessage | null = null;

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
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      will: { topic: topics.status(village, device), payload: Buffer.from('{"state":"offline","code":"lwt","reason":"lwt"}'), qos: 1, retain: true },
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

  status(state: 'online' | 'offline', why?: string | Reason): void {
    const next = statusMessage(state, why || undefined);
    this.lastStatus = next;
    this.sendStatus(next);
  }

  get currentStatus(): StatusMessage | null {
    return this.lastStatus;
  }

  telemetry(fields: Record<string, number | boolean>, ts?: number): void {
    this.client?.publish(this.opts.topics.telemetry(this.opts.village, this.opts.device), JSON.stringify(ts ? { ts, ...fields } : fields), { qos: 0 });
  }

  event(e: { type: string; severity?: 'info' | 'warning' | 'critical'; message?: string; ts?: number }): void {
    this.client?.publish(this.opts.topics.event(this.opts.village, this.opts.device), JSON.stringify(e), { qos: 1 });
  }

  /** Ends cleanly with DISCONNECT (no Last Will); `final` first publishes that offline reason. */
  async end(final?: { reason: string | Reason }): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (final && client.connected) {
      await client.publishAsync(this.opts.topics.status(this.opts.village, this.opts.device), JSON.stringify(statusMessage('offline', final.reason)), {
        qos: 1,
        retain: true,
      }).catch(() => undefined);
    }
    await client.endAsync().catch(() => undefined);
  }

  private sendStatus(s: StatusMessage): void {
    this.client?.publish(this.opts.topics.status(this.opts.village, this.opts.device), JSON.stringify(s), { qos: 1, retain: true });
  }
}
