import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InfluxDB } from 'influx';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import type { AlertsResponse, DevicesResponse, InternetView } from '../../shared/events.js';
import { freePort } from '../../scripts/services/influxd.js';
import { login } from '../helpers/auth.js';
import { waitFor } from '../helpers/hub.js';
import { hubStarted, spawnHubCli } from '../helpers/hub-process.js';
import type { GroupProcess } from '../helpers/process-group.js';

/**
 * No secret leaves the hub (issue 7 §4.4): secrets configured everywhere (the InfluxDB URL, an Internet
 * target URL, a camera xaddr and password, a meeting-set HTTP check URL, an SNMP community, webhook,
 * Telegram and SMTP credentials, a dashboard password), every one of them made to fail so it is quoted in
 * errors; then every log line, the start-up banner, every API response and every notification is searched
 * for them (and for the session token).
 */

const MARK = 's3cret';
const influxUrl = inject('influxUrl');
const admin = new InfluxDB({ host: new URL(influxUrl).hostname, port: Number(new URL(influxUrl).port) });
const database = `langso_s${process.pid}_${Date.now().toString(36)}`;

interface Received {
  path: string;
  body: string;
}

function receiver(reply: (req: IncomingMessage) => { status: number; body: string }): Promise<{ server: Server; port: number; got: Received[] }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push({ path: req.url ?? '', body });
      const r = reply(req);
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, got })));
}

describe('secrets', () => {
  let dir = '';
  let hub: GroupProcess | null = null;
  const servers: Server[] = [];

  afterAll(async () => {
    await hub?.signal('SIGTERM');
    for (const s of servers) s.close();
    await admin.dropDatabase(database).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('never appear in a log line, the banner, an API response, a reason or a notification', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-secrets-'));
    const webhook = await receiver(() => ({ status: 200, body: '{}' }));
    // A proxy in front of Telegram that quotes the request path (and so the bot token) in its error.
    const telegram = await receiver((req) => ({ status: 502, body: JSON.stringify({ ok: false, description: `upstream failed for ${req.url}` }) }));
    servers.push(webhook.server, telegram.server);
    const closed = await freePort(); // nothing listens here: every check against it fails
    const influx = new URL(influxUrl);
    const config = {
      dataDir: path.join(dir, 'data'),
      logLevel: 'debug',
      logFormat: 'json',
      broker: { host: '127.0.0.1', port: 0, wsPort: null },
      http: { host: '127.0.0.1', port: 0 },
      store: { kind: 'influx', url: `http://langso:INFLUX-${MARK}-pw@${influx.host}/${database}`, writer: { flushMs: 100 } },
      villages: [{ id: 'dong-cam', name: 'Đông Căm' }],
      devices: [
        {
          id: 'cam',
          village: 'dong-cam',
          name: 'Camera cổng',
          kind: 'onvif-camera',
          poll: { xaddr: `http://admin:CAM-${MARK}-pw@127.0.0.1:${closed}/onvif/device_service`, username: 'admin', password: `CAM2-${MARK}-pw` },
        },
        {
          id: 'phong-hop',
          village: 'dong-cam',
          name: 'Phòng họp',
          kind: 'meeting-room',
          poll: { intervalS: 1, timeoutS: 1, retries: 0, checks: [{ name: 'codec', type: 'http', url: `http://mr:MEET-${MARK}-pw@127.0.0.1:${closed}/status` }] },
        },
        {
          id: 'ap',
          village: 'dong-cam',
          name: 'Wi-Fi',
          kind: 'wifi-ap',
          poll: { host: '127.0.0.1', port: closed, community: `COMMUNITY-${MARK}`, ifName: 'wlan0', clientsPreset: 'openwrt', timeoutS: 0.5, retries: 0 },
        },
      ],
      internet: { targets: [{ type: 'http', url: `http://net:NET-${MARK}-pw@127.0.0.1:${closed}/` }], intervalS: 0.5, timeoutS: 0.5, failuresToDown: 1 },
      notify: {
        channels: [
          { id: 'hook', type: 'webhook', url: `http://127.0.0.1:${webhook.port}/hook`, secret: `WEBHOOK-${MARK}-key` },
          { id: 'tg', type: 'telegram', token: `123456:TG-${MARK}-token`, chatId: -100, apiBase: `http://127.0.0.1:${telegram.port}` },
          { id: 'mail', type: 'email', smtp: { host: '127.0.0.1', port: closed, user: 'hub', pass: `SMTP-${MARK}-pass` }, from: 'hub@example.vn', to: ['it@example.vn'] },
        ],
        routes: [{ minSeverity: 'info', channels: ['hook', 'tg', 'mail'] }],
        retry: { initialS: 0.5, maxS: 1 },
      },
    };
    const file = path.join(dir, 'hub.yaml');
    await writeFile(file, stringify(config));
    // The dashboard account, made the way commune IT makes it: the password on standard input.
    const password = `PW-${MARK}-dashboard`;
    const add = promisify(execFile)(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'user', 'add', 'admin', '--role', 'admin', '--password-stdin', '--config', file]);
    add.child.stdin?.end(`${password}\n`);
    await add;

    const h = (hub = spawnHubCli(file, { LANGSO_LOG_LEVEL: 'debug' }));
    const started = await hubStarted(h);
    const api = `http://127.0.0.1:${started.http}`;
    // A failed login first: what was typed as the password must not be logged either.
    await fetch(`${api}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: `WRONG-${MARK}` }) });
    const cookie = await login(api, 'admin', password);
    const token = cookie.split('=')[1]!;
    const get = async (p: string): Promise<string> => (await fetch(`${api}${p}`, { headers: { cookie } })).text();

    // Every secret-bearing thing has failed, been turned into a reason, an alert and notifications.
    await waitFor(async () => (JSON.parse(await get('/api/internet')) as InternetView).state === 'down', 15_000, 'the link down');
    await waitFor(
      async () => (JSON.parse(await get('/api/devices')) as DevicesResponse).devices.every((d) => d.state === 'offline' && d.reason),
      30_000,
      'every device offline with a reason',
    );
    await waitFor(async () => (JSON.parse(await get('/api/alerts')) as AlertsResponse).alerts.length >= 4, 15_000, 'four alerts');
    await waitFor(() => webhook.got.length >= 4 && telegram.got.length >= 2, 20_000, 'notifications sent, and Telegram retried');
    await waitFor(async () => /tg/.test(await get('/api/notifications?status=pending')) && /mail/.test(await get('/api/notifications?status=pending')), 10_000, 'failed deliveries in the outbox');

    const responses = await Promise.all(
      ['/api/health', '/api/devices', '/api/internet', '/api/alerts', '/api/notifications?status=pending', '/api/notifications?status=delivered', '/api/notifications?status=failed'].map(
        async (p) => [p, await get(p)] as const,
      ),
    );
    const places: Array<[string, string]> = [
      ['stdout (banner and log lines)', h.out()],
      ['stderr', h.err()],
      ...responses.map(([p, body]): [string, string] => [`GET ${p}`, body]),
      ...webhook.got.map((g, i): [string, string] => [`webhook #${i}`, g.body]),
      // The token is in the path of a Telegram request by design (that is how the Bot API is called): the text is what people read.
      ...telegram.got.map((g, i): [string, string] => [`telegram #${i}`, g.body]),
    ];
    const leaks = places.flatMap(([where, text]) =>
      text
        .split('\n')
        .filter((l) => l.includes(MARK) || l.includes(token) || /:\/\/[^\s/@"']+:[^\s/@"']+@/.test(l))
        .map((l) => `${where}: ${l.slice(0, 300)}`),
    );
    expect(leaks).toEqual([]);

    // Not vacuous: the failures were there, with their URLs, masked.
    expect(h.out()).toMatch(/Store: {6}InfluxDB http:\/\/\*\*\*@127\.0\.0\.1:\d+ \(database langso_s/);
    const link = JSON.parse(await get('/api/internet')) as InternetView;
    expect(link.reason).toContain('http://***@127.0.0.1:');
    const reasons = (JSON.parse(await get('/api/devices')) as DevicesResponse).devices.map((d) => d.reason ?? '');
    // The pollers' reasons name what failed (the camera's port, the meeting set's part), never the URLs they were given.
    expect(reasons.join(' ')).toMatch(/ONVIF: connection refused/);
    expect(reasons.join(' ')).toMatch(/codec: connection refused/);
    expect(telegram.got[0]?.path).toContain(`TG-${MARK}-token`);
    expect(responses.find(([p]) => p === '/api/notifications?status=pending')?.[1]).toContain('***');
  });
});
