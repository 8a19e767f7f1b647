import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INTERNET_NAME, meetingKey } from '../../hub/alerts/meetings.js';
import { openStateDb } from '../../hub/state/db.js';
import { setup } from './context.js';

const MIN = 60_000;
/** 07:00 in Đông Căm (UTC+7). */
const NOW = Date.parse('2026-11-25T00:00:00Z');
/** The meeting below starts at 09:00 village time = 02:00 UTC. */
const START = Date.parse('2026-11-25T02:00:00Z');
const meetingYaml = `
meetings:
  - { village: dong-cam, startAt: '2026-11-25T09:00', title: Họp trực tuyến với huyện }
`;
const withTargets = `
internet:
  targets: [{ type: tcp, host: 1.1.1.1, port: 53 }]
`;

describe('meeting readiness', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads a meeting time without offset in the village time zone (Asia/Ho_Chi_Minh)', () => {
    const { engine } = setup(meetingYaml);
    expect(engine.meetings.list()).toEqual([
      { id: 'cfg-0', village: 'dong-cam', startAt: START, title: 'Họp trực tuyến với huyện', device: null, source: 'config' },
    ]);
    expect(engine.meetings.parseTime('2026-11-25T09:00:00+09:00', 'dong-cam')).toBe(Date.parse('2026-11-25T00:00:00Z'));
    expect(engine.meetings.parseTime('2026-11-25T09:00:00.000Z', 'dong-cam')).toBe(Date.parse('2026-11-25T09:00:00Z'));
  });

  it('not ready 30 minutes before → one meeting-not-ready alert, exactly then; resolved once ready', () => {
    const { engine, transition, events, changes } = setup(meetingYaml);
    vi.advanceTimersByTime(START - 30 * MIN - NOW - 1);
    expect(engine.meetings.readinessNow(engine.meetings.list()[0]!)).toEqual({ ready: false, failed: ['Bộ họp trực tuyến'], internet: 'unknown' });
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(changes()).toEqual([`fired ${meetingKey({ village: 'dong-cam', startAt: START, device: null })}`]);
    expect(events[0]?.alert).toMatchObject({
      village: 'dong-cam',
      device: null,
      condition: 'meeting-not-ready',
      severity: 'critical',
      startedAt: START - 30 * MIN,
      // No internet targets configured: an unknown link is not held against the meeting.
      detail: { title: 'Họp trực tuyến với huyện', startAt: START, failed: 'Bộ họp trực tuyến', name: 'Đông Căm' },
    });
    vi.advanceTimersByTime(10 * MIN);
    transition('mr', 'online');
    expect(changes()).toHaveLength(2);
    expect(events[1]).toMatchObject({ change: 'resolved', alert: { condition: 'meeting-not-ready' } });
    expect(engine.meetings.readinessNow(engine.meetings.list()[0]!)).toMatchObject({ ready: true });
  });

  it('a ready meeting raises nothing', () => {
    const { transition, events } = setup(meetingYaml);
    transition('mr', 'online');
    vi.advanceTimersByTime(4 * 60 * MIN);
    expect(events).toEqual([]);
  });

  it('being not ready before the alert time is no alert if it is ready in time', () => {
    const { transition, events } = setup(meetingYaml);
    vi.advanceTimersByTime(START - 45 * MIN - NOW);
    transition('mr', 'offline');
    expect(events.map((e) => e.alert.condition)).toEqual(['offline']);
    transition('mr', 'online');
    vi.advanceTimersByTime(2 * 60 * MIN);
    expect(events.map((e) => `${e.change} ${e.alert.condition}`)).toEqual(['fired offline', 'resolved offline']);
  });

  it('resolves an hour after the start when it never became ready', () => {
    const { events, engine } = setup(meetingYaml);
    vi.advanceTimersByTime(START - NOW + 60 * MIN - 1);
    // Nobody acknowledged it within escalateAfterS (30 min): escalated at the start of the meeting.
    expect(events.map((e) => e.change)).toEqual(['fired', 'escalated']);
    vi.advanceTimersByTime(1);
    expect(events.map((e) => e.change)).toEqual(['fired', 'escalated', 'resolved']);
    expect(engine.store.history(events[0]!.alert.id).at(-1)).toMatchObject({ action: 'resolved', note: 'meeting-over' });
    expect(engine.meetings.list()).toEqual([]);
  });

  it('checks the internet when targets are configured: unknown or down is not ready, up is', () => {
    const { bus, transition, events, engine } = setup(meetingYaml + withTargets);
    transition('mr', 'online');
    vi.advanceTimersByTime(START - 30 * MIN - NOW);
    expect(events[0]?.alert.detail).toMatchObject({ failed: INTERNET_NAME, internet: 'unknown' });
    bus.emit('internet', { state: 'down', ts: Date.now() });
    expect(engine.meetings.readinessNow(engine.meetings.list()[0]!)).toEqual({ ready: false, failed: [INTERNET_NAME], internet: 'down' });
    bus.emit('internet', { state: 'up', ts: Date.now() });
    expect(events.map((e) => `${e.change} ${e.alert.condition}`)).toEqual([
      'fired meeting-not-ready',
      'fired internet-down',
      'resolved internet-down',
      'resolved meeting-not-ready',
    ]);
  });

  it('checks only the named device, and honours a meeting set that reports itself not ready', () => {
    const { transition, reading, events, engine } = setup(`
meetings:
  - { village: dong-cam, startAt: '2026-11-25T09:00:00+07:00', title: Họp, device: pc }
  - { village: gia-phu, startAt: '2026-11-25T09:00', title: Họp Gia Phú }
`);
    transition('pc', 'online');
    transition('mr', 'online');
    reading('mr', { ready: false });
    vi.advanceTimersByTime(START - 30 * MIN - NOW);
    // Gia Phú has no meeting-room device: only its (unprobed) internet counts, so it is ready.
    expect(events).toEqual([]);
    // Same time, every meeting-room device: a different set, hence its own alert.
    const m = engine.meetings.add({ village: 'dong-cam', startAt: START, title: 'Họp thêm' });
    expect(m).toMatchObject({ source: 'api', device: null });
    expect(events.map((e) => `${e.change} ${e.alert.detail.failed}`)).toEqual(['fired Bộ họp trực tuyến']);
    reading('mr', { ready: true });
    expect(events.map((e) => e.change)).toEqual(['fired', 'resolved']);
    vi.advanceTimersByTime(90 * MIN);
    expect(events).toHaveLength(2);
  });

  it('API meetings persist; removing one resolves its alert; config meetings cannot be removed', () => {
    const state = openStateDb(':memory:');
    const first = setup('', state);
    const m = first.engine.meetings.add({ village: 'dong-cam', startAt: START, title: 'Họp' });
    vi.advanceTimersByTime(START - 30 * MIN - NOW);
    expect(first.changes()).toEqual([`fired ${meetingKey(m)}`]);
    first.engine.stop();
    const second = setup(meetingYaml, state);
    expect(second.events).toEqual([]); // open alert kept, not fired again
    expect(second.engine.meetings.list().map((x) => x.source)).toEqual(['config', 'api']);
    expect(second.engine.meetings.remove('cfg-0')).toBe('config');
    expect(second.engine.meetings.remove('999')).toBe('missing');
    // Both meetings share the time, hence the alert: it stays until no meeting needs it.
    expect(second.engine.meetings.remove(m.id)).toBe('removed');
    expect(second.events).toEqual([]);
    second.engine.stop();
    const third = setup('', state);
    expect(third.changes()).toEqual([`resolved ${meetingKey(m)}`]);
    expect(third.engine.meetings.list()).toEqual([]);
  });
});
