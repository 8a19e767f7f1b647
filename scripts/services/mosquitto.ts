/**
 * A private Mosquitto (Debian's, MQTT 5 with shared subscriptions) for tests and benchmarks: a free
 * port on 127.0.0.1, anonymous clients, queues raised for load, no persistence; stopped afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './influxd.js';
import { answers } from './upstream-broker.js';

export interface MosquittoHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export const MOSQUITTO = process.env.LANGSO_MOSQUITTO ?? '/usr/sbin/mosquitto';


export async function startMosquitto(opts: { maxQueued?: number } = {}): Promise<MosquittoHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'langso-mosquitto-'));
  const port = await freePort();
  const file = join(dir, 'mosquitto.conf');
  await writeFile(
    file,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // The default (1000) drops QoS 1 messages queued for a slow or absent subscriber.
      `max_queued_messages ${opts.maxQueued ?? 1_000_000}`,
      'max_queued_bytes 0',
      '',
    ].join('\n'),
  );
  const child = spawn(MOSQUITTO, ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4096)));
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on port ${port}: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
