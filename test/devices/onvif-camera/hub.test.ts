import { access } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../hub/config/load.js';
import { startSimulatedCamera } from '../../../devices/onvif-camera/simulator/index.js';
import { startTestHub, testVillage, waitFor } from '../../helpers/hub.js';
import { PASS, USER } from './helpers.js';
import { cleanupsAfter } from '../../helpers/cleanups.js';

const cleanups = cleanupsAfter('each');

function configError(yaml: string): ConfigError {
  try {
    parseConfig(yaml, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('onvif-camera poll settings in the hub config', () => {
  const yaml = (poll: string) => `
villages:
  - { id: dong-cam, name: Đông Căm }
devices:
  - { id: cam-cong, village: dong-cam, name: Cổng làng, kind: onvif-camera, poll: ${poll} }
`;

  it('names the device and the field of a bad poll block', () => {
    const err = configError(yaml("{ xaddr: 'not a url' }"));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^devices\[0\]\.poll\.xaddr: expected the camera's ONVIF device service URL.* \(device "cam-cong"\)$/);
  });

  it('refuses https, unknown settings, bad types and a password without user', () => {
    const err = configError(yaml("{ xaddr: 'https://10.0.0.5/onvif/device_service', rtsp: 'yes', zoom: 2, password: 'x' }"));
    const text = err.problems.join('\n');
    expect(text).toContain('devices[0].poll.xaddr:');
    expect(text).toContain('devices[0].poll.rtsp:');
    expect(text).toMatch(/devices\[0\]\.poll: unknown setting\(s\): zoom \(device "cam-cong"\)/);
    const noUser = configError(yaml("{ xaddr: 'http://10.0.0.5/onvif/device_service', password: 'x' }"));
    expect(noUser.problems).toEqual(['devices[0].poll.username: a password is set but no username (device "cam-cong")']);
    const ascii = configError(yaml("{ xaddr: 'http://10.0.0.5/onvif/device_service', username: admin, password: 'mật khẩu' }"));
    expect(ascii.problems[0]).toMatch(/^devices\[0\]\.poll\.password: expected printable ASCII/);
  });

  it('fills the defaults', () => {
    const config = parseConfig(yaml("{ xaddr: 'http://10.0.0.5/onvif/device_service' }"), 'test.yaml');
    expect(config.devices[0]?.poll).toEqual({ xaddr: 'http://10.0.0.5/onvif/device_service' });
  });
});

describe('onvif-camera polled by a real hub', () => {
  it('goes online with telemetry, offline with the reason when the camera goes down, and back', async () => {
    const cam = await startSimulatedCamera({ name: 'Cổng làng', username: USER, password: PASS });
    cleanups.push(() => cam.close());
    const th = await startTestHub({
      villages: [testVillage],
      devices: [
        {
          id: 'cam-cong',
          village: testVillage.id,
          name: 'Cổng làng',
          kind: 'onvif-camera',
          poll: { xaddr: cam.xaddr, username: USER, password: PASS, intervalS: 0.3, timeoutS: 1, retries: 0, fullEveryS: 0 },
        },
      ],
    });
    cleanups.push(() => th.stop());
    const ref = { village: testVillage.id, device: 'cam-cong' };
    const entry = () => th.hub.ctx.devices.get(ref);

    await waitFor(() => entry()?.state === 'online' && entry()?.telemetry?.fields.streamOk !== undefined, 10_000, 'camera online with telemetry');
    const fields = entry()?.telemetry?.fields ?? {};
    expect(fields).toMatchObject({ streamOk: true, snapshotOk: true, frozen: false });
    for (const k of ['rttMs', 'snapshotAgeS', 'clockDriftS', 'imageLuma', 'pollMs']) expect(typeof fields[k]).toBe('number');
    // The latest good snapshot, where the dashboard will look for it.
    await access(path.join(th.dataDir, 'devices', testVillage.id, 'cam-cong', 'snapshot.jpg'));

    await cam.setFault('down');
    // A check already past ONVIF when the camera died reports the RTSP failure first; the next says why.
    const refused = `ONVIF: connection refused (127.0.0.1:${cam.port})`;
    await waitFor(() => entry()?.state === 'offline' && entry()?.reason === refused, 10_000, 'camera offline, connection refused');
    expect(entry()).toMatchObject({ reasonCode: 'onvif-refused', reasonParams: { port: cam.port } });

    await cam.setFault(null);
    await waitFor(() => entry()?.state === 'online', 10_000, 'camera back online');

    await cam.setFault('stream-dead');
    await waitFor(() => entry()?.state === 'offline' && entry()?.reason === 'RTSP: connection refused', 10_000, 'stream dead: offline');
    expect(entry()).toMatchObject({ reasonCode: 'rtsp-refused', reasonParams: { port: cam.rtspPort } });
    await waitFor(() => entry()?.telemetry?.fields.streamOk === false, 10_000, 'streamOk false in telemetry');
  });

  it('a wrong password: offline with onvif-unauthorized, the library text kept beside it', async () => {
    const cam = await startSimulatedCamera({ name: 'Chợ', username: USER, password: PASS });
    cleanups.push(() => cam.close());
    const th = await startTestHub({
      villages: [testVillage],
      devices: [
        {
          id: 'cam-cho',
          village: testVillage.id,
          name: 'Camera chợ',
          kind: 'onvif-camera',
          poll: { xaddr: cam.xaddr, username: USER, password: 'sai-mat-khau', intervalS: 0.3, timeoutS: 1, retries: 0 },
        },
      ],
    });
    cleanups.push(() => th.stop());
    const entry = () => th.hub.ctx.devices.get({ village: testVillage.id, device: 'cam-cho' });
    await waitFor(() => entry()?.state === 'offline', 10_000, 'camera offline');
    expect(entry()?.reasonCode).toBe('onvif-unauthorized');
    expect(entry()?.reason).toMatch(/^ONVIF: 401 Unauthorized \(wrong user name or password/);
    expect(entry()?.reasonParams).toBeUndefined();
  });
});
