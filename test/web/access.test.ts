import path from 'node:path';
import { tmpdir } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRoutes, type Rule } from '../../hub/web/access.js';
import type { AlertsResponse, DevicesResponse, MaintenanceWindowView, MeetingView } from '../../shared/events.js';
import { TEST_PASSWORD, addUser, login, sessionOf, type Session } from '../helpers/auth.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * Every mounted REST route × every role (anonymous, viewer, leader of Đông Căm, admin), from the routes
 * express really has: a route without a rule, or without a row here, fails this test. For routes about one
 * village, the leader is tried in their village (allowed) and in Gia Phú (403).
 */

const OWN = 'dong-cam';
const OTHER = 'gia-phu';
const inADay = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);

type Role = 'anonymous' | 'viewer' | 'leader' | 'admin';
const ROLES: Role[] = ['anonymous', 'viewer', 'leader', 'admin'];

interface Call {
  path: string;
  body?: unknown;
}

interface Row {
  /** What the route must need: a wrong rule fails as surely as a missing one. */
  need: Rule['need'];
  /** The request about Đông Căm (or the only one); made afresh for each role (a removal removes). */
  own: () => Promise<Call> | Call;
  /** The same about Gia Phú, for rules about one village. */
  other?: () => Promise<Call> | Call;
  /** Runs with a session of its own (logging out ends the session it is sent with). */
  fresh?: boolean;
}

describe('REST access: every route × every role', () => {
  let t: TestHub;
  let devices: MqttClient;
  const sessions = new Map<Role, Session | null>();
  let admin: Session;
  const alertIds: Record<string, number> = {};

  const json = { 'content-type': 'application/json' };
  const newWindow = async (village: string): Promise<string> =>
    (await admin.json<MaintenanceWindowView>('/api/maintenance', { method: 'POST', headers: json, body: JSON.stringify({ village, daily: true, start: '01:00', end: '02:00', note: 'thử' }) })).id;
  const newMeeting = async (village: string): Promise<string> =>
    (await admin.json<{ meeting: MeetingView }>('/api/meetings', { method: 'POST', headers: json, body: JSON.stringify({ village, startAt: inADay(), title: 'Họp thử' }) })).meeting.id;
  const maintenanceBody = (village: string) => ({ village, daily: true, start: '03:00', end: '04:00', note: 'thử' });

  const table: Record<string, Row> = {
    'GET /': { need: 'public', own: () => ({ path: '/' }) },
    // Both with a session of their own: a new login ends the session it was sent with, as does a logout.
    'POST /api/session': { need: 'public', own: () => ({ path: '/api/session', body: { username: 'xem', password: TEST_PASSWORD } }), fresh: true },
    'GET /api/session': { need: 'public', own: () => ({ path: '/api/session' }) },
    'DELETE /api/session': { need: 'public', own: () => ({ path: '/api/session' }), fresh: true },
    'GET /api/health': { need: 'public', own: () => ({ path: '/api/health' }) },
    'GET /api/audit': { need: 'admin', own: () => ({ path: '/api/audit?limit=5' }) },
    'GET /api/devices': { need: 'login', own: () => ({ path: '/api/devices' }) },
    'GET /api/devices/:village/:device/series': {
      need: 'read',
      own: () => ({ path: `/api/devices/${OWN}/cam-1/series?metric=rttMs` }),
      other: () => ({ path: `/api/devices/${OTHER}/cam-9/series?metric=rttMs` }),
    },
    'GET /api/devices/:village/:device/events': {
      need: 'read',
      own: () => ({ path: `/api/devices/${OWN}/cam-1/events` }),
      other: () => ({ path: `/api/devices/${OTHER}/cam-9/events` }),
    },
    'GET /api/devices/:village/:device/snapshot': {
      need: 'read',
      own: () => ({ path: `/api/devices/${OWN}/cam-1/snapshot` }),
      other: () => ({ path: `/api/devices/${OTHER}/cam-9/snapshot` }),
    },
    'GET /api/devices/:village/:device/availability': {
      need: 'read',
      own: () => ({ path: `/api/devices/${OWN}/cam-1/availability` }),
      other: () => ({ path: `/api/devices/${OTHER}/cam-9/availability` }),
    },
    'POST /api/devices/:village/:device/dismiss': { need: 'admin', own: () => ({ path: `/api/devices/${OWN}/esp-khong/dismiss`, body: {} }) },
    // An invalid timeout: the admin gets 400 before any probe goes onto the LAN.
    'POST /api/discover': { need: 'admin', own: () => ({ path: '/api/discover', body: { timeoutMs: 1 } }) },
    'GET /api/maintenance': { need: 'login', own: () => ({ path: '/api/maintenance' }) },
    'POST /api/maintenance': {
      need: 'act',
      own: () => ({ path: '/api/maintenance', body: maintenanceBody(OWN) }),
      other: () => ({ path: '/api/maintenance', body: maintenanceBody(OTHER) }),
    },
    'DELETE /api/maintenance/:id': {
      need: 'act',
      own: async () => ({ path: `/api/maintenance/${await newWindow(OWN)}` }),
      other: async () => ({ path: `/api/maintenance/${await newWindow(OTHER)}` }),
    },
    'GET /api/internet': { need: 'login', own: () => ({ path: '/api/internet' }) },
    'GET /api/alerts': { need: 'login', own: () => ({ path: '/api/alerts?status=all' }) },
    'GET /api/alerts/:id': {
      need: 'read',
      own: () => ({ path: `/api/alerts/${alertIds[OWN]}` }),
      other: () => ({ path: `/api/alerts/${alertIds[OTHER]}` }),
    },
    'POST /api/alerts/:id/ack': {
      need: 'act',
      own: () => ({ path: `/api/alerts/${alertIds[OWN]}/ack`, body: { note: 'đang xem' } }),
      other: () => ({ path: `/api/alerts/${alertIds[OTHER]}/ack`, body: {} }),
    },
    'POST /api/alerts/:id/note': {
      need: 'act',
      own: () => ({ path: `/api/alerts/${alertIds[OWN]}/note`, body: { note: 'ghi chú' } }),
      other: () => ({ path: `/api/alerts/${alertIds[OTHER]}/note`, body: { note: 'ghi chú' } }),
    },
    'GET /api/meetings': { need: 'login', own: () => ({ path: '/api/meetings' }) },
    'POST /api/meetings': {
      need: 'act',
      own: () => ({ path: '/api/meetings', body: { village: OWN, startAt: inADay(), title: 'Họp' } }),
      other: () => ({ path: '/api/meetings', body: { village: OTHER, startAt: inADay(), title: 'Họp' } }),
    },
    'DELETE /api/meetings/:id': {
      need: 'act',
      own: async () => ({ path: `/api/meetings/${await newMeeting(OWN)}` }),
      other: async () => ({ path: `/api/meetings/${await newMeeting(OTHER)}` }),
    },
    'GET /api/notifications': { need: 'admin', own: () => ({ path: '/api/notifications' }) },
    // Or a scraper's bearer token (test/export/prometheus.test.ts); none is configured here.
    'GET /metrics': { need: 'admin', own: () => ({ path: '/metrics' }) },
    'GET /api/uptime': { need: 'login', own: () => ({ path: `/api/uptime?month=2026-11` }) },
    'GET /api/reports/uptime.csv': { need: 'login', own: () => ({ path: '/api/reports/uptime.csv?month=2026-11' }) },
    'GET /api/reports/alerts.csv': { need: 'login', own: () => ({ path: '/api/reports/alerts.csv?status=all' }) },
  };

  beforeAll(async () => {
    t = await startTestHub(
      {
        villages: [testVillage, { id: OTHER, name: 'Gia Phú' }],
        devices: [
          { id: 'cam-1', village: OWN, name: 'Camera cổng', kind: 'onvif-camera', timeoutS: 600 },
          { id: 'cam-9', village: OTHER, name: 'Camera Gia Phú', kind: 'onvif-camera', timeoutS: 600 },
        ],
        store: { kind: 'sqlite', writer: { flushMs: 50 } },
      },
      // No built dashboard there: `GET /` is the hub's own "not built" answer, a route like the others.
      { dashboardDir: path.join(tmpdir(), 'langso-no-dashboard') },
    );
    admin = await t.admin();
    await addUser(t.hub, 'xem', 'viewer');
    await addUser(t.hub, 'lan', 'leader', [OWN]);
    sessions.set('anonymous', null);
    sessions.set('viewer', sessionOf(t.httpUrl, 'xem', await login(t.httpUrl, 'xem')));
    sessions.set('leader', sessionOf(t.httpUrl, 'lan', await login(t.httpUrl, 'lan')));
    sessions.set('admin', admin);
    // An open alert in each village.
    devices = await mqtt.connectAsync(t.mqttUrl, { clientId: 'devices', reconnectPeriod: 0 });
    for (const [village, device] of [
      [OWN, 'cam-1'],
      [OTHER, 'cam-9'],
    ] as const) {
      await devices.publishAsync(`langso/${village}/${device}/status`, JSON.stringify({ state: 'offline', reason: 'lwt' }), { qos: 1, retain: true });
      alertIds[village] = (
        await waitFor(async () => (await admin.json<AlertsResponse>('/api/alerts')).alerts.find((a) => a.village === village), 10_000, `the alert in ${village}`)
      ).id;
    }
  }, 60_000);

  afterAll(async () => {
    await devices?.endAsync(true).catch(() => undefined);
    await t?.stop();
  });

  async function send(role: Role, method: string, call: Call, fresh: boolean): Promise<number> {
    let s = sessions.get(role) ?? null;
    if (s && fresh) s = sessionOf(t.httpUrl, s.username, await login(t.httpUrl, s.username));
    const headers: Record<string, string> = method === 'GET' ? {} : { 'content-type': 'application/json' };
    const init: RequestInit = { method, headers, ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}) };
    const res = s ? await s.fetch(call.path, init) : await fetch(`${t.httpUrl}${call.path}`, init);
    const text = await res.text();
    if (res.status === 401 || res.status === 403) expect(JSON.parse(text), `${method} ${call.path} as ${role}: a JSON error`).toMatchObject({ error: expect.any(String), code: res.status === 401 ? 'unauthorized' : 'forbidden' });
    return res.status;
  }

  /** What each role must get: `ok` = neither 401 nor 403 (the handler answered: 2xx, 400, 404, 409…). */
  function expected(need: Rule['need'], role: Role, village: 'own' | 'other'): 'ok' | 401 | 403 {
    if (need === 'public') return 'ok';
    if (role === 'anonymous') return 401;
    if (role === 'admin' || need === 'login') return 'ok';
    if (need === 'admin') return 403;
    if (role === 'viewer') return need === 'read' ? 'ok' : 403;
    return village === 'own' ? 'ok' : 403;
  }

  it('every mounted route has a rule, and a row in this table saying which', () => {
    const routes = listRoutes(t.hub.web.app!);
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => r.rule === undefined).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(keys.filter((k) => !(k in table)), 'routes without a row in the table').toEqual([]);
    expect(Object.keys(table).filter((k) => !keys.includes(k)), 'rows for routes that do not exist').toEqual([]);
    for (const r of routes) expect(r.rule?.need, `${r.method} ${r.path}`).toBe(table[`${r.method} ${r.path}`]?.need);
  });

  it('each role gets exactly what its rule allows, route by route', async () => {
    const wrong: string[] = [];
    for (const r of listRoutes(t.hub.web.app!)) {
      const row = table[`${r.method} ${r.path}`]!;
      for (const role of ROLES) {
        for (const village of ['own', 'other'] as const) {
          const make = village === 'own' ? row.own : row.other;
          if (!make) continue;
          const call = await make();
          const status = await send(role, r.method, call, row.fresh === true);
          const want = expected(row.need, role, village);
          const ok = want === 'ok' ? status !== 401 && status !== 403 && status < 500 : status === want;
          // A public route answers for itself: GET /api/session says 401 to nobody logged in, which is its job,
          // and GET / says 503 "dashboard not built" here.
          const publicOk = status !== 403 && (status < 500 || (r.path === '/' && status === 503));
          if (!(row.need === 'public' ? publicOk : ok)) wrong.push(`${r.method} ${call.path} as ${role} (${village}): ${status}, expected ${want}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('an unknown API path says 401 to nobody logged in (nothing to learn), 404 to a user', async () => {
    expect((await fetch(`${t.httpUrl}/api/secret-things`)).status).toBe(401);
    expect((await admin.fetch('/api/secret-things')).status).toBe(404);
  });

  it('a leader reads only their village: devices, alerts, maintenance, meetings; asking for another is 403', async () => {
    const lan = sessions.get('leader')!;
    const list = await lan.json<DevicesResponse>('/api/devices');
    expect(list.villages.map((v) => v.id)).toEqual([OWN]);
    expect(new Set(list.devices.map((d) => d.village))).toEqual(new Set([OWN]));
    const alerts = await lan.json<AlertsResponse>('/api/alerts?status=all');
    expect(alerts.alerts.length).toBeGreaterThan(0);
    expect(alerts.alerts.every((a) => a.village === OWN || a.village === '*')).toBe(true);
    expect((await lan.fetch(`/api/alerts?village=${OTHER}`)).status).toBe(403);
    await newWindow(OTHER);
    await newMeeting(OTHER);
    const windows = (await lan.json<{ windows: MaintenanceWindowView[] }>('/api/maintenance')).windows;
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((w) => w.village === OWN)).toBe(true);
    const meetings = (await lan.json<{ meetings: MeetingView[] }>('/api/meetings')).meetings;
    expect(meetings.every((m) => m.village === OWN)).toBe(true);
    expect((await lan.fetch(`/api/meetings?village=${OTHER}`)).status).toBe(403);
    // The viewer and the admin see both.
    for (const s of [sessions.get('viewer')!, admin]) {
      expect((await s.json<DevicesResponse>('/api/devices')).villages.map((v) => v.id).sort()).toEqual([OWN, OTHER]);
      expect(new Set((await s.json<{ windows: MaintenanceWindowView[] }>('/api/maintenance')).windows.map((w) => w.village))).toEqual(new Set([OWN, OTHER]));
    }
  });

  it('changes record the logged-in user in the audit log, with the address', async () => {
    const entries = t.hub.security.audit.list({ limit: 500 });
    const byAction = (a: string) => entries.filter((e) => e.action === a);
    expect(byAction('alert-ack')).toEqual(expect.arrayContaining([expect.objectContaining({ who: 'lan', target: `alert:${alertIds[OWN]}`, village: OWN, ip: expect.stringMatching(/127\.0\.0\.1/) })]));
    expect(byAction('alert-ack').some((e) => e.village === OTHER && e.who === 'lan')).toBe(false);
    for (const a of ['alert-note', 'maintenance-add', 'maintenance-remove', 'meeting-add', 'meeting-remove', 'login', 'logout']) {
      expect(byAction(a).length, a).toBeGreaterThan(0);
    }
    expect(byAction('maintenance-add').map((e) => e.who)).toEqual(expect.arrayContaining(['lan', 'admin']));
    // Nobody but the admin changed anything in Gia Phú.
    expect(entries.filter((e) => e.village === OTHER && e.action !== 'login').every((e) => e.who === 'admin')).toBe(true);
  });
});
