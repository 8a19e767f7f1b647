import { InfluxDB } from 'influx';
import mqtt from 'mqtt';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, parseConfig } from '../../hub/config/load.js';
import type { HealthResponse } from '../../shared/events.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * An InfluxDB URL with a path names the database, as in node-influx's connection strings; health is
 * `degraded` whenever writes fail, not only when the server stops answering. Against the real influxd.
 */
const url = inject('influxUrl');
const admin = new InfluxDB({ host: new URL(url).hostname, port: Number(new URL(url).port) });
const run = `langso_u${process.pid}_${Date.now().toString(36)}`;
const databases: string[] = [];
const hubs: TestHub[] = [];

afterAll(async () => {
  for (const t of hubs) await t.stop();
  for (const db of databases) await admin.dropDatabase(db).catch(() => undefined);
});

function problems(text: string): string[] {
  try {
    parseConfig(text, 'test');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

async function health(t: TestHub): Promise<HealthResponse> {
  return (await (await t.fetch(`${t.httpUrl}/api/health`)).json()) as HealthResponse;
}

describe('InfluxDB URL and write health', () => {
  it('the URL path is the database; a database setting that disagrees is an error naming both', () => {
    const store = parseConfig('store: { kind: influx, url: "http://hub:pw@127.0.0.1:8086/langso_xa" }', 'test').store;
    expect(store).toMatchObject({ kind: 'influx', url: 'http://hub:pw@127.0.0.1:8086', database: 'langso_xa' });
    expect(parseConfig('store: { kind: influx, url: "http://127.0.0.1:8086/x/", database: x }', 'test').store).toMatchObject({ database: 'x' });
    expect(parseConfig('store: { kind: influx, url: "http://127.0.0.1:8086" }', 'test').store).toMatchObject({ database: 'langso' });
    expect(parseConfig('store: { kind: influx, url: "http://127.0.0.1:8086", database: mine }', 'test').store).toMatchObject({ database: 'mine' });
    expect(problems('store: { kind: influx, url: "http://127.0.0.1:8086/langso", database: other }')).toEqual([
      'store.database: database "other" disagrees with the URL, whose path names database "langso": keep one of them, or make them the same',
    ]);
    expect(problems('store: { kind: influx, url: "http://127.0.0.1:8086/a/b" }')[0]).toMatch(/^store\.url: the URL path "\/a\/b" must be one database name/);
    // LANGSO_INFLUX_URL with a path selects the database too.
    expect(parseConfig('{}', 'test', { LANGSO_INFLUX_URL: 'http://127.0.0.1:8086/from_env' }).store).toMatchObject({ kind: 'influx', database: 'from_env' });
  });

  it('writes to the database a URL path names, then degraded while writes fail and ok once they succeed again', async () => {
    const db = `${run}_path`;
    databases.push(db);
    // A configured device: readings of unregistered ones are not stored.
    const devices = [{ id: 'ap-1', village: 'dong-cam', name: 'AP', kind: 'wifi-ap' }];
    const t = await startTestHub({ villages: [testVillage], devices, store: { kind: 'influx', url: `${url}/${db}`, writer: { flushMs: 50 } } });
    hubs.push(t);
    const c = await mqtt.connectAsync(t.mqttUrl, { reconnectPeriod: 0 });
    const send = (clients: number) => c.publishAsync('langso/dong-cam/ap-1/telemetry', JSON.stringify({ clients }), { qos: 1 });
    try {
      await send(7);
      await waitFor(async () => (await admin.query('SELECT "clients" FROM "telemetry"', { database: db })).length > 0, 10_000, 'the point in the database named by the path');
      const ok = await health(t);
      expect(ok).toMatchObject({ status: 'ok', problems: [], store: { kind: 'influx', ok: true, failing: false } });

      // The server answers its ping, but writes fail: the retention policy they go to is gone.
      await admin.query(`DROP RETENTION POLICY "raw" ON "${db}"`, { database: db });
      await send(8);
      const bad = await waitFor(async () => {
        const h = await health(t);
        return h.store.failing ? h : null;
      }, 10_000, 'a failed write');
      expect(bad.status).toBe('degraded');
      expect(bad.store.ok).toBe(true);
      // influxd answers 500 (its reason only in a header the client drops).
      expect(bad.store.lastError).toMatch(/^InfluxDB at http:\/\/127\.0\.0\.1:\d+: write failed: Internal Server Error$/);
      expect(bad.problems.find((p) => p.source === 'store')?.message).toBe(bad.store.lastError);

      await admin.query(`CREATE RETENTION POLICY "raw" ON "${db}" DURATION 30d REPLICATION 1 DEFAULT`, { database: db });
      const back = await waitFor(async () => {
        const h = await health(t);
        return h.status === 'ok' ? h : null;
      }, 40_000, 'health ok again');
      expect(back.store.failing).toBe(false);
      const rows = await admin.query<{ clients: number }>('SELECT "clients" FROM "raw"."telemetry"', { database: db });
      expect(rows.map((r) => r.clients)).toContain(8);
    } finally {
      await c.endAsync();
    }
  });
});
