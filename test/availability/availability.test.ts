import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REASON_TIMEOUT } from '../../hub/availability/availability.js';
import { setup as harness } from './harness.js';

const yaml = `
villages: [{ id: dong-cam, name: Đông Căm }]
devices:
  - { id: cam, village: dong-cam, name: Camera, kind: onvif-camera, timeoutS: 30 }
  - { id: ap, village: dong-cam, name: AP, kind: wifi-ap, timeoutS: 10 }
`;

function setup() {
  const h = harness(yaml);
  const cam = { village: 'dong-cam', device: 'cam' };
  return {
    ...h,
    cam,
    seen: () => h.seen('cam'),
    status: (state: 'online' | 'offline', reason?: string) => h.status('cam', state, reason),
  };
}

describe('availability: status, Last Will, heartbeat timeout', () => {
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

  it('carries a reason code and its parameters beside the raw reason, and follows a changed reason while offline', () => {
    const { devices, transitions, bus, cam } = setup();
    const report = (reason: string, reasonCode: string, reasonParams?: Record<string, string | number>) =>
      bus.emit('status', { ...cam, ts: Date.now(), state: 'offline', reason, reasonCode, ...(reasonParams ? { reasonParams } : {}) });
    report('RTSP: connection refused', 'rtsp-refused', { port: 554 });
    expect(devices.get(cam)).toMatchObject({ state: 'offline', reason: 'RTSP: connection refused', reasonCode: 'rtsp-refused', reasonParams: { port: 554 } });
    expect(transitions.at(-1)).toMatchObject({ to: 'offline', reason: 'RTSP: connection refused', reasonCode: 'rtsp-refused', reasonParams: { port: 554 } });
    // Still offline, now for another reason: no transition, but the reason shown follows (and is pushed).
    const reasons: unknown[] = [];
    bus.on('test', 'reason', (r) => reasons.push(r));
    report('ONVIF: 401 Unauthorized (wrong user name or password)', 'onvif-unauthorized');
    expect(transitions).toHaveLength(1);
    expect(reasons).toEqual([
      { ...cam, state: 'offline', since: transitions[0]?.ts, reason: 'ONVIF: 401 Unauthorized (wrong user name or password)', reasonCode: 'onvif-unauthorized' },
    ]);
    report('ONVIF: 401 Unauthorized (wrong user name or password)', 'onvif-unauthorized');
    expect(reasons).toHaveLength(1);
    expect(devices.get(cam)).toMatchObject({ reasonCode: 'onvif-unauthorized', reason: 'ONVIF: 401 Unauthorized (wrong user name or password)' });
    expect(devices.get(cam)?.reasonParams).toBeUndefined();
    // Back online: no reason left.
    bus.emit('status', { ...cam, ts: Date.now(), state: 'online' });
    expect(devices.get(cam)).not.toHaveProperty('reasonCode');
    expect(devices.get(cam)).not.toHaveProperty('reason');
  });

  it('the hub\'s own reasons carry their code: timeout', () => {
    const { devices, seen, cam } = setup();
    seen();
    vi.advanceTimersByTime(30_000);
    expect(devices.get(cam)).toMatchObject({ state: 'offline', reason: 'timeout', reasonCode: 'timeout' });
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
