import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { waitFor } from './hub.js';

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

export async function startHubProcess(configFile: string, env: Record<string, string> = {}): Promise<HubProcess> {
  // LANGSO_TEST_HUB=dist runs the built hub (`npx tsc -p tsconfig.build.json` first): the memory a
  // village PC sees, without the TypeScript loader's own.
  const entry = process.env.LANGSO_TEST_HUB === 'dist' ? ['dist/hub/cli.js'] : ['--import', 'tsx', 'hub/cli.ts'];
  const c = spawn(process.execPath, [...entry, 'start', '--config', configFile], {
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  c.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  c.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
    try {
      process.kill(-c.pid, sig);
    } catch {
      // already gone
    }
    await exited;
  };
  const started = await waitFor(() => /"msg":"hub started"/.test(out) || c.exitCode !== null, 60_000, 'the hub to start').catch(() => false);
  if (c.exitCode !== null || !started) {
    await signal('SIGKILL');
    throw new Error(`the hub did not start:\n${out}`);
  }
  return { child: c, output: () => out, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
