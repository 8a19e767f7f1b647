import mqtt, { type MqttClient } from 'mqtt';
import { startLinkProxy, type LinkProxy } from '../../scripts/services/link-proxy.js';
import { startMosquitto, type UpstreamBrokerHandle } from '../../scripts/services/upstream-broker.js';
import { testVillage } from '../helpers/hub.js';

export const V = testVillage.id;
export const DEVICES = [
  { id: 'ap-1', village: V, name: 'Wi-Fi nhà văn hoá', kind: 'wifi-ap', location: 'Nhà văn hoá' },
  { id: 'pc-1', village: V, name: 'Máy tính UBND', kind: 'pc', parent: 'ap-1' },
];

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

/** A subscriber at the commune broker, recording every message under the prefix (MQTT 5, retain as published). */
export class UpstreamWatcher {
  readonly got: Received[] = [];
  private constructor(readonly client: MqttClient) {}

  static async open(url: string, filter = 'langso/#', opts: { protocolVersion?: 4 | 5; username?: string; password?: string } = {}): Promise<UpstreamWatcher> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `watch-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 200, ...opts });
    const w = new UpstreamWatcher(client);
    client.on('message', (topic, payload, packet) => w.got.push({ topic, payload: payload.toString('utf8'), retain: packet.retain, at: Date.now() }));
    await client.subscribeAsync(filter, opts.protocolVersion === 4 ? { qos: 1 } : { qos: 1, rap: true });
    return w;
  }

  on(topic: string): Received[] {
    return this.got.filter((m) => m.topic === topic);
  }

  json<T = Record<string, unknown>>(topic: string): T[] {
    return this.on(topic).map((m) => JSON.parse(m.payload) as T);
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

export interface Upstream {
  broker: UpstreamBrokerHandle;
  proxy: LinkProxy;
  stop(): Promise<void>;
}

/** Mosquitto as the commune broker, behind a proxy standing for the village's Internet link. */
export async function startUpstream(users?: Record<string, string>): Promise<Upstream> {
  const broker = await startMosquitto(users ? { users } : {});
  const proxy = await startLinkProxy(broker.port);
  return {
    broker,
    proxy,
    async stop() {
      await proxy.stop();
      await broker.stop();
    },
  };
}

/** The hub's config with an uplink through the proxy (a small queue sync interval; fast reconnects). */
export function uplinkDoc(proxyUrl: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    villages: [testVillage],
    devices: DEVICES,
    uplink: { url: proxyUrl, keepaliveS: 5, reconnectS: 0.3, statusEveryS: 1, ...over },
  };
}

/** Counts how many times each (topic, ts) arrived: QoS 1 may deliver one twice after a cut. */
export function tally(got: Received[], topicEnd: string): { unique: Map<string, Record<string, unknown>>; duplicates: number } {
  const unique = new Map<string, Record<string, unknown>>();
  let duplicates = 0;
  for (const m of got) {
    if (!m.topic.endsWith(topicEnd)) continue;
    const body = JSON.parse(m.payload) as Record<string, unknown>;
    const key = `${m.topic}|${String(body.ts)}`;
    if (unique.has(key)) duplicates++;
    else unique.set(key, body);
  }
  return { unique, duplicates };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
