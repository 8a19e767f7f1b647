import { request } from 'node:http';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, addUser, login, sessionOf } from '../helpers/auth.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { captureLog } from '../security/helpers.js';
import { parseExposition, valueOf, type Family } from './exposition.js';

/**
 * GET /metrics scraped as Prometheus does (a bearer token from the configuration), parsed as Prometheus'
 * text format, and watched while devices talk.
 */

const V = testVillage.id;
const TOKEN = 'prom-9f1c2e7a4b5d6c8e0a1b2c3d4e5f6a7b';

describe('Prometheus /metrics', () => {
  let t: TestHub;
  let dev: MqttClient;
  const { log, lines } = captureLog('debug');

  beforeAll(async () => {
    t = await startTestHub(
      {
        villages: [testVillage],
        devices: [
          { id: 'cam-1', village: V, name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 600 },
          { id: 'ap-1', village: V, name: 'Wi-Fi sân thể thao', kind: 'wifi-ap', timeoutS: 600 },
        ],
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
        // A webhook nobody answers: its message waits in the outbox.
        notify: { channels: [{ id: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/hook' }], routes: [{ channels: ['hook'] }] },
        export: { prometheus: { token: TOKEN } },
      },
      { log },
    );
    dev = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
  });

  afterAll(async () => {
    await dev?.endAsync(true).catch(() => undefined);
    await t?.stop();
  });

  const scrape = async (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<Map<string, Family>> => {
    const res = await fetch(`${t.httpUrl}/metrics`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };

  it('serves the hub\'s families, the Node defaults and well-formed exposition text', async () => {
    const families = await scrape();
    const want: Record<string, Family['type']> = {
      langso_hub_info: 'gauge',
      langso_mqtt_clients: 'gauge',
      langso_mqtt_messages_total: 'counter',
      langso_ingest_accepted_total: 'counter',
      langso_ingest_dropped_total: 'counter',
      langso_broker_refused_total: 'counter',
      langso_store_up: 'gauge',
      langso_store_failing: 'gauge',
      langso_store_queued_points: 'gauge',
      langso_store_spooled_points: 'gauge',
      langso_store_spool_bytes: 'gauge',
      langso_store_spool_max_bytes: 'gauge',
      langso_store_spool_oldest_age_seconds: 'gauge',
      langso_store_spool_dropped_points_total: 'counter',
      langso_store_written_points_total: 'counter',
      langso_store_dropped_points_total: 'counter',
      langso_devices: 'gauge',
      langso_alerts_open: 'gauge',
      langso_notifications: 'gauge',
      langso_notifications_pending: 'gauge',
      langso_notifications_oldest_pending_seconds: 'gauge',
      langso_errors_total: 'counter',
      // Node defaults: memory, event loop, CPU, GC.
      process_resident_memory_bytes: 'gauge',
      process_cpu_seconds_total: 'counter',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_eventloop_lag_p99_seconds: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
      nodejs_gc_duration_seconds: 'histogram',
    };
    for (const [name, type] of Object.entries(want)) {
      expect(families.get(name)?.type, name).toBe(type);
      expect(families.get(name)?.help, name).not.toBe('');
    }
    expect(valueOf(families, 'langso_hub_info', { version: t.hub.ctx.version })).toBe(1);
    expect(valueOf(families, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(valueOf(families, 'langso_store_up', { store: 'sqlite' })).toBe(1);
    // The spool: its bound, no backlog, nothing dropped.
    expect(valueOf(families, 'langso_store_spool_max_bytes')).toBeGreaterThanOrEqual(1_048_576);
    expect(valueOf(families, 'langso_store_spool_oldest_age_seconds')).toBe(0);
    expect(valueOf(families, 'langso_store_spool_dropped_points_total', { what: 'telemetry' })).toBe(0);
    expect(valueOf(families, 'langso_store_spool_dropped_points_total', { what: 'events' })).toBe(0);
    // Every state of every (village, kind), zeros included: both devices unknown so far.
    expect(valueOf(families, 'langso_devices', { village: V, kind: 'onvif-camera', state: 'unknown' })).toBe(1);
    expect(valueOf(families, 'langso_devices', { village: V, kind: 'onvif-camera', state: 'offline' })).toBe(0);
    expect(families.get('langso_devices')?.samples).toHaveLength(2 * 5);
  });

  it('counters move with the messages: accepted, dropped by reason, devices by state, alerts and the outbox', async () => {
    const before = await scrape();
    const accepted = valueOf(before, 'langso_ingest_accepted_total')!;
    const routed = valueOf(before, 'langso_mqtt_messages_total')!;
    const badJson = valueOf(before, 'langso_ingest_dropped_total', { reason: 'json' }) ?? 0;

    await dev.publishAsync(`langso/${V}/ap-1/status`, '{"state":"online"}', { qos: 1, retain: true });
    await dev.publishAsync(`langso/${V}/ap-1/telemetry`, JSON.stringify({ clients: 7, txBps: 1000 }), { qos: 1 });
    await dev.publishAsync(`langso/${V}/ap-1/telemetry`, '{"clients":', { qos: 1 });
    await dev.publishAsync(`langso/${V}/cam-1/status`, '{"state":"offline","reason":"lwt"}', { qos: 1, retain: true });

    const after = await waitFor(async () => {
      const f = await scrape();
      return valueOf(f, 'langso_alerts_open', { status: 'firing', village: V }) !== undefined && (valueOf(f, 'langso_notifications', { status: 'pending' }) ?? 0) > 0 ? f : null;
    }, 10_000, 'the alert and its message in the outbox');
    expect(valueOf(after, 'langso_ingest_accepted_total')! - accepted).toBeGreaterThanOrEqual(3);
    expect(valueOf(after, 'langso_mqtt_messages_total')!).toBeGreaterThan(routed);
    expect(valueOf(after, 'langso_ingest_dropped_total', { reason: 'json' })).toBe(badJson + 1);
    expect(valueOf(after, 'langso_devices', { village: V, kind: 'wifi-ap', state: 'online' })).toBe(1);
    expect(valueOf(after, 'langso_devices', { village: V, kind: 'onvif-camera', state: 'offline' })).toBe(1);
    expect(valueOf(after, 'langso_notifications_pending', { channel: 'hook' })).toBeGreaterThan(0);
    // The readings reach the store: written points go up, nothing waits once flushed.
    const stored = await waitFor(async () => {
      const f = await scrape();
      return (valueOf(f, 'langso_store_written_points_total') ?? 0) > 0 ? f : null;
    }, 10_000, 'points written');
    expect(valueOf(stored, 'langso_store_dropped_points_total')).toBe(0);
  });

  it('answers a logged-in admin and the token only; a wrong token is counted and logged without itself', async () => {
    const status = async (headers: Record<string, string>) => (await fetch(`${t.httpUrl}/metrics`, { headers })).status;
    expect(await status({})).toBe(401);
    const wrong = await fetch(`${t.httpUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer realm="langso"/);
    expect(await wrong.json()).toMatchObject({ code: 'unauthorized' });
    expect(await status({ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })).toBe(401);
    // The token, not a session, decides: a wrong token with an admin's cookie is still refused.
    const admin = await t.admin();
    expect(await status({ authorization: 'Bearer nope', cookie: admin.cookie })).toBe(401);
    expect((await admin.fetch('/metrics')).status).toBe(200);
    await addUser(t.hub, 'xem', 'viewer');
    const viewer = sessionOf(t.httpUrl, 'xem', await login(t.httpUrl, 'xem', TEST_PASSWORD));
    expect((await viewer.fetch('/metrics')).status).toBe(403);
    // DNS rebinding: another host name is not answered, token or not.
    const foreign = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.httpUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}`, host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(foreign).toBe(421);

    const families = await scrape();
    expect(valueOf(families, 'langso_hub_info', { version: t.hub.ctx.version })).toBe(1);
    expect(t.hub.ctx.counters.get('http.token_refused')).toBe(2);
    expect(lines.some((l) => l.msg.includes('wrong bearer token'))).toBe(true);
    expect(lines.filter((l) => JSON.stringify(l).includes(TOKEN.slice(5)))).toEqual([]);
  });
});
