import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startInstance, type InstanceProcess } from '../../scripts/services/central-instance.js';
import { startMosquitto, type MosquittoHandle } from '../../scripts/services/mosquitto.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

/**
 * A real village hub (`uplink:`) → Mosquitto → a central instance → InfluxDB: the fake villages of
 * central.test.ts replaced by the real thing, for the contract both sides follow.
 */
const influxUrl = inject('influxUrl');
const database = `village_centre_${process.pid}_${Date.now()}`;
let broker: MosquittoHandle;
let dir: string;
let village: TestHub;
let centre: InstanceProcess;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function count(): Promise<number> {
  const res = await fetch(`${influxUrl}/query?db=${database}&q=${encodeURIComponent(`SELECT count(rttMs) FROM telemetry WHERE village = 'dong-cam' AND kind = 'onvif-camera'`)}`);
  const body = (await res.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
  return Number(body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

beforeAll(async () => {
  broker = await startMosquitto();
  dir = await mkdtemp(path.join(tmpdir(), 'langso-village-centre-'));
  centre = await startInstance({ id: 'c-1', dir, brokerUrl: broker.url, influxUrl, database });
  // A shared group exists on the broker once its first member has subscribed; before, readings have no
  // subscriber and the broker drops them (a first deployment starts its centre first, as here).
  const until = Date.now() + 30_000;
  while (!centre.log().includes('central: shared subscription active') && Date.now() < until) await sleep(100);
  village = await startTestHub({
    villages: [{ id: 'dong-cam', name: 'Đông Căm', commune: 'Gia Phú', province: 'Lào Cai' }],
    devices: [{ id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 600 }],
    uplink: { url: broker.url, keepaliveS: 5 },
  });
}, 120_000);

afterAll(async () => {
  await village?.stop();
  await centre?.kill('SIGTERM');
  await broker?.stop();
  await fetch(`${influxUrl}/query?q=${encodeURIComponent(`DROP DATABASE "${database}"`)}`, { method: 'POST' }).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('a real village hub feeding a central instance', () => {
  it("stores the village's readings at their own times under the kind from its inventory", async () => {
    const device = await mqtt.connectAsync(village.mqttUrl, { clientId: 'cam-1', reconnectPeriod: 0 });
    const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    for (let i = 0; i < 50; i++) await device.publishAsync('langso/dong-cam/cam-1/telemetry', JSON.stringify({ ts: base + i * 1000, rttMs: i }), { qos: 1 });
    await device.endAsync();
    const deadline = Date.now() + 60_000;
    while ((await count()) < 50 && Date.now() < deadline) await sleep(250);
    expect(await count()).toBe(50);
    const res = await fetch(`${influxUrl}/query?db=${database}&epoch=ms&q=${encodeURIComponent(`SELECT rttMs FROM telemetry WHERE device = 'cam-1' ORDER BY time ASC LIMIT 1`)}`);
    const body = (await res.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
    expect(body.results[0]?.series?.[0]?.values[0]).toEqual([base, 0]);
  }, 90_000);

  it('a reading that comes before its village inventory waits for it and is stored under the kind it names', async () => {
    // As a village hub that has just connected: its reading overtakes its inventory (another connection).
    const hub = await mqtt.connectAsync(broker.url, { clientId: 'lang-moi-hub', protocolVersion: 5, reconnectPeriod: 0 });
    const ts = Math.floor(Date.now() / 1000) * 1000 - 30_000;
    await hub.publishAsync('langso/lang-moi/cam-9/telemetry', JSON.stringify({ ts, rttMs: 7 }), { qos: 1 });
    await sleep(1_000);
    const inventory = {
      village: { id: 'lang-moi', name: 'Làng Mới', commune: 'Gia Phú', province: 'Lào Cai', timezone: 'Asia/Ho_Chi_Minh' },
      devices: [{ id: 'cam-9', name: 'Camera chợ', kind: 'onvif-camera' }],
      ts: Date.now(),
    };
    await hub.publishAsync('langso/lang-moi/$hub/inventory', JSON.stringify(inventory), { qos: 1, retain: true });
    await hub.endAsync();
    const q = async (kind: string): Promise<number> => {
      const res = await fetch(`${influxUrl}/query?db=${database}&q=${encodeURIComponent(`SELECT count(rttMs) FROM telemetry WHERE village = 'lang-moi' AND kind = '${kind}'`)}`);
      const body = (await res.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
      return Number(body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
    };
    const deadline = Date.now() + 30_000;
    while ((await q('onvif-camera')) < 1 && Date.now() < deadline) await sleep(250);
    expect(await q('onvif-camera')).toBe(1);
    expect(await q('generic')).toBe(0);
  }, 60_000);
});
