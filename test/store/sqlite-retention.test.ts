import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../hub/core/clock.js';
import { createLogger } from '../../hub/core/log.js';
import { SqliteMetricStore, type SqliteStoreOptions } from '../../hub/store/sqlite.js';
import type { MetricPoint } from '../../hub/store/types.js';
import { avail, ev, tel } from './contract.js';

/**
 * The SQLite store's retention with a clock of the test's own: days of a village's load pass in seconds,
 * through the real store and its upkeep (rollups and pruning in small steps).
 */

const log = createLogger('silent');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 0, 1);
const dir = mkdtempSync(join(tmpdir(), 'langso-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A clock whose time the test moves; the store's upkeep timer runs on real time and reads this time. */
function testClock(start: number): Clock & { set(t: number): void } {
  let now = start;
  return { ...systemClock, now: () => now, set: (t) => (now = t) };
}

/** The database's size (pages × page size), whether or not the WAL is checkpointed into the file yet. */
function fileSize(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}

// Two devices every 20 s: ap-1 reports clients and rxBps, cam-1 rttMs; values a pure function of time.
const EVERY = 20_000;
const value = (metric: string, ts: number): number => {
  const k = ts / EVERY;
  return metric === 'clients' ? k % 37 : metric === 'rxBps' ? (k * 7919) % 100_003 : 5 + ((k * 13) % 41) / 4;
};
function hourOfLoad(from: number): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (let ts = from; ts < from + HOUR; ts += EVERY) {
    points.push(tel('ap-1', ts, { clients: value('clients', ts), rxBps: value('rxBps', ts) }));
    points.push(tel('cam-1', ts + 7, { rttMs: value('rttMs', ts + 7) }, 'dong-cam', 'onvif-camera'));
  }
  return points;
}
/** Each day: ap-1 offline 03:00:01.234 → 03:17:00.005; cam-1 a tamper event at noon. */
const outage = (day: number) => [avail('ap-1', START + day * DAY + 3 * HOUR + 1_234, 'offline'), avail('ap-1', START + day * DAY + 3 * HOUR + 17 * MIN + 5, 'online')];

async function openStore(file: string, clock: Clock, opts: SqliteStoreOptions = {}): Promise<SqliteMetricStore> {
  const store = new SqliteMetricStore(file, log, { clock, ...opts });
  await store.open();
  return store;
}

describe('SqliteMetricStore retention over 40 simulated days', () => {
  it('raw values older than 30 days are gone; rollups, transitions and events remain; the file stops growing', async () => {
    const file = join(dir, 'forty-days.db');
    const clock = testClock(START);
    const store = await openStore(file, clock);
    const sizes: number[] = [];
    for (let day = 0; day < 40; day++) {
      const dayStart = START + day * DAY;
      for (let h = 0; h < 24; h++) {
        const points = hourOfLoad(dayStart + h * HOUR);
        if (h === 3) points.push(...outage(day));
        if (h === 12) points.push(ev('cam-1', dayStart + 12 * HOUR + 321, 'tamper', 'critical', `ngày ${day}`));
        await store.write(points);
        clock.set(dayStart + (h + 1) * HOUR);
        if (h % 6 === 5) store.maintain();
      }
      sizes.push(fileSize(file));
    }
    const now = START + 40 * DAY;
    const cut = now - 30 * DAY;
    // Raw: the last 30 days, every message; nothing before.
    expect(await store.countTelemetry({ from: START, to: cut })).toBe(0);
    expect(await store.countTelemetry({ village: 'dong-cam', device: 'ap-1', from: cut, to: now })).toBe((30 * DAY) / EVERY);

    // Long ranges come from the 5-minute rollups, exact mean/min/max per day, pruned days included.
    const daily = await store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: START, to: now, points: 40 });
    expect(daily).toHaveLength(40);
    daily.forEach((p, day) => {
      const vs: number[] = [];
      for (let ts = START + day * DAY; ts < START + (day + 1) * DAY; ts += EVERY) vs.push(value('clients', ts));
      expect(p.ts).toBe(START + day * DAY);
      expect(p.mean).toBeCloseTo(vs.reduce((a, b) => a + b, 0) / vs.length, 9);
      expect([p.min, p.max]).toEqual([Math.min(...vs), Math.max(...vs)]);
    });
    const fiveMin = await store.querySeries({ village: 'dong-cam', device: 'cam-1', metric: 'rttMs', from: START, to: START + HOUR, points: 100 });
    expect(fiveMin.map((p) => p.ts)).toEqual(Array.from({ length: 12 }, (_, k) => START + k * 5 * MIN));
    const first = Array.from({ length: 15 }, (_, k) => value('rttMs', START + k * EVERY + 7));
    expect(fiveMin[0]).toEqual({ ts: START, mean: expect.closeTo(first.reduce((a, b) => a + b, 0) / 15, 9), min: Math.min(...first), max: Math.max(...first) });

    // Transitions and events, exact to the millisecond, from the first day on.
    expect(await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: START, to: START + DAY })).toEqual(outage(0));
    const history = await store.availabilityHistory({ from: START, to: now });
    expect(history.map((d) => [d.device, d.points.length])).toEqual([['ap-1', 80]]);
    expect(history[0]!.points).toEqual(Array.from({ length: 40 }, (_, day) => outage(day)).flat());
    const events = await store.events({ village: 'dong-cam', device: 'cam-1', from: START, to: now, limit: 100 });
    expect(events).toHaveLength(40);
    expect(events.at(-1)).toEqual(ev('cam-1', START + 12 * HOUR + 321, 'tamper', 'critical', 'ngày 0'));

    // Bounded: once 30 days are reached the file keeps its size (freed pages are reused); only the
    // rollups grow, a small fraction of what the raw values took.
    const steady = sizes[31]!;
    expect(sizes[39]!).toBeLessThan(steady * 1.1);
    expect(sizes[39]! - steady).toBeLessThan((sizes[29]! - sizes[20]!) / 3);
    await store.close();
  });
});

describe('SqliteMetricStore rollup retention', () => {
  it('drops rollups, transitions and events older than rollupRetention, keeping each device\'s state at the cut', async () => {
    const clock = testClock(START);
    const store = await openStore(join(dir, 'rollup-retention.db'), clock, { rawRetention: '1d', rollupRetention: '7d' });
    for (let day = 0; day < 10; day++) {
      const t = START + day * DAY;
      const points: MetricPoint[] = [];
      for (let ts = t; ts < t + DAY; ts += 5 * MIN) points.push(tel('ap-1', ts, { clients: day }));
      // ap-2 reports on the first two days only, then is gone.
      if (day < 2) for (let ts = t; ts < t + DAY; ts += 5 * MIN) points.push(tel('ap-2', ts, { clients: 1 }));
      points.push(avail('ap-1', t + HOUR, 'offline'), avail('ap-1', t + 2 * HOUR, 'online'), ev('ap-1', t + HOUR, 'reboot', 'warning', undefined, 'dong-cam', 'wifi-ap'));
      await store.write(points);
      clock.set(t + DAY);
      store.maintain();
    }
    const now = START + 10 * DAY;
    const cut = now - 7 * DAY;
    const series = await store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: START, to: now, points: 10 });
    expect(series.map((p) => [(p.ts - START) / DAY, p.mean])).toEqual([3, 4, 5, 6, 7, 8, 9].map((d) => [d, d]));
    expect(await store.querySeries({ village: 'dong-cam', device: 'ap-2', metric: 'clients', from: START, to: now, points: 10 })).toEqual([]);
    // The last transition before the cut stays: the state when the kept history begins is known.
    const kept = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: START, to: now });
    expect(kept[0]).toEqual(avail('ap-1', cut - DAY + 2 * HOUR, 'online'));
    expect(kept.slice(1).map((p) => p.ts)).toEqual([3, 4, 5, 6, 7, 8, 9].flatMap((d) => [START + d * DAY + HOUR, START + d * DAY + 2 * HOUR]));
    const events = await store.events({ village: 'dong-cam', device: 'ap-1', from: START, to: now, limit: 100 });
    expect(events.map((e) => (e.ts - START - HOUR) / DAY)).toEqual([9, 8, 7, 6, 5, 4, 3]);
    await store.close();
  });

  it('rolls up again an interval a late value arrived for', async () => {
    // Raw kept 1 h; the values are half an hour old, rolled up already when the late one comes.
    const clock = testClock(START + 3 * HOUR);
    const store = await openStore(join(dir, 'late.db'), clock, { rawRetention: '1h' });
    const t = START + 2 * HOUR + 30 * MIN;
    await store.write([0, 1, 2, 3].map((i) => tel('ap-1', t + i * MIN, { clients: i })));
    store.maintain();
    const q = { village: 'dong-cam', device: 'ap-1', metric: 'clients', from: START, to: START + 3 * HOUR, points: 100 };
    expect(await store.querySeries(q)).toEqual([{ ts: t, mean: 1.5, min: 0, max: 3 }]);
    await store.write([tel('ap-1', t + 4 * MIN + 59_999, { clients: 95 })]);
    store.maintain();
    expect(await store.querySeries(q)).toEqual([{ ts: t, mean: expect.closeTo(20.2, 9), min: 0, max: 95 }]);
    await store.close();
  });
});

describe('SqliteMetricStore on a file of an older version', () => {
  it('reads the values stored in the older layout at once, moves them over in steps, then rolls up and prunes them', async () => {
    const file = join(dir, 'older.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(`CREATE TABLE telemetry (village TEXT NOT NULL, device TEXT NOT NULL, metric TEXT NOT NULL, ts INTEGER NOT NULL, kind TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (village, device, metric, ts)) WITHOUT ROWID;
      CREATE TABLE availability (village TEXT NOT NULL, device TEXT NOT NULL, ts INTEGER NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, up INTEGER NOT NULL, PRIMARY KEY (village, device, ts)) WITHOUT ROWID;`);
    const put = old.prepare('INSERT INTO telemetry VALUES (?, ?, ?, ?, ?, ?)');
    // 40 days of one value a minute for two metrics of one device, and one of another village.
    old.transaction(() => {
      for (let ts = START; ts < START + 40 * DAY; ts += MIN) {
        put.run('dong-cam', 'ap-1', 'clients', ts, 'wifi-ap', (ts / MIN) % 50);
        put.run('dong-cam', 'ap-1', 'rxBps', ts, 'wifi-ap', 1_000);
        if (ts % HOUR === 0) put.run('gia-phu', 'pc-1', 'cpu', ts, 'pc', 7);
      }
    })();
    old.prepare('INSERT INTO availability VALUES (?, ?, ?, ?, ?, ?)').run('dong-cam', 'ap-1', START + 5, 'wifi-ap', 'online', 1);
    old.close();

    const clock = testClock(START + 40 * DAY);
    const store = await openStore(file, clock, { upkeep: { budgetMs: 5, idleMs: 3_600_000 } });
    const all = { from: START, to: START + 40 * DAY };
    expect(await store.countTelemetry(all)).toBe(40 * 1440 + 40 * 24);
    const q = { village: 'dong-cam', device: 'ap-1', metric: 'clients', from: START + 39 * DAY, to: START + 39 * DAY + 3 * MIN, points: 10 };
    const expected = [0, 1, 2].map((i) => ({ ts: q.from + i * MIN, mean: (q.from / MIN + i) % 50, min: (q.from / MIN + i) % 50, max: (q.from / MIN + i) % 50 }));
    expect(await store.querySeries(q)).toEqual(expected);
    // A new value meanwhile goes to the new layout and is read along with the older ones.
    await store.write([tel('ap-1', START + 40 * DAY - 30_000, { clients: 99 })]);
    expect(await store.countTelemetry({ device: 'ap-1', ...all })).toBe(40 * 1440 + 1);

    const steps = store.maintain();
    expect(steps).toBeGreaterThan(10); // in small steps, not one long stall
    const db = new Database(file, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    db.close();
    expect(tables).not.toContain('telemetry');
    // Moved over, rolled up, and pruned to the raw retention like any other values.
    expect(await store.countTelemetry({ from: START, to: START + 10 * DAY })).toBe(0);
    expect(await store.countTelemetry({ device: 'ap-1', from: START + 10 * DAY, to: START + 40 * DAY })).toBe(30 * 1440 + 1);
    expect(await store.querySeries(q)).toEqual(expected);
    const day0 = await store.querySeries({ ...q, from: START, to: START + DAY, points: 1 });
    const dayValues = Array.from({ length: 1440 }, (_, i) => (START / MIN + i) % 50);
    expect(day0).toEqual([{ ts: START, mean: expect.closeTo(dayValues.reduce((a, b) => a + b, 0) / 1440, 9), min: 0, max: 49 }]);
    expect(await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: START, to: START + DAY })).toEqual([avail('ap-1', START + 5, 'online')]);
    await store.close();
  });
});
