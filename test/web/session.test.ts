import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError, HealthResponse, SessionResponse } from '../../shared/events.js';
import { TEST_PASSWORD, addUser, login, sessionOf, socketWith } from '../helpers/auth.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/** A login POST from a chosen loopback address (127.0.0.x: each is another client to the rate limit). */
function postLogin(url: string, body: unknown, localAddress = '127.0.0.1'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/session`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const config = { villages: [testVillage], devices: [{ id: 'cam-1', village: 'dong-cam', name: 'Camera', kind: 'onvif-camera' }] };

describe('login, who is logged in, logout', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(config);
    await addUser(t.hub, 'lan', 'leader', ['dong-cam']);
  });
  afterAll(async () => t?.stop());

  it('logs in with the session cookie (httpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP) and the user, never the hash', async () => {
    const res = await fetch(`${t.httpUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'LAN', password: TEST_PASSWORD }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('langso_session='));
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Expires=/);
    expect(cookie).not.toMatch(/Secure/);
    // Only the hash of the token is kept: the token itself is nowhere in the state database.
    const token = cookie!.split(';')[0]!.split('=')[1]!;
    expect(JSON.stringify(t.hub.ctx.state.prepare('SELECT * FROM sessions').all())).not.toContain(token);
    const body = (await res.json()) as SessionResponse;
    expect(body).toEqual({ user: { username: 'lan', role: 'leader', villages: ['dong-cam'] } });
    // Over plain HTTP no HSTS (it would lock the village out of its own hub); helmet's other headers stay.
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
  });

  it('GET /api/session says who is logged in, 401 as JSON when nobody is', async () => {
    const anon = await fetch(`${t.httpUrl}/api/session`);
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as ApiError).code).toBe('unauthorized');
    const lan = sessionOf(t.httpUrl, 'lan', await login(t.httpUrl, 'lan'));
    expect(await lan.json<SessionResponse>('/api/session')).toEqual({ user: { username: 'lan', role: 'leader', villages: ['dong-cam'] } });
  });

  it('a wrong password or an unknown user is 401 bad-login, said the same way, audited with the address', async () => {
    const wrong = await postLogin(t.httpUrl, { username: 'lan', password: 'sai-mat-khau-roi' });
    const unknown = await postLogin(t.httpUrl, { username: 'khong-co', password: 'sai-mat-khau-roi' });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(JSON.parse(wrong.body)).toEqual(JSON.parse(unknown.body));
    expect(JSON.parse(wrong.body)).toMatchObject({ code: 'bad-login' });
    const failed = t.hub.security.audit.list({ limit: 10 }).filter((e) => e.action === 'login-failed');
    expect(failed.map((e) => e.who).sort()).toEqual(['khong-co', 'lan']);
    expect(failed.every((e) => e.ip?.includes('127.0.0.1'))).toBe(true);
    // Nothing typed as a password is in the audit log.
    expect(JSON.stringify(t.hub.security.audit.list({ limit: 100 }))).not.toContain('sai-mat-khau');
    const bad = await postLogin(t.httpUrl, { username: 'lan' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ issues: [{ path: 'password', code: 'required' }] });
  });

  it('logout ends the session and the live socket opened with it; the cookie is cleared', async () => {
    const lan = sessionOf(t.httpUrl, 'lan', await login(t.httpUrl, 'lan'));
    const socket = await socketWith(t.httpUrl, lan.cookie);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const out = await lan.fetch('/api/session', { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join()).toMatch(/langso_session=;.*Expires=Thu, 01 Jan 1970/);
    expect(await closed).toBe('io server disconnect');
    expect((await lan.fetch('/api/devices')).status).toBe(401);
    await expect(socketWith(t.httpUrl, lan.cookie)).rejects.toThrow();
    expect(t.hub.security.audit.list({ limit: 5 }).find((e) => e.action === 'logout')).toMatchObject({ who: 'lan', ip: expect.stringContaining('127.0.0.1') });
  });

  it('a new password ends every session of the user', async () => {
    await addUser(t.hub, 'tuan', 'viewer');
    const tuan = sessionOf(t.httpUrl, 'tuan', await login(t.httpUrl, 'tuan'));
    expect((await tuan.fetch('/api/devices')).status).toBe(200);
    await t.hub.security.users.setPassword('tuan', 'mot-mat-khau-moi-dai', Date.now());
    expect((await tuan.fetch('/api/devices')).status).toBe(401);
  });

  it('health: {status} only without a session (a liveness probe), the whole report for a user', async () => {
    const anon = await fetch(`${t.httpUrl}/api/health`);
    expect(anon.status).toBe(200);
    expect(await anon.json()).toEqual({ status: expect.stringMatching(/^(ok|degraded)$/) });
    const full = (await (await t.fetch('/api/health')).json()) as HealthResponse;
    expect(full).toMatchObject({ version: expect.any(String), counters: expect.any(Object), broker: expect.any(Object) });
    expect(full.counters['auth.logins']).toBeGreaterThan(0);
    expect(full.counters['auth.login_failed']).toBe(2);
  });
});

describe('sessions end after the configured idle time and maximum age', () => {
  it('an unused session ends after idleHours', async () => {
    // One second of idleness allowed.
    const t = await startTestHub({ ...config, http: { session: { idleHours: 1 / 3600, maxDays: 1 } } });
    try {
      await addUser(t.hub, 'lan', 'leader', ['dong-cam']);
      const lan = sessionOf(t.httpUrl, 'lan', await login(t.httpUrl, 'lan'));
      expect((await lan.fetch('/api/session')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await lan.fetch('/api/session')).status).toBe(401);
      expect((await lan.fetch('/api/devices')).status).toBe(401);
    } finally {
      await t.stop();
    }
  });

  it('a session in use still ends at maxDays after the login', async () => {
    // Two seconds at most, used every 300 ms meanwhile.
    const t = await startTestHub({ ...config, http: { session: { idleHours: 1, maxDays: 2 / 86_400 } } });
    try {
      await addUser(t.hub, 'lan', 'leader', ['dong-cam']);
      const lan = sessionOf(t.httpUrl, 'lan', await login(t.httpUrl, 'lan'));
      const started = Date.now();
      const seen: number[] = [];
      while (Date.now() - started < 3_000) {
        seen.push((await lan.fetch('/api/session')).status);
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(seen[0]).toBe(200);
      expect(seen.at(-1)).toBe(401);
      // Once ended it stays ended: no 200 after the first 401.
      expect(seen.slice(seen.indexOf(401))).not.toContain(200);
    } finally {
      await t.stop();
    }
  });
});

describe('login rate limit: per client address and per user name', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(config);
    await addUser(t.hub, 'lan', 'leader', ['dong-cam']);
    await addUser(t.hub, 'xem', 'viewer');
  });
  afterAll(async () => t?.stop());

  it('five failures for one name: the sixth try is 429 with Retry-After, even with the right password, from any address', async () => {
    for (let i = 0; i < 5; i++) expect((await postLogin(t.httpUrl, { username: 'lan', password: `doan-sai-lan-${i}` }, '127.0.0.2')).status).toBe(401);
    const limited = await postLogin(t.httpUrl, { username: 'lan', password: TEST_PASSWORD }, '127.0.0.3');
    expect(limited.status).toBe(429);
    const retry = Number(limited.headers['retry-after']);
    expect(retry).toBeGreaterThan(60);
    expect(retry).toBeLessThanOrEqual(15 * 60);
    expect(JSON.parse(limited.body)).toMatchObject({ code: 'rate-limited', retryAfterS: retry });
    // Another user from that address is not held back by lan's failures.
    expect((await postLogin(t.httpUrl, { username: 'xem', password: TEST_PASSWORD }, '127.0.0.3')).status).toBe(200);
  });

  it('five failures from one address: the next login from it is 429 whatever the name; other addresses still log in', async () => {
    for (let i = 0; i < 5; i++) expect((await postLogin(t.httpUrl, { username: `doan-${i}`, password: 'khong-dung-dau' }, '127.0.0.4')).status).toBe(401);
    expect((await postLogin(t.httpUrl, { username: 'xem', password: TEST_PASSWORD }, '127.0.0.4')).status).toBe(429);
    expect((await postLogin(t.httpUrl, { username: 'xem', password: TEST_PASSWORD }, '127.0.0.5')).status).toBe(200);
  });

  it('guesses sent all at once are limited too; counted in /api/health and audited', async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => postLogin(t.httpUrl, { username: 'xem', password: `doan-cung-luc-${i}` }, '127.0.0.6')));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
    const counters = (await (await t.fetch('/api/health')).json() as HealthResponse).counters;
    expect(counters['auth.login_limited']).toBeGreaterThanOrEqual(9);
    expect(counters['auth.login_failed']).toBeGreaterThanOrEqual(15);
    await waitFor(() => t.hub.security.audit.list({ limit: 100 }).filter((e) => e.action === 'login-failed').length >= 15, 2_000, 'failed logins audited');
  });
});
