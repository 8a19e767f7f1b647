import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { Aedes } from 'aedes';
import { connect, connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Topics } from '../../hub/broker/topics.js';
import { systemClock, type Clock } from '../../hub/core/clock.js';
import { parseConfig } from '../../hub/config/load.js';
import { deviceKinds, type DeviceConfig, type DeviceKind, type VillageConfig } from '../../hub/config/schema.js';
import { createLogger } from '../../hub/core/log.js';
import { eventPayloadSchema, statusPayloadSchema, telemetryPayloadSchema } from '../../hub/ingest/payloads.js';
import { seededRandom } from '../../devices/sim/device.js';
import { FleetSimulator, type FleetOptions } from '../../devices/sim/fleet.js';
import { cleanupsAfter } from '../helpers/cleanups.js';

const topics = new Topics('langso');
const log = createLogger('silent');
const village: VillageConfig = { id: 'dong-cam', name: 'Đông Căm', timezone: 'Asia/Ho_Chi_Minh' };

interface Msg {
  topic: string;
  body: Record<string, unknown>;
  retain: boolean;
}

let broker: Aedes;
let server: net.Server;
let url: string;

beforeAll(async () => {
  broker = await Aedes.createBroker();
  server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const cleanups = cleanupsAfter('each');

/** A real MQTT subscriber collecting everything under the prefix. */
async function subscriber(): Promise<{ msgs: Msg[]; client: MqttClient }> {
  const msgs: Msg[] = [];
  const client = connect(url, { clientId: `test-sub-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
  client.on('message', (topic, payload, packet) => {
    msgs.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown>, retain: packet.retain });
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topics.all(), { qos: 1 });
  cleanups.push(() => client.endAsync());
  return { msgs, client };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function dev(id: string, kind: DeviceKind, extra: Partial<DeviceConfig> = {}): DeviceConfig {
  return { id, village: village.id, name: id, kind, ...extra };
}

async function fleet(devices: DeviceConfig[], extra: Partial<FleetOptions> = {}): Promise<FleetSimulator> {
  const f = new FleetSimulator({
    url,
    topics,
    villages: [village],
    devices,
    sim: { failureEveryS: 1_000_000, telemetryEveryS: 0.05 },
    log,
    random: seededRandom(42),
    randomFailures: false,
    ...extra,
  });
  cleanups.push(() => f.stop());
  await f.start();
  return f;
}

const of = (msgs: Msg[], device: string, channel: 'status' | 'telemetry' | 'event'): Msg[] =>
  msgs.filter((m) => m.topic === topics[channel](village.id, device));
const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1];

const ts = z.number().int().positive();
const uptimeS = z.number().int().min(0);
const rttMs = z.number().min(0).max(1_000);
const telemetrySchemas: Record<DeviceKind, z.ZodType> = {
  'wifi-ap': z.strictObject({ ts, clients: z.number().int().min(0).max(200), rxBps: z.number().int().min(0), txBps: z.number().int().min(0), uptimeS }),
  'onvif-camera': z.strictObject({
    ts,
    rttMs,
    streamOk: z.boolean(),
    snapshotOk: z.boolean(),
    snapshotAgeS: z.number().min(0),
    clockDriftS: z.number().min(-60).max(60),
    imageLuma: z.number().int().min(0).max(255),
    frozen: z.boolean(),
  }),
  'meeting-room': z.strictObject({ ts, rttMs, codecOk: z.boolean(), displayOk: z.boolean(), cameraOk: z.boolean() }),
  pc: z.strictObject({ ts, cpuLoad: z.number().min(0).max(1), memUsedPct: z.number().min(0).max(100), diskFreePct: z.number().min(0).max(100), uptimeS }),
  router: z.strictObject({ ts, rttMs, uptimeS }),
  switch: z.strictObject({ ts, rttMs, uptimeS }),
  generic: z.strictObject({ ts, rttMs, uptimeS }),
  nvr: z.strictObject({ ts, rttMs, webOk: z.boolean(), uptimeS }),
};

describe('SimulatedDevice over a real aedes broker', () => {
  it('publishes a retained online status, then telemetry with the fields of its kind', async () => {
    const { msgs } = await subscriber();
    const devices = deviceKinds.map((kind) => dev(`d-${kind}`, kind));
    await fleet(devices);
    await waitFor('5 readings per kind', () => devices.every((d) => of(msgs, d.id, 'telemetry').length >= 5));
    for (const d of devices) {
      expect(of(msgs, d.id, 'status')[0]?.body).toMatchObject({ state: 'online' });
      for (const m of of(msgs, d.id, 'status')) statusPayloadSchema.parse(m.body);
      for (const m of of(msgs, d.id, 'telemetry')) {
        const schema = telemetrySchemas[d.kind];
        if (!schema) throw new Error(`no telemetry schema for kind ${d.kind} in this test`);
        schema.parse(m.body);
        telemetryPayloadSchema.parse(m.body); // what the hub's ingest accepts
      }
    }
    // A subscriber arriving later still learns the state: the status is retained.
    const late = await subscriber();
    await waitFor('retained status', () => of(late.msgs, 'd-pc', 'status').length > 0);
    expect(of(late.msgs, 'd-pc', 'status')[0]).toMatchObject({ retain: true, body: { state: 'online' } });
  });

  it('power loss: the broker publishes the Last Will; recovery reconnects, says online and reports the boot', async () => {
    const { msgs } = await subscriber();
    const f = await fleet([dev('cam-cong-thon', 'onvif-camera')]);
    await waitFor('telemetry', () => of(msgs, 'cam-cong-thon', 'telemetry').length > 0);
    expect(f.failNow(village.id, 'cam-cong-thon', 'power-loss', 60)).toBe(true);
    await waitFor('LWT', () => last(of(msgs, 'cam-cong-thon', 'status'))?.body.state === 'offline');
    expect(last(of(msgs, 'cam-cong-thon', 'status'))?.body).toEqual({ state: 'offline', reason: 'lwt' });
    expect(f.stats()).toMatchObject({ connected: 0, failing: { 'power-loss': 1 } });

    const before = of(msgs, 'cam-cong-thon', 'telemetry').length;
    await new Promise((r) => setTimeout(r, 200));
    expect(of(msgs, 'cam-cong-thon', 'telemetry').length).toBe(before);

    expect(f.recoverNow(village.id, 'cam-cong-thon')).toBe(true);
    await waitFor('online again', () => last(of(msgs, 'cam-cong-thon', 'status'))?.body.state === 'online');
    await waitFor('boot event', () => of(msgs, 'cam-cong-thon', 'event').length === 1);
    expect(eventPayloadSchema.parse(of(msgs, 'cam-cong-thon', 'event')[0]?.body)).toMatchObject({ type: 'boot', severity: 'info' });
    await waitFor('telemetry again', () => of(msgs, 'cam-cong-thon', 'telemetry').length > before);
    expect(f.stats()).toMatchObject({ connected: 1, failures: 1, recoveries: 1 });
  });

  it('explicit failure: a retained offline status with a readable reason, then online again', async () => {
    const { msgs } = await subscriber();
    const f = await fleet([dev('ap-cong-thon', 'wifi-ap')]);
    await waitFor('online', () => of(msgs, 'ap-cong-thon', 'status').length > 0);
    f.failNow(village.id, 'ap-cong-thon', 'explicit', 60);
    await waitFor('offline', () => last(of(msgs, 'ap-cong-thon', 'status'))?.body.state === 'offline');
    const offline = last(of(msgs, 'ap-cong-thon', 'status'))?.body;
    expect(statusPayloadSchema.parse(offline).reason).toMatch(/^(mất điện|đứt cáp mạng|thiết bị quá nhiệt)$/);
    expect(f.stats().connected).toBe(1);
    f.recoverNow(village.id, 'ap-cong-thon');
    await waitFor('online again', () => last(of(msgs, 'ap-cong-thon', 'status'))?.body.state === 'online');
  });

  it('hang: stays connected but publishes nothing until it recovers', async () => {
    const { msgs } = await subscriber();
    const f = await fleet([dev('pc-nha-van-hoa', 'pc')]);
    await waitFor('telemetry', () => of(msgs, 'pc-nha-van-hoa', 'telemetry').length > 0);
    f.failNow(village.id, 'pc-nha-van-hoa', 'hang', 60);
    await new Promise((r) => setTimeout(r, 100)); // let a reading already in flight land
    const count = msgs.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(msgs.length).toBe(count);
    expect(f.stats()).toMatchObject({ connected: 1, failing: { hang: 1 } });
    f.recoverNow(village.id, 'pc-nha-van-hoa');
    await waitFor('telemetry again', () => of(msgs, 'pc-nha-van-hoa', 'telemetry').length > 0 && msgs.length > count + 2);
  });

  it('a router failure silences everything behind it until the router is back', async () => {
    const { msgs } = await subscriber();
    const f = await fleet([
      dev('router', 'router'),
      dev('switch', 'switch', { parent: 'router' }),
      dev('cam-nga-ba', 'onvif-camera', { parent: 'switch' }),
    ]);
    await waitFor('camera telemetry', () => of(msgs, 'cam-nga-ba', 'telemetry').length > 0);
    f.failNow(village.id, 'router', 'power-loss', 60);
    expect(f.stats().isolated).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    const cam = of(msgs, 'cam-nga-ba', 'telemetry').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(of(msgs, 'cam-nga-ba', 'telemetry').length).toBe(cam);
    f.recoverNow(village.id, 'router');
    expect(f.stats().isolated).toBe(0);
    await waitFor('camera telemetry again', () => of(msgs, 'cam-nga-ba', 'telemetry').length > cam);
  });

  it('fails and recovers on its own, at random', async () => {
    const { msgs } = await subscriber();
    const f = await fleet([dev('cam-a', 'onvif-camera'), dev('cam-b', 'onvif-camera')], {
      sim: { failureEveryS: 0.2, telemetryEveryS: 0.05 },
      failureDurationS: [0.1, 0.2],
      randomFailures: true,
    });
    await waitFor('several recoveries', () => f.stats().recoveries >= 4, 8_000);
    expect(msgs.some((m) => m.topic.endsWith('/status') && m.body.state === 'offline')).toBe(true);
  }, 10_000);

  it('stop() publishes nothing, sends no Last Will and leaves no timers', async () => {
    const { msgs } = await subscriber();
    const live = new Set<NodeJS.Timeout>();
    const clock: Clock = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => {
        const t = setTimeout(() => {
          live.delete(t);
          fn();
        }, ms);
        live.add(t);
        return t;
      },
      clearTimeout: (t) => {
        live.delete(t);
        clearTimeout(t);
      },
      setInterval: (fn, ms) => {
        const t = setInterval(fn, ms);
        live.add(t);
        return t;
      },
      clearInterval: (t) => {
        live.delete(t);
        clearInterval(t);
      },
    };
    const f = new FleetSimulator({
      url,
      topics,
      villages: [village],
      devices: [dev('router', 'router'), dev('ap', 'wifi-ap', { parent: 'router' }), dev('cam', 'onvif-camera')],
      sim: { failureEveryS: 0.3, telemetryEveryS: 0.05 },
      failureDurationS: [5, 10],
      log,
      clock,
      random: seededRandom(7),
    });
    await f.start();
    f.failNow(village.id, 'cam', 'explicit');
    await waitFor('telemetry and a random failure', () => f.stats().failures >= 2 && msgs.some((m) => m.topic.endsWith('/telemetry')));
    expect(live.size).toBeGreaterThan(0);
    await f.stop();
    expect(live.size).toBe(0);
    // Messages the devices sent before stopping may still be on their way (a loaded machine): a marker
    // published after stop() arrives after them, so everything counted past it was sent after stop().
    const marker = await connectAsync(url, { clientId: 'test-marker', reconnectPeriod: 0 });
    await marker.publishAsync(topics.event(village.id, 'marker'), JSON.stringify({ type: 'marker' }), { qos: 1 });
    await marker.endAsync();
    await waitFor('the marker', () => msgs.some((m) => m.body.type === 'marker'));
    const count = msgs.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(msgs.length).toBe(count);
    expect(msgs.some((m) => !m.retain && m.body.reason === 'lwt')).toBe(false);
  });

  it('follows the village clock: the cultural-house AP is busy at 20:00 and quiet at 03:00; cameras are dark at night', async () => {
    const at = (iso: string): Clock => {
      const fixed = Date.parse(iso);
      return { ...systemClock, now: () => fixed };
    };
    const sample = async (iso: string): Promise<{ clients: number; luma: number }> => {
      const { msgs } = await subscriber();
      const f = await fleet([dev('ap-nha-van-hoa', 'wifi-ap'), dev('cam-nha-van-hoa', 'onvif-camera')], {
        clock: at(iso),
        sim: { failureEveryS: 1_000_000, telemetryEveryS: 0.02 },
      });
      await waitFor('20 readings', () => of(msgs, 'ap-nha-van-hoa', 'telemetry').length >= 20 && of(msgs, 'cam-nha-van-hoa', 'telemetry').length >= 5);
      await f.stop();
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      return {
        clients: mean(of(msgs, 'ap-nha-van-hoa', 'telemetry').map((m) => m.body.clients as number)),
        luma: mean(of(msgs, 'cam-nha-van-hoa', 'telemetry').map((m) => m.body.imageLuma as number)),
      };
    };
    const evening = await sample('2025-03-10T20:00:00+07:00');
    const night = await sample('2025-03-10T03:00:00+07:00');
    const noon = await sample('2025-03-10T12:00:00+07:00');
    expect(evening.clients).toBeGreaterThan(15);
    expect(night.clients).toBeLessThanOrEqual(3);
    expect(night.luma).toBeLessThan(60);
    expect(noon.luma).toBeGreaterThan(100);
  });

  it('refuses an unknown device or failure mode with a readable error; leaves polled devices to the pollers', async () => {
    const f = await fleet([dev('router', 'router'), dev('cam-polled', 'onvif-camera', { poll: {} })]);
    expect(f.stats().devices).toBe(1);
    expect(() => f.failNow(village.id, 'cam-polled', 'hang')).toThrow(/no simulated device/);
    expect(() => f.failNow(village.id, 'nope', 'hang')).toThrow(/no simulated device "nope" in village "dong-cam"/);
    expect(() => f.failNow(village.id, 'router', 'flood' as 'hang')).toThrow(/unknown failure mode "flood"/);
  });
});

describe('config/demo.yaml', () => {
  it('parses and describes the Đông Căm demo village', async () => {
    const text = await readFile(new URL('../../config/demo.yaml', import.meta.url), 'utf8');
    const config = parseConfig(text, 'config/demo.yaml');
    expect(config.sim).toEqual({ enabled: true, failureEveryS: 600, telemetryEveryS: 3, internetOutageEveryS: 900, internetOutageS: 180 });
    expect(config.broker).toMatchObject({ port: 1883, wsPort: 9001 });
    expect(config.http.port).toBe(8080);
    expect(config.store.kind).toBe('sqlite');
    expect(config.villages.find((v) => v.id === 'dong-cam')).toMatchObject({ name: 'Đông Căm', commune: 'Gia Phú', province: 'Lào Cai' });
    const dongCam = config.devices.filter((d) => d.village === 'dong-cam');
    const ofKind = (kind: DeviceKind): string[] => dongCam.filter((d) => d.kind === kind).map((d) => d.id);
    expect(ofKind('wifi-ap')).toEqual(['ap-nha-van-hoa', 'ap-san-the-thao', 'ap-cong-thon']);
    expect(ofKind('onvif-camera')).toEqual(['cam-cong-thon', 'cam-nga-ba', 'cam-nha-van-hoa', 'cam-san-the-thao']);
    expect(ofKind('meeting-room')).toEqual(['phong-hop']);
    expect(ofKind('pc')).toEqual(['pc-nha-van-hoa']);
    expect(dongCam.find((d) => d.id === 'switch')?.parent).toBe('router');
    for (const id of ofKind('onvif-camera')) expect(dongCam.find((d) => d.id === id)?.parent).toBe('switch');
  });

  it('langso.example.yaml parses too', async () => {
    const text = await readFile(new URL('../../config/langso.example.yaml', import.meta.url), 'utf8');
    const config = parseConfig(text, 'config/langso.example.yaml');
    expect(config.sim.enabled).toBe(false);
    expect(config.devices.length).toBe(12);
  });
});
