import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { HealthResponse } from '../../shared/events.js';
import { startMosquitto } from '../../scripts/services/upstream-broker.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { villageCa } from '../security/helpers.js';
import { startUpstream, tally, uplinkDoc, UpstreamWatcher, V } from './helpers.js';
import { cleanupsAfter } from '../helpers/cleanups.js';

const cleanups = cleanupsAfter('each', { tolerant: true });

async function hub(doc: Record<string, unknown>): Promise<TestHub> {
  const th = await startTestHub(doc);
  cleanups.push(() => th.stop());
  return th;
}

async function health(th: TestHub): Promise<HealthResponse> {
  return (await (await th.fetch('/api/health')).json()) as HealthResponse;
}

const PASSWORD = 'Mk-uplink-dong-cam-7731';

describe('uplink: the connection', () => {
  it('logs in with a password file; a wrong password is shown as the reason, never the password', { timeout: 60_000 }, async () => {
    const up = await startUpstream({ 'dong-cam': PASSWORD });
    cleanups.push(() => up.stop());
    const dir = await mkdtemp(path.join(tmpdir(), 'langso-uplink-pass-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'uplink.pass');
    await writeFile(file, `${PASSWORD}\n`, { mode: 0o600 });
    const w = await UpstreamWatcher.open(up.broker.url, 'langso/#', { username: 'dong-cam', password: PASSWORD });
    cleanups.push(() => w.close());

    const good = await hub(uplinkDoc(up.proxy.url, { username: 'dong-cam', passwordFile: file }));
    await waitFor(() => w.on(`langso/${V}/$hub/inventory`).length > 0, 10_000, 'inventory upstream');
    expect((await health(good)).uplink?.state).toBe('connected');

    const wrongPassword = 'Sai-mat-khau-uplink-4410';
    const bad = await hub(uplinkDoc(up.proxy.url, { username: 'dong-cam', password: wrongPassword, clientId: 'other' }));
    const h = await waitFor(async () => {
      const body = await health(bad);
      return body.uplink?.villages[0]?.lastError ? body : null;
    }, 10_000, 'the refusal in /api/health');
    expect(h.uplink?.state).toBe('disconnected');
    expect(h.uplink?.villages[0]?.lastError).toMatch(/not authori[sz]ed|bad user name or password/i);
    expect(JSON.stringify(h)).not.toContain(wrongPassword);
    expect(JSON.stringify(await health(good))).not.toContain(PASSWORD);
  });

  it('a missing password file is reported with its setting, and the hub runs on without the uplink', { timeout: 30_000 }, async () => {
    const lines: string[] = [];
    const { createLogger } = await import('../../hub/core/log.js');
    const log = createLogger('error', { write: (l: string) => void lines.push(l) });
    const th = await startTestHub(uplinkDoc('mqtt://127.0.0.1:1', { passwordFile: '/nonexistent/uplink.pass' }), { log });
    cleanups.push(() => th.stop());
    expect(th.hub.ctx.counters.snapshot()['modules.failed.uplink']).toBe(1);
    expect(lines.join('')).toContain('uplink.passwordFile: cannot read /nonexistent/uplink.pass (ENOENT)');
    expect((await health(th)).uplink?.state).toBe('disconnected');
  });

  it('connects over mqtts:// trusting the commune CA given in caFile, and refuses an unknown certificate', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'langso-uplink-tls-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { ca, cert, key } = villageCa(dir);
    const broker = await startMosquitto({ tls: { cert, key } });
    cleanups.push(() => broker.stop());
    const w = await UpstreamWatcher.open(broker.url);
    cleanups.push(() => w.close());
    const trusted = await hub(uplinkDoc(broker.tlsUrl as string, { caFile: ca }));
    await waitFor(() => w.on(`langso/${V}/$hub/inventory`).length > 0, 10_000, 'inventory over TLS');
    expect((await health(trusted)).uplink?.state).toBe('connected');
    const untrusted = await hub(uplinkDoc(broker.tlsUrl as string, { clientId: 'other' }));
    const h = await waitFor(async () => {
      const body = await health(untrusted);
      return body.uplink?.villages[0]?.lastError ? body : null;
    }, 10_000, 'the TLS refusal');
    expect(h.uplink?.state).toBe('disconnected');
    expect(h.uplink?.villages[0]?.lastError).toMatch(/certificate/i);
  });

  it('falls back to MQTT 3.1.1 when the broker does not speak MQTT 5 (aedes)', { timeout: 60_000 }, async () => {
    const aedes = await Aedes.createBroker();
    const server: Server = createServer(aedes.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    });
    const port = (server.address() as { port: number }).port;
    const w = await UpstreamWatcher.open(`mqtt://127.0.0.1:${port}`, 'langso/#', { protocolVersion: 4 });
    cleanups.push(() => w.close());
    const th = await hub(uplinkDoc(`mqtt://127.0.0.1:${port}`));
    await waitFor(async () => (await health(th)).uplink?.villages[0]?.protocol === 'MQTT 3.1.1', 10_000, 'connected over 3.1.1');
    const dev = await mqtt.connectAsync(th.mqttUrl);
    cleanups.push(() => dev.endAsync(true));
    await dev.publishAsync(`langso/${V}/ap-1/telemetry`, JSON.stringify({ ts: 1_700_000_000_000, clients: 3 }), { qos: 1 });
    await waitFor(() => w.json(`langso/${V}/ap-1/telemetry`).length === 1, 10_000, 'telemetry upstream');
    expect(w.json(`langso/${V}/ap-1/telemetry`)).toEqual([{ ts: 1_700_000_000_000, clients: 3 }]);
  });

  it('keeps status and events while over its bound and drops the oldest telemetry, counted', { timeout: 90_000 }, async () => {
    const up = await startUpstream();
    cleanups.push(() => up.stop());
    const w = await UpstreamWatcher.open(up.broker.url);
    cleanups.push(() => w.close());
    up.proxy.cut();
    const th = await hub(uplinkDoc(up.proxy.url, { queue: { maxBytes: 65_536 } }));
    const dev = await mqtt.connectAsync(th.mqttUrl);
    cleanups.push(() => dev.endAsync(true));
    const base = Date.now() - 3_600_000;
    const N = 800;
    await dev.publishAsync(`langso/${V}/ap-1/status`, JSON.stringify({ state: 'online', ts: base }), { qos: 1, retain: true });
    // In batches on one connection: the broker takes them in order.
    for (let k = 0; k < N; k += 100) {
      const batch: Array<Promise<unknown>> = [];
      for (let i = k; i < k + 100; i++) {
        batch.push(dev.publishAsync(`langso/${V}/ap-1/telemetry`, JSON.stringify({ ts: base + 1 + i, clients: i }), { qos: 1 }));
        if (i === 400) batch.push(dev.publishAsync(`langso/${V}/ap-1/event`, JSON.stringify({ type: 'reboot', ts: base + 1 + i }), { qos: 1 }));
      }
      await Promise.all(batch);
    }
    // The broker acknowledges before the hub has handled a message: wait until all are in.
    const during = await waitFor(async () => {
      const h = await health(th);
      return (h.counters['ingest.accepted'] ?? 0) >= N + 2 ? h : null;
    }, 20_000, 'every message handled');
    const dropped = during.uplink?.dropped.telemetry ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(during.uplink?.dropped.other).toBe(0);
    expect(during.uplink?.backlog.bytes).toBeLessThanOrEqual(65_536);
    expect(during.counters['uplink.dropped.telemetry']).toBe(dropped);
    up.proxy.restore();
    await waitFor(async () => (await health(th)).uplink?.backlog.messages === 0, 20_000, 'the queue drained');
    await waitFor(() => tally(w.got, '/telemetry').unique.size === N - dropped, 10_000, 'what was kept, upstream');
    // The oldest went: what arrived is the newest, an unbroken run up to the last one.
    const ns = [...tally(w.got, '/telemetry').unique.values()].map((b) => b.clients as number);
    expect(ns).toEqual(Array.from({ length: N - dropped }, (_, i) => dropped + i));
    expect(w.json(`langso/${V}/ap-1/status`)).toEqual([{ state: 'online', ts: base }]);
    expect(w.json(`langso/${V}/ap-1/event`)).toEqual([{ type: 'reboot', ts: base + 401 }]);
  });
});
