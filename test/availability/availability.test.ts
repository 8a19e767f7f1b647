import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Availability, REASON_TIMEOUT } from '../../hub/availability/availability.js';
import { Bus } from '../../hub/bus.js';
import { systemClock } from '../../hub/clock.js';
import { parseConfig } from '../../hub/config/load.js';
import type { HubContext } from '../../hub/context.js';
import { Counters } from '../../hub/counters.js';
import type { Transition } from '../../hub/domain.js';
import { createLogger } from '../../hub/log.js';
import { DeviceRegistry } from '../../hub/registry.js';

const yaml = `
villages: [{ id: dong-cam, name: Đông Căm }]
devices:
  - { id: cam, village: dong-cam, name: Camera, kind: onvif-camera, timeoutS: 30 }
  - { id: ap, village: dong-cam, name: AP, kind: wifi-ap, timeoutS: 10 }
`;

function setup() {
  const config = parseConfig(yaml, 'test');
  const log = createLogger('silent');
  const bus = new Bus(log);
  const devices = new DeviceRegistry(config);
  // Availability uses only these members of the context.
  const ctx = { config, log, bus, clock: systemClock, counters: new Counters(), devices } as unknown as HubContext;
  const availability = new Availability(ctx);
  const transitions: Transition[] = [];
  bus.on('test', 'transition', (t) => transitions.push(t));
  availability.start();
  const cam = { village: 'dong-cam', device: 'cam' };
  const seen = (ref = cam) => bus.emit('seen', { ...ref, ts: Date.now() });
  const status = (state: 'online' | 'offline', reason?: string, ref = cam) => {
    bus.emit('status', { ...ref, ts: Date.now(), state, ...(reason ? { reason } : {}) });
    seen(ref);
  };
  return { bus, devices, availability, transitions, seen, status, cam };
}

describe('availability (first cut)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-25T07:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts unknown and goes online on the first message', () => {
    const { devices, transitions, seen, cam } = setup();
    expect(devices.get(cam)?.state).toBe('unknown');
    seen();
    expect(devices.get(cam)?.state).toBe('online');
    expect(transitions).toEqual([expect.objectContaining({ device: 'cam', from: 'unknown', to: 'online', kind: 'onvif-camera' })]);
  });

  it('goes offline exactly timeoutS after the last valid message, not before', () => {
    const { devices, transitions, seen, cam } = setup();
    seen();
    vi.advanceTimersByTime(20_000);
    seen(); // keeps it alive: the deadline moves to t=50 s
    vi.advanceTimersByTime(29_999);
    expect(devices.get(cam)?.state).toBe('online');
    vi.advanceTimersByTime(1);
    expect(devices.get(cam)?.state).toBe('offline');
    expect(devices.get(cam)?.reason).toBe(REASON_TIMEOUT);
    expect(transitions.at(-1)).toMatchObject({ from: 'online', to: 'offline', reason: 'timeout', ts: Date.parse('2026-11-25T07:00:50Z') });
  });

  it('marks a configured device that never speaks offline after its timeout from hub start', () => {
    const { devices } = setup();
    vi.advanceTimersByTime(10_000);
    expect(devices.get({ village: 'dong-cam', device: 'ap' })?.state).toBe('offline');
    expect(devices.get({ village: 'dong-cam', device: 'cam' })?.state).toBe('unknown');
  });

  it('comes back online on any message after a timeout', () => {
    const { devices, seen, cam } = setup();
    seen();
    vi.advanceTimersByTime(30_000);
    expect(devices.get(cam)?.state).toBe('offline');
    seen();
    expect(devices.get(cam)?.state).toBe('online');
    expect(devices.get(cam)?.reason).toBeUndefined();
    // and the timer is armed again
    vi.advanceTimersByTime(30_000);
    expect(devices.get(cam)?.state).toBe('offline');
  });

  it('follows status messages and Last Will; an explicit offline is not overruled by telemetry', () => {
    const { devices, transitions, status, seen, cam } = setup();
    status('online');
    status('offline', 'lwt');
    expect(devices.get(cam)).toMatchObject({ state: 'offline', reason: 'lwt' });
    seen(); // a stray telemetry message while the device says it is offline
    expect(devices.get(cam)?.state).toBe('offline');
    status('online');
    expect(devices.get(cam)?.state).toBe('online');
    expect(transitions.map((t) => t.to)).toEqual(['online', 'offline', 'online']);
  });

  it('a first message saying offline does not pass through online', () => {
    const { transitions, status } = setup();
    status('offline', 'lwt');
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['unknown->offline']);
  });

  it('does not emit a transition for a repeated state', () => {
    const { transitions, status } = setup();
    status('online');
    status('online');
    status('offline', 'mất điện');
    status('offline', 'mất điện');
    expect(transitions.map((t) => t.to)).toEqual(['online', 'offline']);
  });

  it('never dates a transition in the future or before the previous one (device clocks drift)', () => {
    const { bus, transitions, cam } = setup();
    bus.emit('seen', { ...cam, ts: Date.now() });
    bus.emit('status', { ...cam, ts: Date.now() + 3_600_000, state: 'offline' });
    expect(transitions.at(-1)?.ts).toBe(Date.now());
    bus.emit('status', { ...cam, ts: Date.now() - 3_600_000, state: 'online' });
    expect(transitions.at(-1)?.ts).toBe(Date.now());
  });

  it('stop() clears every timer', () => {
    const { availability } = setup();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    availability.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
