/**
 * Device events end to end, with real parts: events published with Debian's mosquitto_pub and with mqtt.js
 * into a real hub, stored by both metric stores (SQLite and a real influxd), read back from the store and
 * from GET /api/devices/:village/:device/events, pushed live over socket.io; the hub's own poller of a
 * simulated ONVIF camera publishes its `info` event the same way; a critical event raises an alert.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InfluxDB } from 'influx';
import mqtt from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSimulatedCamera, type SimulatedCamera } from '../../devices/onvif-camera/simulator/index.js';
import type { AlertsResponse, ApiError, HealthResponse, ClientToServerEvents, DeviceEventsResponse, DeviceEventView, ServerToClientEvents } from '../../shared/events.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const run = promisify(execFile);
const influxUrl = inject('influxUrl');
const database = `langso_events_${process.pid}_${Date.now().toString(36)}`;
const USER = 'admin';
const PASS = 'Cong@lang 2024';

const stores = {
  sqlite: { kind: 'sqlite', writer: { flushMs: 50 } },
  influx: { kind: 'influx', url: influxUrl, database, writer: { flushMs: 50 } },
} as const;

afterAll(async () => {
  const u = new URL(influxUrl);
  await new InfluxDB({ host: u.hostname, port: Number(u.port) }).dropDatabase(database).catch(() => undefined);
});

describe.each(Object.keys(stores) as Array<keyof typeof stores>)('device events (%s store)', (storeKind) => {
  let th: TestHub;
  let cam: SimulatedCamera;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  const pushed: DeviceEventView[] = [];

  beforeAll(async () => {
    cam = await startSimulatedCamera({ name: 'Camera chợ', username: USER, password: PASS });
    th = await startTestHub({
      villages: [testVillage],
      devices: [
        { id: 'cam-1', village: testVillage.id, name: 'Camera cổng làng', kind: 'onvif-camera' },
        { id: 'cam-cho', village: testVillage.id, name: 'Camera chợ', kind: 'onvif-camera', poll: { xaddr: cam.xaddr, username: USER, password: PASS } },
      ],
      store: stores[storeKind],
    });
    socket = ioClient(th.httpUrl, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: (await th.admin()).cookie } });
    socket.on('device:event', (e) => pushed.push(e));
    await new Promise<void>((resolve, reject) => {
      socket.once('hello', () => resolve());
      socket.once('connect_error', reject);
    });
  }, 60_000);

  afterAll(async () => {
    socket?.close();
    await th?.stop();
    await cam?.close();
  });

  const events = async (device: string, query = ''): Promise<DeviceEventsResponse> => {
    const res = await th.fetch(`${th.httpUrl}/api/devices/${testVillage.id}/${device}/events${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as DeviceEventsResponse;
  };

  it('stores what devices publish, newest first, and pushes it live', async () => {
    const port = String(th.hub.ports.mqtt);
    const topic = `langso/${testVillage.id}/cam-1/event`;
    const bootTs = Date.now() - 60_000;
    const client = await mqtt.connectAsync(th.mqttUrl, { clientId: 'cam-1' });
    await client.publishAsync(topic, JSON.stringify({ type: 'boot', ts: bootTs, message: 'Thiết bị khởi động lại sau khi mất điện' }), { qos: 1 });
    await client.endAsync();
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-t', topic, '-m', JSON.stringify({ type: 'tamper', severity: 'critical', message: 'Vỏ camera bị mở' })]);

    const body = await waitFor(async () => {
      const r = await events('cam-1');
      return r.events.length === 2 ? r : null;
    }, 10_000, 'both events through the REST API');
    expect(body.events.map((e) => ({ ...e, ts: e.type === 'boot' ? e.ts : 'now' }))).toEqual([
      { village: testVillage.id, device: 'cam-1', ts: 'now', type: 'tamper', severity: 'critical', message: 'Vỏ camera bị mở' },
      { village: testVillage.id, device: 'cam-1', ts: bootTs, type: 'boot', severity: 'info', message: 'Thiết bị khởi động lại sau khi mất điện' },
    ]);
    expect(body.events[0]!.ts).toBeGreaterThan(bootTs);

    const stored = await th.hub.ctx.store.events({ village: testVillage.id, device: 'cam-1', from: 0, to: Date.now() + 60_000, limit: 10 });
    expect(stored.map((e) => [e.type, e.severity, e.kind])).toEqual([
      ['tamper', 'critical', 'onvif-camera'],
      ['boot', 'info', 'onvif-camera'],
    ]);
    expect((await events('cam-1', '?limit=1')).events.map((e) => e.type)).toEqual(['tamper']);
    expect((await events('cam-1', `?to=${bootTs + 1}`)).events.map((e) => e.type)).toEqual(['boot']);

    await waitFor(() => pushed.filter((e) => e.device === 'cam-1').length === 2, 5_000, 'both events on the socket');
    expect(pushed.filter((e) => e.device === 'cam-1').map((e) => e.type)).toEqual(['boot', 'tamper']);

    // The critical one is an alert; the boot (info) is not.
    const alerts = (await (await th.fetch(`${th.httpUrl}/api/alerts`)).json()) as AlertsResponse;
    expect(alerts.alerts.map((a) => [a.key, a.condition, a.severity, a.detail.type])).toEqual([['event:tamper:dong-cam/cam-1', 'event', 'critical', 'tamper']]);
  });

  it("stores the hub's own poller's info event (the camera's facts) the same way", async () => {
    const info = await waitFor(async () => (await events('cam-cho')).events.find((e) => e.type === 'info'), 30_000, 'the poller\'s info event');
    expect(info).toMatchObject({ village: testVillage.id, device: 'cam-cho', severity: 'info' });
    expect(JSON.parse(info.message ?? '{}')).toMatchObject({ manufacturer: expect.any(String), model: expect.any(String) });
  });

  it('refuses bad queries naming the parameter, and unknown devices', async () => {
    const bad = async (query: string, path: string) => {
      const res = await th.fetch(`${th.httpUrl}/api/devices/${testVillage.id}/cam-1/events${query}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as ApiError;
      expect(body.error).toBe('invalid events query');
      expect(body.issues?.map((i) => i.path)).toContain(path);
    };
    await bad('?from=yesterday', 'from');
    await bad('?limit=0', 'limit');
    await bad('?limit=many', 'limit');
    await bad('?from=2000&to=1000', 'from');
    await bad('?device=cam-2', '(query)');
    const unknown = await th.fetch(`${th.httpUrl}/api/devices/${testVillage.id}/cam-9/events`);
    expect(unknown.status).toBe(404);
    const notSlug = await th.fetch(`${th.httpUrl}/api/devices/Dong_Cam/cam-1/events`);
    expect(notSlug.status).toBe(400);
    // Counted where commune IT looks.
    const health = (await (await th.fetch(`${th.httpUrl}/api/health`)).json()) as HealthResponse;
    expect(health.counters['api.bad_requests']).toBe(6);
  });
});
