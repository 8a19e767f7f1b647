/**
 * A private InfluxDB 1.x for tests and benchmarks: free ports, data in a fresh temporary folder,
 * stopped and removed afterwards. Uses Debian's `influxd` (package `influxdb`); no systemd needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface InfluxdOptions {
  /** Path of the influxd binary. */
  binary?: string;
  /** Folder under which the temporary data folder is made. */
  tmpRoot?: string;
  /** How long to wait for `GET /ping` to answer 204. */
  timeoutMs?: number;
}

export interface InfluxdHandle {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

const STDERR_KEEP = 8 * 1024;

/** A port that was free a moment ago (the OS picks it; there is a small race, retried by the caller). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('could not obtain a free port'))));
    });
  });
}

function configText(dir: string, httpPort: number, rpcPort: number): string {
  return [
    'reporting-disabled = true',
    // The RPC (backup/restore) service defaults to 8088: give each instance its own port.
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]',
    `  dir = "${join(dir, 'meta')}"`,
    '  logging-enabled = false',
    '[data]',
    `  dir = "${join(dir, 'data')}"`,
    `  wal-dir = "${join(dir, 'wal')}"`,
    '  query-log-enabled = false',
    '[http]',
    `  bind-address = "127.0.0.1:${httpPort}"`,
    '  log-enabled = false',
    '[monitor]',
    '  store-enabled = false',
    '[continuous_queries]',
    '  log-enabled = false',
    '  run-interval = "1s"',
    '',
  ].join('\n');
}

async function pingOnce(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 204;
  } catch {
    return false;
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, 5000))) {
    child.kill('SIGKILL');
    await waitExit(child, 5000);
  }
}

async function startOnce(binary: string, tmpRoot: string, timeoutMs: number): Promise<InfluxdHandle> {
  const dir = await mkdtemp(join(tmpRoot, 'langso-influxd-'));
  const port = await freePort();
  let rpcPort = await freePort();
  while (rpcPort === port) rpcPort = await freePort();
  const configFile = join(dir, 'influxdb.conf');
  await writeFile(configFile, configText(dir, port, rpcPort));
  const url = `http://127.0.0.1:${port}`;

  const child = spawn(binary, ['-config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  let spawnError: Error | null = null;
  child.once('error', (err) => {
    spawnError = err;
  });

  const cleanup = async (): Promise<void> => {
    await killChild(child);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError !== null || child.exitCode !== null || child.signalCode !== null) {
      await cleanup();
      const why = spawnError !== null ? (spawnError as Error).message : `exit code ${child.exitCode ?? child.signalCode}`;
      throw new Error(`influxd exited before answering on ${url} (${why}):\n${stderr.trim()}`);
    }
    if (await pingOnce(url)) break;
    if (Date.now() > deadline) {
      await cleanup();
      throw new Error(`influxd did not answer GET ${url}/ping within ${timeoutMs} ms:\n${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  let stopped: Promise<void> | null = null;
  return {
    url,
    port,
    dir,
    stop: () => (stopped ??= cleanup()),
  };
}

/** Starts influxd on free ports and resolves once it answers `GET /ping` with 204. */
export async function startInfluxd(opts: InfluxdOptions = {}): Promise<InfluxdHandle> {
  const binary = opts.binary ?? '/usr/bin/influxd';
  if (!existsSync(binary)) {
    throw new Error(`${binary} not found: install Debian's influxdb package (apt-get install -y influxdb)`);
  }
  const tmpRoot = opts.tmpRoot ?? tmpdir();
  const timeoutMs = opts.timeoutMs ?? 20_000;
  let lastError: unknown;
  // A port picked by freePort() can be taken by someone else before influxd binds it: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary, tmpRoot, timeoutMs);
    } catch (err) {
      lastError = err;
      if (!(err instanceof Error) || !/address already in use/.test(err.message)) throw err;
    }
  }
  throw lastError;
}
