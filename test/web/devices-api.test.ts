import { mkdir, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryResponder, Scene, startSimulatedCamera, type SimulatedCamera } from '../../devices/onvif-camera/simulator/index.js';
import { discoverRouter, snapshotPath } from '../../hub/web/devices-api.js';
import { WebAuth } from '../../hub/web/auth.js';
import { asUser } from '../helpers/auth.js';
import { startTestHub, testVillage, type TestHub } from '../helpers/hub.js';

let th: TestHub;
let responder: DiscoveryResponder;
const cams: SimulatedCamera[] = [];

beforeAll(async () => {
  // Discovery goes unicast to a responder on 127.0.0.1, never onto the LAN (TESTING.md).
  responder = await DiscoveryResponder.start({ port: 0 });
  for (const name of ['Cổng làng', 'Chợ']) cams.push(await startSimulatedCamera({ name, discovery: { responder } }));
  th = await startTestHub({
    villages: [testVillage],
    devices: [
      // Configured with the first simulated camera's address, but not polled here (no credentials needed).
      { id: 'cam-cong', village: testVillage.id, name: 'Cổng làng', kind: 'onvif-camera', poll: { xaddr: cams[0]?.xaddr, intervalS: 3_600 } },
      { id: 'cam-kho', village: testVillage.id, name: 'Kho', kind: 'onvif-camera' },
      { id: 'ap-1', village: testVillage.id, name: 'AP', kind: 'wifi-ap' },
    ],
  });
});

afterAll(async () => {
  await th?.stop();
  await Promise.all(cams.map((c) => c.close()));
  await responder?.close();
});

const get = (p: string, headers: Record<string, string> = {}) => th.fetch(`${th.httpUrl}${p}`, { headers });

/** A plain GET: fetch() adds "Cache-Control: no-cache" to conditional requests, as a browser revalidating would not. */
async function conditionalGet(p: string, ifModifiedSince: string): Promise<number> {
  const { cookie } = await th.admin();
  return new Promise((resolve, reject) => {
    http
      .get(`${th.httpUrl}${p}`, { headers: { 'If-Modified-Since': ifModifiedSince, cookie } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('GET /api/devices/:village/:device/snapshot', () => {
  it('400 for ids that are not slugs, 404 for unknown devices, 204 (not an error) for a device without a snapshot yet', async () => {
    const bad = await get('/api/devices/Dong_Cam/cam-cong/snapshot');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid device address', issues: [{ path: 'village' }] });
    const unknown = await get('/api/devices/dong-cam/cam-khong/snapshot');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'no device "cam-khong" in village "dong-cam"' });
    // "No picture yet" is a normal answer: a 404 would show as an error in the browser's console.
    const none = await get('/api/devices/dong-cam/ap-1/snapshot');
    expect(none.status).toBe(204);
    expect(none.headers.get('cache-control')).toBe('no-cache');
    expect(await none.text()).toBe('');
  });

  it('serves the latest snapshot as image/jpeg, revalidated with Last-Modified', async () => {
    const file = snapshotPath(th.dataDir, testVillage.id, 'cam-kho');
    expect(file).toBe(path.join(th.dataDir, 'devices', 'dong-cam', 'cam-kho', 'snapshot.jpg'));
    const jpeg = new Scene({ seed: 9 }).next();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, jpeg);
    const when = new Date('2026-11-25T01:02:03Z');
    await utimes(file, when, when);

    const r = await get('/api/devices/dong-cam/cam-kho/snapshot');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/jpeg');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(r.headers.get('last-modified')).toBe(when.toUTCString());
    expect(Buffer.from(await r.arrayBuffer()).equals(jpeg)).toBe(true);

    expect(await conditionalGet('/api/devices/dong-cam/cam-kho/snapshot', when.toUTCString())).toBe(304);
    expect(await conditionalGet('/api/devices/dong-cam/cam-kho/snapshot', new Date(when.getTime() - 60_000).toUTCString())).toBe(200);
  });

  it('leaves the core device routes as they were', async () => {
    const list = await get('/api/devices');
    expect(list.status).toBe(200);
    expect(((await list.json()) as { devices: unknown[] }).devices).toHaveLength(3);
    const series = await get('/api/devices/dong-cam/cam-cong/series');
    expect(series.status).toBe(400);
    expect(await series.json()).toMatchObject({ error: 'invalid series query' });
  });
});

describe('POST /api/discover', () => {
  it('validates timeoutMs (1000 to 15000 ms) and refuses unknown fields', async () => {
    for (const body of [{ timeoutMs: 500 }, { timeoutMs: 20_000 }, { timeoutMs: 'soon' }, { timeout: 2 }]) {
      const r = await th.fetch(`${th.httpUrl}/api/discover`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ error: 'invalid discovery request', issues: [expect.anything()] });
    }
  });

  it('lists the cameras that answer, marking those already configured; one discovery at a time', async () => {
    // The hub's router, pointed at the responder instead of the multicast group.
    // The hub's router as an admin's request reaches it (who may call it: test/web/access.test.ts).
    const app = express()
      .use(express.json())
      .use(asUser({ id: 1, username: 'admin', role: 'admin', villages: [] }))
      .use('/api/discover', discoverRouter(th.hub.ctx, new WebAuth(th.hub.ctx, th.hub.security), { address: '127.0.0.1', port: responder.port }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/discover`;
    try {
      const post = () => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ timeoutMs: 1_000 }) });
      const first = post();
      await new Promise((r) => setTimeout(r, 100));
      const second = await post();
      expect(second.status).toBe(409);
      const r = await first;
      expect(r.status).toBe(200);
      const body = (await r.json()) as { cameras: Array<Record<string, unknown>> };
      const byName = new Map(body.cameras.map((c) => [c.name, c]));
      expect(body.cameras).toHaveLength(2);
      expect(byName.get('Cổng làng')).toMatchObject({ xaddr: cams[0]?.xaddr, hardware: 'SC-160', known: true, village: 'dong-cam', device: 'cam-cong' });
      expect(byName.get('Chợ')).toMatchObject({ xaddr: cams[1]?.xaddr, known: false });
      expect(byName.get('Chợ')).not.toHaveProperty('device');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
