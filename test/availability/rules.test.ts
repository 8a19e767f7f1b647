import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { covers } from '../../hub/availability/maintenance.js';
import { openStateDb } from '../../hub/state/db.js';
import { setup } from './harness.js';

const topology = `
villages: [{ id: dong-cam, name: Đông Căm }]
alerts: { flapping: { maxChanges: 4, windowS: 60, settleS: 120 } }
devices:
  - { id: router, village: dong-cam, name: Router, kind: router, timeoutS: 30 }
  - { id: switch, village: dong-cam, name: Switch, kind: switch, parent: router, timeoutS: 30 }
  - { id: cam-1, village: dong-cam, name: Camera 1, kind: onvif-camera, parent: switch, timeoutS: 30 }
  - { id: cam-2, village: dong-cam, name: Camera 2, kind: onvif-camera, parent: switch, timeoutS: 30 }
  - { id: ap-1, village: dong-cam, name: AP 1, kind: wifi-ap, parent: router, timeoutS: 30 }
`;
const all = ['router', 'switch', 'cam-1', 'cam-2', 'ap-1'];

beforeEach(() => {
  vi.useFakeTimers();
  // 07:00 UTC = 14:00 in Asia/Ho_Chi_Minh
  vi.setSystemTime(new Date('2026-11-25T07:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe('dependencies', () => {
  it('a dead parent makes its descendants unreachable, naming the root cause', () => {
    const h = setup(topology);
    for (const d of all) h.status(d, 'online');
    h.transitions.length = 0;
    h.status('router', 'offline', 'mất điện');
    // Children lose their link and their Last Wills arrive after the router's.
    for (const d of ['switch', 'cam-1', 'cam-2', 'ap-1']) h.status(d, 'offline', 'lwt');
    expect(all.map(h.stateOf)).toEqual(['offline', 'unreachable', 'unreachable', 'unreachable', 'unreachable']);
    expect(h.transitions.filter((t) => t.to === 'offline').map((t) => t.device)).toEqual(['router']);
    expect(h.transitions.filter((t) => t.to === 'unreachable').every((t) => t.cause === 'router')).toBe(true);
  });

  it('children that died before their parent become unreachable when it goes down', () => {
    const h = setup(topology);
    for (const d of all) h.status(d, 'online');
    h.status('cam-1', 'offline', 'lwt');
    expect(h.stateOf('cam-1')).toBe('offline');
    h.status('switch', 'offline', 'lwt');
    expect(h.stateOf('cam-1')).toBe('unreachable');
    expect(h.transitions.at(-1)).toMatchObject({ device: 'cam-1', from: 'offline', to: 'unreachable', cause: 'switch' });
    // A child that still reports is online whatever its parent says.
    expect(h.stateOf('cam-2')).toBe('online');
  });

  it('recoveries are reported normally, parent first, then each child', () => {
    const h = setup(topology);
    for (const d of all) h.status(d, 'online');
    h.status('router', 'offline');
    h.status('switch', 'offline', 'lwt');
    h.status('cam-1', 'offline', 'lwt');
    h.transitions.length = 0;
    h.status('router', 'online');
    // switch and cam-1 are still silent: they are offline in their own right now.
    expect(h.stateOf('switch')).toBe('offline');
    expect(h.stateOf('cam-1')).toBe('unreachable');
    h.status('switch', 'online');
    expect(h.stateOf('cam-1')).toBe('offline');
    h.status('cam-1', 'online');
    expect(h.transitions.filter((t) => t.to === 'online').map((t) => t.device)).toEqual(['router', 'switch', 'cam-1']);
  });
});

describe('flapping', () => {
  it('more than maxChanges in the window → one flapping event, transitions marked, then it settles', () => {
    // Long timeouts: only the status changes below count.
    const h = setup(topology.replace(/timeoutS: 30/g, 'timeoutS: 3600'));
    h.status('ap-1', 'online');
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(5_000);
      h.seen('router'); // its parent stays up throughout
      h.status('ap-1', i % 2 === 0 ? 'offline' : 'online');
    }
    expect(h.flaps).toEqual([{ device: 'ap-1', flapping: true }]);
    const marked = h.transitions.filter((t) => t.device === 'ap-1' && t.flapping);
    expect(marked.length).toBe(2); // the 5th and 6th change
    expect(h.availability.isFlapping({ village: 'dong-cam', device: 'ap-1' })).toBe(true);
    vi.advanceTimersByTime(119_000);
    expect(h.flaps).toHaveLength(1);
    h.seen('ap-1');
    vi.advanceTimersByTime(6_000);
    expect(h.flaps).toEqual([
      { device: 'ap-1', flapping: true },
      { device: 'ap-1', flapping: false },
    ]);
  });

  it('changes spread wider than the window do not flap', () => {
    const h = setup(topology);
    h.status('ap-1', 'online');
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(20_000);
      h.status('ap-1', i % 2 === 0 ? 'offline' : 'online');
    }
    expect(h.flaps).toEqual([]);
  });
});

describe('maintenance windows', () => {
  const flat = topology.replace(/, parent: [a-z-]+/g, '');
  const withWindow = (w: string) => `${flat}maintenance:\n  - ${w}\n`;

  it('a one-off window in the village time zone: no offline, excluded state, back after it', () => {
    // 14:00–15:00 local (UTC+7) = 07:00–08:00 UTC
    const h = setup(withWindow('{ village: dong-cam, device: cam-1, from: "2026-11-25T14:00:00", to: "2026-11-25T15:00:00", note: thay camera }'));
    expect(h.stateOf('cam-1')).toBe('maintenance');
    h.status('cam-1', 'offline', 'lwt');
    expect(h.stateOf('cam-1')).toBe('maintenance');
    expect(h.devices.get({ village: 'dong-cam', device: 'cam-1' })?.reason).toBe('thay camera');
    vi.advanceTimersByTime(3_600_000 + 5_000);
    expect(h.stateOf('cam-1')).toBe('offline');
  });

  it('a daily window crossing midnight covers 22:00–05:00 local, both sides of midnight', () => {
    const w = { village: 'dong-cam', daily: true, start: '22:00', end: '05:00' };
    const tz = 'Asia/Ho_Chi_Minh';
    const at = (local: string) => covers(w, Date.parse(`${local}+07:00`), tz);
    expect(at('2026-11-25T21:59:00')).toBe(false);
    expect(at('2026-11-25T22:00:00')).toBe(true);
    expect(at('2026-11-25T23:59:00')).toBe(true);
    expect(at('2026-11-26T00:00:00')).toBe(true);
    expect(at('2026-11-26T04:59:00')).toBe(true);
    expect(at('2026-11-26T05:00:00')).toBe(false);
  });

  it('a weekly window crossing midnight belongs to the day it starts', () => {
    const w = { village: 'dong-cam', days: ['sat' as const], start: '23:00', end: '02:00' };
    const at = (local: string) => covers(w, Date.parse(`${local}+07:00`), 'Asia/Ho_Chi_Minh');
    expect(at('2026-11-28T23:30:00')).toBe(true); // Saturday night
    expect(at('2026-11-29T01:30:00')).toBe(true); // early Sunday, still Saturday's window
    expect(at('2026-11-29T23:30:00')).toBe(false); // Sunday night
    expect(at('2026-11-28T01:30:00')).toBe(false); // early Saturday belongs to Friday
  });

  it('a recurring village-wide window turns on and off with the clock', () => {
    // 14:30–14:45 local every day, whole village
    const h = setup(withWindow('{ village: dong-cam, daily: true, start: "14:30", end: "14:45" }'));
    for (const d of all) h.status(d, 'online');
    vi.advanceTimersByTime(30 * 60_000);
    expect(all.map(h.stateOf).every((s) => s === 'maintenance')).toBe(true);
    for (const d of all) h.seen(d);
    vi.advanceTimersByTime(16 * 60_000);
    for (const d of all) h.seen(d);
    vi.advanceTimersByTime(5_000);
    expect(all.map(h.stateOf)).toEqual(['online', 'online', 'online', 'online', 'online']);
  });
});

describe('hub restart', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-avail-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('restores last states, stores the gap as unknown, and re-confirms each device as a change from unknown', () => {
    const file = path.join(dir, 'state.db');
    const first = setup(topology, openStateDb(file));
    for (const d of all) first.status(d, 'online');
    first.status('ap-1', 'offline', 'mất điện');
    first.bus.emit('status', { village: 'dong-cam', device: 'cam-2', ts: Date.now(), state: 'offline', reason: 'RTSP: connection refused', reasonCode: 'rtsp-refused', reasonParams: { port: 554 } });
    vi.advanceTimersByTime(20_000);
    for (const d of ['router', 'switch', 'cam-1', 'cam-2']) first.seen(d);
    const stoppedAt = Date.now();
    first.availability.stop();
    first.state.close();

    // The hub is away for ten minutes.
    vi.advanceTimersByTime(600_000);
    const second = setup(topology, openStateDb(file));
    expect(second.stateOf('cam-1')).toBe('online');
    expect(second.stateOf('ap-1')).toBe('offline');
    expect(second.devices.get({ village: 'dong-cam', device: 'ap-1' })?.reason).toBe('mất điện');
    // A coded reason comes back with its code and parameters (what people read), not only its raw text.
    expect(second.devices.get({ village: 'dong-cam', device: 'cam-2' })).toMatchObject({
      state: 'offline',
      reason: 'RTSP: connection refused',
      reasonCode: 'rtsp-refused',
      reasonParams: { port: 554 },
    });
    const gap = second.stored.filter((p) => p.measurement === 'availability' && p.state === 'unknown');
    expect(gap).toHaveLength(all.length);
    expect(gap.every((p) => p.ts === stoppedAt)).toBe(true);

    // cam-1 speaks again: re-confirmed online — a transition from unknown (the hub did not know meanwhile).
    second.status('cam-1', 'online');
    expect(second.transitions.filter((t) => t.device === 'cam-1').map((t) => `${t.from}->${t.to}`)).toEqual(['unknown->online']);
    // ap-1 stays silent: confirmed offline at its timeout, again without a transition.
    vi.advanceTimersByTime(20_000);
    second.seen('router');
    vi.advanceTimersByTime(10_000);
    expect(second.stateOf('ap-1')).toBe('offline');
    expect(second.transitions.filter((t) => t.device === 'ap-1').map((t) => `${t.from}->${t.to}:${t.reason}`)).toEqual(['unknown->offline:timeout']);
    second.availability.stop();
  });
});
