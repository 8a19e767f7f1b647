import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { InfluxDB } from 'influx';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ClientToServerEvents, DevicesResponse, ReadingPush, ServerToClientEvents, StateChange } from '../../shared/events.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * The spine end to end with real parts: mqtt.js device → aedes over TCP → ingest → availability →
 * InfluxDB (a real influxd) and socket.io → a socket.io client.
 */
describe('spine: device → MQTT → InfluxDB → live socket', () => {
  const database = `spine_${process.pid}_${Date.now()}`;
  let t: TestHub;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  const states: StateChange[] = [];
  const readings: ReadingPush[] = [];
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [
        { id: 'cam-cong-thon', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 60 },
        { id: 'ap-san-the-thao', village: 'dong-cam', name: 'Wi-Fi sân thể thao', kind: 'wifi-ap', timeoutS: 1.5 },
      ],
      store: { kind: 'influx', url: inject('influxUrl'), database, writer: { flushMs: 100 } },
    });
    socket = ioClient(t.httpUrl, { transports: ['websocket'], extraHeaders: { cookie: (await t.admin()).cookie } });
    socket.on('device:state', (s) => states.push(s));
    socket.on('device:reading', (r) => readings.push(r));
    await new Promise<void>((resolve, reject) => {
      socket.once('hello', () => resolve());
      socket.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.close();
    for (const c of clients) c.end(true);
    await t?.stop();
  });

  function connect(clientId: string, will?: { topic: string; payload: string }): Promise<MqttClient> {
    const c = mqtt.connect(t.mqttUrl, {
      clientId,
      reconnectPeriod: 0,
      ...(will ? { will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true } } : {}),
    });
    clients.push(c);
    return new Promise((resolve, reject) => {
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
  }

  it('a device with a Last Will goes online, its reading reaches the socket and InfluxDB, and the LWT takes it offline', async () => {
    const topic = (ch: string) => `langso/dong-cam/cam-cong-thon/${ch}`;
    const cam = await connect('cam-cong-thon', { topic: topic('status'), payload: '{"state":"offline","reason":"lwt"}' });
    await cam.publishAsync(topic('status'), '{"state":"online"}', { qos: 1, retain: true });
    const ts = Date.now();
    await cam.publishAsync(topic('telemetry'), JSON.stringify({ ts, rttMs: 42, streamOk: true, imageLuma: 120.5 }), { qos: 1 });

    const online = await waitFor(() => states.find((s) => s.device === 'cam-cong-thon' && s.state === 'online'), 5_000, 'online push');
    expect(online).toMatchObject({ village: 'dong-cam', from: 'unknown' });
    const reading = await waitFor(() => readings.find((r) => r.device === 'cam-cong-thon'), 5_000, 'reading push');
    expect(reading).toMatchObject({ ts, fields: { rttMs: 42, streamOk: true, imageLuma: 120.5 } });

    // The REST list agrees with what was pushed.
    const list = (await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as DevicesResponse;
    const dev = list.devices.find((d) => d.id === 'cam-cong-thon');
    expect(dev).toMatchObject({ state: 'online', name: 'Camera cổng thôn', kind: 'onvif-camera', telemetry: { ts } });
    expect(dev?.lastSeen).toBeGreaterThanOrEqual(ts);

    // The point is in InfluxDB, with its tags and booleans as 0/1.
    const influx = new InfluxDB({ host: '127.0.0.1', port: Number(new URL(inject('influxUrl')).port), database });
    const rows = await waitFor(async () => {
      const r = await influx.query<{ rttMs: number; streamOk: number; kind: string }>(
        `SELECT "rttMs", "streamOk", "kind" FROM "telemetry" WHERE "device" = 'cam-cong-thon' AND "village" = 'dong-cam'`,
      );
      return r.length > 0 ? r : null;
    }, 10_000, 'point in InfluxDB');
    expect(rows[0]).toMatchObject({ rttMs: 42, streamOk: 1, kind: 'onvif-camera' });
    expect(new Date(rows[0]!.time as unknown as string).getTime()).toBe(ts);

    // Power loss: the socket dies without DISCONNECT; aedes publishes the Last Will.
    cam.stream.destroy();
    const offline = await waitFor(() => states.find((s) => s.device === 'cam-cong-thon' && s.state === 'offline'), 5_000, 'LWT offline');
    expect(offline).toMatchObject({ from: 'online', reason: 'lwt' });

    // Both transitions are stored, in the retention policy kept as long as the rollups.
    const avail = await waitFor(async () => {
      const r = await influx.query<{ state: string; up: number }>(`SELECT "state", "up" FROM "history"."availability" WHERE "device" = 'cam-cong-thon'`);
      return r.length >= 2 ? r : null;
    }, 10_000, 'availability points');
    expect(avail.map((p) => [p.state, p.up])).toEqual([['online', 1], ['offline', 0]]);
  });

  it('a device that just stops publishing goes offline after its timeout', async () => {
    const ap = await connect('ap-san-the-thao');
    await ap.publishAsync('langso/dong-cam/ap-san-the-thao/telemetry', JSON.stringify({ clients: 7, rxBps: 1200 }), { qos: 1 });
    await waitFor(() => states.find((s) => s.device === 'ap-san-the-thao' && s.state === 'online'), 5_000, 'AP online');
    const silentSince = Date.now();
    const mark = states.length;
    // Connected but silent (a hung agent): only the heartbeat timeout can catch it.
    const offline = await waitFor(
      () => states.slice(mark).find((s) => s.device === 'ap-san-the-thao' && s.state === 'offline'),
      5_000,
      'timeout offline',
    );
    expect(offline.reason).toBe('timeout');
    expect(offline.ts - silentSince).toBeGreaterThanOrEqual(1_400);
    expect(ap.connected).toBe(true);
  });
});
