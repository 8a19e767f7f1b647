import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceKind } from '../../hub/config/schema.js';
import type { AvailabilityState } from '../../hub/core/domain.js';
import type { AvailabilityPoint, EventPoint, MetricStore, SeriesPoint, TelemetryPoint } from '../../hub/store/types.js';
import { parseConfig } from '../../hub/config/load.js';
import { uptimeReport } from '../../hub/reports/report.js';

const HOUR = 3_600_000;

export function tel(
  device: string,
  ts: number,
  fields: Record<string, number>,
  village = 'dong-cam',
  kind: DeviceKind = 'wifi-ap',
): TelemetryPoint {
  return { measurement: 'telemetry', village, device, kind, ts, fields };
}

export function avail(device: string, ts: number, state: AvailabilityState, village = 'dong-cam', kind: DeviceKind = 'wifi-ap'): AvailabilityPoint {
  return { measurement: 'availability', village, device, kind, ts, state };
}

export function ev(
  device: string,
  ts: number,
  type: string,
  severity: EventPoint['severity'] = 'info',
  message?: string,
  village = 'dong-cam',
  kind: DeviceKind = 'onvif-camera',
): EventPoint {
  return { measurement: 'event', village, device, kind, ts, type, severity, ...(message !== undefined ? { message } : {}) };
}

/** What querySeries must return: buckets of width ceil((to-from)/points) starting at `from`. */
export function expectedBuckets(data: { ts: number; v: number }[], from: number, to: number, points: number): SeriesPoint[] {
  const inRange = data.filter((d) => d.ts >= from && d.ts < to).sort((a, b) => a.ts - b.ts);
  if (inRange.length <= points) return inRange.map((d) => ({ ts: d.ts, mean: d.v, min: d.v, max: d.v }));
  const width = Math.ceil((to - from) / points);
  const buckets = new Map<number, number[]>();
  for (const d of inRange) {
    const b = from + Math.floor((d.ts - from) / width) * width;
    buckets.set(b, [...(buckets.get(b) ?? []), d.v]);
  }
  return [...buckets.entries()].map(([ts, vs]) => ({
    ts,
    mean: vs.reduce((s, v) => s + v, 0) / vs.length,
    min: Math.min(...vs),
    max: Math.max(...vs),
  }));
}

function expectSeries(actual: SeriesPoint[], expected: SeriesPoint[]): void {
  expect(actual.map((p) => p.ts)).toEqual(expected.map((p) => p.ts));
  actual.forEach((p, i) => {
    const e = expected[i]!;
    expect(p.mean).toBeCloseTo(e.mean, 6);
    expect(p.min).toBeCloseTo(e.min, 6);
    expect(p.max).toBeCloseTo(e.max, 6);
  });
}

/**
 * The behaviour every MetricStore must have (DESIGN.md §5). `makeStore` returns a fresh, opened,
 * empty store; the suite closes it after each test.
 */
export function metricStoreContract(name: string, makeStore: () => Promise<MetricStore>): void {
  describe(`MetricStore contract: ${name}`, () => {
    let store: MetricStore;
    // Recent (inside any raw retention) and hour-aligned, so buckets are easy to reason about.
    const T0 = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('answers ping', async () => {
      expect(await store.ping()).toBe(true);
    });

    it('writes telemetry and reads it back as raw points when they fit', async () => {
      await store.write([0, 1, 2, 3, 4].map((i) => tel('ap-1', T0 + i * 1000, { clients: i, rxBps: i * 100.5 })));
      const clients = await store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: T0, to: T0 + 10_000, points: 10 });
      expect(clients).toEqual([0, 1, 2, 3, 4].map((i) => ({ ts: T0 + i * 1000, mean: i, min: i, max: i })));
      const rx = await store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'rxBps', from: T0, to: T0 + 10_000, points: 5 });
      expect(rx.map((p) => p.mean)).toEqual([0, 100.5, 201, 301.5, 402]);
    });

    it('keeps booleans the caller turned into 0/1', async () => {
      await store.write([tel('cam-1', T0, { streamOk: 1, frozen: 0 }, 'dong-cam', 'onvif-camera'), tel('cam-1', T0 + 1000, { streamOk: 0, frozen: 1 }, 'dong-cam', 'onvif-camera')]);
      const ok = await store.querySeries({ village: 'dong-cam', device: 'cam-1', metric: 'streamOk', from: T0, to: T0 + 2000, points: 10 });
      expect(ok.map((p) => p.mean)).toEqual([1, 0]);
      const frozen = await store.querySeries({ village: 'dong-cam', device: 'cam-1', metric: 'frozen', from: T0, to: T0 + 2000, points: 10 });
      expect(frozen.map((p) => p.mean)).toEqual([0, 1]);
    });

    it('overwrites the same series and timestamp instead of adding a point', async () => {
      const batch = [tel('ap-1', T0, { clients: 1 }), tel('ap-1', T0 + 1000, { clients: 2 })];
      await store.write(batch);
      await store.write(batch); // at-least-once delivery: a replayed batch must not double-count
      await store.write([tel('ap-1', T0, { clients: 7 })]);
      const pts = await store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: T0, to: T0 + 5000, points: 10 });
      expect(pts).toEqual([
        { ts: T0, mean: 7, min: 7, max: 7 },
        { ts: T0 + 1000, mean: 2, min: 2, max: 2 },
      ]);
      expect(await store.countTelemetry({ village: 'dong-cam', device: 'ap-1', from: T0, to: T0 + 5000 })).toBe(2);
    });

    it('downsamples into at most `points` equal buckets with mean, min and max', async () => {
      const data = Array.from({ length: 100 }, (_, i) => ({ ts: T0 + i * 1000, v: (i * 37) % 23 }));
      await store.write(data.map((d) => tel('ap-1', d.ts, { clients: d.v })));
      const q = { village: 'dong-cam', device: 'ap-1', metric: 'clients' };
      for (const [from, to, points] of [
        [T0, T0 + 100_000, 10],
        [T0, T0 + 100_000, 7],
        [T0 + 500, T0 + 99_500, 9],
        [T0 - 3_600_000, T0 + 3_600_000, 13],
        [T0, T0 + 100_000, 1],
      ] as const) {
        const got = await store.querySeries({ ...q, from, to, points });
        expect(got.length).toBeLessThanOrEqual(points);
        expectSeries(got, expectedBuckets(data, from, to, points));
      }
      const ten = await store.querySeries({ ...q, from: T0, to: T0 + 100_000, points: 10 });
      expect(ten).toHaveLength(10);
      expect(ten[0]!.ts).toBe(T0);
      expect(ten[9]!.ts).toBe(T0 + 90_000);
    });

    it('treats `from` as inclusive and `to` as exclusive', async () => {
      await store.write([0, 1, 2, 3].map((i) => tel('ap-1', T0 + i * 1000, { clients: i })));
      const pts = await store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: T0 + 1000, to: T0 + 3000, points: 10 });
      expect(pts.map((p) => p.ts)).toEqual([T0 + 1000, T0 + 2000]);
      expect(await store.countTelemetry({ device: 'ap-1', from: T0 + 1000, to: T0 + 3000 })).toBe(2);
      expect(await store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: T0 + 5000, to: T0 + 5000, points: 10 })).toEqual([]);
    });

    it('does not mix in other devices, villages or metrics', async () => {
      await store.write([
        tel('ap-1', T0, { clients: 1, txBps: 50 }),
        tel('ap-2', T0, { clients: 2 }),
        tel('ap-1', T0, { clients: 3 }, 'gia-phu'),
        tel('ap-1', T0 + 1000, { txBps: 60 }),
      ]);
      const pts = await store.querySeries({ village: 'dong-cam', device: 'ap-1', metric: 'clients', from: T0, to: T0 + 5000, points: 10 });
      expect(pts).toEqual([{ ts: T0, mean: 1, min: 1, max: 1 }]);
      const other = await store.querySeries({ village: 'gia-phu', device: 'ap-1', metric: 'clients', from: T0, to: T0 + 5000, points: 10 });
      expect(other.map((p) => p.mean)).toEqual([3]);
      expect(await store.querySeries({ village: 'dong-cam', device: 'ap-9', metric: 'clients', from: T0, to: T0 + 5000, points: 10 })).toEqual([]);
    });

    it('handles metric names with underscores and digits and hyphenated ids', async () => {
      await store.write([tel('pc-01-a', T0, { cpu_load_1m: 0.5, disk_Used2: 12 }, 'xa-2-thon'), tel('pc-01-a', T0 + 1, { cpu_load_1m: 1.5 }, 'xa-2-thon')]);
      const pts = await store.querySeries({ village: 'xa-2-thon', device: 'pc-01-a', metric: 'cpu_load_1m', from: T0, to: T0 + 10, points: 1 });
      expect(pts).toEqual([{ ts: T0, mean: 1, min: 0.5, max: 1.5 }]);
      const disk = await store.querySeries({ village: 'xa-2-thon', device: 'pc-01-a', metric: 'disk_Used2', from: T0, to: T0 + 10, points: 5 });
      expect(disk.map((p) => p.mean)).toEqual([12]);
    });

    it('refuses metric names that are not identifiers', async () => {
      for (const metric of ['a"b', "x' OR 1=1", 'with space', '1abc', '']) {
        await expect(store.querySeries({ village: 'dong-cam', device: 'ap-1', metric, from: T0, to: T0 + 1000, points: 5 })).rejects.toThrow(/metric/);
      }
    });

    it('returns availability transitions in range plus the last one before `from`', async () => {
      const s = 1000;
      await store.write([
        avail('ap-1', T0, 'online'),
        avail('ap-1', T0 + 10 * s, 'offline'),
        avail('ap-1', T0 + 20 * s, 'online'),
        avail('ap-1', T0 + 30 * s, 'offline'),
        avail('ap-2', T0 + 15 * s, 'offline'),
        avail('ap-1', T0 + 16 * s, 'offline', 'gia-phu'),
      ]);
      const mid = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: T0 + 15 * s, to: T0 + 30 * s });
      expect(mid.map((p) => [p.ts, p.state])).toEqual([
        [T0 + 10 * s, 'offline'],
        [T0 + 20 * s, 'online'],
      ]);
      expect(mid[0]).toEqual(avail('ap-1', T0 + 10 * s, 'offline'));
      const all = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: T0 - s, to: T0 + 60 * s });
      expect(all.map((p) => p.state)).toEqual(['online', 'offline', 'online', 'offline']);
      const exact = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: T0 + 20 * s, to: T0 + 21 * s });
      expect(exact.map((p) => [p.ts, p.state])).toEqual([
        [T0 + 10 * s, 'offline'],
        [T0 + 20 * s, 'online'],
      ]);
      const later = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: T0 + 40 * s, to: T0 + 50 * s });
      expect(later.map((p) => [p.ts, p.state])).toEqual([[T0 + 30 * s, 'offline']]);
      expect(await store.queryAvailability({ village: 'dong-cam', device: 'ap-3', from: T0, to: T0 + 50 * s })).toEqual([]);
    });

    it('availabilityHistory gives each listed device, in the order asked, its state at `from` and its transitions in range', async () => {
      const s = 1000;
      await store.write([
        avail('ap-1', T0, 'online'),
        avail('ap-1', T0 + 10 * s, 'offline'),
        avail('ap-1', T0 + 20 * s, 'online'),
        avail('ap-1', T0 + 30 * s, 'offline'),
        avail('ap-1', T0 + 40 * s, 'online'),
        avail('ap-2', T0 + 5 * s, 'offline'),
        avail('ap-2', T0 + 40 * s, 'online'),
        avail('cam-1', T0 - HOUR, 'online', 'dong-cam', 'onvif-camera'),
        avail('ap-1', T0 + 16 * s, 'unreachable', 'gia-phu'),
        avail('router', T0 + 50 * s, 'online', 'lang-moi', 'router'),
      ]);
      const range = { from: T0 + 15 * s, to: T0 + 35 * s };
      const listed = await store.availabilityHistory({
        ...range,
        devices: [
          { village: 'gia-phu', device: 'ap-1' },
          { village: 'dong-cam', device: 'ap-1' },
          { village: 'dong-cam', device: 'ap-9' },
          { village: 'dong-cam', device: 'ap-1' },
        ],
      });
      expect(listed).toEqual([
        { village: 'gia-phu', device: 'ap-1', points: [avail('ap-1', T0 + 16 * s, 'unreachable', 'gia-phu')] },
        {
          village: 'dong-cam',
          device: 'ap-1',
          points: [avail('ap-1', T0 + 10 * s, 'offline'), avail('ap-1', T0 + 20 * s, 'online'), avail('ap-1', T0 + 30 * s, 'offline')],
        },
        { village: 'dong-cam', device: 'ap-9', points: [] },
      ]);
      // Without a list: every device with something stored up to `to`, sorted (lang-moi's router starts later).
      const village = await store.availabilityHistory({ ...range, village: 'dong-cam' });
      expect(village.map((d) => [d.device, d.points.map((p) => [p.ts - T0, p.state])])).toEqual([
        ['ap-1', [[10 * s, 'offline'], [20 * s, 'online'], [30 * s, 'offline']]],
        ['ap-2', [[5 * s, 'offline']]],
        ['cam-1', [[-HOUR, 'online']]],
      ]);
      expect(village[2]!.points[0]).toEqual(avail('cam-1', T0 - HOUR, 'online', 'dong-cam', 'onvif-camera'));
      const all = await store.availabilityHistory(range);
      expect(all.map((d) => `${d.village}/${d.device}`)).toEqual(['dong-cam/ap-1', 'dong-cam/ap-2', 'dong-cam/cam-1', 'gia-phu/ap-1']);
      // A listed device of another village than `village` is left out; an empty list asks for nothing.
      expect(await store.availabilityHistory({ ...range, village: 'dong-cam', devices: [{ village: 'gia-phu', device: 'ap-1' }, { village: 'dong-cam', device: 'ap-2' }] })).toEqual([
        { village: 'dong-cam', device: 'ap-2', points: [avail('ap-2', T0 + 5 * s, 'offline')] },
      ]);
      expect(await store.availabilityHistory({ ...range, devices: [] })).toEqual([]);
    });

    it('an uptime report of a year-old month from this store: the hand-computed figures (edges, maintenance, hub down, dead parent, never heard)', async () => {
      // November 2025 in Asia/Ho_Chi_Minh: 2025-10-31T17:00Z to 2025-11-30T17:00Z, 30 days. A year ago:
      // beyond the raw retention, so this also shows transitions are kept for the long retention.
      const z = (iso: string) => Date.parse(iso);
      const MIN = 60_000;
      await store.write([
        // The router: down across both edges of the month, 60 min inside it each time.
        avail('router', z('2025-10-01T00:00:00Z'), 'online', 'dong-cam', 'router'),
        avail('router', z('2025-10-31T16:00:00Z'), 'offline', 'dong-cam', 'router'),
        avail('router', z('2025-10-31T18:00:00Z'), 'online', 'dong-cam', 'router'),
        avail('router', z('2025-11-30T16:00:00Z'), 'offline', 'dong-cam', 'router'),
        avail('router', z('2025-11-30T19:00:00Z'), 'online', 'dong-cam', 'router'),
        // The switch behind it: unreachable 2 h under a dead parent.
        avail('switch', z('2025-10-01T00:00:00Z'), 'online', 'dong-cam', 'switch'),
        avail('switch', z('2025-11-10T00:00:00Z'), 'unreachable', 'dong-cam', 'switch'),
        avail('switch', z('2025-11-10T02:00:00Z'), 'online', 'dong-cam', 'switch'),
        // The camera: 60 min of maintenance, still down 30 min after it; then 3 h of the hub not running.
        avail('cam', z('2025-10-01T00:00:00Z'), 'online', 'dong-cam', 'onvif-camera'),
        avail('cam', z('2025-11-15T00:00:00Z'), 'maintenance', 'dong-cam', 'onvif-camera'),
        avail('cam', z('2025-11-15T01:00:00Z'), 'offline', 'dong-cam', 'onvif-camera'),
        avail('cam', z('2025-11-15T01:30:00Z'), 'online', 'dong-cam', 'onvif-camera'),
        avail('cam', z('2025-11-20T00:00:00Z'), 'unknown', 'dong-cam', 'onvif-camera'),
        avail('cam', z('2025-11-20T03:00:00Z'), 'online', 'dong-cam', 'onvif-camera'),
        // The AP: never heard.
      ]);
      const config = parseConfig(
        [
          'villages: [{ id: dong-cam, name: Đông Căm, timezone: Asia/Ho_Chi_Minh }]',
          'devices:',
          '  - { id: router, village: dong-cam, name: Router, kind: router }',
          '  - { id: switch, village: dong-cam, name: Switch, kind: switch, parent: router }',
          '  - { id: cam, village: dong-cam, name: Camera, kind: onvif-camera }',
          '  - { id: ap, village: dong-cam, name: Wi-Fi, kind: wifi-ap }',
        ].join('\n'),
        'test',
      );
      const report = await uptimeReport({ config, store, now: Date.now() }, { villages: ['dong-cam'], period: { month: '2025-11' } });
      const month = 30 * 24 * 60 * MIN;
      const by = new Map(report.villages[0]!.devices.map((d) => [d.device, d]));
      expect(by.get('router')).toMatchObject({ from: z('2025-10-31T17:00:00Z'), to: z('2025-11-30T17:00:00Z'), offlineMs: 120 * MIN, onlineMs: month - 120 * MIN, outages: 2, longestOutageMs: 60 * MIN, mttrMs: 60 * MIN });
      expect(by.get('router')!.uptimePct).toBeCloseTo((100 * (month - 120 * MIN)) / month, 3);
      expect(by.get('switch')).toMatchObject({ unreachableMs: 120 * MIN, offlineMs: 0, uptimePct: 100, outages: 0 });
      expect(by.get('switch')!.availablePct).toBeCloseTo((100 * (month - 120 * MIN)) / month, 3);
      expect(by.get('cam')).toMatchObject({ maintenanceMs: 60 * MIN, offlineMs: 30 * MIN, unknownMs: 180 * MIN, onlineMs: month - 270 * MIN, outages: 1, longestOutageMs: 30 * MIN });
      expect(by.get('cam')!.uptimePct).toBeCloseTo((100 * (month - 270 * MIN)) / (month - 240 * MIN), 3);
      expect(by.get('ap')).toMatchObject({ unknownMs: month, onlineMs: 0, uptimePct: null, availablePct: null, outages: 0 });
    });

    it('availabilityHistory finds the state at `from` however long ago it was set', async () => {
      const DAY = 24 * HOUR;
      const from = T0;
      await store.write([
        avail('ap-1', from - HOUR, 'offline'),
        avail('ap-2', from - 10 * DAY, 'maintenance'),
        avail('ap-2', from - 12 * DAY, 'online'),
        avail('ap-3', from - 60 * DAY, 'unreachable'),
        avail('ap-4', from - 400 * DAY, 'online'),
        avail('ap-4', from + 1_000, 'offline'),
      ]);
      const expected = [
        ['ap-1', [[-HOUR, 'offline']]],
        ['ap-2', [[-10 * DAY, 'maintenance']]],
        ['ap-3', [[-60 * DAY, 'unreachable']]],
        ['ap-4', [[-400 * DAY, 'online'], [1_000, 'offline']]],
      ];
      const shape = (ds: { device: string; points: AvailabilityPoint[] }[]) => ds.map((d) => [d.device, d.points.map((p) => [p.ts - from, p.state])]);
      expect(shape(await store.availabilityHistory({ from, to: from + HOUR }))).toEqual(expected);
      const devices = ['ap-4', 'ap-3', 'ap-2', 'ap-1'].map((device) => ({ village: 'dong-cam', device }));
      expect(shape(await store.availabilityHistory({ from, to: from + HOUR, devices }))).toEqual([...expected].reverse());
    });

    it('availabilityHistory of hundreds of devices agrees with queryAvailability of each', async () => {
      // Deterministic pseudo-random outages: 240 devices in 3 villages, up to 12 transitions each over 6 h.
      let seed = 7;
      const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
      const villages = ['dong-cam', 'gia-phu', 'lang-moi'];
      const points: AvailabilityPoint[] = [];
      for (const village of villages) {
        for (let d = 0; d < 80; d++) {
          let ts = T0 - 4 * HOUR + Math.floor(rand() * HOUR);
          const n = Math.floor(rand() * 13);
          for (let i = 0; i < n; i++) {
            points.push(avail(`dev-${d}`, ts, i % 2 === 0 ? 'offline' : 'online', village));
            ts += 1 + Math.floor(rand() * 30 * 60_000);
          }
        }
      }
      await store.write(points);
      const from = T0 - 2 * HOUR;
      const to = T0;
      const all = await store.availabilityHistory({ from, to });
      const listed = await store.availabilityHistory({ from, to, devices: all.map((d) => ({ village: d.village, device: d.device })).reverse() });
      expect(listed).toEqual([...all].reverse());
      let compared = 0;
      for (const d of all) {
        expect(d.points).toEqual(await store.queryAvailability({ village: d.village, device: d.device, from, to }));
        compared += d.points.length;
      }
      const expected = new Set(points.filter((p) => p.ts < to).map((p) => `${p.village}/${p.device}`));
      expect(all.map((d) => `${d.village}/${d.device}`).sort()).toEqual([...expected].sort());
      expect(compared).toBeGreaterThan(500);
    });

    it('overwrites an availability point with the same timestamp', async () => {
      await store.write([avail('ap-1', T0, 'online')]);
      await store.write([avail('ap-1', T0, 'maintenance')]);
      const pts = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: T0, to: T0 + 1000 });
      expect(pts.map((p) => p.state)).toEqual(['maintenance']);
    });

    it('lastAvailability gives the newest point of every device', async () => {
      await store.write([
        avail('ap-1', T0, 'online'),
        avail('ap-1', T0 + 5000, 'offline'),
        avail('ap-2', T0 + 1000, 'unreachable'),
        avail('ap-1', T0 + 3000, 'online', 'gia-phu'),
        avail('cam-1', T0 + 2000, 'online', 'dong-cam', 'onvif-camera'),
      ]);
      const last = await store.lastAvailability();
      const byKey = Object.fromEntries(last.map((p) => [`${p.village}/${p.device}`, p]));
      expect(Object.keys(byKey).sort()).toEqual(['dong-cam/ap-1', 'dong-cam/ap-2', 'dong-cam/cam-1', 'gia-phu/ap-1']);
      expect(byKey['dong-cam/ap-1']).toEqual(avail('ap-1', T0 + 5000, 'offline'));
      expect(byKey['dong-cam/ap-2']).toEqual(avail('ap-2', T0 + 1000, 'unreachable'));
      expect(byKey['dong-cam/cam-1']).toEqual(avail('cam-1', T0 + 2000, 'online', 'dong-cam', 'onvif-camera'));
      expect(byKey['gia-phu/ap-1']?.ts).toBe(T0 + 3000);
    });

    it('stores device events and reads a device\'s events newest first, in [from, to), at most `limit`', async () => {
      const s = 1000;
      await store.write([
        ev('cam-1', T0, 'boot', 'info', 'Thiết bị khởi động lại sau khi mất điện'),
        ev('cam-1', T0 + 10 * s, 'tamper', 'critical', 'Vỏ "camera" bị mở;\nkiểm tra, xin cảm ơn ✓'),
        ev('cam-1', T0 + 20 * s, 'info', 'info', '{"model":"DS-2CD","firmware":"V5.7"}'),
        ev('cam-1', T0 + 30 * s, 'disk', 'warning'),
        ev('cam-2', T0 + 15 * s, 'boot'),
        ev('cam-1', T0 + 16 * s, 'boot', 'info', undefined, 'gia-phu'),
        tel('cam-1', T0 + 5 * s, { rttMs: 3 }, 'dong-cam', 'onvif-camera'),
      ]);
      const all = await store.events({ village: 'dong-cam', device: 'cam-1', from: T0, to: T0 + HOUR, limit: 100 });
      expect(all).toEqual([
        ev('cam-1', T0 + 30 * s, 'disk', 'warning'),
        ev('cam-1', T0 + 20 * s, 'info', 'info', '{"model":"DS-2CD","firmware":"V5.7"}'),
        ev('cam-1', T0 + 10 * s, 'tamper', 'critical', 'Vỏ "camera" bị mở;\nkiểm tra, xin cảm ơn ✓'),
        ev('cam-1', T0, 'boot', 'info', 'Thiết bị khởi động lại sau khi mất điện'),
      ]);
      const two = await store.events({ village: 'dong-cam', device: 'cam-1', from: T0, to: T0 + HOUR, limit: 2 });
      expect(two.map((e) => e.type)).toEqual(['disk', 'info']);
      const range = await store.events({ village: 'dong-cam', device: 'cam-1', from: T0 + 10 * s, to: T0 + 30 * s, limit: 100 });
      expect(range.map((e) => e.ts)).toEqual([T0 + 20 * s, T0 + 10 * s]);
      expect(await store.events({ village: 'dong-cam', device: 'cam-9', from: T0, to: T0 + HOUR, limit: 100 })).toEqual([]);
      expect((await store.events({ village: 'gia-phu', device: 'cam-1', from: T0, to: T0 + HOUR, limit: 100 })).map((e) => e.type)).toEqual(['boot']);
      // Events are not telemetry: they do not count as messages of it.
      expect(await store.countTelemetry({ village: 'dong-cam', device: 'cam-1', from: T0, to: T0 + HOUR })).toBe(1);
    });

    it('overwrites an event with the same device and timestamp (a replayed batch does not double it)', async () => {
      await store.write([ev('cam-1', T0, 'boot', 'info', 'lần 1')]);
      await store.write([ev('cam-1', T0, 'boot', 'info', 'lần 1')]);
      await store.write([ev('cam-1', T0, 'tamper', 'critical', 'lần 2')]);
      expect(await store.events({ village: 'dong-cam', device: 'cam-1', from: T0, to: T0 + 1000, limit: 10 })).toEqual([ev('cam-1', T0, 'tamper', 'critical', 'lần 2')]);
    });

    it('countTelemetry counts messages by village, device and range', async () => {
      const pts: TelemetryPoint[] = [];
      for (let i = 0; i < 20; i++) pts.push(tel('ap-1', T0 + i * 1000, { clients: i, rxBps: 1, txBps: 2 }));
      for (let i = 0; i < 5; i++) pts.push(tel('ap-2', T0 + i * 1000, { clients: i }));
      for (let i = 0; i < 7; i++) pts.push(tel('ap-1', T0 + i * 1000, { clients: i }, 'gia-phu'));
      await store.write(pts);
      await store.write([avail('ap-1', T0, 'online')]);
      const range = { from: T0, to: T0 + HOUR };
      expect(await store.countTelemetry({ ...range, village: 'dong-cam', device: 'ap-1' })).toBe(20);
      expect(await store.countTelemetry({ ...range, village: 'dong-cam' })).toBe(25);
      expect(await store.countTelemetry({ ...range, device: 'ap-1' })).toBe(27);
      expect(await store.countTelemetry(range)).toBe(32);
      expect(await store.countTelemetry({ village: 'dong-cam', device: 'ap-1', from: T0 + 5000, to: T0 + 10_000 })).toBe(5);
      expect(await store.countTelemetry({ from: T0 - HOUR, to: T0 })).toBe(0);
    });
  });
}
