import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitFor } from '../helpers/hub.js';
import { hubStarted, spawnHubCli } from '../helpers/hub-process.js';
import { sleep, startUpstream, tally, uplinkDoc, UpstreamWatcher, V, type Upstream } from './helpers.js';
import { cleanupsAfter } from '../helpers/cleanups.js';

const cleanups = cleanupsAfter('each', { tolerant: true });

interface HubProcess {
  child: ChildProcess;
  mqttPort: number;
  kill(): Promise<void>;
}

/** The hub as commune IT runs it (`langso start`), in its own process group so a SIGKILL takes all of it. */
async function startHubProcess(configFile: string): Promise<HubProcess> {
  const p = spawnHubCli(configFile, { LANGSO_LOG_LEVEL: 'info', LANGSO_LOG_FORMAT: 'json' });
  const kill = (): Promise<void> => p.signal('SIGKILL');
  cleanups.push(kill);
  return { child: p.child, mqttPort: (await hubStarted(p)).mqtt, kill };
}

async function setup(): Promise<{ up: Upstream; w: UpstreamWatcher; file: string }> {
  const up = await startUpstream();
  cleanups.push(() => up.stop());
  const w = await UpstreamWatcher.open(up.broker.url);
  cleanups.push(() => w.close());
  const dir = await mkdtemp(path.join(tmpdir(), 'langso-uplink-kill-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'hub.yaml');
  const doc = {
    ...uplinkDoc(up.proxy.url),
    dataDir: path.join(dir, 'data'),
    logLevel: 'info',
    broker: { host: '127.0.0.1', port: 0, wsPort: null, allowAnonymous: true },
    http: { host: '127.0.0.1', port: 0 },
  };
  await writeFile(file, stringify(doc));
  return { up, w, file };
}

describe('uplink: power cut (SIGKILL)', () => {
  it('a hub SIGKILLed mid-outage loses nothing that was queued', { timeout: 120_000 }, async () => {
    const { up, w, file } = await setup();
    up.proxy.cut();
    const first = await startHubProcess(file);
    const dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.mqttPort}`);
    const base = Date.now() - 900_000;
    for (let i = 0; i < 300; i++) await dev.publishAsync(`langso/${V}/ap-1/telemetry`, JSON.stringify({ ts: base + i, clients: i }), { qos: 1 });
    await dev.endAsync(true);
    // The broker acknowledges as it takes a message in; the hub handles it and syncs the queue in group
    // commits at most uplink.queue.syncEveryMs (10 ms) later (docs/uplink.md, the durability window).
    await sleep(500);
    await first.kill();

    await startHubProcess(file);
    up.proxy.restore();
    await waitFor(() => tally(w.got, '/telemetry').unique.size === 300, 30_000, 'every reading upstream after the power cut');
    const { unique } = tally(w.got, '/telemetry');
    expect([...unique.values()].map((b) => b.ts)).toEqual(Array.from({ length: 300 }, (_, i) => base + i));
  });

  it('a hub SIGKILLed while connected: the centre sees its $hub/status Last Will (offline) within the keepalive', { timeout: 60_000 }, async () => {
    const { w, file } = await setup();
    const hub = await startHubProcess(file);
    await waitFor(() => w.json<{ state: string }>(`langso/${V}/$hub/status`).some((s) => s.state === 'online'), 15_000, 'online upstream');
    const killedAt = Date.now();
    await hub.kill();
    const off = await waitFor(() => w.on(`langso/${V}/$hub/status`).find((m) => (JSON.parse(m.payload) as { state: string }).state === 'offline'), 15_000, 'Last Will');
    expect(JSON.parse(off.payload)).toEqual({ state: 'offline' });
    expect(off.retain).toBe(true);
    expect(off.at - killedAt).toBeLessThan(5_000 * 1.5);
  });
});
