import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceKind } from '../../hub/config/schema.js';
import type { EventPoint, MetricStore, SeriesPoint, TelemetryPoint } from '../../hub/store/types.js';
import { avail, availabilityContract } from './contract-availability.js';

export { avail };

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

    availabilityContract(() => store, T0);

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
