import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PollRunner } from '../../../devices/runner.js';
import { analyseJpeg } from '../../../devices/onvif-camera/image.js';
import { startSimulatedCamera, type SimulatedCamera } from '../../../devices/onvif-camera/simulator/index.js';
import { driverFor, PASS, timeoutSignal, USER, type TestCheck } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

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
    expect(f).toMatchObject({ streamOk: true, snapshotOk: true, snapshotAgeS: 0, frozen: false });
    expect(Math.abs(f.clockDriftS as number)).toBeLessThanOrEqual(1);
    expect(f.imageLuma).toBeGreaterThan(40);
    expect(f.imageLuma).toBeLessThan(220);
    expect(f.dark).toBeUndefined(); // only with darkBelow

    const jpeg = await readFile(path.join(c.dataDir, 'snapshot.jpg'));
    expect(analyseJpeg(jpeg)).toMatchObject({ width: 160, height: 120 });
    // Written atomically: no temporary file left behind.
    expect(await readdir(c.dataDir)).toEqual(['snapshot.jpg']);

    // Later checks reuse the session: two ONVIF calls, one RTSP probe, and one snapshot GET (the
    // camera's Digest challenge is answered without asking for a new one).
    expect(cam.requests.snapshot).toBe(2);
    const before = { ...cam.requests };
    const r2 = await c.instance.check(timeoutSignal());
    expect(r2.fields.frozen).toBe(false);
    expect(cam.requests.GetProfiles).toBe(before.GetProfiles);
    expect((cam.requests.GetDeviceInformation ?? 0) - (before.GetDeviceInformation ?? 0)).toBe(1);
    expect((cam.requests.GetSystemDateAndTime ?? 0) - (before.GetSystemDateAndTime ?? 0)).toBe(1);
    expect((cam.requests.snapshot ?? 0) - (before.snapshot ?? 0)).toBe(1);
  });

  it('auth fault: the check fails naming 401 and the credentials', async () => {
    const cam = await camera();
    const c = await checker(cam);
    await c.instance.check(timeoutSignal());
    await cam.setFault('auth');
    await expect(c.instance.check(timeoutSignal())).rejects.toThrow(/^ONVIF: 401 Unauthorized \(wrong user name or password/);
  });

  it('wrong credentials from the start fail the first check', async () => {
    const cam = await camera();
    const c = await checker(cam, { password: 'not-the-password' });
    await expect(c.instance.check(timeoutSignal())).rejects.toThrow(/401 Unauthorized.*wrong user name or password/);
    const none = await checker(cam, { username: undefined, password: undefined });
    await expect(none.instance.check(timeoutSignal())).rejects.toThrow(/401 Unauthorized/);
  });

  it('down: connection refused, and back to normal when the camera returns', async () => {
    const cam = await camera();
    const c = await checker(cam);
    await c.instance.check(timeoutSignal());
    await cam.setFault('down');
    await expect(c.instance.check(timeoutSignal())).rejects.toThrow(`ONVIF: connection refused (127.0.0.1:${cam.port})`);
    await cam.setFault(null);
    const r = await c.instance.check(timeoutSignal());
    expect(r.fields.streamOk).toBe(true);
  });

  it('stream-dead: ONVIF answers, fields are returned and the device is down with the RTSP reason', async () => {
    const cam = await camera();
    const c = await checker(cam);
    await cam.setFault('stream-dead');
    const r = await c.instance.check(timeoutSignal());
    expect(r.down).toBe('RTSP: connection refused');
    expect(r.fields).toMatchObject({ streamOk: false, snapshotOk: true, frozen: false });
    expect(r.fields.rttMs).toBeGreaterThan(0);
  });

  it('black: the image luma drops below 10 (and `dark` with darkBelow)', async () => {
    const cam = await camera();
    const c = await checker(cam, { darkBelow: 20 });
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
    const c = await checker(cam, { frozenAfter: 3 });
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
    await expect(c.instance.check(timeoutSignal(10_000))).rejects.toThrow(/^ONVIF: timeout$/);
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
    expect(r.fields).toMatchObject({ snapshotOk: true, snapshotAgeS: 0 });
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
    expect(hr.ok).toBe(false);
    if (!hr.ok) expect(hr.error).toMatch(/timeout/);
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
