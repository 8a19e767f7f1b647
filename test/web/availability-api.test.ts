import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, AvailabilityResponse, HealthResponse } from '../../shared/events.js';
import { availabilitySpans } from '../../hub/web/availability-api.js';
import { avail } from '../store/contract.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

describe('availability spans', () => {
  const T = 1_700_000_000_000;
  it('clips to the range, merges neighbours in one state and marks the state at the end as ongoing', () => {
    const points = [avail('ap-1', T - 5_000, 'online'), avail('ap-1', T + 10_000, 'offline'), avail('ap-1', T + 20_000, 'offline'), avail('ap-1', T + 30_000, 'maintenance')];
    expect(availabilitySpans(points, T, T + 60_000)).toEqual([
      { from: T, to: T + 10_000, state: 'online', ongoing: false },
      { from: T + 10_000, to: T + 30_000, state: 'offline', ongoing: false },
      { from: T + 30_000, to: T + 60_000, state: 'maintenance', ongoing: true },
    ]);
    expect(availabilitySpans([], T, T + 1)).toEqual([]);
  });
});

describe('GET /api/devices/:village/:device/availability', () => {
  let t: TestHub;
  const t0 = Date.now() - 600_000;

  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'cam-1', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', timeoutS: 3600 }],
      store: { kind: 'sqlite', writer: { flushMs: 50 } },
    });
    const c = await mqtt.connectAsync(t.mqttUrl, { clientId: 'cam-1', reconnectPeriod: 0 });
    // Online, offline for two minutes, online again: dated by the device (`ts`), as a camera with a clock says.
    for (const [dt, state] of [[0, 'online'], [120_000, 'offline'], [240_000, 'online']] as const) {
      await c.publishAsync('langso/dong-cam/cam-1/status', JSON.stringify({ state, ts: t0 + dt, ...(state === 'offline' ? { reason: 'lwt' } : {}) }), { qos: 1 });
      await waitFor(() => t.hub.ctx.devices.get({ village: 'dong-cam', device: 'cam-1' })?.state === state, 5_000, state);
    }
    await c.endAsync();
    await waitFor(async () => (await t.hub.ctx.store.queryAvailability({ village: 'dong-cam', device: 'cam-1', from: t0, to: t0 + 600_000 })).length === 3, 5_000, 'stored');
  });
  afterAll(async () => t?.stop());

  const get = async (p: string) => {
    const res = await t.fetch(`${t.httpUrl}${p}`);
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('answers the spans of the range, the last one still going', async () => {
    const to = t0 + 300_000;
    const { status, body } = await get(`/api/devices/dong-cam/cam-1/availability?from=${t0 - 60_000}&to=${to}`);
    expect(status).toBe(200);
    expect(body as AvailabilityResponse).toEqual({
      village: 'dong-cam',
      device: 'cam-1',
      from: t0 - 60_000,
      to,
      spans: [
        { from: t0, to: t0 + 120_000, state: 'online', ongoing: false },
        { from: t0 + 120_000, to: t0 + 240_000, state: 'offline', ongoing: false },
        { from: t0 + 240_000, to, state: 'online', ongoing: true },
      ],
    });
    const iso = await get(`/api/devices/dong-cam/cam-1/availability?from=${new Date(t0 + 180_000).toISOString()}&to=${new Date(t0 + 200_000).toISOString()}`);
    expect((iso.body as AvailabilityResponse).spans).toEqual([{ from: t0 + 180_000, to: t0 + 200_000, state: 'offline', ongoing: true }]);
  });

  it.each([
    ['?from=yesterday', 'from', /milliseconds since 1970 or an ISO 8601/],
    ['?from=2000&to=1000', 'from', /"from" must be before "to"/],
    ['?from=0&to=99999999999', 'from', /range too long/],
    ['?metric=clients', '(query)', /unknown parameter\(s\): metric/],
  ])('%s → 400 naming %s, counted', async (qs, field, message) => {
    const before = ((await (await t.fetch(`${t.httpUrl}/api/health`)).json()) as HealthResponse).counters['api.bad_requests'] ?? 0;
    const { status, body } = await get(`/api/devices/dong-cam/cam-1/availability${qs}`);
    expect(status).toBe(400);
    const e = body as ApiError;
    expect(e.error).toBe('invalid availability query');
    expect(e.issues?.find((i) => i.path === field)?.message).toMatch(message);
    expect(((await (await t.fetch(`${t.httpUrl}/api/health`)).json()) as HealthResponse).counters['api.bad_requests']).toBe(before + 1);
  });

  it('404 for an unknown device, 400 naming the id that is not a slug', async () => {
    expect(await get('/api/devices/dong-cam/cam-9/availability')).toEqual({ status: 404, body: { error: 'no device "cam-9" in village "dong-cam"' } });
    const bad = await get('/api/devices/dong-cam/Cam_1/availability');
    expect(bad.status).toBe(400);
    expect((bad.body as ApiError).issues?.[0]?.path).toBe('device');
  });
});
