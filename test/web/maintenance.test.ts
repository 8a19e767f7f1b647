import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, DevicesResponse } from '../../shared/events.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

describe('maintenance API', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [
        { id: 'cam-1', village: 'dong-cam', name: 'Camera 1', kind: 'onvif-camera' },
        { id: 'ap-1', village: 'dong-cam', name: 'AP 1', kind: 'wifi-ap' },
      ],
      maintenance: [{ village: 'dong-cam', device: 'ap-1', daily: true, start: '02:00', end: '02:30', note: 'khởi động lại hằng đêm' }],
    });
  });
  afterAll(async () => t?.stop());

  const post = (body: unknown) =>
    t.fetch(`${t.httpUrl}/api/maintenance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const stateOf = async (id: string) =>
    ((await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as DevicesResponse).devices.find((d) => d.id === id);

  it('lists config windows', async () => {
    const body = (await (await t.fetch(`${t.httpUrl}/api/maintenance`)).json()) as { windows: Array<{ id: string; source: string; note: string }> };
    expect(body.windows).toEqual([expect.objectContaining({ id: 'cfg-0', source: 'config', note: 'khởi động lại hằng đêm' })]);
  });

  it('a window added now puts the device in maintenance at once, set by the logged-in user; removing it ends it', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    // Who sets it is the logged-in user, never a name typed into the body.
    const typed = await post({ village: 'dong-cam', device: 'cam-1', from, to, note: 'thay ống kính', by: 'Anh Tuấn' });
    expect(typed.status).toBe(400);
    expect(((await typed.json()) as ApiError).issues).toEqual([expect.objectContaining({ path: 'by', code: 'unknown-field' })]);
    const res = await post({ village: 'dong-cam', device: 'cam-1', from, to, note: 'thay ống kính' });
    expect(res.status).toBe(201);
    const w = (await res.json()) as { id: string; createdBy: string };
    expect(w.createdBy).toBe('admin');
    await waitFor(async () => (await stateOf('cam-1'))?.state === 'maintenance', 3_000, 'maintenance');
    expect((await stateOf('cam-1'))?.reason).toBe('thay ống kính');
    const del = await t.fetch(`${t.httpUrl}/api/maintenance/${w.id}`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(del.status).toBe(204);
    await waitFor(async () => (await stateOf('cam-1'))?.state !== 'maintenance', 3_000, 'end of maintenance');
  });

  it.each([
    [{ village: 'dong-cam', device: 'cam-1', start: '25:00', end: '02:00', daily: true }, 'start', 'invalid-time', /HH:MM/],
    [{ village: 'dong-cam', device: 'cam-1', from: '2026-11-25T10:00:00+07:00' }, 'to', 'required', /needs both from and to/],
    [{ village: 'dong-cam', device: 'cam-1', from: '2026-11-25T12:00:00+07:00', to: '2026-11-25T10:00:00+07:00' }, 'to', 'to-before-from', /"to" must be after "from"/],
    [{ village: 'dong-cam', device: 'cam-1', from: 'hôm qua', to: '2026-11-25T10:00:00+07:00' }, 'from', 'invalid-date-time', /./],
    [{ village: 'dong-cam', start: '22:00', end: '05:00' }, 'days', 'pick-days', /daily: true or list the days/],
    [{ village: 'dong-cam', daily: true, start: '22:00' }, 'end', 'required', /needs start and end/],
    [{ village: 'dong-cam' }, '(query)', 'needs-schedule', /needs from\/to/],
    [{ village: 'dong-cam', daily: true, start: '22:00', end: '05:00', note: 'x'.repeat(501) }, 'note', 'too-long', /./],
    [{ village: 'Đông Căm', daily: true, start: '22:00', end: '05:00' }, 'village', 'invalid-id', /./],
    [{ daily: true, start: '22:00', end: '05:00' }, 'village', 'required', /./],
    [{ village: 'nowhere', daily: true, start: '22:00', end: '05:00' }, 'village', 'unknown-village', /unknown village "nowhere"/],
    [{ village: 'dong-cam', device: 'cam-9', daily: true, start: '22:00', end: '05:00' }, 'device', 'unknown-device', /no device "cam-9"/],
  ])('refuses %j naming %s with code %s', async (body, field, code, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const e = (await res.json()) as ApiError;
    expect(e.code).toBe('invalid');
    const issue = e.issues?.find((i) => i.path === field);
    expect(issue, JSON.stringify(e)).toBeDefined();
    // A code the dashboard translates, beside the English message for people calling the API by hand.
    expect(issue?.code).toBe(code);
    expect(issue?.message).toMatch(message);
  });

  it('config windows cannot be removed over the API; unknown ids are 404', async () => {
    const fromConfig = await t.fetch(`${t.httpUrl}/api/maintenance/cfg-0`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(fromConfig.status).toBe(409);
    expect(((await fromConfig.json()) as ApiError).code).toBe('from-config');
    const missing = await t.fetch(`${t.httpUrl}/api/maintenance/999`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ApiError).code).toBe('not-found');
  });
});
