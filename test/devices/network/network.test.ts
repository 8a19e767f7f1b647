import { createServer, type Server } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkDriver } from '../../../devices/network/driver.js';
import { ConfigError, parseConfig } from '../../../hub/config/load.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../../helpers/hub.js';

/**
 * Router and switch polled by ping or TCP against loopback, and what that buys: when the switch stops
 * answering, the camera behind it is unreachable and only the switch raises an alert.
 */
describe('network gear (router, switch, generic)', () => {
  let t: TestHub;
  let sw: Server;
  let swPort = 0;
  const closedPort = async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  };

  beforeAll(async () => {
    sw = createServer((c) => c.destroy());
    await new Promise<void>((r) => sw.listen(0, '127.0.0.1', () => r()));
    swPort = (sw.address() as { port: number }).port;
    t = await startTestHub({
      villages: [testVillage],
      devices: [
        { id: 'router', village: 'dong-cam', name: 'Bộ định tuyến', kind: 'router', poll: { host: '127.0.0.1', intervalS: 0.5 } },
        { id: 'switch', village: 'dong-cam', name: 'Bộ chuyển mạch', kind: 'switch', parent: 'router', poll: { host: '127.0.0.1', tcpPort: swPort, intervalS: 0.5, timeoutS: 0.5, retries: 0 } },
        { id: 'cam', village: 'dong-cam', name: 'Camera cổng thôn', kind: 'onvif-camera', parent: 'switch', timeoutS: 30 },
      ],
    });
  });
  afterAll(async () => {
    await t?.stop();
    sw?.close();
  });

  const entry = (d: string) => t.hub.ctx.devices.get({ village: 'dong-cam', device: d });

  it('pings the router and connects to the switch: both online with their round trip', async () => {
    await waitFor(() => entry('router')?.state === 'online' && entry('switch')?.state === 'online', 10_000, 'gear online');
    expect(entry('router')?.telemetry?.fields.rttMs).toEqual(expect.any(Number));
    expect(entry('switch')?.telemetry?.fields.rttMs).toEqual(expect.any(Number));
  });

  it('a switch that stops answering takes the camera behind it with it, in one alert', async () => {
    const cam = await mqtt.connectAsync(t.mqttUrl, {
      clientId: 'cam',
      reconnectPeriod: 0,
      will: { topic: 'langso/dong-cam/cam/status', payload: Buffer.from('{"state":"offline","reason":"lwt"}'), qos: 1, retain: true },
    });
    await cam.publishAsync('langso/dong-cam/cam/status', 'online', { qos: 1, retain: true });
    await waitFor(() => entry('cam')?.state === 'online', 5_000, 'camera online');
    // The switch dies: its port refuses, and the camera's link through it drops.
    await new Promise<void>((r) => sw.close(() => r()));
    cam.stream.destroy();
    await waitFor(() => entry('switch')?.state === 'offline' && entry('cam')?.state === 'unreachable', 10_000, 'switch offline, camera unreachable');
    expect(entry('switch')?.reason).toBe(`TCP 127.0.0.1:${swPort}: connection refused`);
    // A dead TCP port reads as "port N is not open", translated; the camera behind it as its parent's.
    expect(entry('switch')).toMatchObject({ reasonCode: 'refused', reasonParams: { port: swPort } });
    expect(entry('cam')).toMatchObject({ reason: 'parent', reasonCode: 'parent' });
    expect(entry('cam')?.cause).toBe('switch');
    // Past the dependency grace: still only the switch's alert.
    await new Promise((r) => setTimeout(r, 3_500));
    const alerts = (await (await t.fetch(`${t.httpUrl}/api/alerts`)).json()) as { alerts: Array<{ key: string; condition: string }> };
    expect(alerts.alerts.map((a) => `${a.condition} ${a.key}`)).toEqual(['unreachable-root unreachable-root:dong-cam/switch']);
  });

  it('names a dead address in the reason', async () => {
    const port = await closedPort();
    const driver = networkDriver('generic');
    const { config, log, clock } = t.hub.ctx;
    const { check } = driver.create({
      village: config.villages[0]!,
      device: config.devices[0]!,
      log,
      clock,
      dataDir: t.dataDir,
      settings: driver.configSchema.parse({ host: '127.0.0.1', tcpPort: port }),
    });
    await expect(check(new AbortController().signal)).rejects.toThrow(`TCP 127.0.0.1:${port}: connection refused`);
    await expect(check(new AbortController().signal)).rejects.toMatchObject({ code: 'refused', params: { port } });
  });

  it('a host name that does not resolve reads as a name not found, with the name', async () => {
    const driver = networkDriver('generic');
    const { config, log, clock } = t.hub.ctx;
    const { check } = driver.create({
      village: config.villages[0]!,
      device: config.devices[0]!,
      log,
      clock,
      dataDir: t.dataDir,
      // .invalid never resolves (RFC 2606).
      settings: driver.configSchema.parse({ host: 'router.invalid', tcpPort: 80 }),
    });
    await expect(check(new AbortController().signal)).rejects.toMatchObject({ code: 'dns', params: { host: 'router.invalid' } });
  });

  it('a bad poll block names the device and the field', () => {
    const yaml = `
villages: [{ id: dong-cam, name: Đông Căm }]
devices: [{ id: router, village: dong-cam, name: R, kind: router, poll: { tcpPort: 99999 } }]
`;
    let problems: string[] = [];
    try {
      parseConfig(yaml, 'test');
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^devices\[0\]\.poll\.host: .* \(device "router"\)$/),
        expect.stringMatching(/^devices\[0\]\.poll\.tcpPort: .* \(device "router"\)$/),
      ]),
    );
  });
});
