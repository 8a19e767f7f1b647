import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup } from './context.js';

const S = 1_000;
const T0 = Date.parse('2026-11-25T07:00:00Z');
const cam1 = { village: 'dong-cam', device: 'cam-1' };

describe('alert engine', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('availability', () => {
    it('fires one offline alert per outage and resolves it when the device is back online', () => {
      const { transition, events, engine, changes } = setup();
      transition('pc', 'online');
      transition('pc', 'offline', { reason: 'lwt' });
      transition('pc', 'unknown');
      transition('pc', 'offline', { reason: 'timeout' });
      expect(changes()).toEqual(['fired offline:dong-cam/pc']);
      expect(events[0]?.alert).toMatchObject({
        village: 'dong-cam',
        device: 'pc',
        condition: 'offline',
        severity: 'critical',
        status: 'firing',
        startedAt: T0,
        detail: { name: 'Máy tính', kind: 'pc', reason: 'lwt', since: T0 },
      });
      vi.advanceTimersByTime(5 * S);
      transition('pc', 'online');
      expect(changes()).toEqual(['fired offline:dong-cam/pc', 'resolved offline:dong-cam/pc']);
      expect(events[1]?.alert).toMatchObject({ status: 'resolved', resolvedAt: T0 + 5 * S });
      expect(events[1]?.ts).toBe(T0 + 5 * S);
      expect(engine.store.listOpen()).toEqual([]);
    });

    it('puts the reason code and its parameters in the alert detail beside the raw reason', () => {
      const { transition, events } = setup();
      transition('pc', 'online');
      transition('pc', 'offline', { reason: 'disk /: EIO', reasonCode: 'disk-unreadable', reasonParams: { path: '/' } });
      expect(events[0]?.alert.detail).toEqual({ name: 'Máy tính', kind: 'pc', reason: 'disk /: EIO', reasonCode: 'disk-unreadable', reasonParams: { path: '/' }, since: T0 });
    });

    it('a parent that takes children down raises one unreachable-root alert naming them, none for the children', () => {
      const { transition, events, changes } = setup();
      for (const d of ['router', 'switch', 'cam-1', 'cam-2']) transition(d, 'online');
      transition('router', 'offline', { reason: 'timeout' });
      for (const d of ['switch', 'cam-1', 'cam-2']) transition(d, 'unreachable', { reason: 'parent', cause: 'router' });
      expect(changes()).toEqual(['fired unreachable-root:dong-cam/router']);
      expect(events[0]?.alert).toMatchObject({
        condition: 'unreachable-root',
        severity: 'critical',
        detail: { name: 'Bộ định tuyến', affected: 3, affectedIds: 'switch,cam-1,cam-2' },
      });
      vi.advanceTimersByTime(20 * S);
      transition('router', 'online');
      for (const d of ['switch', 'cam-1', 'cam-2']) transition(d, 'online');
      // Declared back once it has stayed up for recoverS (15 s), with the devices behind it back.
      vi.advanceTimersByTime(15 * S - 1);
      expect(changes()).toEqual(['fired unreachable-root:dong-cam/router']);
      vi.advanceTimersByTime(1);
      expect(changes()).toEqual(['fired unreachable-root:dong-cam/router', 'resolved unreachable-root:dong-cam/router']);
      expect(events[1]?.alert.detail).toMatchObject({ backAt: T0 + 20 * S, stillDownIds: '' });
    });

    it('children that show offline right after their parent returns get their timeout to come back', () => {
      const { transition, changes, events } = setup();
      for (const d of ['router', 'switch', 'cam-1', 'cam-2']) transition(d, 'online');
      transition('router', 'offline');
      for (const d of ['switch', 'cam-1', 'cam-2']) transition(d, 'unreachable', { cause: 'router' });
      transition('router', 'online');
      // Their heartbeats ran out while the router was down: offline until their next message.
      for (const d of ['switch', 'cam-1', 'cam-2']) transition(d, 'offline', { reason: 'timeout' });
      vi.advanceTimersByTime(10 * S);
      transition('switch', 'online');
      transition('cam-1', 'online');
      vi.advanceTimersByTime(20 * S - 1); // cameras: timeoutS 30
      // The router waits for the devices behind it (or their timeout) before it is declared back.
      expect(changes()).toEqual(['fired unreachable-root:dong-cam/router']);
      vi.advanceTimersByTime(1);
      expect(changes()).toEqual(['fired unreachable-root:dong-cam/router', 'fired offline:dong-cam/cam-2', 'resolved unreachable-root:dong-cam/router']);
      // Its recovery says which of them is still down.
      expect(events.at(-1)?.alert.detail).toMatchObject({ stillDownIds: 'cam-2' });
    });

    it('a device that was offline before its parent went down keeps its own alert', () => {
      const { transition, engine, changes } = setup();
      transition('cam-1', 'offline', { reason: 'timeout' });
      // It has a parent: its alert waits dependencyGraceS (3 s) in case the parent is down too.
      vi.advanceTimersByTime(3 * S);
      transition('router', 'offline');
      transition('cam-1', 'unreachable', { cause: 'router' });
      // cam-1 was down before: the router took nothing down that was up (the others were never heard of).
      expect(changes()).toEqual(['fired offline:dong-cam/cam-1', 'fired offline:dong-cam/router']);
      transition('router', 'online');
      transition('cam-1', 'offline', { reason: 'timeout' }); // back to its own state: still the same alert
      expect(engine.store.listOpen().map((a) => a.key)).toEqual(['offline:dong-cam/cam-1']);
    });

    it('a child whose parent turns out to be down within the grace raises nothing of its own', () => {
      const { transition, changes } = setup();
      transition('cam-1', 'offline', { reason: 'lwt' });
      vi.advanceTimersByTime(2 * S);
      transition('switch', 'offline', { reason: 'lwt' });
      transition('cam-1', 'unreachable', { cause: 'switch' });
      vi.advanceTimersByTime(10 * S);
      expect(changes()).toEqual(['fired unreachable-root:dong-cam/switch']);
    });

    it('maintenance, unknown and unregistered devices raise nothing', () => {
      const { transition, bus, devices, changes } = setup();
      transition('pc', 'maintenance', { reason: 'thay ổ đĩa' });
      transition('pc', 'unknown');
      devices.addUnregistered({ village: 'dong-cam', device: 'stray' }, 60);
      bus.emit('transition', { village: 'dong-cam', device: 'stray', kind: 'generic', ts: Date.now(), from: 'online', to: 'offline' });
      bus.emit('flapping', { village: 'dong-cam', device: 'stray', ts: Date.now(), flapping: true, changes: 9, outages: 5 });
      expect(changes()).toEqual([]);
    });

    it('flapping: one alert, flapping transitions silent, settled → resolved (and offline if it stayed down)', () => {
      const { transition, bus, events, changes } = setup();
      transition('cam-1', 'online');
      bus.emit('flapping', { ...cam1, ts: Date.now(), flapping: true, changes: 6, outages: 3 });
      for (let i = 0; i < 5; i++) {
        transition('cam-1', 'offline', { flapping: true, reason: 'timeout' });
        transition('cam-1', 'online', { flapping: true });
      }
      transition('cam-1', 'offline', { flapping: true, reason: 'timeout' });
      bus.emit('flapping', { ...cam1, ts: Date.now(), flapping: true, changes: 7, outages: 4 }); // repeated: still one alert
      expect(changes()).toEqual(['fired flapping:dong-cam/cam-1']);
      expect(events[0]?.alert).toMatchObject({ condition: 'flapping', severity: 'warning', detail: { name: 'Camera cổng làng', changes: 6 } });
      vi.advanceTimersByTime(600 * S);
      bus.emit('flapping', { ...cam1, ts: Date.now(), flapping: false, changes: 0, outages: 0 });
      expect(changes()).toEqual(['fired flapping:dong-cam/cam-1', 'resolved flapping:dong-cam/cam-1', 'fired offline:dong-cam/cam-1']);
    });

    it('a device that was flapping before a maintenance window settles inside it: the flapping alert is closed', () => {
      const { transition, bus, changes } = setup();
      bus.emit('flapping', { ...cam1, ts: Date.now(), flapping: true, changes: 6, outages: 3 });
      transition('cam-1', 'maintenance', { reason: 'thay camera' });
      // Flapping that would start now, inside the window, raises nothing.
      bus.emit('flapping', { village: 'dong-cam', device: 'cam-1', ts: Date.now(), flapping: false, changes: 0, outages: 0 });
      bus.emit('flapping', { ...cam1, ts: Date.now(), flapping: true, changes: 6, outages: 3 });
      expect(changes()).toEqual(['fired flapping:dong-cam/cam-1', 'resolved flapping:dong-cam/cam-1']);
    });

    it('settling while online resolves the flapping alert only', () => {
      const { transition, bus, changes } = setup();
      bus.emit('flapping', { ...cam1, ts: Date.now(), flapping: true, changes: 6, outages: 3 });
      transition('cam-1', 'online', { flapping: true });
      bus.emit('flapping', { ...cam1, ts: Date.now(), flapping: false, changes: 0, outages: 0 });
      expect(changes()).toEqual(['fired flapping:dong-cam/cam-1', 'resolved flapping:dong-cam/cam-1']);
    });
  });

  describe('threshold rules', () => {
    it('fires exactly forS after the condition began, not before, and resolves when it stops holding', () => {
      const { reading, events, changes } = setup();
      reading('ap-1', { clients: 30 });
      vi.advanceTimersByTime(60 * S);
      const start = Date.now();
      reading('ap-1', { clients: 55 }); // ap-crowded: clients > 50 for 600 s
      for (let i = 0; i < 9; i++) {
        vi.advanceTimersByTime(60 * S);
        reading('ap-1', { clients: 56 + i });
      }
      vi.advanceTimersByTime(60 * S - 1);
      expect(changes()).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(changes()).toEqual(['fired threshold:ap-crowded:dong-cam/ap-1']);
      expect(events[0]?.alert).toMatchObject({
        startedAt: start + 600 * S,
        severity: 'warning',
        condition: 'threshold',
        detail: { metric: 'clients', value: 64, op: '>', threshold: 50, label: 'quá nhiều người dùng Wi-Fi', rule: 'ap-crowded' },
      });
      reading('ap-1', { clients: 70 });
      vi.advanceTimersByTime(600 * S);
      expect(events).toHaveLength(1);
      reading('ap-1', { clients: 40 });
      expect(changes()).toEqual(['fired threshold:ap-crowded:dong-cam/ap-1', 'resolved threshold:ap-crowded:dong-cam/ap-1']);
    });

    it('a device that keeps a bad value but sends nothing more still fires at start + forS', () => {
      const { reading, changes } = setup();
      reading('ap-1', { clients: 80 });
      vi.advanceTimersByTime(600 * S - 1);
      expect(changes()).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(changes()).toEqual(['fired threshold:ap-crowded:dong-cam/ap-1']);
    });

    it('an interruption restarts the hold time; a device gone offline meanwhile does not fire', () => {
      const { reading, transition, changes } = setup();
      reading('ap-1', { clients: 80 });
      vi.advanceTimersByTime(500 * S);
      reading('ap-1', { clients: 10 });
      reading('ap-1', { clients: 80 });
      vi.advanceTimersByTime(599 * S);
      expect(changes()).toEqual([]);
      transition('ap-1', 'offline', { reason: 'timeout' });
      vi.advanceTimersByTime(1 * S);
      expect(changes()).toEqual(['fired offline:dong-cam/ap-1']);
    });

    it('compares absolute values when abs is set, fires at once with forS 0, and reads booleans as 1/0', () => {
      const { reading, events, changes } = setup();
      reading('cam-1', { clockDriftS: -200 }); // camera-clock: |clockDriftS| > 120, forS 0
      expect(changes()).toEqual(['fired threshold:camera-clock:dong-cam/cam-1']);
      expect(events[0]?.alert).toMatchObject({ severity: 'info', detail: { value: -200, abs: true } });
      reading('cam-1', { clockDriftS: 100 });
      reading('cam-1', { frozen: true }); // camera-frozen: frozen == 1 for 60 s
      vi.advanceTimersByTime(60 * S);
      reading('cam-1', { frozen: false });
      expect(changes()).toEqual([
        'fired threshold:camera-clock:dong-cam/cam-1',
        'resolved threshold:camera-clock:dong-cam/cam-1',
        'fired threshold:camera-frozen:dong-cam/cam-1',
        'resolved threshold:camera-frozen:dong-cam/cam-1',
      ]);
    });

    it('rules can name devices, kinds, or both; readings without the metric change nothing', () => {
      const { reading, changes } = setup(`
alerts:
  rules:
    - { id: hot, devices: [pc, cam-9], metric: tempC, op: '>=', value: 70 }
    - { id: cam-rtt, kind: onvif-camera, devices: [cam-2], metric: rttMs, op: '>', value: 500 }
`);
      reading('pc', { tempC: 70 });
      reading('cam-9', { tempC: 90 }, 'gia-phu');
      reading('ap-1', { tempC: 99 });
      reading('cam-1', { rttMs: 900 });
      reading('cam-2', { rttMs: 900 });
      reading('cam-2', { clients: 3 });
      expect(changes()).toEqual(['fired threshold:hot:dong-cam/pc', 'fired threshold:hot:gia-phu/cam-9', 'fired threshold:cam-rtt:dong-cam/cam-2']);
    });
  });

  it('the hub\'s Internet link down fires one hub-wide alert for all its villages, up resolves it', () => {
    const { bus, events, changes, engine } = setup(); // two villages: Đông Căm and Gia Phú
    bus.emit('internet', { state: 'down', ts: Date.now(), reason: 'all targets failed' });
    bus.emit('internet', { state: 'down', ts: Date.now() });
    expect(events).toHaveLength(1);
    expect(events[0]?.alert).toMatchObject({ village: '*', device: null, condition: 'internet-down', severity: 'critical', detail: { reason: 'all targets failed' } });
    // The API lists it under any village of the hub.
    expect(engine.store.list({ village: 'gia-phu', limit: 10 }).map((a) => a.key)).toEqual(['internet-down:*']);
    expect(engine.internetState('gia-phu')).toBe('down');
    bus.emit('internet', { state: 'unknown', ts: Date.now() });
    bus.emit('internet', { state: 'up', ts: Date.now() });
    expect(changes()).toEqual(['fired internet-down:*', 'resolved internet-down:*']);
  });

  describe('lifecycle', () => {
    it('escalates once after escalateAfterS when nobody acknowledges', () => {
      const { transition, changes, engine } = setup();
      transition('pc', 'offline');
      vi.advanceTimersByTime(1800 * S - 1);
      expect(changes()).toEqual(['fired offline:dong-cam/pc']);
      vi.advanceTimersByTime(1);
      expect(changes()).toEqual(['fired offline:dong-cam/pc', 'escalated offline:dong-cam/pc']);
      vi.advanceTimersByTime(10 * 1800 * S);
      expect(changes()).toHaveLength(2);
      const a = engine.store.listOpen()[0]!;
      expect(a).toMatchObject({ status: 'firing', escalatedAt: T0 + 1800 * S });
    });

    it('does not escalate an acknowledged alert', () => {
      const { transition, changes, engine } = setup();
      transition('pc', 'offline');
      vi.advanceTimersByTime(600 * S);
      engine.acknowledge(engine.store.listOpen()[0]!.id, 'Anh Tuấn');
      vi.advanceTimersByTime(3600 * S);
      expect(changes()).toEqual(['fired offline:dong-cam/pc', 'acknowledged offline:dong-cam/pc']);
    });

    it('firing → acknowledged (who, when, note) → resolved, with history', () => {
      const { transition, engine, events } = setup();
      transition('pc', 'offline', { reason: 'mất điện' });
      const id = events[0]!.alert.id;
      vi.advanceTimersByTime(60 * S);
      const r = engine.acknowledge(id, 'Chị Lan', 'đang đi kiểm tra');
      expect(r).toMatchObject({ result: 'acknowledged', alert: { status: 'acknowledged', ackedBy: 'Chị Lan', ackNote: 'đang đi kiểm tra', ackedAt: T0 + 60 * S } });
      vi.advanceTimersByTime(60 * S);
      // A second acknowledgement leaves the first one as it was.
      expect(engine.acknowledge(id, 'Someone else')).toMatchObject({ result: 'unchanged', alert: { ackedBy: 'Chị Lan' } });
      transition('pc', 'online');
      expect(engine.acknowledge(id, 'Chị Lan')).toMatchObject({ result: 'resolved' });
      expect(engine.acknowledge(9999, 'Chị Lan')).toEqual({ result: 'missing' });
      expect(engine.store.get(id)).toMatchObject({ status: 'resolved', resolvedAt: T0 + 120 * S, ackedBy: 'Chị Lan' });
      expect(engine.store.history(id)).toEqual([
        { ts: T0, action: 'fired', who: null, note: null },
        { ts: T0 + 60 * S, action: 'acknowledged', who: 'Chị Lan', note: 'đang đi kiểm tra' },
        { ts: T0 + 120 * S, action: 'resolved', who: null, note: 'online' },
      ]);
      expect(events.map((e) => e.change)).toEqual(['fired', 'acknowledged', 'resolved']);
      // The next outage is a new alert.
      transition('pc', 'offline');
      expect(engine.store.listOpen().map((a) => a.id)).not.toContain(id);
      expect(engine.store.list({ status: 'all', limit: 10 }).map((a) => a.status)).toEqual(['firing', 'resolved']);
    });

    it('keeps one open alert per key in the database', () => {
      const { engine, state } = setup();
      engine.fire({ key: 'offline:dong-cam/pc', village: 'dong-cam', device: 'pc', condition: 'offline', severity: 'critical', detail: {} });
      expect(() =>
        state
          .prepare("INSERT INTO alerts (key, village, condition, severity, status, started_at) VALUES ('offline:dong-cam/pc', 'dong-cam', 'offline', 'critical', 'firing', 0)")
          .run(),
      ).toThrow(/UNIQUE/);
    });

    it('stop() removes its listeners and timers', () => {
      const { engine, transition, reading, bus } = setup();
      transition('pc', 'offline');
      reading('ap-1', { clients: 80 });
      engine.stop();
      expect(vi.getTimerCount()).toBe(0);
      expect(bus.listenerCount('transition')).toBe(0);
    });
  });
});
