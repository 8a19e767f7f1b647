import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { fileURLToPath } from 'node:url';
import { freePort } from './influxd.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A central instance (`mode: central`) in a child process, `langso start` as an operator runs it: for tests and benchmarks. */
export interface InstanceProcess {
  id: string;
  dataDir: string;
  httpUrl: string;
  child: ChildProcess;
  /** Its JSON log lines so far. */
  log(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface InstanceOptions {
  id: string;
  dir: string;
  brokerUrl: string;
  influxUrl: string;
  database: string;
  webhookUrl?: string;
  extra?: Record<string, unknown>;
  /** More of the configuration (writer settings…). */
  config?: Record<string, unknown>;
}

/** Started and connected; a free port taken by someone else meanwhile is retried with another. */
export async function startInstance(o: InstanceOptions): Promise<InstanceProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(o);
    } catch (err) {
      if (attempt >= 3 || !/already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(o: InstanceOptions): Promise<InstanceProcess> {
  const dataDir = path.join(o.dir, o.id);
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const doc = {
    mode: 'central',
    dataDir,
    logLevel: 'info',
    logFormat: 'json',
    http: { host: '127.0.0.1', port },
    store: { kind: 'influx', url: `${o.influxUrl}/${o.database}`, writer: { flushMs: 100 } },
    central: { url: o.brokerUrl, instanceId: o.id, keepaliveS: 5, lateAfterS: 60, ...(o.extra ?? {}) },
    ...(o.webhookUrl
      ? { notify: { channels: [{ id: 'hook', type: 'webhook', url: o.webhookUrl }], routes: [{ channels: ['hook'], minSeverity: 'info' }], retry: { initialS: 1, maxS: 2 } } }
      : {}),
    ...(o.config ?? {}),
  };
  const file = path.join(dataDir, 'central.yaml');
  await writeFile(file, stringify(doc));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'hub', 'cli.ts'), 'start', '--config', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const inst: InstanceProcess = {
    id: o.id,
    dataDir,
    httpUrl: `http://127.0.0.1:${port}`,
    child,
    log: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
  const deadline = Date.now() + 60_000;
  // Every module started (the web port bound) and the upstream connection up.
  while (!(out.includes('"msg":"hub started"') && out.includes('central: connected to the upstream broker'))) {
    if (child.exitCode !== null || out.includes('module failed to start')) {
      await inst.kill();
      throw new Error(`instance ${o.id} exited: ${out.slice(-2000)}`);
    }
    if (Date.now() > deadline) {
      await inst.kill();
      throw new Error(`instance ${o.id} did not connect: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return inst;
}
