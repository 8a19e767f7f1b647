import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, DevicesResponse, HealthResponse } from '../../shared/events.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const config = {
  villages: [testVillage],
  devices: [{ id: 'ap-1', village: 'dong-cam', name: 'Wi-Fi nhà văn hóa', kind: 'wifi-ap', location: 'Nhà văn hóa thôn' }],
  store: { kind: 'sqlite', writer: { flushMs: 50 } },
};

describe('unregistered devices: dismissed by an admin, back when they publish after it', () => {
  let dataDir: string;
  let t: TestHub;
  let client: MqttClient;
  let socket: Socket;
  const removed: Array<{ village: string; device: string }> = [];

  const devices = async (): Promise<DevicesResponse> => (await t.fetch(`${t.httpUrl}/api/devices`)).json() as Promise<DevicesResponse>;
  const listed = async (id: string): Promise<boolean> => (await devices()).devices.some((d) => d.id === id);
  const dismiss = (id: string, body: unknown = {}) =>
    t.fetch(`${t.httpUrl}/api/devices/dong-cam/${id}/dismiss`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const publish = (id: string, body: object) => client.publishAsync(`langso/dong-cam/${id}/telemetry`, JSON.stringify(body), { qos: 1 });
  const counters = async (): Promise<Record<string, number>> => ((await (await t.fetch(`${t.httpUrl}/api/health`)).json()) as HealthResponse).counters;
  const start = async (): Promise<void> => {
    t = await startTestHub(config, { dataDir });
    client = await mqtt.connectAsync(t.mqttUrl, { clientId: 'strangers', reconnectPeriod: 0 });
  };
  const stop = async (): Promise<void> => {
    await client?.endAsync(true).catch(() => undefined);
    await t?.stop();
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'langso-dismiss-'));
    await start();
    socket = ioClient(t.httpUrl, { transports: ['websocket'], extraHeaders: { cookie: (await t.admin()).cookie } });
    socket.on('device:removed', (ref: { village: string; device: string }) => removed.push(ref));
    await new Promise<void>((resolve) => socket.once('hello', () => resolve()));
  });

  afterAll(async () => {
    socket?.close();
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists a configured device with its location', async () => {
    expect((await devices()).devices.find((d) => d.id === 'ap-1')).toMatchObject({ registered: true, location: 'Nhà văn hóa thôn' });
  });

  it('refuses bad input with the field named, and counts it', async () => {
    const before = (await counters())['api.bad_requests'] ?? 0;
    const bad = await t.fetch(`${t.httpUrl}/api/devices/Dong_Cam/esp-1/dismiss`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ApiError).issues?.[0]?.path).toBe('village');
    // Who dismisses is the logged-in admin: a typed name is refused, not recorded.
    const typed = await dismiss('esp-1', { by: 'Anh Tuấn' });
    expect(typed.status).toBe(400);
    expect(await typed.json()).toMatchObject({ error: 'invalid dismissal', issues: [{ path: 'by', code: 'unknown-field' }] });
    const extra = await dismiss('esp-1', { reason: 'spam' });
    expect(((await extra.json()) as ApiError).issues?.[0]).toMatchObject({ path: '(body)', message: 'unknown parameter(s): reason' });
    expect((await counters())['api.bad_requests']).toBe(before + 3);
    expect(await (await dismiss('esp-none')).json()).toEqual({ error: 'no device "esp-none" in village "dong-cam"', code: 'not-found' });
    const configured = await dismiss('ap-1');
    expect(configured.status).toBe(409);
    expect(((await configured.json()) as ApiError).error).toMatch(/in the configuration file/);
  });

  it('a dismissed device leaves the list and the live dashboards; older messages do not bring it back', async () => {
    await publish('esp-1', { temp: 28 });
    await waitFor(() => listed('esp-1'), 5_000, 'esp-1 listed as unregistered');
    const res = await dismiss('esp-1');
    expect(res.status).toBe(200);
    const { dismissedAt } = (await res.json()) as { dismissedAt: number };
    expect(t.hub.ctx.state.prepare("SELECT dismissed_by FROM dismissed_devices WHERE device = 'esp-1'").get()).toEqual({ dismissed_by: 'admin' });
    expect(t.hub.security.audit.list({ limit: 1 })[0]).toMatchObject({ who: 'admin', action: 'device-dismiss', target: 'dong-cam/esp-1', village: 'dong-cam' });
    expect(await listed('esp-1')).toBe(false);
    await waitFor(() => removed.some((r) => r.device === 'esp-1'), 5_000, 'device:removed pushed');
    // A backlog the device flushes late, dated before the dismissal, is dropped and counted.
    await publish('esp-1', { ts: dismissedAt - 60_000, temp: 27 });
    await waitFor(async () => ((await counters())['ingest.dropped.dismissed'] ?? 0) >= 1, 5_000, 'the old message counted');
    expect(await listed('esp-1')).toBe(false);
  });

  it('stays dismissed across a restart for old messages, and comes back when it publishes anew', async () => {
    socket.close();
    await stop();
    await start();
    const at = t.hub.ctx.state.prepare("SELECT dismissed_at FROM dismissed_devices WHERE device = 'esp-1'").get() as { dismissed_at: number } | undefined;
    expect(at).toBeDefined();
    await publish('esp-1', { ts: at!.dismissed_at - 1_000, temp: 26 });
    await waitFor(async () => ((await counters())['ingest.dropped.dismissed'] ?? 0) >= 1, 5_000, 'the old message counted after the restart');
    expect(await listed('esp-1')).toBe(false);
    // Now, after the dismissal: listed again, the dismissal forgotten, and its state followed as before.
    await publish('esp-1', { temp: 29 });
    await waitFor(() => listed('esp-1'), 5_000, 'esp-1 back');
    expect(t.hub.ctx.state.prepare("SELECT COUNT(*) AS n FROM dismissed_devices WHERE device = 'esp-1'").get()).toEqual({ n: 0 });
    await client.publishAsync('langso/dong-cam/esp-1/status', JSON.stringify({ state: 'offline', reason: 'tắt máy' }), { qos: 1 });
    await waitFor(async () => (await devices()).devices.find((d) => d.id === 'esp-1')?.state === 'offline', 5_000, 'esp-1 offline');
  });

  it('dismissed twice in one run: the second dismissal stops the state tracking of the first comeback too', async () => {
    expect((await dismiss('esp-1')).status).toBe(200);
    await publish('esp-1', { temp: 30 });
    await waitFor(() => listed('esp-1'), 5_000, 'esp-1 back again');
    await client.publishAsync('langso/dong-cam/esp-1/status', JSON.stringify({ state: 'online' }), { qos: 1 });
    await waitFor(async () => (await devices()).devices.find((d) => d.id === 'esp-1')?.state === 'online', 5_000, 'the new entry follows its status');
  });
});
