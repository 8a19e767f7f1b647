import http from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostCheck, parseHost } from '../../hub/web/hosts.js';
import type { ApiError, HealthResponse } from '../../shared/events.js';
import { socketWith, type Session } from '../helpers/auth.js';
import { startTestHub, testVillage, type TestHub } from '../helpers/hub.js';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with headers fetch() will not let one set (Host, a foreign Origin, a form content type). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('CSRF: changes only as JSON, and only from the hub’s own pages', () => {
  let t: TestHub;
  let admin: Session;
  let own = '';
  beforeAll(async () => {
    t = await startTestHub({ villages: [testVillage], devices: [{ id: 'cam-1', village: 'dong-cam', name: 'Camera', kind: 'onvif-camera' }] });
    admin = await t.admin();
    own = t.httpUrl;
  });
  afterAll(async () => t?.stop());

  const counters = async () => ((await (await t.fetch('/api/health')).json()) as HealthResponse).counters;

  it('POST /api/discover as text/plain (what any web page may send without asking) is 415, even with the session cookie', async () => {
    const before = (await counters())['http.csrf_refused'] ?? 0;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await raw(`${t.httpUrl}/api/discover`, 'POST', { 'content-type': type, cookie: admin.cookie, origin: 'http://evil.example' }, '{"timeoutMs":4000}');
      expect(r.status, type).toBe(415);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'json-only' });
    }
    // A body without its type: refused as well, whatever the method.
    expect((await raw(`${t.httpUrl}/api/maintenance/1`, 'DELETE', { cookie: admin.cookie, 'content-length': '2' }, '{}')).status).toBe(415);
    expect((await raw(`${t.httpUrl}/api/session`, 'POST', {}, 'username=admin')).status).toBe(415);
    expect((await counters())['http.csrf_refused']).toBe(before + 5);
    // A DELETE with no body at all (curl -X DELETE) declares nothing and goes on to its route; from
    // another site's page it is still refused by its Origin.
    expect((await raw(`${t.httpUrl}/api/maintenance/1`, 'DELETE', { cookie: admin.cookie })).status).toBe(404);
    expect((await raw(`${t.httpUrl}/api/maintenance/1`, 'DELETE', { cookie: admin.cookie, origin: 'http://evil.example' })).status).toBe(403);
    expect(t.hub.security.audit.list({ limit: 10 }).some((e) => e.action === 'discovery')).toBe(false);
  });

  it('a JSON change from another origin (Origin, else Referer) is 403; from the hub’s own page or a non-browser client it goes through', async () => {
    const post = (headers: Record<string, string>) =>
      raw(`${t.httpUrl}/api/alerts/999/ack`, 'POST', { 'content-type': 'application/json', cookie: admin.cookie, ...headers }, '{}');
    const foreign: Array<Record<string, string>> = [{ origin: 'http://evil.example' }, { origin: 'null' }, { referer: 'http://evil.example/page' }, { origin: `${own}.evil.example` }, { referer: 'not a url' }];
    for (const headers of foreign) {
      const r = await post(headers);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect((JSON.parse(r.body) as ApiError).code).toBe('cross-origin');
    }
    // Same origin, by Origin or by Referer; or neither (curl, scripts: browsers always send Origin on a cross-site POST).
    const same: Array<Record<string, string>> = [{ origin: own }, { referer: `${own}/#/alerts` }, {}];
    for (const headers of same) {
      expect((await post(headers)).status, JSON.stringify(headers)).toBe(404);
    }
  });

  it('reading needs no Origin check (the browser keeps other sites from reading the answers)', async () => {
    expect((await raw(`${t.httpUrl}/api/devices`, 'GET', { cookie: admin.cookie, origin: 'http://evil.example' })).status).toBe(200);
  });

  it('the live socket refuses a page of another origin', async () => {
    await expect(socketWith(t.httpUrl, admin.cookie, { origin: 'http://evil.example' })).rejects.toThrow();
    const s = await socketWith(t.httpUrl, admin.cookie, { origin: own });
    s.close();
  });
});

describe('Host check: DNS rebinding gets nothing', () => {
  let t: TestHub;
  let admin: Session;
  let port = 0;
  beforeAll(async () => {
    t = await startTestHub({ villages: [testVillage] });
    admin = await t.admin();
    port = t.hub.ports.http;
  });
  afterAll(async () => t?.stop());

  it('a foreign Host gets 421 with a JSON error: API, dashboard and login alike, session or not', async () => {
    for (const [method, p, headers, body] of [
      ['GET', '/api/devices', { cookie: admin.cookie }, undefined],
      ['GET', '/api/health', {}, undefined],
      ['GET', '/', {}, undefined],
      ['GET', '/index.html', {}, undefined],
      ['POST', '/api/session', { 'content-type': 'application/json' }, JSON.stringify({ username: 'admin', password: 'x' })],
    ] as const) {
      const r = await raw(`${t.httpUrl}${p}`, method, { host: `rebind.evil.example:${port}`, ...headers }, body);
      expect(r.status, `${method} ${p}`).toBe(421);
      expect(JSON.parse(r.body), `${method} ${p}`).toMatchObject({ code: 'host-not-allowed', error: expect.stringContaining('rebind.evil.example') });
    }
    // The hub's own names pass: loopback, with the listening port.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) expect((await raw(`${t.httpUrl}/api/devices`, 'GET', { host, cookie: admin.cookie })).status, host).toBe(200);
    // The right name on another port is not this hub either.
    expect((await raw(`${t.httpUrl}/api/health`, 'GET', { host: `127.0.0.1:${port + 1}` })).status).toBe(421);
    expect(((await (await t.fetch('/api/health')).json()) as HealthResponse).counters['http.host_refused']).toBeGreaterThanOrEqual(6);
  });

  it('the socket.io handshake with a foreign Host is refused, even with a live session cookie', async () => {
    await expect(socketWith(t.httpUrl, admin.cookie, { host: `rebind.evil.example:${port}` })).rejects.toThrow();
    const poll = await raw(`${t.httpUrl}/socket.io/?EIO=4&transport=polling`, 'GET', { host: `rebind.evil.example:${port}`, cookie: admin.cookie });
    expect(poll.status).toBe(403);
    expect(JSON.parse(poll.body)).toMatchObject({ message: expect.stringContaining('rebind.evil.example') });
    const ok = await raw(`${t.httpUrl}/socket.io/?EIO=4&transport=polling`, 'GET', { cookie: admin.cookie });
    expect(ok.status).toBe(200);
  });
});

describe('allowed host names', () => {
  it('default: this PC’s interface addresses and host name, with the listening port; loopback always', () => {
    const check = new HostCheck([], () => 8080, false);
    const addresses = Object.values(networkInterfaces()).flatMap((l) => l ?? []);
    const v4 = addresses.find((a) => a.family === 'IPv4')!;
    expect(check.allows(`${v4.address}:8080`)).toBe(true);
    expect(check.allows(`${hostname()}:8080`)).toBe(true);
    expect(check.allows(`${hostname().toUpperCase()}:8080`)).toBe(true);
    expect(check.allows('[::1]:8080')).toBe(true);
    expect(check.allows('localhost:8080')).toBe(true);
    expect(check.allows(`${v4.address}:8081`)).toBe(false);
    expect(check.allows('localhost')).toBe(false); // port 80 is not where it listens
    expect(check.allows('evil.example:8080')).toBe(false);
    expect(check.allows(undefined)).toBe(false);
    expect(check.allows('a b:8080')).toBe(false);
  });

  it('configured names replace the defaults: a bare name on any port, name:port on that port', () => {
    const check = new HostCheck(['hub.langso.vn', 'dongcam.local:8443', '[fd00::5]'], () => 8080, true);
    expect(check.allows('hub.langso.vn')).toBe(true); // 443 over TLS
    expect(check.allows('HUB.langso.vn:8080')).toBe(true);
    expect(check.allows('dongcam.local:8443')).toBe(true);
    expect(check.allows('dongcam.local:8080')).toBe(false);
    expect(check.allows('[fd00::5]:8080')).toBe(true);
    expect(check.allows(`${hostname()}:8080`)).toBe(false);
    expect(check.allows('127.0.0.1:8080')).toBe(true);
    expect(parseHost('[::1]:99999')).toBeNull();
  });

  it('a configured name is answered by a running hub', async () => {
    const t = await startTestHub({ villages: [testVillage], http: { allowedHosts: ['hub.dong-cam.example'] } });
    try {
      const admin = await t.admin();
      expect((await raw(`${t.httpUrl}/api/devices`, 'GET', { host: 'hub.dong-cam.example', cookie: admin.cookie })).status).toBe(200);
      expect((await raw(`${t.httpUrl}/api/devices`, 'GET', { host: 'other.example', cookie: admin.cookie })).status).toBe(421);
    } finally {
      await t.stop();
    }
  });
});
