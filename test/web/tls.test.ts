import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, TEST_PASSWORD } from '../helpers/auth.js';
import { startTestHub, testVillage, type TestHub } from '../helpers/hub.js';

const run = promisify(execFile);

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('HTTPS (http.tls): a certificate made here with Debian’s openssl', () => {
  let dir: string;
  let t: TestHub;
  let ca: Buffer;
  let base = '';

  const request = (p: string, method = 'GET', headers: Record<string, string> = {}, body?: string): Promise<Raw> =>
    new Promise((resolve, reject) => {
      const req = https.request(`${base}${p}`, { method, headers, ca }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
    ca = await readFile(cert);
    t = await startTestHub({ villages: [testVillage], http: { tls: { cert, key } } });
    base = `https://127.0.0.1:${t.hub.ports.http}`;
    await addUser(t.hub, 'lan', 'leader', ['dong-cam']);
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the API over TLS; the session cookie is Secure; HSTS and upgrade-insecure-requests are sent', async () => {
    const res = await request('/api/session', 'POST', { 'content-type': 'application/json', origin: base }, JSON.stringify({ username: 'lan', password: TEST_PASSWORD }));
    expect(res.status).toBe(200);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('langso_session='));
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
    expect(res.headers['content-security-policy']).toMatch(/upgrade-insecure-requests/);
    const pair = cookie!.split(';')[0]!;
    const devices = await request('/api/devices', 'GET', { cookie: pair });
    expect(devices.status).toBe(200);
    // The origin check knows the scheme: the same host over plain http is another origin.
    const cross = await request('/api/alerts/1/ack', 'POST', { cookie: pair, 'content-type': 'application/json', origin: base.replace('https:', 'http:') }, '{}');
    expect(cross.status).toBe(403);
    const socket = connect(base, { transports: ['websocket'], reconnection: false, ca: ca.toString(), extraHeaders: { cookie: pair } });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    socket.close();
  });

  it('plain HTTP on the TLS port gets no answer from the API', async () => {
    const plain = await fetch(`http://127.0.0.1:${t.hub.ports.http}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    expect(plain).not.toBe(200);
  });

  it('a certificate file that cannot be read stops the start, naming the setting and the file', async () => {
    await expect(startTestHub({ villages: [testVillage], http: { tls: { cert: path.join(dir, 'none.pem'), key: path.join(dir, 'key.pem') } } })).rejects.toThrow(
      /http\.tls\.cert: cannot read .*none\.pem/,
    );
  });
});
