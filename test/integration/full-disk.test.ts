import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeText } from '../../hub/store/wal-segment.js';
import type { HealthResponse } from '../../shared/events.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A small filesystem of the test's own, so filling it fills nothing else: tmpfs needs root (the test
 * machines run tests as root). Anywhere else the test says why it does not run.
 */
function mountSmallDisk(): { dir: string; reason: null } | { dir: null; reason: string } {
  if (process.platform !== 'linux') return { dir: null, reason: `needs Linux to mount a tmpfs (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { dir: null, reason: 'needs root to mount a small tmpfs to fill (run the tests as root)' };
  const dir = mkdtempSync(path.join(tmpdir(), 'langso-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir, reason: null };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { dir: null, reason: `mount -t tmpfs failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

const disk = mountSmallDisk();
if (disk.reason) console.warn(`full-disk test not run: ${disk.reason}`);

/** Fills the filesystem holding `file` to the last byte; returns how much it wrote. */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    for (const size of [1 << 20, 1 << 16, 1 << 12, 512, 64, 8, 1]) {
      const buf = Buffer.alloc(size, 0x61);
      for (;;) {
        try {
          writeSync(fd, buf);
          written += size;
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) ?? 'no answer';
  } finally {
    db.close();
  }
}

/**
 * A full disk degrades, never corrupts (docs/durability.md): with the data folder's disk full the hub
 * stays up and says `degraded` with the reason; messages it cannot keep are not acknowledged; once space
 * returns it recovers by itself, and the state database, the metric store and the spool are intact, with
 * every acknowledged point stored once.
 */
describe.skipIf(disk.reason !== null)('a full disk', () => {
  const mount = disk.dir ?? '';
  let hub: TestHub | null = null;
  const clients: MqttClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await hub?.stop().catch(() => undefined);
    try {
      execFileSync('umount', [mount], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mount], { stdio: 'pipe' });
    }
    rmSync(mount, { recursive: true, force: true });
  });

  it('the hub stays up, says degraded and why, recovers when space returns, and nothing is corrupt', { timeout: 120_000 }, async () => {
    const dataDir = path.join(mount, 'data');
    mkdirSync(dataDir);
    const t = (hub = await startTestHub(
      {
        villages: [testVillage],
        devices: ['pc-1', 'pc-2'].map((id) => ({ id, village: testVillage.id, name: id, kind: 'pc' })),
        store: { kind: 'sqlite', writer: { flushMs: 200 } },
      },
      { dataDir },
    ));
    await t.admin(); // logged in while there is room for the session
    const health = async (): Promise<HealthResponse> => (await (await t.fetch('/api/health')).json()) as HealthResponse;
    expect((await health()).status).toBe('ok');

    // Two devices publish QoS 1 telemetry, 50 messages a second each; each PUBACK is noted.
    const base = Date.now() - 600_000;
    const acked = new Set<number>();
    let sent = 0;
    let answered = 0;
    const pubs = ['pc-1', 'pc-2'].map((d) => {
      const c = mqtt.connect(t.mqttUrl, { clientId: `${testVillage.id}-${d}`, reconnectPeriod: 200, connectTimeout: 2_000 });
      c.on('error', () => undefined);
      clients.push(c);
      return { d, c };
    });
    const timer = setInterval(() => {
      for (const { d, c } of pubs) {
        const i = sent++;
        c.publish(`langso/${testVillage.id}/${d}/telemetry`, JSON.stringify({ ts: base + i, n: i }), { qos: 1 }, (err) => {
          answered++;
          if (!err) acked.add(i);
        });
      }
    }, 20);
    try {
      await sleep(1_500);
      const ackedBefore = acked.size;
      expect(ackedBefore).toBeGreaterThan(20);

      // The disk fills up.
      const filler = path.join(mount, 'filler');
      const filled = fill(filler);
      expect(filled).toBeGreaterThan(1 << 20);
      const degraded = await waitFor(
        async () => {
          const h = await health().catch(() => null);
          return h && h.status === 'degraded' && h.problems.some((p) => /ENOSPC|SQLITE_FULL|no space|full/i.test(p.message)) ? h : null;
        },
        20_000,
        'health to say degraded because the disk is full',
      );
      const reasons = degraded.problems.map((p) => `${p.source}: ${p.message}`);
      console.log(`full disk: /api/health degraded — ${reasons.join(' | ')}`);
      // A device announces itself (retained) while the broker's LevelDB cannot be written either.
      pubs[0]?.c.publish(`langso/${testVillage.id}/pc-1/status`, '{"state":"online"}', { qos: 1, retain: true }, () => undefined);
      await sleep(2_000);
      // Still serving: the web API answers and the broker takes connections.
      const probe = await mqtt.connectAsync(t.mqttUrl, { reconnectPeriod: 0, connectTimeout: 5_000 });
      await probe.endAsync();
      const ackedDuringFull = acked.size;

      // Space returns: the hub recovers by itself.
      unlinkSync(filler);
      await waitFor(
        async () => {
          const h = await health().catch(() => null);
          return h && !h.store.failing && h.store.spool.error === null && h.store.spool.points === 0 && acked.size > ackedDuringFull + 20 ? h : null;
        },
        30_000,
        'the store and the spool to work again',
      );
      const after = await health();
      expect(after.problems.filter((p) => p.source === 'store' || p.source === 'spool')).toEqual([]);
      expect(after.status).toBe('ok');
      // Retained statuses are kept again.
      await pubs[1]?.c.publishAsync(`langso/${testVillage.id}/pc-2/status`, '{"state":"online"}', { qos: 1, retain: true });
      console.log(`full disk: ${ackedBefore} acknowledged before, ${ackedDuringFull - ackedBefore} while full, ${acked.size - ackedDuringFull} after`);
    } finally {
      clearInterval(timer);
    }
    // Every message gets its answer (the devices resend what was not acknowledged).
    await waitFor(() => answered === sent, 30_000, 'every message to be answered').catch((err: unknown) => {
      console.log(`${answered} of ${sent} messages answered; writer: ${JSON.stringify(t.hub.ctx.writer.stats())}`);
      throw err;
    });
    await t.stop();
    hub = null;

    // Nothing corrupt: both databases pass SQLite's integrity check, every spool line reads back.
    expect(integrity(path.join(dataDir, 'state.db'))).toBe('ok');
    expect(integrity(path.join(dataDir, 'metrics.db'))).toBe('ok');
    const spoolDir = path.join(dataDir, 'spool');
    for (const f of readdirSync(spoolDir).filter((n) => n.endsWith('.log'))) {
      expect(decodeText(readFileSync(path.join(spoolDir, f), 'utf8')).bad, f).toBe(0);
    }
    // The broker's LevelDB opens again and holds the retained status published after the disk had room.
    const again = (hub = await startTestHub({ villages: [testVillage], store: { kind: 'sqlite' } }, { dataDir }));
    const reader = await mqtt.connectAsync(again.mqttUrl, { reconnectPeriod: 0 });
    const retained: string[] = [];
    reader.on('message', (topic, _payload, packet) => {
      if (packet.retain) retained.push(topic);
    });
    await reader.subscribeAsync(`langso/${testVillage.id}/+/status`, { qos: 1 });
    await waitFor(() => retained.includes(`langso/${testVillage.id}/pc-2/status`), 5_000, 'the retained status after a restart');
    await reader.endAsync();
    await again.stop();
    hub = null;

    // Every acknowledged point is in the store, once.
    const db = new Database(path.join(dataDir, 'metrics.db'), { readonly: true });
    const rows = db
      .prepare(`SELECT r.ts AS ts, count(*) AS n FROM telemetry_raw r JOIN telemetry_series s ON s.id = r.series WHERE s.metric = 'n' GROUP BY r.ts`)
      .all() as Array<{ ts: number; n: number }>;
    db.close();
    const stored = new Map(rows.map((r) => [r.ts, r.n]));
    const missing = [...acked].filter((i) => !stored.has(base + i));
    const twice = [...acked].filter((i) => (stored.get(base + i) ?? 0) > 1);
    expect({ missing: missing.length, twice: twice.length }).toEqual({ missing: 0, twice: 0 });
  });
});
