import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { stringify } from 'yaml';
import { Bus } from '../../../hub/core/bus.js';
import { systemClock, type Clock } from '../../../hub/core/clock.js';
import { parseConfig } from '../../../hub/config/load.js';
import type { HubContext } from '../../../hub/context.js';
import { Counters } from '../../../hub/core/counters.js';
import type { Alert, AlertChange } from '../../../hub/core/domain.js';
import { createLogger } from '../../../hub/core/log.js';
import { DeviceRegistry } from '../../../hub/registry/registry.js';
import { openStateDb } from '../../../hub/state/db.js';

export const villages = [
  { id: 'dong-cam', name: 'Đông Căm' },
  { id: 'gia-phu', name: 'Gia Phú' },
];
export const devices = [
  { id: 'ap-center', village: 'dong-cam', name: 'Bộ phát Wi-Fi trung tâm', kind: 'wifi-ap' },
  { id: 'cam-gate', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', parent: 'ap-center' },
  { id: 'cam-market', village: 'gia-phu', name: 'Camera chợ', kind: 'onvif-camera' },
];

/** A clock whose `now` can be moved forward while timers stay real (sockets need real time). */
export function shiftedClock(): Clock & { shift(ms: number): void } {
  let offset = 0;
  return { ...systemClock, now: () => Date.now() + offset, shift: (ms) => void (offset += ms) };
}

export interface TestCtx {
  ctx: HubContext;
  counters: Counters;
  dbFile: string;
  /** Closes this context's DB and opens a new context over the same file (a hub restart). */
  reopen(): TestCtx;
  close(): void;
}

/** Builds the context the way the composition root does, from a config written like YAML. */
export function makeCtx(doc: Record<string, unknown>, dbFile: string, clock: Clock = systemClock): TestCtx {
  const config = parseConfig(stringify({ villages, devices, ...doc }), 'test');
  const log = createLogger(process.env.LANGSO_TEST_LOG ?? 'silent');
  const counters = new Counters();
  const state = openStateDb(dbFile);
  const ctx = { config, log, bus: new Bus(log), clock, counters, devices: new DeviceRegistry(config), state } as unknown as HubContext;
  const self: TestCtx = {
    ctx,
    counters,
    dbFile,
    reopen() {
      if (state.isOpen) state.close();
      return makeCtx(doc, dbFile, clock);
    },
    close() {
      if (state.isOpen) state.close();
    },
  };
  return self;
}

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'langso-notify-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

let nextAlertId = 1;

export function makeAlert(over: Partial<Alert> = {}): Alert {
  return {
    id: nextAlertId++,
    key: `offline:${over.village ?? 'dong-cam'}/${over.device ?? 'cam-gate'}`,
    village: 'dong-cam',
    device: 'cam-gate',
    condition: 'offline',
    severity: 'critical',
    status: 'firing',
    startedAt: Date.parse('2026-11-25T07:02:00Z'),
    ackedAt: null,
    ackedBy: null,
    ackNote: null,
    resolvedAt: null,
    escalatedAt: null,
    detail: { name: 'Camera cổng thôn', kind: 'onvif-camera', reason: 'bộ phát Wi-Fi trung tâm mất điện' },
    ...over,
  };
}

export function emitAlert(t: TestCtx, change: AlertChange, alert: Alert): void {
  t.ctx.bus.emit('alert', { change, alert, ts: t.ctx.clock.now() });
}

export async function waitFor<T>(fn: () => T, timeoutMs = 5_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface HttpRequest {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  body: Record<string, unknown>;
  at: number;
  /** performance.now() when the request was complete (for latency figures). */
  hr: number;
}

/** What the fake server answers: a status and body, or 'hang' (read the request, never answer). */
export type Behaviour = (req: HttpRequest, n: number) => { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

/** A real HTTP server on a free loopback port that records every request and can be closed and reopened. */
export async function startHttp(behave: Behaviour = () => ({ status: 200, body: 'ok' })) {
  const requests: HttpRequest[] = [];
  const hung: ServerResponse[] = [];
  let behaviour = behave;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // recorded raw
      }
      const r: HttpRequest = { path: req.url ?? '', headers: req.headers, raw, body, at: Date.now(), hr: performance.now() };
      requests.push(r);
      const answer = behaviour(r, requests.length);
      if (answer === 'hang') {
        hung.push(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  };
  let server: Server = createServer(onRequest);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const close = async () => {
    for (const res of hung.splice(0)) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    set(b: Behaviour) {
      behaviour = b;
    },
    close,
    /** Listens again on the same port (the receiver came back). */
    async reopen() {
      server = createServer(onRequest);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
  };
}

export interface Mail {
  from: string | undefined;
  to: string[];
  user: string | undefined;
  headers: Record<string, string>;
  text: string;
}

/** Decodes RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=) in a header value. */
function decodeWords(v: string): string {
  return v.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _cs: string, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : qp(data.replace(/_/g, ' ')),
  );
}

/** Quoted-printable (RFC 2045 §6.7) to UTF-8 text. */
function qp(s: string): string {
  const t = s.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const hex = t.slice(i + 1, i + 3);
    if (t[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(t.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseMail(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  const body = raw.slice(split + 4);
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const text = cte === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : cte === 'quoted-printable' ? qp(body) : body;
  return { headers, text: text.replace(/\r\n/g, '\n').replace(/\n$/, '') };
}

/** A real SMTP server (smtp-server) on a free port that requires AUTH PLAIN/LOGIN with the given account. */
export async function startSmtp(user: string, pass: string, port = 0) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: false,
    // Plain-text AUTH on loopback; STARTTLS off so the client does not try to upgrade to the server's self-signed cert.
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === pass) cb(null, { user });
      else cb(new Error('Error: Authentication credentials invalid'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const { headers, text } = parseMail(Buffer.concat(chunks).toString('utf8'));
        const from = session.envelope.mailFrom;
        mails.push({
          from: from ? from.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          headers,
          text,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { port: (server.server.address() as AddressInfo).port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}
