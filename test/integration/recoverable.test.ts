import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import type { DevicesResponse, HealthResponse } from '../../shared/events.js';
import type { SqliteMetricStore } from '../../hub/store/sqlite.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * The hub never dies of a recoverable error (issue 7 §5): an accept error on a listener, an aedes
 * error, a state database turned read-only or full under a timer. Each is counted, shown by
 * /api/health as `degraded` with the reason, and the hub goes on serving.
 */

const hubs: TestHub[] = [];
afterEach(async () => {
  for (const t of hubs.splice(0)) {
    // The tests leave the databases broken on purpose; stopping must still work.
    t.hub.ctx.state.exec('PRAGMA query_only = 0');
    await t.stop();
  }
});

async function hub(doc: Record<string, unknown>): Promise<TestHub> {
  const t = await startTestHub(doc);
  hubs.push(t);
  return t;
}

async function health(t: TestHub): Promise<HealthResponse> {
  const res = await t.fetch(`${t.httpUrl}/api/health`);
  expect(res.status).toBe(200);
  return (await res.json()) as HealthResponse;
}

/** What Node emits on a listening server when accept(2) fails: too many open files. */
function acceptError(): NodeJS.ErrnoException {
  return Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' });
}

describe('recoverable errors', () => {
  it('an accept error on the MQTT, WebSocket or web listener, or an aedes error, is counted and shown; the hub goes on', async () => {
    const t = await hub({ villages: [testVillage], broker: { wsPort: 0 } });
    expect((await health(t)).status).toBe('ok');
    const { broker, web } = t.hub;
    // Private members, reached on purpose: these are the objects Node and aedes emit errors on.
    broker['tcp']?.emit('error', acceptError());
    broker['http']?.emit('error', acceptError());
    web['http']?.emit('error', acceptError());
    broker['aedes']?.emit('error', new Error('persistence failed'));

    const h = await health(t);
    expect(h.status).toBe('degraded');
    expect(h.problems.map((p) => p.source).sort()).toEqual(['broker', 'listen.broker.port', 'listen.broker.wsPort', 'listen.http.port']);
    expect(h.problems.find((p) => p.source === 'listen.broker.port')?.message).toBe('accept EMFILE');
    expect(h.counters).toMatchObject({ 'errors.listen.broker.port': 1, 'errors.listen.broker.wsPort': 1, 'errors.listen.http.port': 1, 'errors.broker': 1 });
    // Still serving MQTT over TCP and WebSocket.
    for (const url of [t.mqttUrl, `ws://127.0.0.1:${t.hub.ports.ws}`]) {
      const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
      await c.publishAsync('langso/dong-cam/x/telemetry', '{"a":1}', { qos: 1 });
      await c.endAsync();
    }
  });

  it('a state database turned read-only under a timer: counted, shown, and the device still goes offline', async () => {
    const t = await hub({ villages: [testVillage], devices: [{ id: 'cam', village: 'dong-cam', name: 'Cam', kind: 'onvif-camera', timeoutS: 1 }] });
    // Logged in first: a login writes its session to the state database.
    await t.admin();
    t.hub.ctx.state.exec('PRAGMA query_only = 1');
    // The device's heartbeat timer fires after 1 s and stores the transition: the write fails.
    const h = await waitFor(async () => {
      const b = await health(t);
      return b.problems.some((p) => p.source === 'state-db') ? b : null;
    }, 10_000, 'a state-db problem');
    expect(h.status).toBe('degraded');
    expect(h.problems.find((p) => p.source === 'state-db')?.message).toMatch(/readonly/i);
    expect(h.counters['errors.state-db']).toBeGreaterThanOrEqual(1);
    const devices = (await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as DevicesResponse;
    expect(devices.devices.find((d) => d.id === 'cam')).toMatchObject({ state: 'offline', reason: 'timeout' });
  });

  it('the availability heartbeat on a read-only state database: counted and shown, the hub goes on', async () => {
    // No devices: the only write is the heartbeat, every 10 s.
    const t = await hub({ villages: [testVillage] });
    // Logged in first: a login writes its session to the state database.
    await t.admin();
    t.hub.ctx.state.exec('PRAGMA query_only = 1');
    const h = await waitFor(async () => {
      const b = await health(t);
      return b.problems.some((p) => p.source === 'state-db') ? b : null;
    }, 20_000, 'a state-db problem from the heartbeat');
    expect(h.status).toBe('degraded');
    expect(h.problems.find((p) => p.source === 'state-db')?.message).toMatch(/readonly/i);
  });

  it('a full state database under a timer: counted and shown; the hub goes on', async () => {
    const t = await hub({ villages: [testVillage], devices: [{ id: 'ap', village: 'dong-cam', name: 'AP', kind: 'wifi-ap', timeoutS: 1 }] });
    const { state } = t.hub.ctx;
    // No small filesystem unprivileged: cap the file at its size, then fill the table the timer writes to.
    const pages = state.prepare('PRAGMA page_count').pluck().get() as number;
    state.exec(`PRAGMA max_page_count = ${pages}`);
    const put = state.prepare("INSERT INTO device_state (village, device, state, since, reason) VALUES ('filler', ?, 'unknown', 0, ?)");
    // Big rows first, then smaller ones into what is left, until even the smallest does not fit.
    let n = 0;
    for (const size of [200, 50, 10, 0]) {
      for (;;) {
        try {
          put.run(`d-${n++}`, 'x'.repeat(size));
        } catch (err) {
          expect((err as { code?: string }).code).toBe('SQLITE_FULL');
          break;
        }
      }
    }
    const h = await waitFor(async () => {
      const b = await health(t);
      return b.problems.some((p) => p.source === 'state-db') ? b : null;
    }, 10_000, 'a state-db problem');
    expect(h.status).toBe('degraded');
    expect(h.problems.find((p) => p.source === 'state-db')?.message).toMatch(/full/i);
    const devices = (await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as DevicesResponse;
    expect(devices.devices.find((d) => d.id === 'ap')?.state).toBe('offline');
  });

  it('metric writes failing to SQLite: degraded with the last write error, ok again once writes succeed', async () => {
    // A configured device: readings of unregistered ones are not stored.
    const devices = [{ id: 'ap-1', village: 'dong-cam', name: 'AP', kind: 'wifi-ap' }];
    const t = await hub({ villages: [testVillage], devices, store: { kind: 'sqlite', writer: { flushMs: 50 } } });
    const db = (t.hub.ctx.store as SqliteMetricStore)['db'];
    const c = await mqtt.connectAsync(t.mqttUrl, { reconnectPeriod: 0 });
    const send = (n: number) => c.publishAsync('langso/dong-cam/ap-1/telemetry', JSON.stringify({ clients: n }), { qos: 1 });
    try {
      await send(1);
      await waitFor(async () => (await health(t)).store.written > 0, 5_000, 'a first write');
      db?.pragma('query_only = 1');
      await send(2);
      const bad = await waitFor(async () => {
        const b = await health(t);
        return b.store.failing ? b : null;
      }, 5_000, 'a failed write');
      expect(bad.status).toBe('degraded');
      expect(bad.store.ok).toBe(true); // the store answers; only its writes fail
      expect(bad.store.lastError).toMatch(/readonly/i);
      expect(bad.problems.find((p) => p.source === 'store')?.message).toMatch(/readonly/i);
      db?.pragma('query_only = 0');
      // The writer retries the failed batch; once it is written the hub is ok again.
      const good = await waitFor(async () => {
        const b = await health(t);
        return b.status === 'ok' ? b : null;
      }, 20_000, 'health ok again');
      expect(good.store.failing).toBe(false);
    } finally {
      await c.endAsync();
    }
  });
});
