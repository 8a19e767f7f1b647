import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort } from '../../scripts/services/influxd.js';
import { waitFor } from './hub.js';
import { spawnGroup } from './process-group.js';

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
  // LANGSO_TEST_HUB=dist runs the built hub (`npx tsc -p tsconfig.build.json` first): the memory a
  // village PC sees, without the TypeScript loader's own.
  const entry = process.env.LANGSO_TEST_HUB === 'dist' ? ['dist/hub/cli.js'] : ['--import', 'tsx', 'hub/cli.ts'];
  const p = spawnGroup(process.execPath, [...entry, 'start', '--config', configFile], {
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'),
    env: { ...process.env, ...env },
  });
  const started = await waitFor(() => /"msg":"hub started"/.test(p.all()) || p.child.exitCode !== null, 60_000, 'the hub to start').catch(() => false);
  if (p.child.exitCode !== null || !started) {
    await p.signal('SIGKILL');
    throw new Error(`the hub did not start:\n${p.all()}`);
  }
  return { child: p.child, output: p.all, kill: () => p.signal('SIGKILL'), stop: () => p.signal('SIGTERM') };
}
