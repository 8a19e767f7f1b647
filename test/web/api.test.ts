import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, HealthResponse, SeriesResponse } from '../../shared/events.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

describe('REST API', () => {
  let t: TestHub;
  const t0 = Date.now() - 600_000;

  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'ap-1', village: 'dong-cam', name: 'AP 1', kind: 'wifi-ap' }],
      store: { kind: 'sqlite', writer: { flushMs: 50 } },
    });
    const c = await mqtt.connectAsync(t.mqttUrl, { clientId: 'ap-1', reconnectPeriod: 0 });
    // Ten minutes of readings, one per minute: clients = 0..9.
    for (let i = 0; i < 10; i++) {
      await c.publishAsync('langso/dong-cam/ap-1/telemetry', JSON.stringify({ ts: t0 + i * 60_000, clients: i }), { qos: 1 });
    }
    await c.endAsync();
    await waitFor(async () => (await t.hub.ctx.store.countTelemetry({ from: t0, to: t0 + 600_000 })) === 10, 5_000, 'stored');
  });
  afterAll(async () => t?.stop());

  const get = async (p: string) => {
    const res = await t.fetch(`${t.httpUrl}${p}`);
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('GET /api/health reports broker, store and hub uptime', async () => {
    const { status, body } = await get('/api/health');
    expect(status).toBe(200);
    const h = body as HealthResponse;
    expect(h.status).toBe('ok');
    expect(h.broker.tcpPort).toBe(t.hub.ports.mqtt);
    expect(h.store).toMatchObject({ kind: 'sqlite', ok: true });
    expect(h.store.written).toBeGreaterThanOrEqual(10);
    expect(h.uptimeS).toBeGreaterThanOrEqual(0);
    expect(h.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('returns a series for a range, raw when it fits', async () => {
    const { status, body } = await get(`/api/devices/dong-cam/ap-1/series?metric=clients&from=${t0}&to=${t0 + 600_000}&points=50`);
    expect(status).toBe(200);
    const s = body as SeriesResponse;
    expect(s.points.map((p) => p.mean)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('downsamples to at most `points` buckets with mean, min and max', async () => {
    const { body } = await get(`/api/devices/dong-cam/ap-1/series?metric=clients&from=${t0}&to=${t0 + 600_000}&points=2`);
    const s = body as SeriesResponse;
    expect(s.points.length).toBeLessThanOrEqual(2);
    expect(s.points.map((p) => [p.min, p.max])).toEqual([[0, 4], [5, 9]]);
    expect(s.points.map((p) => p.mean)).toEqual([2, 7]);
  });

  it('accepts ISO dates', async () => {
    const from = new Date(t0).toISOString();
    const to = new Date(t0 + 600_000).toISOString();
    const { status, body } = await get(`/api/devices/dong-cam/ap-1/series?metric=clients&from=${from}&to=${to}`);
    expect(status).toBe(200);
    expect((body as SeriesResponse).points).toHaveLength(10);
  });

  it.each([
    ['?metric=clients;drop', 'metric', 'invalid-value', /expected a metric name/],
    ['?metric=clients&points=0', 'points', 'too-small', /too small|>=1/],
    ['?metric=clients&points=abc', 'points', 'invalid-number', /number/],
    ['?metric=clients&from=yesterday', 'from', 'invalid-date-time', /milliseconds since 1970 or an ISO 8601/],
    ['?metric=clients&from=2000&to=1000', 'from', 'to-before-from', /"from" must be before "to"/],
    ['?metric=clients&from=0&to=99999999999', 'from', 'range-too-long', /range too long/],
    ['?metric=clients&colour=red', '(query)', 'unknown-field', /unknown parameter\(s\): colour/],
    ['', 'metric', 'required', /./],
  ])('series%s → 400 naming %s with code %s', async (qs, field, code, message) => {
    const { status, body } = await get(`/api/devices/dong-cam/ap-1/series${qs}`);
    expect(status).toBe(400);
    const e = body as ApiError;
    expect(e.error).toBe('invalid series query');
    expect(e.code).toBe('invalid');
    const issue = e.issues?.find((i) => i.path === field);
    expect(issue, JSON.stringify(e.issues)).toBeDefined();
    expect(issue?.code).toBe(code);
    expect(issue?.message).toMatch(message);
  });

  it('404 for an unknown device, 400 for an invalid id, 404 JSON for an unknown endpoint', async () => {
    expect(await get('/api/devices/dong-cam/nope/series?metric=clients')).toMatchObject({ status: 404, body: { error: 'no device "nope" in village "dong-cam"', code: 'not-found' } });
    const bad = await get('/api/devices/Dong%20Cam/ap-1/series?metric=clients');
    expect(bad.status).toBe(400);
    expect((bad.body as ApiError).issues?.[0]).toMatchObject({ path: 'village', code: 'invalid-id' });
    expect(await get('/api/nothing')).toMatchObject({ status: 404, body: { error: 'no such API endpoint: GET /api/nothing', code: 'not-found' } });
  });

  it('a malformed JSON body gets a 400 that says so, and the hub goes on', async () => {
    const res = await t.fetch(`${t.httpUrl}/api/devices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id": ' });
    expect(res.status).toBe(400);
    expect((await res.json()) as ApiError).toMatchObject({ error: expect.stringMatching(/^request body is not valid JSON/), code: 'bad-json' });
    expect((await get('/api/health')).status).toBe(200);
  });

  it('sends security headers suited to a plain-HTTP LAN page', async () => {
    const res = await t.fetch(`${t.httpUrl}/api/health`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
  });
});
