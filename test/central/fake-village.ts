import mqtt, { type MqttClient } from 'mqtt';

/**
 * A village hub as the upstream contract describes it (docs/scale.md), played by one mqtt.js client:
 * swap it for a real hub with `uplink:` once both ends exist, the assertions stay the same.
 */
export interface FakeVillageOptions {
  url: string;
  prefix?: string;
  village: { id: string; name: string; commune?: string; province?: string };
  devices: Array<{ id: string; name: string; kind: string }>;
  keepaliveS?: number;
}

export class FakeVillage {
  client!: MqttClient;
  readonly prefix: string;

  constructor(readonly opts: FakeVillageOptions) {
    this.prefix = opts.prefix ?? 'langso';
  }

  topic(rest: string): string {
    return `${this.prefix}/${this.opts.village.id}/${rest}`;
  }

  async connect(backlog = { messages: 0, bytes: 0, oldestTs: null as number | null }): Promise<void> {
    this.client = await mqtt.connectAsync(this.opts.url, {
      protocolVersion: 5,
      clientId: `village-${this.opts.village.id}-${Math.random().toString(16).slice(2, 8)}`,
      keepalive: this.opts.keepaliveS ?? 5,
      reconnectPeriod: 0,
      will: { topic: this.topic('$hub/status'), payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    await this.client.publishAsync(this.topic('$hub/inventory'), JSON.stringify({ village: this.opts.village, devices: this.opts.devices, ts: Date.now() }), { qos: 1, retain: true });
    await this.status(backlog);
  }

  status(backlog: { messages: number; bytes: number; oldestTs: number | null }): Promise<unknown> {
    return this.client.publishAsync(this.topic('$hub/status'), JSON.stringify({ state: 'online', ts: Date.now(), version: 'test', backlog }), { qos: 1, retain: true });
  }

  telemetry(device: string, ts: number, fields: Record<string, number>): Promise<unknown> {
    return this.client.publishAsync(this.topic(`${device}/telemetry`), JSON.stringify({ ts, ...fields }), { qos: 1 });
  }

  deviceState(device: string, state: string, since: number): Promise<unknown> {
    return this.client.publishAsync(this.topic(`$hub/devices/${device}`), JSON.stringify({ state, since, ts: Date.now() }), { qos: 1, retain: true });
  }

  alert(change: string, alert: Record<string, unknown>, ts: number): Promise<unknown> {
    return this.client.publishAsync(this.topic('$hub/alerts'), JSON.stringify({ change, alert, ts }), { qos: 1 });
  }

  /** The village PC loses power: the socket goes, the broker sends the Last Will after the keepalive. */
  die(): void {
    this.client.stream.destroy();
    this.client.end(true);
  }

  end(): Promise<void> {
    return this.client.endAsync();
  }
}
