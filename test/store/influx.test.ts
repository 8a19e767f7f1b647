import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { storeSchema } from '../../hub/config/schema.js';
import { Counters } from '../../hub/core/counters.js';
import { createLogger } from '../../hub/core/log.js';
import { continuousQueries, InfluxMetricStore, type InfluxStoreConfig } from '../../hub/store/influx.js';
import { MetricWriter } from '../../hub/store/writer.js';
import { freePort } from '../../scripts/services/influxd.js';
import { avail, ev, metricStoreContract, tel } from './contract.js';

const log = createLogger('silent');
const url = inject('influxUrl');
const admin = new InfluxDB({ host: new URL(url).hostname, port: Number(new URL(url).port) });
// Unique per file and run, so parallel runs against one influxd never meet.
const run = `langso_t${process.pid}_${Date.now().toString(36)}`;
const databases: string[] = [];
const MIN = 60_000;
const HOUR = 3_600_000;

function config(extra: Partial<InfluxStoreConfig> = {}, target = url): InfluxStoreConfig {
  const database = extra.database ?? `${run}_${databases.length}`;
  databases.push(database);
  return storeSchema.parse({ kind: 'influx', url: target, ...extra, database }) as InfluxStoreConfig;
}

async function q<T = Record<string, unknown>>(database: string, query: string): Promise<T[]> {
  return (await admin.query(query, { database, precision: 'ms' })) as unknown as T[];
}

afterAll(async () => {
  for (const db of databases) await admin.dropDatabase(db).catch(() => undefined);
});

metricStoreContract('influx', async () => {
  const store = new InfluxMetricStore(config(), log);
  await store.open();
  return store;
});

describe('InfluxMetricStore schema', () => {
  it('open() creates the database, retention policies and continuous queries, idempotently', async () => {
    const cfg = config();
    const store = new InfluxMetricStore(cfg, log);
    await store.open();
    await store.open();
    await new InfluxMetricStore(cfg, log).open();
    const rps = await q<{ name: string; duration: string; shardGroupDuration: string; default: boolean }>(cfg.database, `SHOW RETENTION POLICIES ON "${cfg.database}"`);
    expect(rps.find((r) => r.name === 'raw')).toMatchObject({ duration: '720h0m0s', default: true });
    expect(rps.find((r) => r.name === 'rollup')).toMatchObject({ duration: '17472h0m0s', default: false });
    expect(rps.find((r) => r.name === 'history')).toMatchObject({ duration: '17472h0m0s', shardGroupDuration: '720h0m0s', default: false });
    const raw = (await admin.queryRaw('SHOW CONTINUOUS QUERIES', { database: cfg.database })) as { results: { series?: { name: string; values?: string[][] }[] }[] };
    const mine = raw.results[0]?.series?.find((s) => s.name === cfg.database)?.values ?? [];
    const cqs = mine.map(([name, query]) => ({ name, query }));
    expect(cqs.map((c) => c.name).sort()).toEqual(['cq_telemetry_5m']);
    expect(cqs.find((c) => c.name === 'cq_telemetry_5m')?.query).toContain('SELECT mean(*), min(*), max(*) INTO');
    expect(cqs.find((c) => c.name === 'cq_telemetry_5m')?.query).toContain('GROUP BY time(5m), *');

    // A changed retention in the config is applied on the next start.
    await new InfluxMetricStore({ ...cfg, rawRetention: '48h', rollupRetention: '52w' }, log).open();
    const after = await q<{ name: string; duration: string; default: boolean }>(cfg.database, `SHOW RETENTION POLICIES ON "${cfg.database}"`);
    expect(after.find((r) => r.name === 'raw')).toMatchObject({ duration: '48h0m0s', default: true });
    expect(after.find((r) => r.name === 'history')).toMatchObject({ duration: '8736h0m0s', default: false });
  });

  it('stores the documented measurements, tags and fields', async () => {
    const cfg = config();
    const store = new InfluxMetricStore(cfg, log);
    await store.open();
    const ts = Date.now() - MIN;
    await store.write([tel('ap-1', ts, { clients: 4 }), avail('ap-1', ts, 'online'), avail('ap-1', ts + 1, 'offline')]);
    const t = await q(cfg.database, 'SELECT * FROM "raw"."telemetry"');
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ village: 'dong-cam', device: 'ap-1', kind: 'wifi-ap', clients: 4 });
    // Transitions go to `history`, kept as long as the rollups, never to `raw`.
    const a = await q<{ state: string; up: number; entry: string }>(cfg.database, 'SELECT * FROM "history"."availability"');
    expect(a.map((r) => [r.state, r.up, r.entry])).toEqual([
      ['online', 1, 'dong-cam ap-1 online'],
      ['offline', 0, 'dong-cam ap-1 offline'],
    ]);
  });

  it('stores device events as the measurement "event" in "history": tags village/device/kind, fields type/severity/message', async () => {
    const cfg = config();
    const store = new InfluxMetricStore(cfg, log);
    await store.open();
    const ts = Date.now() - MIN;
    await store.write([ev('cam-1', ts, 'tamper', 'critical', 'Vỏ camera bị mở'), ev('cam-1', ts + 1, 'boot')]);
    const rows = await q<Record<string, unknown>>(cfg.database, 'SELECT * FROM "history"."event"');
    expect(rows.map(({ time: _t, ...r }) => r)).toEqual([
      { village: 'dong-cam', device: 'cam-1', kind: 'onvif-camera', type: 'tamper', severity: 'critical', message: 'Vỏ camera bị mở' },
      { village: 'dong-cam', device: 'cam-1', kind: 'onvif-camera', type: 'boot', severity: 'info', message: '' },
    ]);
  });

  it('a point older than the raw retention does not block the rest of its batch', async () => {
    const store = new InfluxMetricStore(config(), log);
    await store.open();
    const now = Date.now();
    await store.write([tel('ap-1', now - 40 * 24 * HOUR, { clients: 1 }), tel('ap-1', now - MIN, { clients: 2 })]);
    expect(await store.countTelemetry({ device: 'ap-1', from: now - HOUR, to: now })).toBe(1);
  });
});

describe('InfluxMetricStore rollup', () => {
  it('reads rollup fields (mean_/min_/max_) for ranges older than the raw retention', async () => {
    const cfg = config();
    const store = new InfluxMetricStore(cfg, log);
    await store.open();
    const base = Math.floor((Date.now() - 60 * 24 * HOUR) / (5 * MIN)) * 5 * MIN;
    const rows = Array.from({ length: 12 }, (_, k) => ({
      measurement: 'telemetry',
      tags: { village: 'dong-cam', device: 'ap-1', kind: 'wifi-ap' },
      fields: { mean_clients: k + 0.5, min_clients: k, max_clients: k + 1 },
      timestamp: String(base + k * 5 * MIN),
    }));
    await admin.writePoints(rows, { database: cfg.database, retentionPolicy: 'rollup', precision: 'ms' });
    const range = { village: 'dong-cam', device: 'ap-1', metric: 'clients', from: base - 24 * HOUR, to: Date.now() };
    const all = await store.querySeries({ ...range, points: 100 });
    expect(all).toHaveLength(12);
    expect(all[3]).toEqual({ ts: base + 15 * MIN, mean: 3.5, min: 3, max: 4 });
    const two = await store.querySeries({ ...range, from: base, to: base + 60 * MIN, points: 2 });
    expect(two).toEqual([
      { ts: base, mean: 3, min: 0, max: 6 },
      { ts: base + 30 * MIN, mean: 9, min: 6, max: 12 },
    ]);
  });

  it('the continuous query fills rollup that long-range queries then read', async () => {
    // Raw kept 1 h (the InfluxDB minimum): a range starting 2 h ago must come from rollup.
    const cfg = config({ rawRetention: '1h' });
    const store = new InfluxMetricStore(cfg, log);
    await store.open();
    const a = Math.floor((Date.now() - 45 * MIN) / (5 * MIN)) * 5 * MIN;
    const data = Array.from({ length: 180 }, (_, i) => ({ ts: a + i * 10_000, v: (i * 7) % 11 }));
    await store.write(data.map((d) => tel('ap-1', d.ts, { clients: d.v })));
    // Run the CQ's own statement over the past half hour (a CQ only covers intervals ending after it starts).
    for (const cq of continuousQueries(cfg.database)) {
      const backfill = cq.select.replace(' GROUP BY', ` WHERE time >= ${a}ms AND time < ${a + 30 * MIN}ms GROUP BY`);
      await admin.query(backfill, { database: cfg.database });
    }
    const expected = Array.from({ length: 6 }, (_, k) => {
      const vs = data.slice(k * 30, k * 30 + 30).map((d) => d.v);
      return { ts: a + k * 5 * MIN, mean: vs.reduce((s, v) => s + v, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs) };
    });
    const long = await store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: a - 60 * MIN, to: a + 30 * MIN, points: 18 });
    expect(long).toHaveLength(6);
    long.forEach((p, k) => {
      expect(p.ts).toBe(expected[k]!.ts);
      expect(p.mean).toBeCloseTo(expected[k]!.mean, 9);
      expect([p.min, p.max]).toEqual([expected[k]!.min, expected[k]!.max]);
    });
    // The same buckets straight from raw agree.
    const short = await store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: a, to: a + 30 * MIN, points: 6 });
    expect(short.map((p) => p.ts)).toEqual(expected.map((e) => e.ts));
  });

  it('availability older than the raw retention comes from rollup', async () => {
    const cfg = config({ rawRetention: '1h' });
    await new InfluxMetricStore(cfg, log).open();
    const now = Date.now();
    const old = Math.floor((now - 3 * HOUR) / (5 * MIN)) * 5 * MIN;
    await admin.writePoints(
      [
        { measurement: 'availability', tags: { village: 'dong-cam', device: 'ap-1', kind: 'wifi-ap' }, fields: { state: 'online', up: 1 }, timestamp: String(old) },
        { measurement: 'availability', tags: { village: 'dong-cam', device: 'ap-2', kind: 'wifi-ap' }, fields: { state: 'offline', up: 0 }, timestamp: String(old) },
      ],
      { database: cfg.database, retentionPolicy: 'rollup', precision: 'ms' },
    );
    // An older version stored those; this one starts on the same database.
    const store = new InfluxMetricStore(cfg, log);
    await store.open();
    await store.write([avail('ap-1', now - 30 * MIN, 'offline')]);
    const wide = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: now - 4 * HOUR, to: now });
    expect(wide.map((p) => [p.ts, p.state])).toEqual([
      [old, 'online'],
      [now - 30 * MIN, 'offline'],
    ]);
    const recent = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: now - 2 * HOUR, to: now });
    expect(recent.map((p) => p.state)).toEqual(['online', 'offline']);
    const last = await store.lastAvailability();
    expect(last.map((p) => [p.device, p.state])).toEqual([
      ['ap-1', 'offline'],
      ['ap-2', 'offline'],
    ]);
  });
});

describe('InfluxMetricStore history: transitions and events exact beyond the raw retention', () => {
  it('transitions and events older than the raw retention are still exact, each at its own instant', async () => {
    // Raw kept 1 h (the InfluxDB minimum): what follows is 3 h old, several changes inside one 5 min interval.
    const cfg = config({ rawRetention: '1h' });
    const store = new InfluxMetricStore(cfg, log);
    await store.open();
    const now = Date.now();
    const t = now - 3 * HOUR + 1_234;
    const changes = [
      avail('ap-1', t, 'online'),
      avail('ap-1', t + 37_001, 'offline'),
      avail('ap-1', t + 61_789, 'online'),
      avail('ap-1', t + 95_003, 'offline'),
      avail('ap-1', t + 30 * MIN + 7, 'online'),
      avail('ap-2', t + 11, 'maintenance'),
    ];
    await store.write([...changes, ev('cam-1', t + 5, 'tamper', 'critical', 'Vỏ camera bị mở'), ev('cam-1', t + 99_999, 'boot')]);
    const got = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: t, to: now });
    expect(got).toEqual(changes.filter((c) => c.device === 'ap-1'));
    const inside = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: t + 60_000, to: t + 120_000 });
    expect(inside.map((p) => p.ts - t)).toEqual([37_001, 61_789, 95_003]);
    const many = await store.availabilityHistory({ from: t + 20 * MIN, to: now });
    expect(many.map((d) => [d.device, d.points.map((p) => p.ts - t)])).toEqual([
      ['ap-1', [95_003, 30 * MIN + 7]],
      ['ap-2', [11]],
    ]);
    expect(await store.events({ village: 'dong-cam', device: 'cam-1', from: t, to: now, limit: 10 })).toEqual([
      ev('cam-1', t + 99_999, 'boot'),
      ev('cam-1', t + 5, 'tamper', 'critical', 'Vỏ camera bị mở'),
    ]);
    expect((await store.lastAvailability()).map((p) => [p.device, p.ts - t, p.state])).toEqual([
      ['ap-1', 30 * MIN + 7, 'online'],
      ['ap-2', 11, 'maintenance'],
    ]);
  });

  it('reads what older versions stored in raw along with history, one point per instant', async () => {
    const cfg = config();
    await new InfluxMetricStore(cfg, log).open();
    const t = Date.now() - 2 * HOUR;
    const tags = { village: 'dong-cam', device: 'ap-1', kind: 'wifi-ap' };
    // An older version wrote transitions and events to raw; this one writes to history, once at the same instant.
    await admin.writePoints(
      [
        { measurement: 'availability', tags, fields: { state: 'online', up: 1 }, timestamp: String(t) },
        { measurement: 'availability', tags, fields: { state: 'offline', up: 0 }, timestamp: String(t + 1_000) },
        { measurement: 'availability', tags: { ...tags, device: 'ap-9' }, fields: { state: 'unreachable', up: 0 }, timestamp: String(t - 30 * MIN) },
        { measurement: 'event', tags: { ...tags, device: 'cam-1', kind: 'onvif-camera' }, fields: { type: 'boot', severity: 'info', message: '' }, timestamp: String(t + 500) },
      ],
      { database: cfg.database, retentionPolicy: 'raw', precision: 'ms' },
    );
    const store = new InfluxMetricStore(cfg, log);
    await store.open();
    await store.write([avail('ap-1', t + 1_000, 'offline'), avail('ap-1', t + 2_000, 'online'), ev('cam-1', t + 1_500, 'tamper', 'critical')]);
    const got = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: t - MIN, to: t + MIN });
    expect(got.map((p) => [p.ts - t, p.state])).toEqual([
      [0, 'online'],
      [1_000, 'offline'],
      [2_000, 'online'],
    ]);
    const prior = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: t + 500, to: t + 1_500 });
    expect(prior.map((p) => [p.ts - t, p.state])).toEqual([
      [0, 'online'],
      [1_000, 'offline'],
    ]);
    // The state at `from`: from history where it has one, else from what the older version stored.
    const many = await store.availabilityHistory({ from: t + 3_000, to: t + MIN });
    expect(many.map((d) => [d.device, d.points.map((p) => [p.ts - t, p.state])])).toEqual([
      ['ap-1', [[2_000, 'online']]],
      ['ap-9', [[-30 * MIN, 'unreachable']]],
    ]);
    const events = await store.events({ village: 'dong-cam', device: 'cam-1', from: t, to: t + MIN, limit: 10 });
    expect(events.map((e) => [e.ts - t, e.type])).toEqual([
      [1_500, 'tamper'],
      [500, 'boot'],
    ]);
    expect((await store.events({ village: 'dong-cam', device: 'cam-1', from: t, to: t + MIN, limit: 1 })).map((e) => e.type)).toEqual(['tamper']);
  });

  it('reads points of history written without the entry column (by another tool) the slower way', async () => {
    const cfg = config();
    const before = new InfluxMetricStore(cfg, log);
    await before.open();
    const t = Date.now() - HOUR;
    await before.write([avail('ap-1', t, 'online'), avail('ap-1', t + 2_000, 'offline')]);
    await admin.writePoints([{ measurement: 'availability', tags: { village: 'dong-cam', device: 'ap-2', kind: 'wifi-ap' }, fields: { state: 'maintenance', up: 0 }, timestamp: String(t + 1_000) }], {
      database: cfg.database,
      retentionPolicy: 'history',
      precision: 'ms',
    });
    const store = new InfluxMetricStore(cfg, log);
    await store.open();
    const all = await store.availabilityHistory({ from: t, to: t + MIN });
    expect(all.map((d) => [d.device, d.points.map((p) => [p.ts - t, p.state, p.kind])])).toEqual([
      ['ap-1', [[0, 'online', 'wifi-ap'], [2_000, 'offline', 'wifi-ap']]],
      ['ap-2', [[1_000, 'maintenance', 'wifi-ap']]],
    ]);
  });

  it('open() drops the 5-minute availability continuous query of older versions', async () => {
    const cfg = config();
    const db = `"${cfg.database}"`;
    await admin.createDatabase(cfg.database);
    const ddl = (text: string) => admin.query(text, { database: cfg.database });
    await ddl(`CREATE RETENTION POLICY "raw" ON ${db} DURATION 30d REPLICATION 1 DEFAULT`);
    await ddl(`CREATE RETENTION POLICY "rollup" ON ${db} DURATION 104w REPLICATION 1`);
    await ddl(
      `CREATE CONTINUOUS QUERY "cq_availability_5m" ON ${db} BEGIN SELECT last(state) AS state, last(up) AS up INTO ${db}."rollup".availability FROM ${db}."raw".availability GROUP BY time(5m), * END`,
    );
    const names = async (): Promise<string[]> => {
      const raw = (await admin.queryRaw('SHOW CONTINUOUS QUERIES', { database: cfg.database })) as { results: { series?: { name: string; values?: string[][] }[] }[] };
      return (raw.results[0]?.series?.find((s) => s.name === cfg.database)?.values ?? []).map(([name]) => String(name)).sort();
    };
    expect(await names()).toEqual(['cq_availability_5m']);
    await new InfluxMetricStore(cfg, log).open();
    expect(await names()).toEqual(['cq_telemetry_5m']);
  });
});

/** A TCP relay to influxd that can be switched off (connection refused) and on again. */
async function relay(target: string): Promise<{ url: string; down(): Promise<void>; up(): Promise<void> }> {
  const port = await freePort();
  const t = new URL(target);
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const up = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((c) => {
        const u = connect(Number(t.port), t.hostname);
        sockets.add(c).add(u);
        c.pipe(u).pipe(c);
        const end = () => (c.destroy(), u.destroy(), sockets.delete(c), sockets.delete(u));
        c.on('error', end).on('close', end);
        u.on('error', end).on('close', end);
      });
      server.once('error', reject).listen(port, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server ? server.close(() => resolve()) : resolve();
      server = null;
    });
  await up();
  return { url: `http://127.0.0.1:${port}`, up, down };
}

describe('InfluxMetricStore when InfluxDB is unreachable', () => {
  it('rejects with a readable message naming the URL, and ping says false', async () => {
    const port = await freePort();
    const store = new InfluxMetricStore(config({}, `http://127.0.0.1:${port}`), log);
    const where = new RegExp(`InfluxDB at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`);
    await expect(store.open()).rejects.toThrow(where);
    await expect(store.write([tel('ap-1', Date.now(), { clients: 1 })])).rejects.toThrow(where);
    await expect(store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: 0, to: 1, points: 1 })).rejects.toThrow(where);
    expect(await store.ping()).toBe(false);
  });

  it('the writer spools while InfluxDB is away and replays everything when it is back', async () => {
    const r = await relay(url);
    const cfg = config({}, r.url);
    const store = new InfluxMetricStore(cfg, log);
    await store.open();
    const spool = mkdtempSync(join(tmpdir(), 'langso-spool-'));
    const counters = new Counters();
    const writer = new MetricWriter(store, { batchSize: 500, flushMs: 50, maxQueued: 2_000 }, spool, log, counters, {
      retryMinMs: 50,
      retryMaxMs: 200,
    });
    writer.start();
    const t0 = Date.now() - 30 * MIN;
    let i = 0;
    const add = (n: number) => {
      for (const end = i + n; i < end; i++) writer.add(tel(`ap-${i % 10}`, t0 + i, { clients: i % 17, rxBps: i }));
    };
    add(3_000);
    await writer.flush();
    await r.down();
    add(10_000);
    await writer.flush();
    expect(writer.stats().spooled).toBeGreaterThan(8_000);
    expect(writer.stats().queued).toBeLessThanOrEqual(2_000);
    expect(counters.get('store.write_errors')).toBeGreaterThan(0);
    await r.up();
    add(2_000);
    await expect.poll(() => writer.stats().written, { timeout: 15_000, interval: 50 }).toBeGreaterThanOrEqual(15_000);
    await writer.stop();
    expect(writer.stats()).toMatchObject({ queued: 0, spooled: 0 });
    expect(await store.countTelemetry({ from: t0, to: t0 + 20_000 })).toBe(15_000);
    await r.down();
    rmSync(spool, { recursive: true, force: true });
  });
});
