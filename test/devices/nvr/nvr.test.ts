import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descriptorOf, driverFor } from '../../../devices/index.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../../helpers/hub.js';
import { configProblems } from '../../helpers/config.js';

/**
 * The network video recorder kind: added with its folder (devices/nvr/) and one registry line, nothing
 * else — the config accepts it, the hub polls it, its labels reach the dashboard API.
 */
describe('nvr (network video recorder) polled over TCP and HTTP', () => {
  let t: TestHub;
  let rtsp: Server;
  let web: HttpServer;
  let rtspPort = 0;
  let webPort = 0;
  let webStatus = 200;

  beforeAll(async () => {
    rtsp = createServer((c) => c.destroy());
    await new Promise<void>((r) => rtsp.listen(0, '127.0.0.1', () => r()));
    rtspPort = (rtsp.address() as { port: number }).port;
    web = createHttpServer((_req, res) => {
      res.statusCode = webStatus;
      res.end('NVR');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
    webPort = (web.address() as { port: number }).port;
    t = await startTestHub({
      villages: [testVillage],
      devices: [
        {
          id: 'dau-ghi',
          village: 'dong-cam',
          name: 'Đầu ghi hình nhà văn hóa',
          kind: 'nvr',
          poll: { host: '127.0.0.1', tcpPort: rtspPort, httpUrl: `http://127.0.0.1:${webPort}/`, intervalS: 0.3, timeoutS: 0.5, retries: 0 },
        },
      ],
    });
  });
  afterAll(async () => {
    await t?.stop();
    rtsp?.close();
    web?.close();
  });

  const entry = () => t.hub.ctx.devices.get({ village: 'dong-cam', device: 'dau-ghi' });

  it('is a kind of the registry with a driver, a timeout and labels in both languages', () => {
    expect(descriptorOf('nvr')?.label).toEqual({ vi: 'Đầu ghi hình', en: 'Video recorder (NVR)' });
    expect(driverFor('nvr')).toBeDefined();
  });

  it('is online with its round trip while the port and the web page answer', async () => {
    await waitFor(() => entry()?.state === 'online' && entry()?.telemetry?.fields.webOk === true, 10_000, 'nvr online');
    expect(entry()?.telemetry?.fields.rttMs).toEqual(expect.any(Number));
    const res = await t.fetch(`${t.httpUrl}/api/devices`);
    const body = (await res.json()) as { kinds: Array<{ kind: string; metrics: Record<string, { label: { vi: string } }> }> };
    expect(body.kinds.find((k) => k.kind === 'nvr')?.metrics.webOk?.label.vi).toBe('Trang quản trị trả lời');
  });

  it('goes offline naming the web page when it fails, and the port when it closes; back when it answers', async () => {
    webStatus = 500;
    await waitFor(() => entry()?.state === 'offline', 10_000, 'nvr offline on HTTP 500');
    expect(entry()?.reason).toMatch(/500/);
    // The part (its web page) and what it said, as codes people read translated.
    expect(entry()).toMatchObject({ reasonCode: 'part-down', reasonParams: { part: 'web', partCode: 'http-status', status: 500 } });
    webStatus = 200;
    await waitFor(() => entry()?.state === 'online', 10_000, 'nvr back');
    await new Promise<void>((r) => rtsp.close(() => r()));
    await waitFor(() => entry()?.state === 'offline', 10_000, 'nvr offline when its port closes');
    expect(entry()?.reason).toMatch(new RegExp(`127\\.0\\.0\\.1:${rtspPort}`));
    expect(entry()).toMatchObject({ reasonCode: 'refused', reasonParams: { port: rtspPort } });
  });

  it('a bad poll block names the device and the field', () => {
    const yaml = `villages: [{ id: dong-cam, name: Đông Căm }]\ndevices:\n  - { id: dau-ghi, village: dong-cam, name: Đầu ghi, kind: nvr, poll: { tcpPort: 554 } }\n`;
    expect(configProblems(yaml, 'nvr.yaml').join('\n')).toMatch(/devices\[0\]\.poll\.host: .*\(device "dau-ghi"\)/);
  });
});
