import { createServer, type Server as HttpServer } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Server as IoServer } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../hub/core/net.js';
import { sendError } from '../../hub/web/api.js';
import { alertsRouter, meetingsRouter, type AlertDetailResponse, type AlertsResponse, type MeetingView } from '../../hub/web/alerts-api.js';
import { attachAlertSocket } from '../../hub/web/alerts-socket.js';
import { WebAuth } from '../../hub/web/auth.js';
import { LoginLimiter } from '../../hub/web/login-limit.js';
import { ALL_ROOM } from '../../hub/web/socket-access.js';
import { AuditLog } from '../../hub/security/audit.js';
import { SessionStore } from '../../hub/security/sessions.js';
import { UserStore } from '../../hub/security/users.js';
import { asUser } from '../helpers/auth.js';
import type { AlertChange, AlertView, ApiError, ClientToServerEvents, ServerToClientEvents } from '../../shared/events.js';
import { setup } from './context.js';

const inOneDay = new Date(Date.now() + 86_400_000);
/** Tomorrow 09:00 as typed in Đông Căm (no offset) → 02:00 UTC. */
const tomorrowLocal = `${inOneDay.toISOString().slice(0, 10)}T09:00`;

describe('alerts and meetings API (routers on their own app)', () => {
  let t: ReturnType<typeof setup>;
  let http: HttpServer;
  let io: IoServer<ClientToServerEvents, ServerToClientEvents>;
  let detach: () => void;
  let base = '';
  let audit: AuditLog;

  beforeAll(async () => {
    t = setup(`
meetings:
  - { village: dong-cam, startAt: '${tomorrowLocal}', title: Họp cấu hình }
`);
    const users = new UserStore(t.state);
    audit = new AuditLog(t.state);
    const auth = new WebAuth(t.ctx, { users, sessions: new SessionStore(t.state, users, { idleMs: 3_600_000, maxMs: 86_400_000 }), audit, limiter: new LoginLimiter() });
    const app = express();
    app.use(express.json());
    // Every request is an admin's here; who may do what is tested through whole hubs (test/web/access.test.ts).
    app.use(asUser({ id: 1, username: 'lan', role: 'admin', villages: [] }));
    app.use('/api/alerts', alertsRouter(t.ctx, t.engine, auth));
    app.use('/api/meetings', meetingsRouter(t.ctx, t.engine, auth));
    app.use((err: Error & { type?: string }, _req: Request, res: Response, _next: NextFunction) => {
      sendError(res, err.type === 'entity.parse.failed' ? 400 : 500, err.message);
    });
    http = createServer(app);
    io = new IoServer(http, { serveClient: false });
    io.on('connection', (socket) => void socket.join(ALL_ROOM));
    detach = attachAlertSocket(t.ctx, io);
    const port = await listen(http, 0, '127.0.0.1', 'http.port', 'LANGSO_HTTP_PORT');
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    detach();
    t.engine.stop();
    await new Promise<void>((resolve) => void io.close(() => resolve()));
    http.closeAllConnections();
    await closeServer(http);
    t.state.close();
  });

  const call = async <T = unknown>(method: string, p: string, body?: unknown) => {
    const res = await fetch(`${base}${p}`, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const paths = (b: unknown) => (b as ApiError).issues?.map((i) => i.path);

  it('pushes alert changes to sockets', async () => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(base, { transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const got = new Promise<{ change: AlertChange; alert: AlertView }>((resolve) => socket.once('alert', resolve));
    t.transition('pc', 'offline', { reason: 'lwt' });
    const e = await got;
    socket.close();
    expect(e).toMatchObject({ change: 'fired', alert: { key: 'offline:dong-cam/pc', status: 'firing', detail: { reason: 'lwt' } } });
  });

  it('lists alerts newest first, by status and village, a page at a time', async () => {
    t.transition('ap-1', 'offline');
    t.transition('cam-9', 'offline', {}, 'gia-phu');
    t.transition('mr', 'offline');
    t.transition('mr', 'online');
    const open = await call<AlertsResponse>('GET', '/api/alerts');
    expect(open.status).toBe(200);
    expect(open.body.alerts.map((a) => a.key)).toEqual(['offline:gia-phu/cam-9', 'offline:dong-cam/ap-1', 'offline:dong-cam/pc']);
    expect(open.body.next).toBeNull();
    const all = await call<AlertsResponse>('GET', '/api/alerts?status=all');
    expect(all.body.alerts.map((a) => a.status)).toEqual(['resolved', 'firing', 'firing', 'firing']);
    const resolved = await call<AlertsResponse>('GET', '/api/alerts?status=resolved');
    expect(resolved.body.alerts.map((a) => a.key)).toEqual(['offline:dong-cam/mr']);
    const village = await call<AlertsResponse>('GET', '/api/alerts?village=gia-phu&status=firing');
    expect(village.body.alerts.map((a) => a.key)).toEqual(['offline:gia-phu/cam-9']);
    const page1 = await call<AlertsResponse>('GET', '/api/alerts?status=all&limit=3');
    expect(page1.body.alerts).toHaveLength(3);
    expect(page1.body.next).toBe(page1.body.alerts[2]?.id);
    const page2 = await call<AlertsResponse>('GET', `/api/alerts?status=all&limit=3&before=${page1.body.next}`);
    expect(page2.body.alerts.map((a) => a.key)).toEqual(['offline:dong-cam/pc']);
    const since = await call<AlertsResponse>('GET', `/api/alerts?status=all&since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(since.body.alerts).toHaveLength(3); // the resolved one ended before that
  });

  it('rejects bad list queries naming the parameter', async () => {
    const bad = await call('GET', '/api/alerts?status=closed&limit=0&since=yesterday');
    expect(bad.status).toBe(400);
    expect(paths(bad.body)).toEqual(['status', 'since', 'limit']);
    const unknown = await call('GET', '/api/alerts?sort=asc');
    expect(unknown.status).toBe(400);
    expect((unknown.body as ApiError).issues?.[0]?.message).toMatch(/unknown parameter.*sort/);
  });

  it('returns one alert with its history; unknown id 404, a non-number 400', async () => {
    const id = t.engine.store.getOpen('offline:dong-cam/pc')!.id;
    const one = await call<AlertDetailResponse>('GET', `/api/alerts/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.alert).toMatchObject({ id, device: 'pc', condition: 'offline', severity: 'critical' });
    expect(one.body.history).toEqual([expect.objectContaining({ action: 'fired', who: null })]);
    expect((await call('GET', '/api/alerts/99999')).status).toBe(404);
    const nan = await call('GET', '/api/alerts/abc');
    expect(nan.status).toBe(400);
    expect(paths(nan.body)).toEqual(['id']);
  });

  it('acknowledges as the logged-in user, with a note; a typed name is refused; twice is the same; a resolved alert is 409', async () => {
    const id = t.engine.store.getOpen('offline:dong-cam/ap-1')!.id;
    for (const [body, field, code] of [
      [{ by: 'Chị Lan' }, 'by', 'unknown-field'],
      [{ by: 'Chị Lan', note: 'đang đi' }, 'by', 'unknown-field'],
      [{ note: 'x'.repeat(501) }, 'note', 'too-long'],
      [{ note: 'ok', who: 'x' }, '(body)', 'unknown-field'],
      [['Chị Lan'], '(body)', 'invalid-value'],
    ] as const) {
      const r = await call('POST', `/api/alerts/${id}/ack`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(paths(r.body)).toEqual([field]);
      // The code the dashboard translates at the field.
      expect((r.body as ApiError).issues?.map((i) => i.code), JSON.stringify(body)).toEqual([code]);
    }
    expect((await call('POST', `/api/alerts/${id}/ack`, '{"note": ')).status).toBe(400);
    expect((await call('POST', '/api/alerts/99999/ack', {})).status).toBe(404);
    expect(t.engine.store.get(id)?.status).toBe('firing');

    const acked = await call<AlertDetailResponse>('POST', `/api/alerts/${id}/ack`, { note: 'đang đi kiểm tra' });
    expect(acked.status).toBe(200);
    expect(acked.body.alert).toMatchObject({ status: 'acknowledged', ackedBy: 'lan', ackNote: 'đang đi kiểm tra' });
    expect(acked.body.history.map((h) => [h.action, h.who])).toEqual([
      ['fired', null],
      ['acknowledged', 'lan'],
    ]);
    const again = await call<AlertDetailResponse>('POST', `/api/alerts/${id}/ack`, {});
    expect(again.status).toBe(200);
    expect(again.body).toEqual(acked.body);
    // One audit line: the second acknowledgement changed nothing.
    expect(audit.list({ limit: 10 }).filter((e) => e.action === 'alert-ack')).toEqual([
      expect.objectContaining({ who: 'lan', target: `alert:${id}`, village: 'dong-cam', detail: { note: 'đang đi kiểm tra' }, ip: expect.stringMatching(/127\.0\.0\.1/) }),
    ]);

    const resolvedId = t.engine.store.list({ status: 'resolved', limit: 1 })[0]!.id;
    const late = await call('POST', `/api/alerts/${resolvedId}/ack`, {});
    expect(late.status).toBe(409);
    expect(late.body as ApiError).toMatchObject({ error: expect.stringMatching(/already resolved/), code: 'already-resolved' });
  });

  it('adds a note to the history of any alert, a resolved one too, as the logged-in user; the note is required', async () => {
    const resolvedId = t.engine.store.list({ status: 'resolved', limit: 1 })[0]!.id;
    for (const [body, field] of [
      [{}, 'note'],
      [{ note: '  ' }, 'note'],
      [{ by: 'Chị Lan', note: 'đã thay dây' }, 'by'],
      [{ note: 'x'.repeat(501) }, 'note'],
      [{ note: 'ok', status: 'firing' }, '(body)'],
    ] as const) {
      const r = await call('POST', `/api/alerts/${resolvedId}/note`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((r.body as ApiError).error).toBe('invalid note');
      expect(paths(r.body)).toEqual([field]);
    }
    expect((await call('POST', '/api/alerts/99999/note', { note: 'ok' })).status).toBe(404);
    const before = t.engine.store.get(resolvedId)!;
    const r = await call<AlertDetailResponse>('POST', `/api/alerts/${resolvedId}/note`, { note: ' Đã đi kiểm tra: dây nguồn lỏng ' });
    expect(r.status).toBe(200);
    expect(r.body.alert).toMatchObject({ id: resolvedId, status: 'resolved', ackedBy: before.ackedBy, resolvedAt: before.resolvedAt });
    expect(r.body.history.at(-1)).toMatchObject({ action: 'note', who: 'lan', note: 'Đã đi kiểm tra: dây nguồn lỏng' });
    expect(audit.list({ limit: 1 })[0]).toMatchObject({ who: 'lan', action: 'alert-note', target: `alert:${resolvedId}`, detail: { note: 'Đã đi kiểm tra: dây nguồn lỏng' } });
  });

  it('creates, lists and deletes meetings; times without offset are village time', async () => {
    const created = await call<{ meeting: MeetingView }>('POST', '/api/meetings', { village: 'dong-cam', startAt: tomorrowLocal, title: ' Họp với xã ', device: 'mr' });
    expect(created.status).toBe(201);
    expect(created.body.meeting).toMatchObject({
      village: 'dong-cam',
      startAt: Date.parse(`${tomorrowLocal}:00+07:00`),
      title: 'Họp với xã',
      device: 'mr',
      source: 'api',
      readiness: null,
    });
    const list = await call<{ meetings: MeetingView[] }>('GET', '/api/meetings?village=dong-cam');
    expect(list.body.meetings.map((m) => [m.id, m.source])).toEqual([
      ['cfg-0', 'config'],
      [created.body.meeting.id, 'api'],
    ]);
    expect((await call<{ meetings: MeetingView[] }>('GET', '/api/meetings?village=gia-phu')).body.meetings).toEqual([]);
    expect((await call('DELETE', '/api/meetings/cfg-0')).status).toBe(409);
    expect((await call('DELETE', `/api/meetings/${created.body.meeting.id}`)).status).toBe(204);
    expect(audit.list({ limit: 2 }).map((e) => [e.action, e.who, e.target])).toEqual([
      ['meeting-remove', 'lan', `meeting:${created.body.meeting.id}`],
      ['meeting-add', 'lan', `meeting:${created.body.meeting.id}`],
    ]);
    expect((await call('DELETE', `/api/meetings/${created.body.meeting.id}`)).status).toBe(404);
    expect((await call('DELETE', '/api/meetings/abc')).status).toBe(400);
  });

  it('rejects bad meetings naming the field', async () => {
    const good = { village: 'dong-cam', startAt: tomorrowLocal, title: 'Họp' };
    for (const [body, field, code] of [
      [{ ...good, village: 'ha-noi' }, 'village', 'unknown-village'],
      [{ ...good, village: 'Ha Noi' }, 'village', 'invalid-id'],
      [{ ...good, startAt: '2020-01-01T09:00' }, 'startAt', 'not-in-future'],
      [{ ...good, startAt: 'ngày mai' }, 'startAt', 'invalid-date-time'],
      [{ ...good, title: '' }, 'title', 'required'],
      [{ ...good, device: 'cam-9' }, 'device', 'unknown-device'],
      [{ village: 'dong-cam', startAt: tomorrowLocal }, 'title', 'required'],
    ] as const) {
      const r = await call('POST', '/api/meetings', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(paths(r.body)).toEqual([field]);
      expect((r.body as ApiError).issues?.map((i) => i.code), JSON.stringify(body)).toEqual([code]);
    }
    expect((await call('GET', '/api/meetings?village=X')).status).toBe(400);
  });
});
