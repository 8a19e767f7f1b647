import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../../scripts/services/influxd.js';
import { waitFor } from './hub.js';
import { spawnGroup, type GroupProcess } from './process-group.js';

/**
 * The hub as a separate process (`node --import tsx hub/cli.ts start`), in a process group of its own so a
 * test can SIGKILL it the way a power cut or the OOM killer would, and start it again on the same data
 * folder and ports.
 */
export interface HubProcess {
  readonly child: ChildProcess;
  /** Everything it printed (JSON log lines). */
  output(): string;
  /** SIGKILL to the whole process group; resolves once it has gone. */
  kill(): Promise<void>;
  /** SIGTERM (a clean stop); resolves once it has gone. */
  stop(): Promise<void>;
}

export async function writeHubConfig(file: string, doc: Record<string, unknown>): Promise<void> {
  await writeFile(file, stringify({ logFormat: 'json', logLevel: 'info', ...doc }));
}

/** Where writeHubFolder put a hub's configuration, and the MQTT port it gave the hub. */
export interface HubFolder {
  /** `<dir>/hub.yaml`, for startHubProcess. */
  config: string;
  port: number;
  mqttUrl: string;
}

/**
 * Writes `<dir>/hub.yaml` (with `doc`) for a hub that keeps its data in `<dir>/data`, lets MQTT clients in
 * without credentials on a free port chosen here, once (a restart keeps it, so clients reconnect to the
 * same place), and serves the web on any free port.
 */
export async function writeHubFolder(dir: string, doc: Record<string, unknown>): Promise<HubFolder> {
  const port = await freePort();
  const config = path.join(dir, 'hub.yaml');
  await writeHubConfig(config, {
    dataDir: path.join(dir, 'data'),
    broker: { host: '127.0.0.1', port, wsPort: null, allowAnonymous: true },
    http: { host: '127.0.0.1', port: 0 },
    ...doc,
  });
  return { config, port, mqttUrl: `mqtt://127.0.0.1:${port}` };
}

export async function startHubProcess(configFile: string, env: Record<string, string> = {}): Promise<HubProcess> {
  // The hub as built (`npm test` builds first: tsc, then the bundle of scripts/build/bundle.mjs), as a
  // village PC runs it; the sources through the TypeScript loader when there is no build, or with
  // LANGSO_TEST_HUB=src (a test run on changed sources without building).
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const built = process.env.LANGSO_TEST_HUB !== 'src' && existsSync(path.join(root, 'dist', 'hub', 'cli.js'));
  const entry = built ? ['dist/hub/cli.js'] : ['--import', 'tsx', 'hub/cli.ts'];
  const p = spawnGroup(process.execPath, [...entry, 'start', '--config', configFile], {
    cwd: root,
    env: { ...process.env, ...env },
  });
  const started = await waitFor(() => /"msg":"hub started"/.test(p.all()) || p.child.exitCode !== null, 60_000, 'the hub to start').catch(() => false);
  if (p.child.exitCode !== null || !started) {
    await p.signal('SIGKILL');
    throw new Error(`the hub did not start:\n${p.all()}`);
  }
  return { child: p.child, output: p.all, kill: () => p.signal('SIGKILL'), stop: () => p.signal('SIGTERM') };
}

/** What the hub's "hub started" log line says: the ports it listens on. */
export interface HubStarted {
  mqtt: number;
  ws: number | null;
  http: number;
}

/**
 * `langso start --config <file>` from the sources, as commune IT runs it, in a process group of its own
 * (`env` added to this process's). Returned at once, so the caller can arrange to stop it before waiting
 * for hubStarted.
 */
export function spawnHubCli(configFile: string, env: Record<string, string>): GroupProcess {
  return spawnGroup(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'start', '--config', configFile], { cwd: process.cwd(), env: { ...process.env, ...env } });
}

/** Waits for the hub's JSON "hub started" line (the test fails if it exits first); returns its ports. */
export async function hubStarted(p: GroupProcess, timeoutMs = 30_000): Promise<HubStarted> {
  await waitFor(() => /"msg":"hub started"/.test(p.out()) || p.child.exitCode !== null, timeoutMs, 'the hub to start');
  expect(p.child.exitCode, `the hub did not start\n${p.out()}\n${p.err()}`).toBeNull();
  return JSON.parse(p.out().split('\n').find((l) => l.includes('"hub started"')) ?? '{}') as HubStarted;
}
