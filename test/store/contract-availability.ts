import { expect, it } from 'vitest';
import type { DeviceKind } from '../../hub/config/schema.js';
import type { AvailabilityState } from '../../hub/core/domain.js';
import type { AvailabilityPoint, MetricStore } from '../../hub/store/types.js';
import { parseConfig } from '../../hub/config/load.js';
import { uptimeReport } from '../../hub/reports/report.js';

const HOUR = 3_600_000;

export function avail(device: string, ts: number, state: AvailabilityState, village = 'dong-cam', kind: DeviceKind = 'wifi-ap'): AvailabilityPoint {
  return { measurement: 'availability', village, device, kind, ts, state };
}

/**
 * The availability and uptime cases of the MetricStore contract (contract.ts runs them inside its
 * suite, for every store): transitions in a range, per-device histories, an uptime report worked out
 * by hand, overwrites and the newest point of every device. `current` gives the fresh store of the
 * running test; `T0` is the suite's hour-aligned start.
 */
export function availabilityContract(current: () => MetricStore, T0: number): void {
  const s = 1000;
  /** ap-1 of dong-cam: online at T0, then offline, online, offline, 10 s apart. */
  const flapping = (): AvailabilityPoint[] => [
    avail('ap-1', T0, 'online'),
    avail('ap-1', T0 + 10 * s, 'offline'),
    avail('ap-1', T0 + 20 * s, 'online'),
    avail('ap-1', T0 + 30 * s, 'offline'),
  ];

  it('returns availability transitions in range plus the last one before `from`', async () => {
    const store = current();
    await store.write([
      ...flapping(),
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
    const store = current();
    await store.write([
      ...flapping(),
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
    const store = current();
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
    const store = current();
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
    const store = current();
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
    const store = current();
    await store.write([avail('ap-1', T0, 'online')]);
    await store.write([avail('ap-1', T0, 'maintenance')]);
    const pts = await store.queryAvailability({ village: 'dong-cam', device: 'ap-1', from: T0, to: T0 + 1000 });
    expect(pts.map((p) => p.state)).toEqual(['maintenance']);
  });

  it('lastAvailability gives the newest point of every device', async () => {
    const store = current();
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
}
