import { connect as tcpConnect } from 'node:net';
import { once } from 'node:events';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { addReader, connect, issueDevice, sleep } from './helpers.js';

/**
 * Hostile input stopped at the door: invalid messages are neither retained nor forwarded, metric names
 * are bounded, a flooding client is slowed and then disconnected while its neighbours go on, a socket
 * that never says CONNECT is closed.
 */
const village = testVillage.id;
const open: MqttClient[] = [];
const track = (c: MqttClient): MqttClient => (open.push(c), c);
afterAll(() => {
  for (const c of open) c.end(true);
});

describe('invalid messages', () => {
  let t: TestHub;
  let cam = '';
  let reader = '';
  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'cam-1', village, name: 'Camera cổng', kind: 'onvif-camera', timeoutS: 600 }],
      broker: { allowAnonymous: false },
    });
    cam = await issueDevice(t, village, 'cam-1');
    reader = await addReader(t, 'node-red');
  });
  afterAll(async () => t?.stop());

  it('are neither retained nor forwarded, whatever the QoS; the device’s real status stays; the client stays connected', async () => {
    const sub = track(await connect(t.mqttUrl, { clientId: 'nr', username: 'node-red', password: reader }));
    const seen: string[] = [];
    sub.on('message', (topic, payload) => topic.includes('cam-1') && seen.push(payload.toString()));
    await sub.subscribeAsync(['langso/#', '$SYS/#'], { qos: 2 });
    const c = track(await connect(t.mqttUrl, { clientId: 'cam-1', username: 'dong-cam/cam-1', password: cam }));
    await c.publishAsync('langso/dong-cam/cam-1/status', '{"state":"online"}', { qos: 1, retain: true });
    await waitFor(() => seen.length === 1, 3_000, 'the valid status forwarded');
    const dropped = t.hub.ctx.counters.get('ingest.dropped');
    const bad: Array<[string, string]> = [
      ['status', '{"state":"sleepy"}'],
      ['status', 'not json'],
      ['status', '{"state":"offline","colour":"red"}'],
      ['telemetry', '{"rttMs":"fast"}'],
      ['event', '{"message":"no type"}'],
      ['config', '{}'],
    ];
    for (const qos of [0, 1, 2] as const) {
      for (const [channel, payload] of bad) await c.publishAsync(`langso/dong-cam/cam-1/${channel}`, payload, { qos, retain: true });
    }
    await waitFor(() => t.hub.ctx.counters.get('ingest.dropped') === dropped + bad.length * 3, 3_000, 'every bad message counted');
    await c.publishAsync('langso/dong-cam/cam-1/telemetry', '{"rttMs":9}', { qos: 1 });
    await waitFor(() => seen.length === 2, 3_000, 'the good reading after them');
    expect(seen).toEqual(['{"state":"online"}', '{"rttMs":9}']);
    expect(c.connected).toBe(true);
    expect(t.hub.ctx.devices.get({ village, device: 'cam-1' })?.state).toBe('online');

    // A new subscriber gets the real retained status and nothing else.
    const late = track(await connect(t.mqttUrl, { clientId: 'nr-2', username: 'node-red', password: reader }));
    const retained: string[] = [];
    late.on('message', (topic, payload, packet) => packet.retain && retained.push(`${topic} ${payload.toString()}`));
    await late.subscribeAsync(['langso/#', '$SYS/#'], { qos: 1 });
    await sleep(300);
    expect(retained.filter((r) => r.includes('cam-1'))).toEqual(['langso/dong-cam/cam-1/status {"state":"online"}']);
    expect(retained.filter((r) => r.startsWith('$SYS'))).toEqual([]);
  });
});

describe('metric names', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [
        { id: 'ap-1', village, name: 'AP 1', kind: 'wifi-ap', timeoutS: 600 },
        { id: 'ap-2', village, name: 'AP 2', kind: 'wifi-ap', timeoutS: 600 },
      ],
      limits: { metricsPerDevice: 64, seriesTotal: 100 },
      store: { kind: 'sqlite', writer: { flushMs: 50 } },
    });
  });
  afterAll(async () => t?.stop());

  const names = (prefix: string, n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));
  const counter = (n: string) => t.hub.ctx.counters.get(n);

  it('a device sending new names in every message keeps its first 64; the rest are refused, naming the limit', async () => {
    const c = track(await connect(t.mqttUrl, { clientId: 'ap-1' }));
    const base = Date.now() - 1_000_000;
    for (let m = 0; m < 300; m++) c.publish('langso/dong-cam/ap-1/telemetry', JSON.stringify({ ts: base + m, ...names(`m${m}x`, 64) }), { qos: 0 });
    await c.publishAsync('langso/dong-cam/ap-1/telemetry', JSON.stringify({ ts: base + 300, m0x1: 5 }), { qos: 1 });
    await waitFor(() => counter('ingest.dropped.metrics_limit') === 299, 5_000, '299 refusals');
    const err = await new Promise<string>((resolve) => {
      t.hub.ctx.bus.on('test', 'ingest-error', (e) => resolve(e.reason));
      c.publish('langso/dong-cam/ap-1/telemetry', JSON.stringify(names('late', 1)), { qos: 0 });
    });
    t.hub.ctx.bus.offOwner('test');
    expect(err).toMatch(/device dong-cam\/ap-1 would have 65 metric names, more than limits\.metricsPerDevice 64 \(new: late0\)/);
    await t.hub.ctx.writer.flush();
    expect(await t.hub.ctx.store.countTelemetry({ village, device: 'ap-1', from: base, to: base + 1_000 })).toBe(2);
  });

  it('the hub’s series are bounded too; devices not in the configuration cost none, and are not stored', async () => {
    const c = track(await connect(t.mqttUrl, { clientId: 'ap-2' }));
    const stranger = track(await connect(t.mqttUrl, { clientId: 'stranger' }));
    await stranger.publishAsync('langso/dong-cam/made-up/telemetry', JSON.stringify(names('s', 64)), { qos: 1 });
    await waitFor(() => t.hub.ctx.devices.get({ village, device: 'made-up' })?.telemetry, 3_000, 'the stranger listed');
    await c.publishAsync('langso/dong-cam/ap-2/telemetry', JSON.stringify(names('a', 36)), { qos: 1 });
    expect(counter('ingest.dropped.series_limit')).toBe(0);
    await c.publishAsync('langso/dong-cam/ap-2/telemetry', JSON.stringify(names('b', 1)), { qos: 1 });
    await waitFor(() => counter('ingest.dropped.series_limit') === 1, 3_000, 'the series limit');
    await t.hub.ctx.writer.flush();
    expect(await t.hub.ctx.store.countTelemetry({ village, device: 'made-up', from: 0, to: Date.now() + 1 })).toBe(0);
    expect(await t.hub.ctx.store.countTelemetry({ village, device: 'ap-2', from: 0, to: Date.now() + 1 })).toBe(1);
  });
});

describe('publish rate', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [
        { id: 'flood', village, name: 'Flooder', kind: 'pc', timeoutS: 600 },
        { id: 'pc-1', village, name: 'Máy tính', kind: 'pc', timeoutS: 600 },
      ],
      broker: { rateLimit: { messagesPerS: 50, burst: 50, disconnectAfterS: 2 } },
    });
  });
  afterAll(async () => t?.stop());

  it('a flooding client is slowed to the rate, then disconnected; a normal device beside it keeps working', async () => {
    const accepted = () => t.hub.ctx.devices.get({ village, device: 'flood' })?.telemetry?.fields.cpuLoad ?? -1;
    const flooder = track(await connect(t.mqttUrl, { clientId: 'flood' }));
    let closedAt = 0;
    flooder.on('close', () => (closedAt ||= performance.now()));
    const normal = track(await connect(t.mqttUrl, { clientId: 'pc-1' }));
    const started = performance.now();
    // 20 000 messages as fast as the socket takes them: 400 s of traffic at the allowed 50/s.
    for (let i = 0; i < 20_000; i++) flooder.publish('langso/dong-cam/flood/telemetry', `{"cpuLoad":${i}}`, { qos: 0 });
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await normal.publishAsync('langso/dong-cam/pc-1/telemetry', `{"cpuLoad":${i}}`, { qos: 1 });
      latencies.push(performance.now() - t0);
      if (i === 9) {
        // After a second: what got through is about the burst plus one second at the rate, not thousands.
        expect(accepted()).toBeGreaterThan(0);
        expect(accepted()).toBeLessThan(400);
      }
      await sleep(100);
    }
    await waitFor(() => closedAt > 0, 10_000, 'the flooder disconnected');
    const heldFor = (closedAt - started) / 1000;
    expect(heldFor).toBeGreaterThan(1.5);
    expect(heldFor).toBeLessThan(8);
    expect(t.hub.ctx.counters.get('broker.refused.flood')).toBe(1);
    expect(accepted()).toBeLessThan(1_000);
    await waitFor(() => t.hub.ctx.devices.get({ village, device: 'pc-1' })?.telemetry?.fields.cpuLoad === 19, 3_000, 'every normal reading');
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    expect(normal.connected).toBe(true);
  });
});

describe('connect timeout', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ villages: [testVillage], broker: { connectTimeoutS: 1, allowAnonymous: false } });
  });
  afterAll(async () => t?.stop());

  it('a socket that never sends CONNECT, or never finishes it, is closed and counted', async () => {
    const silent = tcpConnect(t.hub.ports.mqtt, '127.0.0.1');
    const partial = tcpConnect(t.hub.ports.mqtt, '127.0.0.1');
    await Promise.all([once(silent, 'connect'), once(partial, 'connect')]);
    partial.write(Buffer.from([0x10, 0x20, 0x00, 0x04]));
    const t0 = performance.now();
    await Promise.all([once(silent, 'close'), once(partial, 'close')]);
    const s = (performance.now() - t0) / 1000;
    expect(s).toBeGreaterThan(0.5);
    expect(s).toBeLessThan(5);
    expect(t.hub.ctx.counters.get('broker.refused.connect-timeout')).toBe(2);
  });
});
