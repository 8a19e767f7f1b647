import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alertKeys } from '../../hub/alerts/engine.js';
import { openStateDb } from '../../hub/state/db.js';
import { setup } from './context.js';

const S = 1_000;
const T0 = Date.parse('2026-11-25T07:00:00Z');
const cam1 = { village: 'dong-cam', device: 'cam-1' };

/** The alert engine across a hub restart: open alerts and their history live in the state database. */
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('restart', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-alerts-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps open alerts and history, does not fire them again, and clears them only when re-confirmed', () => {
    const file = path.join(dir, 'state.db');
    const first = setup('', openStateDb(file));
    first.transition('pc', 'offline', { reason: 'lwt' });
    first.transition('router', 'offline');
    first.reading('ap-1', { clients: 90 });
    vi.advanceTimersByTime(600 * S);
    first.bus.emit('flapping', { ...cam1, ts: Date.now(), flapping: true, changes: 6, outages: 3 });
    const pcId = first.engine.store.getOpen(alertKeys.offline({ village: 'dong-cam', device: 'pc' }))!.id;
    first.engine.acknowledge(pcId, 'Chị Lan', 'đã báo thợ');
    first.engine.stop();
    first.state.close();

    vi.advanceTimersByTime(60 * S);
    const second = setup('', openStateDb(file));
    expect(second.events).toEqual([]);
    expect(second.engine.store.listOpen().map((a) => `${a.status} ${a.key}`)).toEqual([
      'acknowledged offline:dong-cam/pc',
      'firing offline:dong-cam/router',
      'firing threshold:ap-crowded:dong-cam/ap-1',
      'firing flapping:dong-cam/cam-1',
    ]);
    expect(second.engine.store.history(pcId).map((h) => h.action)).toEqual(['fired', 'acknowledged']);
    // After a restart devices are unknown until availability hears from them: that clears nothing.
    second.transition('pc', 'unknown');
    second.transition('router', 'unknown');
    expect(second.events).toEqual([]);
    second.transition('pc', 'online');
    second.reading('ap-1', { clients: 12 });
    second.transition('cam-1', 'online');
    expect(second.changes()).toEqual([
      'resolved offline:dong-cam/pc',
      'resolved threshold:ap-crowded:dong-cam/ap-1',
      'resolved flapping:dong-cam/cam-1',
    ]);
    // Escalation keeps counting from when the alert fired, across the restart.
    vi.advanceTimersByTime(1800 * S - 660 * S - 1);
    expect(second.changes()).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(second.changes().at(-1)).toBe('escalated offline:dong-cam/router');
    second.engine.stop();
    second.state.close();
  });

  it('an Internet alert per village from an older hub gives way to the hub-wide one, without a message', () => {
    const file = path.join(dir, 'state.db');
    const first = setup('', openStateDb(file));
    for (const village of ['dong-cam', 'gia-phu']) {
      first.engine.store.open({ key: `internet-down:${village}`, village, device: null, condition: 'internet-down', severity: 'critical', detail: {} }, Date.now());
    }
    first.engine.stop();
    first.state.close();
    const second = setup('', openStateDb(file));
    expect(second.events.map((e) => `${e.change} ${e.alert.key}${e.quiet ? ' (quiet)' : ''}`)).toEqual([
      'resolved internet-down:dong-cam (quiet)',
      'resolved internet-down:gia-phu (quiet)',
    ]);
    second.bus.emit('internet', { state: 'down', ts: Date.now() });
    expect(second.engine.store.listOpen().map((a) => a.key)).toEqual(['internet-down:*']);
    second.engine.stop();
    second.state.close();
  });

  it('closes alerts of devices and rules that were removed from the config', () => {
    const file = path.join(dir, 'state.db');
    const first = setup('alerts:\n  rules: [{ id: hot, kind: pc, metric: tempC, op: ">", value: 80 }]\n', openStateDb(file));
    first.reading('pc', { tempC: 95 });
    first.engine.fire({ key: 'offline:dong-cam/gone', village: 'dong-cam', device: 'gone', condition: 'offline', severity: 'critical', detail: {} });
    first.engine.stop();
    first.state.close();
    const second = setup('', openStateDb(file));
    expect(second.changes()).toEqual(['resolved threshold:hot:dong-cam/pc', 'resolved offline:dong-cam/gone']);
    expect(second.engine.store.history(second.events[1]!.alert.id).at(-1)).toMatchObject({ action: 'resolved', note: 'device-removed' });
    second.engine.stop();
    second.state.close();
  });
});
