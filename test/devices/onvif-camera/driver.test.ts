import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PollRunner } from '../../../devices/runner.js';
import { analyseJpeg } from '../../../devices/onvif-camera/image.js';
import { startSimulatedCamera, type SimulatedCamera } from '../../../devices/onvif-camera/simulator/index.js';
import { driverFor, PASS, timeoutSignal, USER, type TestCheck } from './helpers.js';
import { cleanupsAfter } from '../../helpers/cleanups.js';

const cleanups = cleanupsAfter('each');

async function camera(name = 'Cổng làng', extra: Partial<Parameters<typeof startSimulatedCamera>[0]> = {}): Promise<SimulatedCamera> {
  const cam = await startSimulatedCamera({ name, username: USER, password: PASS, ...extra });
  cleanups.push(() => cam.close());
  return cam;
}

async function checker(cam: SimulatedCamera, poll: Record<string, unknown> = {}): Promise<TestCheck> {
  const c = await driverFor(cam, poll);
  cleanups.push(() => c.dispose());
  return c;
}

describe('onvif-camera driver against the simulator', () => {
  it('reads a healthy camera: every field, device info, and the snapshot kept on disk', async () => {
    const cam = await camera();
    const c = await checker(cam);
    const r = await c.instance.check(timeoutSignal());
    expect(r.down).toBeUndefined();
    expect(r.info).toEqual({ manufacturer: 'LangsoSim', model: 'SC-160', firmware: 'V5.7.3 build 240101' });
    const f = r.fields;
    expect(f.rttMs).toBeGreaterThan(0);
    expect(f.rttMs).toBeLessThan(1_000);
    expect(f).toMatchObject({ streamOk: true, snapshotOk: true, frozen: false });
    expect(f.snapshotAgeS).toBeLessThanOrEqual(5);
    expect(Math.abs(f.clockDriftS as number)).toBeLessThanOrEqual(1);
    expect(f.imageLuma).toBeGreaterThan(40);
    expect(f.imageLuma).toBeLessThan(220);
    expect(f.dark).toBeUndefined(); // only with darkBelow

    const jpeg = await readFile(path.join(c.dataDir, 'snapshot.jpg'));
    expect(analyseJpeg(jpeg)).toMatchObject({ width: 160, height: 120 });
    // Written atomically: no temporary file left behind.
    expect(await readdir(c.dataDir)).toEqual(['snapshot.jpg']);

    // Later checks reuse the session. Between full checks (every 30 s by default) a check is one
    // ONVIF round trip: no device information, RTSP probe or snapshot.
    expect(cam.requests.snapshot).toBe(2);
    const before = { ...cam.requests };
    const light = await c.instance.check(timeoutSignal());
    expect(Object.keys(light.fields).sort()).toEqual(['clockDriftS', 'rttMs']);
    expect(light.down).toBeUndefined();
    expect(light.info).toEqual(r.info);
    const delta = (k: string) => (cam.requests[k] ?? 0) - (before[k] ?? 0);
    expect(delta('GetSystemDateAndTime')).toBe(1);
    for (const k of ['GetDeviceInformation', 'GetProfiles', 'snapshot', 'rtsp:DESCRIBE']) expect(delta(k)).toBe(0);
  });

  it('fullEveryS: 0 makes every check full, reusing the session (one snapshot GET, the Digest challenge remembered)', async () => {
    const cam = await camera();
    const c = await checker(cam, { fullEveryS: 0 });
    await c.instance.check(timeoutSignal());
    const before = { ...cam.requests };
    const r2 = await c.instance.check(timeoutSignal());
    expect(r2.fields).toMatchObject({ streamOk: true, snapshotOk: true, frozen: false, imageLuma: expect.any(Number) });
    const delta = (k: string) => (cam.requests[k] ?? 0) - (before[k] ?? 0);
    expect(delta('GetProfiles')).toBe(0);
    expect(delta('GetDeviceInformation')).toBe(1);
    expect(delta('GetSystemDateAndTime')).toBe(1);
    expect(delta('snapshot')).toBe(1);
    // The RTSP probe opens a new connection each time: DESCRIBE, 401, DESCRIBE with Digest.
    expect(delta('rtsp:DESCRIBE')).toBe(2);
  });

  it('light checks repeat the last full check\'s verdict until the next full check', async () => {
    const cam = await camera();
    const c = await checker(cam, { intervalS: 0.2, fullEveryS: 2 });
    await c.instance.check(timeoutSignal());
    await cam.setFault('stream-dead');
    // Light: the dead stream is not seen yet.
    expect((await c.instance.check(timeoutSignal())).down).toBeUndefined();
    await new Promise((r) => setTimeout(r, 2_000));
    const full = await c.instance.check(timeoutSignal());
    expect(full.down).toEqual({ code: 'rtsp-refused', params: { port: cam.rtspPort }, detail: 'RTSP: connection refused' });
    expect(full.fields.streamOk).toBe(false);
    const light = await c.instance.check(timeoutSignal());
    expect(light.down).toEqual(full.down);
    expect(light.fields.streamOk).toBeUndefined();
    await cam.setFault(null);
    await new Promise((r) => setTimeout(r, 2_000));
    const back = await c.instance.check(timeoutSignal());
    expect(back.down).toBeUndefined();
    expect(back.fields.streamOk).toBe(true);
  });

  it('after a failure the next check reconnects and is a full one', async () => {
    const cam = await camera();
    const c = await checker(cam);
    await c.instance.check(timeoutSignal());
    await cam.setFault('down');
    await expect(c.instance.check(timeoutSignal())).rejects.toThrow(/connection refused/);
    await cam.setFault(null);
    const r = await c.instance.check(timeoutSignal());
    expect(r.fields).toMatchObject({ streamOk: true, snapshotOk: true, imageLuma: expect.any(Number) });
  });

  it('auth fault: the full check fails naming 401 and the credentials', async () => {
    const cam = await camera();
    const c = await checker(cam, { fullEveryS: 0 });
    await c.instance.check(timeoutSignal());
    await cam.setFault('auth');
    await expect(c.instance.check(timeoutSignal())).rejects.toThrow(/^ONVIF: 401 Unauthorized \(wrong user name or password/);
    await expect(c.instance.check(timeoutSignal())).rejects.toMatchObject({ code: 'onvif-unauthorized' });
  });

  it('wrong credentials from the start fail the first check', async () => {
    const cam = await camera();
    const c = await checker(cam, { password: 'not-the-password' });
    await expect(c.instance.check(timeoutSignal())).rejects.toMatchObject({ code: 'onvif-unauthorized', message: expect.stringMatching(/401 Unauthorized.*wrong user name or password/) });
    const none = await checker(cam, { username: undefined, password: undefined });
    await expect(none.instance.check(timeoutSignal())).rejects.toMatchObject({ code: 'onvif-unauthorized', message: expect.stringMatching(/401 Unauthorized/) });
  });

  it('down: connection refused, and back to normal when the camera returns', async () => {
    const cam = await camera();
    const c = await checker(cam);
    await c.instance.check(timeoutSignal());
    await cam.setFault('down');
    await expect(c.instance.check(timeoutSignal())).rejects.toMatchObject({
      code: 'onvif-refused',
      params: { port: cam.port },
      message: `ONVIF: connection refused (127.0.0.1:${cam.port})`,
    });
    await cam.setFault(null);
    const r = await c.instance.check(timeoutSignal());
    expect(r.fields.streamOk).toBe(true);
  });

  it('stream-dead: ONVIF answers, fields are returned and the device is down with the RTSP reason', async () => {
    const cam = await camera();
    const c = await checker(cam);
    await cam.setFault('stream-dead');
    const r = await c.instance.check(timeoutSignal());
    expect(r.down).toEqual({ code: 'rtsp-refused', params: { port: cam.rtspPort }, detail: 'RTSP: connection refused' });
    expect(r.fields).toMatchObject({ streamOk: false, snapshotOk: true, frozen: false });
    expect(r.fields.rttMs).toBeGreaterThan(0);
  });

  it('black: the image luma drops below 10 (and `dark` with darkBelow)', async () => {
    const cam = await camera();
    const c = await checker(cam, { darkBelow: 20, fullEveryS: 0 });
    const ok = await c.instance.check(timeoutSignal());
    expect(ok.fields.dark).toBe(false);
    await cam.setFault('black');
    const r = await c.instance.check(timeoutSignal());
    expect(r.fields.imageLuma).toBeLessThan(10);
    expect(r.fields.dark).toBe(true);
    expect(r.down).toBeUndefined();
  });

  it('frozen: true once frozenAfter identical snapshots came in a row, false again when it moves', async () => {
    const cam = await camera();
    const c = await checker(cam, { frozenAfter: 3, fullEveryS: 0 });
    await cam.setFault('frozen');
    const seen: unknown[] = [];
    for (let i = 0; i < 4; i++) seen.push((await c.instance.check(timeoutSignal())).fields.frozen);
    expect(seen).toEqual([false, false, true, true]);
    await cam.setFault(null);
    expect((await c.instance.check(timeoutSignal())).fields.frozen).toBe(false);
  });

  it('clock drift: clockDriftS follows the camera clock, and authentication still works', async () => {
    const cam = await camera();
    const c = await checker(cam);
    await c.instance.check(timeoutSignal());
    // Beyond the 5 min UsernameToken window: only a client that shifts Created by the offset gets in.
    await cam.setFault('clock-drift', { seconds: 3_600 });
    const r = await c.instance.check(timeoutSignal());
    expect(r.fields.clockDriftS).toBeGreaterThanOrEqual(3_599);
    expect(r.fields.clockDriftS).toBeLessThanOrEqual(3_601);
    // A fresh session (init from scratch) against a clock that is behind.
    await cam.setFault('clock-drift', { seconds: -900 });
    const fresh = await checker(cam);
    const r2 = await fresh.instance.check(timeoutSignal());
    expect(Math.abs((r2.fields.clockDriftS as number) + 900)).toBeLessThanOrEqual(1);
  });

  it("a camera that stops answering mid-session: node-onvif's own 3 s limit reads as ONVIF: timeout", async () => {
    const cam = await camera();
    const c = await checker(cam);
    await c.instance.check(timeoutSignal());
    await cam.setFault('hang');
    const t0 = performance.now();
    await expect(c.instance.check(timeoutSignal(10_000))).rejects.toMatchObject({ code: 'timeout', params: { s: 3 }, message: 'ONVIF: timeout' });
    expect(performance.now() - t0).toBeGreaterThan(2_900);
  });

  it('rtsp: false and snapshot: false leave their fields out', async () => {
    const cam = await camera();
    const c = await checker(cam, { rtsp: false, snapshot: false });
    await cam.setFault('stream-dead');
    const r = await c.instance.check(timeoutSignal());
    expect(r.down).toBeUndefined();
    expect(Object.keys(r.fields).sort()).toEqual(['clockDriftS', 'rttMs']);
    expect(await readdir(c.dataDir)).toEqual([]);
  });

  it('a camera without credentials is checked without any', async () => {
    const cam = await startSimulatedCamera({ name: 'Nhà văn hoá' });
    cleanups.push(() => cam.close());
    const c = await checker(cam, { username: undefined, password: undefined });
    const r = await c.instance.check(timeoutSignal());
    expect(r.fields).toMatchObject({ streamOk: true, snapshotOk: true });
  });

  it('a snapshot endpoint that challenges with Basic is answered too', async () => {
    const cam = await camera('Chợ', { snapshotAuth: 'basic' });
    const c = await checker(cam);
    const r = await c.instance.check(timeoutSignal());
    expect(r.fields).toMatchObject({ snapshotOk: true });
    // Fresh: taken by this check (a few seconds at most on a loaded machine), not an old one.
    expect(r.fields.snapshotAgeS).toBeLessThanOrEqual(5);
  });

  it('a hung camera: the check ends at timeoutS, and another camera is not delayed', async () => {
    const hung = await camera('Treo');
    const good = await camera('Tốt');
    await hung.setFault('hang');
    const h = await checker(hung, { timeoutS: 1, retries: 0 });
    const g = await checker(good, { timeoutS: 1, retries: 0 });
    const runner = (c: TestCheck) => new PollRunner({ settings: c.settings, check: c.instance.check, onResult: () => undefined });

    const t0 = performance.now();
    const hungRun = runner(h).runOnce();
    const goodRun = runner(g).runOnce().then((r) => ({ r, at: performance.now() - t0 }));
    const [hr, gr] = await Promise.all([hungRun, goodRun]);
    expect(hr).toMatchObject({ ok: false, error: 'timeout after 1 s', reason: { code: 'timeout', params: { s: 1 } } });
    expect(hr.latencyMs).toBeGreaterThanOrEqual(990);
    expect(hr.latencyMs).toBeLessThan(1_500);
    expect(gr.r.ok).toBe(true);
    expect(gr.at).toBeLessThan(800);

    // A signal alone (no runner) also ends the check: it rejects as soon as the signal aborts.
    const t1 = performance.now();
    await expect(h.instance.check(AbortSignal.timeout(300))).rejects.toThrow(/timeout/);
    expect(performance.now() - t1).toBeLessThan(600);
  });
});
