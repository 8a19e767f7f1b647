import { describe, expect, it } from 'vitest';
import { aggregateUptime, monthRange, spansOf, uptimeOf, type StateChange } from '../../hub/reports/uptime.js';

const MIN = 60_000;
const H = 60 * MIN;
const T = Date.parse('2026-11-10T00:00:00Z');
const at = (m: number, state: StateChange['state']): StateChange => ({ ts: T + m * MIN, state });

describe('uptime of one device (hand-computed fixtures)', () => {
  it('an outage crossing both edges of the range is clipped to it', () => {
    // Offline from 00:00 to 03:00; the range is 01:00–02:00: one outage of 60 min, nothing else.
    const f = uptimeOf([at(0, 'offline'), at(180, 'online')], T + 60 * MIN, T + 120 * MIN, T + 10 * H);
    expect(f).toMatchObject({ onlineMs: 0, offlineMs: 60 * MIN, outages: 1, longestOutageMs: 60 * MIN, uptimePct: 0, availablePct: 0, mttrMs: 60 * MIN, mtbfMs: 0 });
  });

  it('maintenance overlapping an outage splits it and is left out of both percentages', () => {
    // 00:00 online · 01:00 offline · 01:30 maintenance (window opens) · 02:30 offline (window closes, still down) · 03:00 online · range 00:00–04:00
    const f = uptimeOf([at(0, 'online'), at(60, 'offline'), at(90, 'maintenance'), at(150, 'offline'), at(180, 'online')], T, T + 4 * H, T + 10 * H);
    expect(f.onlineMs).toBe(60 * MIN + 60 * MIN);
    expect(f.offlineMs).toBe(30 * MIN + 30 * MIN);
    expect(f.maintenanceMs).toBe(60 * MIN);
    expect(f.outages).toBe(2);
    expect(f.longestOutageMs).toBe(30 * MIN);
    expect(f.uptimePct).toBe(66.6667); // 120 / 180
    expect(f.mttrMs).toBe(30 * MIN);
    expect(f.mtbfMs).toBe(60 * MIN);
  });

  it('a hub-down gap is unknown, never downtime', () => {
    // Online; the hub stops at 01:00 (stored as unknown), starts at 03:00 and re-confirms online.
    const f = uptimeOf([at(0, 'online'), at(60, 'unknown'), at(180, 'online')], T, T + 4 * H, T + 10 * H);
    expect(f).toMatchObject({ onlineMs: 2 * H, unknownMs: 2 * H, offlineMs: 0, outages: 0, uptimePct: 100, mttrMs: null, mtbfMs: null });
  });

  it('unreachable under a dead parent counts against availability, not against the device', () => {
    const f = uptimeOf([at(0, 'online'), at(60, 'unreachable'), at(120, 'online'), at(180, 'offline'), at(210, 'online')], T, T + 4 * H, T + 10 * H);
    expect(f.unreachableMs).toBe(H);
    expect(f.offlineMs).toBe(30 * MIN);
    expect(f.onlineMs).toBe(150 * MIN);
    expect(f.uptimePct).toBe(83.3333); // 150 / 180
    expect(f.availablePct).toBe(62.5); // 150 / 240
    expect(f.outages).toBe(1);
  });

  it('a device never heard is unknown all the range long; a reason change while offline is one outage', () => {
    expect(uptimeOf([], T, T + H, T + 10 * H)).toMatchObject({ unknownMs: H, uptimePct: null, availablePct: null, outages: 0 });
    const f = uptimeOf([at(0, 'offline'), at(10, 'offline'), at(20, 'online')], T, T + H, T + 10 * H);
    expect(f).toMatchObject({ outages: 1, longestOutageMs: 20 * MIN });
  });

  it('does not count time after now; the state before the range comes from the last transition before it', () => {
    const f = uptimeOf([at(-600, 'offline'), at(30, 'online')], T, T + 24 * H, T + H);
    expect(f.to).toBe(T + H);
    expect(f).toMatchObject({ offlineMs: 30 * MIN, onlineMs: 30 * MIN, unknownMs: 0, outages: 1 });
  });

  it('spans merge neighbours in the same state', () => {
    expect(spansOf([at(0, 'online'), at(10, 'online'), at(20, 'offline')], T, T + 30 * MIN)).toEqual([
      { from: T, to: T + 20 * MIN, state: 'online' },
      { from: T + 20 * MIN, to: T + 30 * MIN, state: 'offline' },
    ]);
  });
});

describe('village figures', () => {
  it('are time-weighted over devices and name the worst device', () => {
    const a = uptimeOf([at(0, 'online')], T, T + 10 * H, T + 10 * H);
    const b = uptimeOf([at(0, 'online'), at(60, 'offline'), at(180, 'online')], T, T + 10 * H, T + 10 * H);
    const c = uptimeOf([], T, T + 10 * H, T + 10 * H);
    const v = aggregateUptime([{ id: 'a', figures: a }, { id: 'b', figures: b }, { id: 'c', figures: c }], T, T + 10 * H);
    expect(v.onlineMs).toBe(18 * H);
    expect(v.offlineMs).toBe(2 * H);
    expect(v.unknownMs).toBe(10 * H);
    expect(v.uptimePct).toBe(90);
    expect(v.worst).toEqual({ id: 'b', uptimePct: 80 });
    expect(v.outages).toBe(1);
    // From the sums: 2 h offline and 18 h online over one outage; the longest of any device.
    expect(v).toMatchObject({ mttrMs: 2 * H, mtbfMs: 18 * H, longestOutageMs: 2 * H });
    // No device with a figure: no worst device, no percentage.
    expect(aggregateUptime([{ id: 'c', figures: c }], T, T + 10 * H)).toMatchObject({ worst: null, uptimePct: null, availablePct: null });
  });
});

describe('calendar months in the village time zone', () => {
  it('a month in Asia/Ho_Chi_Minh starts at local midnight (17:00 UTC the day before)', () => {
    expect(monthRange('2026-11', 'Asia/Ho_Chi_Minh')).toEqual({ from: Date.parse('2026-10-31T17:00:00Z'), to: Date.parse('2026-11-30T17:00:00Z') });
    expect(monthRange('2026-12', 'Asia/Ho_Chi_Minh').to).toBe(Date.parse('2026-12-31T17:00:00Z'));
    expect(() => monthRange('2026-13', 'Asia/Ho_Chi_Minh')).toThrow(/YYYY-MM/);
  });

  it('an outage across the month boundary is split between the two months', () => {
    const nov = monthRange('2026-11', 'Asia/Ho_Chi_Minh');
    const dec = monthRange('2026-12', 'Asia/Ho_Chi_Minh');
    // Down from 23:00 on 30 Nov to 01:00 on 1 Dec, Vietnam time.
    const changes: StateChange[] = [
      { ts: nov.from, state: 'online' },
      { ts: nov.to - H, state: 'offline' },
      { ts: nov.to + H, state: 'online' },
    ];
    const now = dec.to;
    expect(uptimeOf(changes, nov.from, nov.to, now)).toMatchObject({ offlineMs: H, outages: 1 });
    expect(uptimeOf(changes, dec.from, dec.to, now)).toMatchObject({ offlineMs: H, outages: 1 });
  });
});
