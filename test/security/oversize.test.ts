import { spawn, type ChildProcess } from 'node:child_process';
import { UserStore } from '../../hub/security/users.js';
import { login, TEST_PASSWORD } from '../helpers/auth.js';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttAccounts } from '../../hub/broker/accounts.js';
import { openStateDb } from '../../hub/state/db.js';
import type { HealthResponse } from '../../shared/events.js';
import { sleep, varint } from './helpers.js';

/**
 * A 200 MB packet announced to the hub, measured on a hub in a process of its own (its resident memory
 * from /proc): the packet guard refuses it from its header, so the hub's memory does not grow with it.
 */
const MB = 1024 * 1024;

let dir: string;
let child: ChildProcess;
let ports = { mqtt: 0, http: 0 };
let secret = '';

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

const str = (s: string): Buffer => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s)]);

function connectPacket(clientId: string, username: string, password: string): Buffer {
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, 0, 60]), str(clientId), str(username), str(password)]);
  return Buffer.concat([Buffer.from([0x10, ...varint(body.length)]), body]);
}

/** Writes `header` and then up to `total` bytes of body as fast as the socket takes them; resolves with the bytes written before it closed. */
async function announce(prefix: Buffer, total: number): Promise<number> {
  const s: Socket = connect(ports.mqtt, '127.0.0.1');
  await once(s, 'connect');
  let closed = false;
  s.on('close', () => (closed = true));
  s.on('error', () => (closed = true));
  s.write(prefix);
  const chunk = Buffer.alloc(MB, 0x61);
  let written = 0;
  while (!closed && written < total) {
    if (!s.write(chunk)) await new Promise<void>((resolve) => (s.once('drain', resolve), s.once('close', () => resolve())));
    written += chunk.length;
  }
  if (!closed) await Promise.race([new Promise((resolve) => s.once('close', resolve)), sleep(5_000)]);
  s.destroy();
  return written;
}

let cookie: string | null = null;
/** The full health report needs a login: as the admin created before the hub started. */
async function health(): Promise<HealthResponse> {
  cookie ??= await login(`http://127.0.0.1:${ports.http}`, 'quan-tri');
  return (await (await fetch(`http://127.0.0.1:${ports.http}/api/health`, { headers: { cookie } })).json()) as HealthResponse;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'langso-oversize-'));
  const db = openStateDb(path.join(dir, 'data', 'state.db'));
  secret = await new MqttAccounts(db).issueDevice('dong-cam', 'cam-1', Date.now());
  await new UserStore(db).add('quan-tri', TEST_PASSWORD, 'admin', [], Date.now());
  db.close();
  const config = path.join(dir, 'hub.yaml');
  await writeFile(
    config,
    [
      `dataDir: ${JSON.stringify(path.join(dir, 'data'))}`,
      'logLevel: info',
      'broker: { host: 127.0.0.1, port: 0, wsPort: null }',
      'http: { host: 127.0.0.1, port: 0 }',
      'villages: [{ id: dong-cam, name: Đông Căm }]',
      'devices: [{ id: cam-1, village: dong-cam, name: Camera, kind: onvif-camera }]',
      '',
    ].join('\n'),
  );
  child = spawn(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'start', '--config', config], {
    env: { ...process.env, LANGSO_LOG_FORMAT: 'json', LANGSO_SIM: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const line = out.split('\n').find((l) => l.includes('"msg":"hub started"'));
    if (line) {
      const started = JSON.parse(line) as { mqtt: number; http: number };
      ports = { mqtt: started.mqtt, http: started.http };
      break;
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`hub did not start:\n${out}`);
    await sleep(50);
  }
}, 40_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await Promise.race([once(child, 'exit'), sleep(10_000)]);
    child.kill('SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
});

describe('oversized packets', () => {
  it('a 200 MB announcement, before or after CONNECT, closes the socket; the hub grows by less than 5 MB', async () => {
    const pid = child.pid as number;
    // Warm up the paths the attacks take (a refused connection, an accepted one), so what is measured is the attacks.
    await announce(Buffer.from([0x30, ...varint(10)]), 0);
    await announce(connectPacket('cam-1-warm', 'dong-cam/cam-1', secret), 0);
    await sleep(500);
    const before = rssBytes(pid);

    // No CONNECT first: a PUBLISH header announcing 200 MB, then the bytes as fast as they go.
    const a = await announce(Buffer.from([0x30, ...varint(200 * MB)]), 200 * MB);
    // Connected with the device's credentials, then the same.
    const b = await announce(Buffer.concat([connectPacket('cam-1-big', 'dong-cam/cam-1', secret), Buffer.from([0x30, ...varint(200 * MB)])]), 200 * MB);
    await sleep(500);
    const grown = rssBytes(pid) - before;
    // The sockets closed long before 200 MB went (what was sent sat in kernel buffers at most).
    expect(a).toBeLessThan(50 * MB);
    expect(b).toBeLessThan(50 * MB);
    expect(grown).toBeLessThan(5 * MB);

    const h = await health();
    expect(h.counters['broker.refused.not-connect-first']).toBeGreaterThanOrEqual(2);
    expect(h.counters['broker.refused.packet-too-large']).toBe(1);
    expect(h.status).toBe('ok');
  }, 60_000);
});
