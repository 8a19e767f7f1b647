import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup } from './context.js';

const S = 1_000;
const T0 = Date.parse('2026-11-25T07:00:00Z');

/** Alerts from device events (the `event` MQTT channel): docs/alerts.md, condition `event`. */
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('device events', () => {
  const event = (bus: ReturnType<typeof setup>['bus'], device: string, type: string, severity: 'info' | 'warning' | 'critical', message?: string) =>
    bus.emit('device-event', { village: 'dong-cam', device, ts: Date.now(), type, severity, ...(message ? { message } : {}) });

  it('a critical event raises one alert per device and type; a later info event of that type resolves it', () => {
    const { bus, events, changes } = setup();
    event(bus, 'cam-1', 'tamper', 'critical', 'Vỏ camera bị mở');
    event(bus, 'cam-1', 'tamper', 'critical', 'Vỏ camera bị mở');
    event(bus, 'cam-1', 'disk', 'warning', 'ổ đĩa gần đầy');
    event(bus, 'cam-1', 'boot', 'info');
    expect(changes()).toEqual(['fired event:tamper:dong-cam/cam-1']);
    expect(events[0]?.alert).toMatchObject({
      device: 'cam-1',
      condition: 'event',
      severity: 'critical',
      detail: { name: 'Camera cổng làng', type: 'tamper', message: 'Vỏ camera bị mở', since: T0 },
    });
    vi.advanceTimersByTime(60 * S);
    event(bus, 'cam-1', 'tamper', 'info', 'Vỏ camera đã đóng');
    expect(changes()).toEqual(['fired event:tamper:dong-cam/cam-1', 'resolved event:tamper:dong-cam/cam-1']);
    expect(events[1]?.alert.detail.resolution).toBe('cleared');
  });

  it('acknowledging resolves it (quietly: the acknowledgement is the message)', () => {
    const { bus, engine, events } = setup();
    event(bus, 'pc', 'power', 'critical', 'mất điện lưới, đang chạy UPS');
    const r = engine.acknowledge(events[0]!.alert.id, 'Chị Lan', 'đã kiểm tra');
    expect(r).toMatchObject({ result: 'acknowledged', alert: { status: 'resolved', ackedBy: 'Chị Lan' } });
    expect(events.map((e) => `${e.change}${e.quiet ? ' (quiet)' : ''}`)).toEqual(['fired', 'acknowledged', 'resolved (quiet)']);
    expect(engine.store.listOpen()).toEqual([]);
  });

  it('a device in maintenance raises nothing', () => {
    const { bus, transition, changes } = setup();
    transition('cam-1', 'maintenance', { reason: 'thay camera' });
    event(bus, 'cam-1', 'tamper', 'critical');
    expect(changes()).toEqual([]);
  });
});
