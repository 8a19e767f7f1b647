import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startMosquitto, type MosquittoHandle } from '../../scripts/services/mosquitto.js';
import { FakeVillage } from './fake-village.js';
import { startInstance, type InstanceProcess } from '../../scripts/services/central-instance.js';

/**
 * Two central instances (child processes, `langso start` with `mode: central`) on Debian's Mosquitto and
 * the test InfluxDB, fed by two villages that speak the upstream contract. The villages are played by
 * mqtt.js clients (fake-village.ts): a real village hub with `uplink:` replaces them one for one.
 */
const influxUrl = inject('influxUrl');
const database = `central_${process.pid}_${Date.now()}`;
const DEVICES = ['cam-1', 'cam-2', 'ap-1', 'ap-2', 'pc-1'];
const kindOf = (d: string): string => (d.startsWith('cam') ? 'onvif-camera' : d.startsWith('ap') ? 'wifi-ap' : 'pc');

let broker: MosquittoHandle;
let dir: string;
let a: InstanceProcess;
let b: InstanceProcess;
let villages: FakeVillage[];
let hooks: Server;
let hookUrl: string;
const received: Array<{ to: string; body: { id: string; change: string; text: string; alert: { condition: string; village: string } } }> = [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function influx(q: string): Promise<Array<{ columns: string[]; values: unknown[][]; tags?: Record<string, string> }>> {
  const res = await fetch(`${influxUrl}/query?db=${database}&epoch=ms&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][]; tags?: Record<string, string> }> }> };
  return body.results[0]?.series ?? [];
}

/** Telemetry points stored for a seq range: count and sum of `seq`, over every device of both villages. */
async function stored(from: number, to: number): Promise<{ count: number; sum: number }> {
  const s = await influx(`SELECT count(seq), sum(seq) FROM telemetry WHERE seq >= ${from} AND seq < ${to}`);
  const row = s[0]?.values[0];
  return { count: Number(row?.[1] ?? 0), sum: Number(row?.[2] ?? 0) };
}

async function waitFor<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await f();
  while (!ok(v)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v)}`);
    await sleep(250);
    v = await f();
  }
  return v;
}

// A day ago, whole seconds: inside the raw retention (30 days) whenever the test runs.
/** Low thresholds so a test can cross them with a few status messages. */
const BACKLOG = { backlog: { messages: 100, ageS: 3_600 } };
const BASE = Math.floor(Date.now() / 1000) * 1000 - 86_400_000;
/** One reading per device per seq, at BASE + seq seconds: its original time. */
async function publishRange(from: number, to: number): Promise<void> {
  for (let seq = from; seq < to; seq++) {
    await Promise.all(villages.flatMap((v) => DEVICES.map((d) => v.telemetry(d, BASE + seq * 1000, { seq, rttMs: seq % 50 }))));
  }
}
const expected = (from: number, to: number): { count: number; sum: number } => {
  const per = villages.length * DEVICES.length;
  return { count: (to - from) * per, sum: ((from + to - 1) * (to - from) * per) / 2 };
};

beforeAll(async () => {
  broker = await startMosquitto();
  dir = await mkdtemp(path.join(tmpdir(), 'langso-central-'));
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ to: req.url ?? '', body: JSON.parse(body) as (typeof received)[number]['body'] });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  const addr = hooks.address();
  hookUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  villages = [
    new FakeVillage({ url: broker.url, village: { id: 'dong-cam', name: 'Đông Căm', commune: 'Gia Phú', province: 'Lào Cai' }, devices: DEVICES.map((id) => ({ id, name: id, kind: kindOf(id) })) }),
    new FakeVillage({ url: broker.url, village: { id: 'ban-vuoc', name: 'Bản Vược', commune: 'Bản Vược', province: 'Lào Cai' }, devices: DEVICES.map((id) => ({ id, name: id, kind: kindOf(id) })) }),
  ];
  for (const v of villages) await v.connect();
  a = await startInstance({ id: 'a', dir, brokerUrl: broker.url, influxUrl, database, webhookUrl: `${hookUrl}/a`, extra: BACKLOG });
  b = await startInstance({ id: 'b', dir, brokerUrl: broker.url, influxUrl, database, webhookUrl: `${hookUrl}/b`, extra: BACKLOG });
  // Both bulk sessions joined the group (they start right after the retained state is read).
  await sleep(1_500);
}, 120_000);

afterAll(async () => {
  await a?.kill('SIGTERM');
  await b?.kill('SIGTERM');
  for (const v of villages ?? []) v.client?.end(true);
  await broker?.stop();
  await new Promise((r) => hooks?.close(r));
  await fetch(`${influxUrl}/query?q=${encodeURIComponent(`DROP DATABASE "${database}"`)}`, { method: 'POST' }).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('central mode: two instances on one MQTT 5 broker', () => {
  it('stores every reading of two villages exactly once, at its original time, the load split between the instances', async () => {
    await publishRange(0, 200);
    const want = expected(0, 200);
    const got = await waitFor('all readings stored', () => stored(0, 200), (s) => s.count >= want.count);
    expect(got).toEqual(want);
    // Original times, the kind learned from the inventory.
    const first = await influx(`SELECT seq FROM telemetry WHERE village = 'dong-cam' AND device = 'cam-1' AND kind = 'onvif-camera' ORDER BY time ASC LIMIT 1`);
    expect(first[0]?.values[0]).toEqual([BASE, 0]);
    // Both instances carried part of the load: each logs what it stored.
    const storedBy = (i: InstanceProcess): number => {
      const lines = i.log().split('\n').filter((l) => l.includes('"msg":"central: stored from upstream"'));
      const last = lines.at(-1);
      return last ? (JSON.parse(last) as { telemetry: number }).telemetry : 0;
    };
    await waitFor('both instances to report', async () => [storedBy(a), storedBy(b)], ([x, y]) => (x ?? 0) + (y ?? 0) >= want.count, 10_000);
    expect(storedBy(a)).toBeGreaterThan(want.count / 5);
    expect(storedBy(b)).toBeGreaterThan(want.count / 5);
  }, 120_000);

  it('records a backlog of old device states and alerts as late history, and notifies nobody of the past', async () => {
    const [v] = villages;
    const since = Date.now() - 2 * 3_600_000;
    await v!.deviceState('cam-2', 'offline', since);
    await v!.alert('fired', { id: 7, key: 'offline:dong-cam/cam-2', village: 'dong-cam', device: 'cam-2', condition: 'offline', severity: 'critical', startedAt: since, detail: {} }, since);
    await v!.alert('resolved', { id: 7, key: 'offline:dong-cam/cam-2', village: 'dong-cam', device: 'cam-2', condition: 'offline', severity: 'critical', startedAt: since, resolvedAt: since + 60_000, detail: {} }, since + 60_000);
    const point = await waitFor(
      'the late transition stored',
      () => influx(`SELECT "state" FROM "history".availability WHERE village = 'dong-cam' AND device = 'cam-2'`),
      (s) => (s[0]?.values.length ?? 0) > 0,
    );
    expect(point[0]?.values[0]?.[0]).toBe(since);
    expect(a.log()).toContain('central: late device state recorded as history');
    expect(b.log()).toContain('central: late device state recorded as history');
    await sleep(3_000);
    expect(received.filter((r) => r.body.id.includes('cam-2'))).toEqual([]);
  }, 60_000);

  it("alerts when a village hub's upstream backlog keeps growing past the threshold, and clears when it drains", async () => {
    const [v] = villages;
    const before = received.length;
    const now = Date.now();
    await v!.status({ messages: 150, bytes: 30_000, oldestTs: now - 600_000 });
    await v!.status({ messages: 400, bytes: 80_000, oldestTs: now - 600_000 });
    const fired = await waitFor('the backlog alert', async () => received.slice(before), (r) => r.some((x) => x.body.alert.condition === 'hub-backlog' && x.body.change === 'fired'), 30_000);
    const alert = fired.find((x) => x.body.alert.condition === 'hub-backlog');
    expect(alert?.to).toBe('/a');
    expect(alert?.body.text).toContain('Đông Căm');
    await v!.status({ messages: 0, bytes: 0, oldestTs: null });
    await waitFor('the backlog alert resolved', async () => received.slice(before), (r) => r.some((x) => x.body.alert.condition === 'hub-backlog' && x.body.change === 'resolved'), 30_000);
  }, 60_000);

  it("sees a village hub go dark by its Last Will within the keepalive; only the owner notifies", async () => {
    const before = received.length;
    const t0 = Date.now();
    villages[1]!.die();
    const hit = await waitFor('the owner to notify', async () => received.slice(before), (r) => r.some((x) => x.body.alert.condition === 'hub-offline'), 30_000);
    // Keepalive 5 s: the broker declares it gone after 1.5 × keepalive (MQTT-3.1.2-24), plus delivery.
    expect(Date.now() - t0).toBeLessThan(20_000);
    const offline = hit.filter((x) => x.body.alert.condition === 'hub-offline');
    expect(offline.map((x) => x.to)).toEqual(['/a']);
    expect(offline[0]?.body.text).toContain('Bản Vược');
    await sleep(2_000);
    expect(received.slice(before).filter((x) => x.to === '/b')).toEqual([]);
  }, 60_000);

  it('kill the owner under load: the other takes the whole load and the next notification; nothing is lost', async () => {
    // Village 2 is back for the load.
    villages[1] = new FakeVillage(villages[1]!.opts);
    await villages[1].connect();
    const load = publishRange(1_000, 1_400);
    await sleep(400);
    await a.kill('SIGKILL');
    await load;
    // Readings published once A is surely gone (its share is carried by B through A's session).
    await publishRange(2_000, 2_200);
    const after = expected(2_000, 2_200);
    expect(await waitFor('B to store what came after the kill', () => stored(2_000, 2_200), (s) => s.count >= after.count)).toEqual(after);
    // The next notification comes from B, now the owner.
    const before = received.length;
    villages[0]!.die();
    const hit = await waitFor('B to notify', async () => received.slice(before), (r) => r.some((x) => x.body.alert.condition === 'hub-offline'), 30_000);
    expect(hit.filter((x) => x.body.alert.condition === 'hub-offline').map((x) => x.to)).toEqual(['/b']);
    // A restarts on its data folder: what it had acknowledged but not yet written is in its journal.
    a = await startInstance({ id: 'a', dir, brokerUrl: broker.url, influxUrl, database, webhookUrl: `${hookUrl}/a`, extra: BACKLOG });
    const during = expected(1_000, 1_400);
    expect(await waitFor('every reading of the load', () => stored(1_000, 1_400), (s) => s.count >= during.count)).toEqual(during);
    expect(await stored(0, 10_000)).toEqual({ count: expected(0, 200).count + during.count + after.count, sum: expected(0, 200).sum + during.sum + after.sum });
  }, 180_000);
});
