/**
 * Debian's Mosquitto 2.0 as a commune/province broker for tests and benchmarks: a free port on
 * 127.0.0.1, anonymous clients, QoS 1 queues raised (its default 1 000 drops messages for a slow
 * subscriber), data in a fresh temporary folder, stopped and removed afterwards.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './influxd.js';

export interface UpstreamBrokerHandle {
  url: string;
  port: number;
  /** `mqtts://localhost:<port>` when started with `tls`. */
  tlsUrl: string | null;
  stop(): Promise<void>;
}

/** Whether something accepts TCP connections on the port (127.0.0.1). */
export function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * `users`: accounts (name → password) in a Mosquitto password file made with `mosquitto_passwd`;
 * anonymous clients are then refused.
 */
export async function startMosquitto(
  opts: { binary?: string; port?: number; users?: Record<string, string>; tls?: { cert: string; key: string }; maxInflight?: number } = {},
): Promise<UpstreamBrokerHandle> {
  const binary = opts.binary ?? '/usr/sbin/mosquitto';
  if (!existsSync(binary)) throw new Error(`${binary} not found: run scripts/services/install.sh (Debian's mosquitto package)`);
  const dir = await mkdtemp(join(tmpdir(), 'langso-mosquitto-'));
  const port = opts.port ?? (await freePort());
  const conf = join(dir, 'mosquitto.conf');
  const auth = ['allow_anonymous true'];
  if (opts.users) {
    const file = join(dir, 'passwords');
    await writeFile(file, '');
    for (const [user, password] of Object.entries(opts.users)) await promisify(execFile)('/usr/bin/mosquitto_passwd', ['-b', file, user, password]);
    auth.splice(0, 1, 'allow_anonymous false', `password_file ${file}`);
  }
  // A second listener with TLS (the certificate's names must include localhost).
  const tlsPort = opts.tls ? await freePort() : null;
  const tls = opts.tls && tlsPort ? [`listener ${tlsPort} 127.0.0.1`, `certfile ${opts.tls.cert}`, `keyfile ${opts.tls.key}`] : [];
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      ...tls,
      ...auth,
      // Started as root, Mosquitto would switch to its own user, who cannot read our temporary folder.
      `user ${userInfo().username}`,
      'max_queued_messages 1000000',
      // Mosquitto's default is 20 (its MQTT 5 Receive Maximum); 0 = no limit.
      `max_inflight_messages ${opts.maxInflight ?? 0}`,
      'persistence false',
      'log_dest stderr',
      'log_type error',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => (stderr = (stderr + c).slice(-4096)));
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not listen on ${port}: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopped: Promise<void> | null = null;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    tlsUrl: tlsPort ? `mqtts://localhost:${tlsPort}` : null,
    stop: () =>
      (stopped ??= (async () => {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}
