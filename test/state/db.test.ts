import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateDb } from '../../hub/state/db.js';
import { migrations } from '../../hub/state/schema.js';
import { DeviceStateRepo } from '../../hub/state/device-states.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'langso-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('state database', () => {
  it('touches nothing until opened, then creates every table', () => {
    const file = path.join(dir, 'sub', 'state.db');
    const db = new StateDb(file);
    expect(db.isOpen).toBe(false);
    expect(() => db.prepare('SELECT 1')).toThrow(/before it was opened/);
    db.open();
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['alerts', 'alert_history', 'device_state', 'hub_heartbeat', 'maintenance', 'meetings', 'outbox', 'dismissed_devices']));
    db.close();
    expect(db.isOpen).toBe(false);
  });

  it('brings a database of an earlier version up to date: "uplink-down" alerts become "internet-down"', () => {
    const file = path.join(dir, 'state.db');
    // A database as an earlier hub left it: tables made, no version recorded, an open uplink alert.
    const old = new Database(file);
    for (const m of migrations.slice(0, 4)) old.exec(m);
    old.prepare("INSERT INTO alerts (key, village, device, condition, severity, status, started_at) VALUES ('uplink-down:dong-cam', 'dong-cam', NULL, 'uplink-down', 'critical', 'firing', 1)").run();
    old.close();
    const db = new StateDb(file);
    db.open();
    expect(db.prepare('SELECT key, condition FROM alerts').get()).toEqual({ key: 'internet-down:dong-cam', condition: 'internet-down' });
    db.close();
    // Opening again applies nothing twice.
    const again = new StateDb(file);
    again.open();
    expect((again.prepare('SELECT COUNT(*) AS n FROM alerts').get() as { n: number }).n).toBe(1);
    again.close();
  });

  it('keeps the device states of an earlier version and adds their reason code and parameters', () => {
    const file = path.join(dir, 'state.db');
    const old = new Database(file);
    for (const m of migrations.slice(0, 5)) old.exec(m);
    old.pragma('user_version = 5');
    old.prepare("INSERT INTO device_state (village, device, state, since, reason) VALUES ('dong-cam', 'cam-1', 'offline', 1, 'lwt')").run();
    old.close();
    const db = new StateDb(file);
    db.open();
    const repo = new DeviceStateRepo(db);
    expect(repo.all()).toEqual([{ village: 'dong-cam', device: 'cam-1', state: 'offline', since: 1, reason: 'lwt', reasonCode: null, reasonParams: null }]);
    repo.save({ village: 'dong-cam', device: 'cam-1', state: 'offline', since: 2, reason: 'RTSP: connection refused', reasonCode: 'rtsp-refused', reasonParams: { port: 554 } });
    expect(repo.all()).toEqual([
      { village: 'dong-cam', device: 'cam-1', state: 'offline', since: 2, reason: 'RTSP: connection refused', reasonCode: 'rtsp-refused', reasonParams: { port: 554 } },
    ]);
    db.close();
  });
});
