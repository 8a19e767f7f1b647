import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { isLoopback, RTSP_PORT_OFFSET } from '../../devices/sim/protocol-fleet.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { cleanupsAfter } from '../helpers/cleanups.js';

const cleanups = cleanupsAfter('each');

function tcpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free TCP port P whose P + RTSP_PORT_OFFSET is free too (the camera simulator's RTSP port). */
async function cameraPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    if (p + RTSP_PORT_OFFSET <= 65_535 && (await tcpPortFree(p + RTSP_PORT_OFFSET))) return p;
  }
  throw new Error('no free port pair');
}

function udpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

const fast = { intervalS: 0.3, timeoutS: 0.5, retries: 0 };

async function demoHub(): Promise<{ th: TestHub; camPort: number }> {
  const camPort = await cameraPort();
  const apPort = await udpPort();
  const th = await startTestHub({
    sim: { enabled: true, failureEveryS: 1e9, telemetryEveryS: 1 },
    villages: [testVillage],
    devices: [
      { id: 'router', village: testVillage.id, name: 'Router', kind: 'router' },
      {
        id: 'cam-cong',
        village: testVillage.id,
        name: 'Camera cổng',
        kind: 'onvif-camera',
        parent: 'router',
        poll: { xaddr: `http://127.0.0.1:${camPort}/onvif/device_service`, username: 'admin', password: 'demo-pass', ...fast, fullEveryS: 0 },
      },
      {
        id: 'ap-nvh',
        village: testVillage.id,
        name: 'Wi-Fi nhà văn hóa',
        kind: 'wifi-ap',
        parent: 'router',
        poll: { host: '127.0.0.1', port: apPort, community: 'langso-demo', ifName: 'wlan0', clientsPreset: 'openwrt', ...fast },
      },
    ],
  });
  cleanups.push(() => th.stop());
  return { th, camPort };
}

describe('demo: real pollers against protocol simulators', () => {
  it('polls the simulated camera and AP; their faults are what the hub reports', async () => {
    const { th, camPort } = await demoHub();
    const protocols = th.hub.sim.protocols;
    expect(protocols?.size).toBe(2);
    expect(protocols?.has(testVillage.id, 'router')).toBe(false);
    const entry = (device: string) => th.hub.ctx.devices.get({ village: testVillage.id, device });

    await waitFor(() => entry('cam-cong')?.state === 'online' && entry('cam-cong')?.telemetry?.fields.imageLuma !== undefined, 10_000, 'camera online');
    await waitFor(() => entry('ap-nvh')?.state === 'online' && entry('ap-nvh')?.telemetry?.fields.rxBps !== undefined, 10_000, 'AP online with rates');
    expect(entry('cam-cong')?.telemetry?.fields).toMatchObject({ streamOk: true, snapshotOk: true, frozen: false, pollMs: expect.any(Number) });
    expect(entry('ap-nvh')?.telemetry?.fields).toMatchObject({ clients: expect.any(Number), uptimeS: expect.any(Number) });
    // The simulator's picture, through the snapshot endpoint.
    const snap = await th.fetch(`${th.httpUrl}/api/devices/${testVillage.id}/cam-cong/snapshot`);
    expect(snap.status).toBe(200);
    expect(snap.headers.get('content-type')).toBe('image/jpeg');

    await protocols?.failNow(testVillage.id, 'cam-cong', 'down', 60);
    // A full check under way when the camera went down may first report its RTSP probe cut short;
    // the next check names the ONVIF refusal.
    await waitFor(
      () => entry('cam-cong')?.state === 'offline' && entry('cam-cong')?.reason === `ONVIF: connection refused (127.0.0.1:${camPort})`,
      10_000,
      'camera offline, ONVIF refused',
    );
    await protocols?.failNow(testVillage.id, 'ap-nvh', 'interface-down', 60);
    await waitFor(() => entry('ap-nvh')?.state === 'offline', 5_000, 'AP offline');
    expect(entry('ap-nvh')?.reason).toBe('interface wlan0 down');

    await protocols?.recoverNow(testVillage.id, 'cam-cong');
    await protocols?.recoverNow(testVillage.id, 'ap-nvh');
    await waitFor(() => entry('cam-cong')?.state === 'online' && entry('ap-nvh')?.state === 'online', 5_000, 'both back');

    await protocols?.failNow(testVillage.id, 'cam-cong', 'stream-dead', 60);
    await waitFor(() => entry('cam-cong')?.reason === 'RTSP: connection refused', 5_000, 'stream dead');
    await protocols?.recoverNow(testVillage.id, 'cam-cong');
    await protocols?.failNow(testVillage.id, 'ap-nvh', 'down', 60);
    await waitFor(() => entry('ap-nvh')?.state === 'offline', 5_000, 'AP silent');
    expect(entry('ap-nvh')?.reason).toMatch(/^SNMP: timeout/);
    await expect(protocols?.failNow(testVillage.id, 'ap-nvh', 'black')).rejects.toThrow(/does not apply to wifi-ap/);
  }, 40_000);

  it("a failing parent from the MQTT fleet cuts its polled children off, and they return with it", async () => {
    const { th } = await demoHub();
    const entry = (device: string) => th.hub.ctx.devices.get({ village: testVillage.id, device });
    await waitFor(() => entry('cam-cong')?.state === 'online' && entry('ap-nvh')?.state === 'online', 10_000, 'online');
    expect(th.hub.sim.fleet?.failNow(testVillage.id, 'router', 'explicit', 60)).toBe(true);
    await waitFor(() => th.hub.sim.protocols?.stats().isolated === 2, 2_000, 'isolated');
    // The router is down: its children read as unreachable (availability's dependency rule), not offline.
    await waitFor(() => entry('cam-cong')?.state !== 'online' && entry('ap-nvh')?.state !== 'online', 5_000, 'children cut off');
    expect(th.hub.sim.fleet?.recoverNow(testVillage.id, 'router')).toBe(true);
    await waitFor(() => entry('cam-cong')?.state === 'online' && entry('ap-nvh')?.state === 'online', 8_000, 'children back');
  }, 30_000);

  it('only simulates devices on loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]']) expect(isLoopback(h)).toBe(true);
    for (const h of ['192.168.1.64', '10.0.0.1', '0.0.0.0', 'camera.local', '128.0.0.1']) expect(isLoopback(h)).toBe(false);
  });
});
