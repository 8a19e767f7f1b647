import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { HealthResponse } from '../../shared/events.js';
import { waitFor } from '../helpers/hub.js';
import { hubStarted, spawnHubCli } from '../helpers/hub-process.js';
import type { GroupProcess } from '../helpers/process-group.js';

/**
 * Many devices reconnecting at once exhaust the hub's file descriptors: the hub runs in a child whose
 * limit is 64 descriptors (`prlimit`, util-linux) while hundreds of MQTT clients (TCP and WebSocket)
 * and HTTP requests arrive. It must stay up, and answer /api/health once they have gone.
 */
describe('an exhausted file-descriptor limit', () => {
  let dir = '';
  let hub: GroupProcess | null = null;

  afterAll(async () => {
    await hub?.signal('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('leaves the hub up; it answers /api/health once the clients have gone', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-fd-'));
    const file = path.join(dir, 'hub.yaml');
    await writeFile(
      file,
      `dataDir: ${JSON.stringify(path.join(dir, 'data'))}\nlogFormat: json\nbroker: { host: 127.0.0.1, port: 0, wsPort: 0 }\nhttp: { host: 127.0.0.1, port: 0 }\nvillages: [{ id: dong-cam, name: Đông Căm }]\n`,
    );
    const h = (hub = spawnHubCli(file, { LANGSO_LOG_LEVEL: 'info' }));
    const c = h.child;
    const { mqtt: tcpPort, ws: wsPort, http: httpPort } = await hubStarted(h);
    // The limit of `ulimit -n 64`, set once the hub runs: set before, it also limits Node's module
    // loader, which opens many files at once while starting (an EMFILE there is not what is tested).
    await promisify(execFile)('prlimit', ['--pid', String(c.pid), '--nofile=64:']);

    const clients: MqttClient[] = [];
    for (let i = 0; i < 250; i++) {
      const client = mqtt.connect(`mqtt://127.0.0.1:${tcpPort}`, { clientId: `tcp-${i}`, reconnectPeriod: 0, connectTimeout: 5_000 });
      client.on('error', () => undefined);
      clients.push(client);
    }
    for (let i = 0; i < 50; i++) {
      const client = mqtt.connect(`ws://127.0.0.1:${wsPort}`, { clientId: `ws-${i}`, reconnectPeriod: 0, connectTimeout: 5_000 });
      client.on('error', () => undefined);
      clients.push(client);
    }
    const requests = Array.from({ length: 50 }, () =>
      fetch(`http://127.0.0.1:${httpPort}/api/health`, { signal: AbortSignal.timeout(5_000) }).then(
        (r) => r.status,
        () => 0,
      ),
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const connected = clients.filter((x) => x.connected).length;
    await Promise.all(requests);
    await Promise.all(clients.map((x) => x.endAsync(true).catch(() => undefined)));

    // The limit was really hit: far from every client got in.
    expect(connected).toBeLessThan(clients.length);
    expect(c.exitCode, `the hub exited\n${h.out()}\n${h.err()}`).toBeNull();
    const health = await waitFor(
      async () => {
        const r = await fetch(`http://127.0.0.1:${httpPort}/api/health`, { signal: AbortSignal.timeout(2_000) });
        return r.status === 200 ? ((await r.json()) as HealthResponse) : null;
      },
      15_000,
      '/api/health to answer',
    );
    // Without an account /api/health says only whether the hub is well: enough for a liveness probe.
    expect(health.status).toMatch(/^(ok|degraded)$/);
    expect(c.exitCode).toBeNull();
  });
});
