import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { HealthResponse } from '../../shared/events.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { DEVICES, sleep, startUpstream, tally, uplinkDoc, UpstreamWatcher, V, type Upstream } from './helpers.js';
import { cleanupsAfter } from '../helpers/cleanups.js';

const cleanups = cleanupsAfter('each', { tolerant: true });

async function upstream(): Promise<Upstream> {
  const u = await startUpstream();
  cleanups.push(() => u.stop());
  return u;
}

async function watcher(url: string): Promise<UpstreamWatcher> {
  const w = await UpstreamWatcher.open(url);
  cleanups.push(() => w.close());
  return w;
}

async function hub(doc: Record<string, unknown>, dataDir?: string): Promise<TestHub> {
  const th = await startTestHub(doc, dataDir ? { dataDir } : {});
  cleanups.push(() => th.stop());
  return th;
}

/** An upstream broker, a watcher on it and a hub sending there (`over` for uplinkDoc), once the hub's $hub/status is upstream. */
async function connectedHub(over: Record<string, unknown>, what: string): Promise<{ up: Upstream; w: UpstreamWatcher; th: TestHub }> {
  const up = await upstream();
  const w = await watcher(up.broker.url);
  const th = await hub(uplinkDoc(up.proxy.url, over));
  await waitFor(() => w.on(`langso/${V}/$hub/status`).length > 0, 10_000, what);
  return { up, w, th };
}

async function device(th: TestHub, id: string) {
  const c = await mqtt.connectAsync(th.mqttUrl, { clientId: `dev-${id}-${Math.random().toString(16).slice(2)}` });
  cleanups.push(() => c.endAsync(true));
  return c;
}

async function health(th: TestHub): Promise<HealthResponse> {
  const res = await th.fetch('/api/health');
  return (await res.json()) as HealthResponse;
}

const T = (id: string, ch: string) => `langso/${V}/${id}/${ch}`;

describe('uplink: the contract upstream (Mosquitto)', () => {
  it('forwards accepted status/telemetry/event with ts, device states, $hub/status, inventory and alerts', { timeout: 60_000 }, async () => {
    const { up, w, th } = await connectedHub({}, '$hub/status upstream');
    const ap = await device(th, 'ap-1');

    const before = Date.now();
    await ap.publishAsync(T('ap-1', 'status'), JSON.stringify({ state: 'online', ts: before - 5_000 }), { qos: 1, retain: true });
    await ap.publishAsync(T('ap-1', 'telemetry'), JSON.stringify({ clients: 7 }), { qos: 1 });
    await ap.publishAsync(T('ap-1', 'event'), JSON.stringify({ type: 'reboot', ts: before - 1_000, severity: 'warning' }), { qos: 1 });
    // Refused by the hub's parser: never forwarded.
    await ap.publishAsync(T('ap-1', 'telemetry'), JSON.stringify({ clients: 'many' }), { qos: 1 });
    const after = Date.now();

    await waitFor(() => w.on(T('ap-1', 'event')).length === 1, 10_000, 'event upstream');
    const status = w.on(T('ap-1', 'status'));
    expect(status).toHaveLength(1);
    expect(status[0]?.retain).toBe(true);
    expect(JSON.parse(status[0]?.payload ?? '')).toEqual({ state: 'online', ts: before - 5_000 });
    const tele = w.json<{ clients: number; ts: number }>(T('ap-1', 'telemetry'));
    expect(tele).toHaveLength(1);
    expect(tele[0]?.clients).toBe(7);
    // No ts from the device: the hub's receive time.
    expect(tele[0]?.ts).toBeGreaterThanOrEqual(before);
    expect(tele[0]?.ts).toBeLessThanOrEqual(after);
    expect(w.json(T('ap-1', 'event'))).toEqual([{ type: 'reboot', ts: before - 1_000, severity: 'warning' }]);

    // The hub's own view of the device, on every transition.
    await waitFor(() => w.json<{ state: string }>(`langso/${V}/$hub/devices/ap-1`).some((s) => s.state === 'online'), 10_000, 'device state online upstream');
    const state = w.json<Record<string, unknown>>(`langso/${V}/$hub/devices/ap-1`).find((s) => s.state === 'online');
    expect(state).toMatchObject({ state: 'online', since: expect.any(Number), ts: expect.any(Number) });

    const hubStatus = w.json<Record<string, unknown>>(`langso/${V}/$hub/status`);
    expect(hubStatus[0]).toMatchObject({ state: 'online', ts: expect.any(Number), version: th.hub.ctx.version, backlog: { messages: expect.any(Number), bytes: expect.any(Number) } });
    expect(w.on(`langso/${V}/$hub/status`)[0]?.retain).toBe(true);
    // Re-sent while connected (statusEveryS: 1 here).
    await waitFor(() => w.on(`langso/${V}/$hub/status`).length >= 2, 5_000, '$hub/status again');

    const inv = w.on(`langso/${V}/$hub/inventory`);
    expect(inv[0]?.retain).toBe(true);
    expect(JSON.parse(inv[0]?.payload ?? '')).toMatchObject({
      village: { id: V, name: testVillage.name, commune: testVillage.commune, province: testVillage.province, timezone: 'Asia/Ho_Chi_Minh' },
      devices: [
        { id: 'ap-1', name: DEVICES[0]?.name, kind: 'wifi-ap', location: 'Nhà văn hoá' },
        { id: 'pc-1', name: DEVICES[1]?.name, kind: 'pc', parent: 'ap-1' },
      ],
      ts: expect.any(Number),
    });

    // An alert: the AP says it is offline.
    await ap.publishAsync(T('ap-1', 'status'), JSON.stringify({ state: 'offline' }), { qos: 1, retain: true });
    await waitFor(() => w.json<{ change: string }>(`langso/${V}/$hub/alerts`).some((a) => a.change === 'fired'), 15_000, 'alert upstream');
    const alert = w.json<{ change: string; alert: Record<string, unknown>; ts: number }>(`langso/${V}/$hub/alerts`).find((a) => a.change === 'fired');
    expect(alert?.alert).toMatchObject({ village: V, device: 'ap-1', condition: 'offline', status: 'firing' });
    expect(w.on(`langso/${V}/$hub/alerts`)[0]?.retain).toBe(false);

    const h = await health(th);
    expect(h.uplink).toMatchObject({ state: 'connected', url: up.proxy.url, villages: [{ village: V, state: 'connected', protocol: 'MQTT 5' }] });
    const metrics = await (await th.fetch('/metrics')).text();
    expect(metrics).toMatch(new RegExp(`langso_uplink_connected\\{village="${V}"\\} 1`));
    expect(metrics).toMatch(new RegExp(`langso_uplink_backlog_messages\\{village="${V}"\\} \\d+`));
  });

  it('an upstream subscriber sees the village go dark (its Last Will) within the keepalive when the link dies', { timeout: 60_000 }, async () => {
    const up = await upstream();
    const th = await hub(uplinkDoc(up.proxy.url, { keepaliveS: 5, reconnectS: 60 }));
    const w = await watcher(up.broker.url);
    await waitFor(() => w.json<{ state: string }>(`langso/${V}/$hub/status`).some((s) => s.state === 'online'), 10_000, 'online');
    // The link goes silent (the proxy stops passing bytes, no reset): only the keepalive can tell.
    up.proxy.throttle(0);
    const cutAt = Date.now();
    const off = await waitFor(() => w.on(`langso/${V}/$hub/status`).find((m) => JSON.parse(m.payload).state === 'offline'), 20_000, 'Last Will upstream');
    expect(JSON.parse(off.payload)).toEqual({ state: 'offline' });
    // MQTT-3.1.2-24: the broker gives up after 1.5 × keepalive (plus its own check period).
    expect(off.at - cutAt).toBeLessThan(5_000 * 1.5 + 5_000);
    void th;
  });
});

describe('uplink: store-and-forward', () => {
  it('after a cut under load every message reaches the centre exactly once (duplicates counted) with its original ts', { timeout: 90_000 }, async () => {
    const up = await upstream();
    const w = await watcher(up.broker.url);
    const th = await hub(uplinkDoc(up.proxy.url));
    await waitFor(() => th.hub.ctx.counters.snapshot()['uplink.sent'] !== undefined || w.got.length > 0, 10_000, 'connected');
    const ap = await device(th, 'ap-1');
    const pc = await device(th, 'pc-1');
    const base = Date.now() - 3_600_000;
    let n = 0;
    const send = async (count: number) => {
      for (let i = 0; i < count; i++, n++) {
        await Promise.all([
          ap.publishAsync(T('ap-1', 'telemetry'), JSON.stringify({ ts: base + n, clients: n }), { qos: 1 }),
          pc.publishAsync(T('pc-1', 'telemetry'), JSON.stringify({ ts: base + n, cpuPct: n % 100 }), { qos: 1 }),
        ]);
        if (i % 25 === 0) await sleep(5);
      }
    };
    await send(100);
    up.proxy.cut();
    await send(300);
    await ap.publishAsync(T('ap-1', 'event'), JSON.stringify({ type: 'door', ts: base + 99_999 }), { qos: 1 });
    await waitFor(async () => ((await health(th)).uplink?.backlog.messages ?? 0) >= 300, 10_000, 'backlog in /api/health');
    const during = await health(th);
    expect(during.uplink?.state).toBe('disconnected');
    expect(during.uplink?.backlog.oldestTs).toEqual(expect.any(Number));
    await send(100);
    up.proxy.restore();
    await waitFor(() => tally(w.got, '/telemetry').unique.size === 1000, 30_000, 'every reading upstream');
    const { unique, duplicates } = tally(w.got, '/telemetry');
    for (let i = 0; i < 500; i++) {
      expect(unique.get(`${T('ap-1', 'telemetry')}|${base + i}`)).toEqual({ ts: base + i, clients: i });
      expect(unique.get(`${T('pc-1', 'telemetry')}|${base + i}`)).toEqual({ ts: base + i, cpuPct: i % 100 });
    }
    expect(w.json(T('ap-1', 'event'))).toEqual([{ type: 'door', ts: base + 99_999 }]);
    // Only a cut between a PUBLISH and its PUBACK sends one twice.
    expect(duplicates).toBeLessThanOrEqual(th.hub.ctx.config.uplink?.inflight ?? 0);
    await waitFor(async () => (await health(th)).uplink?.backlog.messages === 0, 10_000, 'backlog empty');
  });

  it('a hub restarted in the middle of an outage loses nothing that was queued', { timeout: 90_000 }, async () => {
    const up = await upstream();
    const w = await watcher(up.broker.url);
    const first = await startTestHub(uplinkDoc(up.proxy.url));
    const dataDir = first.dataDir;
    cleanups.push(async () => {
      const { rm } = await import('node:fs/promises');
      await rm(dataDir, { recursive: true, force: true });
    });
    up.proxy.cut();
    const ap = await mqtt.connectAsync(first.mqttUrl);
    const base = Date.now() - 600_000;
    for (let i = 0; i < 200; i++) await ap.publishAsync(T('ap-1', 'telemetry'), JSON.stringify({ ts: base + i, clients: i }), { qos: 1 });
    await ap.endAsync(true);
    // The broker acknowledges before the hub has handled a message: stop once all 200 are in.
    await waitFor(() => (first.hub.ctx.counters.snapshot()['ingest.accepted'] ?? 0) >= 200, 10_000, 'every message handled');
    await first.hub.stop();

    const second = await hub(uplinkDoc(up.proxy.url), dataDir);
    expect((await health(second)).uplink?.backlog.messages).toBeGreaterThanOrEqual(200);
    up.proxy.restore();
    await waitFor(() => tally(w.got, '/telemetry').unique.size === 200, 30_000, 'every reading upstream after the restart');
    const { unique } = tally(w.got, '/telemetry');
    expect([...unique.values()].map((b) => b.clients)).toEqual([...Array(200).keys()]);
  });

  it('replays older values of a retained topic without the retain flag: the broker keeps the newest', { timeout: 60_000 }, async () => {
    const { up, w, th } = await connectedHub({ backlogPerS: 20 }, 'connected');
    up.proxy.cut();
    const ap = await device(th, 'ap-1');
    const base = Date.now() - 60_000;
    await ap.publishAsync(T('ap-1', 'status'), JSON.stringify({ state: 'online', ts: base }), { qos: 1, retain: true });
    // Both statuses wait in the queue with readings between them; the older goes first, as history.
    for (let i = 0; i < 60; i++) await ap.publishAsync(T('ap-1', 'telemetry'), JSON.stringify({ ts: base + 1 + i, clients: i }), { qos: 1 });
    await ap.publishAsync(T('ap-1', 'status'), JSON.stringify({ state: 'offline', ts: base + 100 }), { qos: 1, retain: true });
    up.proxy.restore();
    await waitFor(() => w.on(T('ap-1', 'status')).length === 2, 15_000, 'both statuses upstream');
    const got = w.on(T('ap-1', 'status')).map((m) => ({ state: (JSON.parse(m.payload) as { state: string }).state, retain: m.retain }));
    expect(got).toEqual(expect.arrayContaining([{ state: 'online', retain: false }, { state: 'offline', retain: true }]));
    // A subscriber arriving now (a central instance after a restart) is told the newest.
    const late = await watcher(up.broker.url);
    await waitFor(() => late.on(T('ap-1', 'status')).length === 1, 5_000, 'the retained status');
    expect(late.json(T('ap-1', 'status'))).toEqual([{ state: 'offline', ts: base + 100 }]);
  });

  it('sends live messages first while a backlog drains at the configured rate', { timeout: 90_000 }, async () => {
    const { up, w, th } = await connectedHub({ backlogPerS: 50 }, 'connected');
    up.proxy.cut();
    const ap = await device(th, 'ap-1');
    const base = Date.now() - 600_000;
    for (let i = 0; i < 300; i++) await ap.publishAsync(T('ap-1', 'telemetry'), JSON.stringify({ ts: base + i, clients: i }), { qos: 1 });
    up.proxy.restore();
    await waitFor(() => tally(w.got, '/telemetry').unique.size >= 20, 15_000, 'the backlog starts draining');
    const live = Date.now();
    await ap.publishAsync(T('ap-1', 'telemetry'), JSON.stringify({ ts: live, clients: 999 }), { qos: 1 });
    await waitFor(() => w.json<{ clients: number }>(T('ap-1', 'telemetry')).some((b) => b.clients === 999), 5_000, 'the live reading upstream');
    // It overtook the backlog: most of it is still waiting.
    const backlogSoFar = tally(w.got, '/telemetry').unique.size - 1;
    expect(backlogSoFar).toBeLessThan(300);
    // The backlog order is kept.
    const order = w.json<{ clients: number }>(T('ap-1', 'telemetry')).map((b) => b.clients).filter((c) => c !== 999);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    await waitFor(() => tally(w.got, '/telemetry').unique.size === 301, 30_000, 'the whole backlog');
  });
});
