import { describe, expect, it } from 'vitest';
import { onvifCameraSettingsSchema } from '../../devices/onvif-camera/driver.js';
import { startSimulatedCamera, type SimulatedCamera } from '../../devices/onvif-camera/simulator/index.js';
import { wifiApConfigSchema } from '../../devices/wifi-ap/driver.js';
import { startSimulatedAp, type SimulatedAp } from '../../devices/wifi-ap/simulator.js';
import { heartbeatTimeoutS } from '../../hub/registry/registry.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { cleanupsAfter } from '../helpers/cleanups.js';

/**
 * The detection promise with the default poll settings: a dead camera or AP is reported offline
 * within 10 s, median under 7 s. Worst cases here: a camera that accepts nothing (connection refused,
 * the common case of a camera without power behind a live switch port), one that swallows packets
 * (unplugged cable: every attempt runs to its timeout), and an AP that stops answering SNMP.
 */
const cleanups = cleanupsAfter('all');

describe('detection time with the default poll settings', () => {
  it('defaults: 3 s interval, 2 s timeout, 1 retry for cameras and APs', () => {
    const cam = onvifCameraSettingsSchema.parse({ xaddr: 'http://10.0.0.5/onvif/device_service' });
    expect(cam).toMatchObject({ intervalS: 3, timeoutS: 2, retries: 1, fullEveryS: 30 });
    const ap = wifiApConfigSchema.parse({ host: '10.0.0.2', ifName: 'wlan0', clientsPreset: 'openwrt' });
    expect(ap).toMatchObject({ intervalS: 3, timeoutS: 2, retries: 1 });
    // The heartbeat never fires before the poller has had its full say (interval + every attempt).
    const d = { id: 'c', village: 'v', name: 'C', kind: 'onvif-camera' as const, poll: { xaddr: 'http://10.0.0.5/onvif/device_service' } };
    expect(heartbeatTimeoutS(d)).toBe(9);
  });

  it('refused, silent camera and silent AP: each offline within 10 s of dying', async () => {
    const cams: SimulatedCamera[] = [];
    for (const name of ['Refused', 'Silent']) {
      const cam = await startSimulatedCamera({ name });
      cleanups.push(() => cam.close());
      cams.push(cam);
    }
    const ap: SimulatedAp = await startSimulatedAp({ community: 'langso-ro' });
    cleanups.push(() => ap.close());
    const th: TestHub = await startTestHub({
      villages: [testVillage],
      devices: [
        { id: 'cam-refused', village: testVillage.id, name: 'Refused', kind: 'onvif-camera', poll: { xaddr: cams[0]?.xaddr } },
        { id: 'cam-silent', village: testVillage.id, name: 'Silent', kind: 'onvif-camera', poll: { xaddr: cams[1]?.xaddr } },
        { id: 'ap', village: testVillage.id, name: 'AP', kind: 'wifi-ap', poll: { host: '127.0.0.1', port: ap.port, community: 'langso-ro', ifName: 'wlan0', clientsPreset: 'openwrt' } },
      ],
    });
    cleanups.push(() => th.stop());
    const state = (device: string) => th.hub.ctx.devices.get({ village: testVillage.id, device });
    await waitFor(() => ['cam-refused', 'cam-silent', 'ap'].every((d) => state(d)?.state === 'online'), 15_000, 'all online');

    const t0 = performance.now();
    const offlineAfter = async (device: string): Promise<number> => {
      await waitFor(() => state(device)?.state === 'offline', 12_000, `${device} offline`);
      return (performance.now() - t0) / 1000;
    };
    await Promise.all([cams[0]?.setFault('down'), cams[1]?.setFault('hang')]);
    ap.fault('down');
    const [refused, silent, apS] = await Promise.all([offlineAfter('cam-refused'), offlineAfter('cam-silent'), offlineAfter('ap')]);
    console.log(`[detection] offline after: refused camera ${refused.toFixed(1)} s, silent camera ${silent.toFixed(1)} s, silent AP ${apS.toFixed(1)} s`);
    // Refused: the next check (≤ 3 s) fails both attempts at once.
    expect(refused).toBeLessThan(4);
    // Silent: ≤ 3 s until the next check + 2 attempts × 2 s.
    expect(silent).toBeLessThan(9);
    expect(apS).toBeLessThan(9);
    expect(state('cam-refused')?.reason).toMatch(/^ONVIF: connection refused/);
    expect(state('cam-silent')?.reason).toMatch(/timeout/);
    expect(state('ap')?.reason).toMatch(/^SNMP: timeout/);
  }, 45_000);
});
