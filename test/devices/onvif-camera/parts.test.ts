import net from 'node:net';
import nodeOnvif from 'node-onvif';
import { describe, expect, it } from 'vitest';
import { authorization, parseChallenges } from '../../../devices/onvif-camera/digest.js';
import { analyseJpeg } from '../../../devices/onvif-camera/image.js';
import { httpGetImage, onvifError, OnvifClient, parseUtcDateTime } from '../../../devices/onvif-camera/onvif.js';
import { probeRtsp } from '../../../devices/onvif-camera/rtsp.js';
import { DigestAuthority } from '../../../devices/onvif-camera/simulator/auth.js';
import { Scene, startSimulatedCamera, type SimulatedCamera } from '../../../devices/onvif-camera/simulator/index.js';
import { PASS, timeoutSignal, USER } from './helpers.js';
import { cleanupsAfter } from '../../helpers/cleanups.js';

const cleanups = cleanupsAfter('each');

async function camera(extra: Partial<Parameters<typeof startSimulatedCamera>[0]> = {}): Promise<SimulatedCamera> {
  const cam = await startSimulatedCamera({ name: 'Đầu làng', username: USER, password: PASS, ...extra });
  cleanups.push(() => cam.close());
  return cam;
}

/** A port nobody listens on. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('RTSP probe', () => {
  it('OPTIONS + DESCRIBE with Digest on 401', async () => {
    const cam = await camera();
    const r = await probeRtsp(cam.rtspUrl, { username: USER, password: PASS, signal: timeoutSignal() });
    expect(r).toMatchObject({ ok: true, status: 200, contentType: 'application/sdp' });
    expect(r.rttMs).toBeGreaterThan(0);
    expect(cam.requests['rtsp:DESCRIBE']).toBe(2);
    // Credentials in the URL work as well.
    const u = new URL(cam.rtspUrl);
    u.username = USER;
    u.password = encodeURIComponent(PASS);
    expect((await probeRtsp(u.toString())).ok).toBe(true);
  });

  it('names what failed: 401, 404, refused, timeout — each with its reason code', async () => {
    const cam = await camera();
    await expect(probeRtsp(cam.rtspUrl)).rejects.toThrow('RTSP: 401 Unauthorized');
    await expect(probeRtsp(cam.rtspUrl, { username: USER, password: 'nope' })).rejects.toMatchObject({
      code: 'rtsp-unauthorized',
      message: 'RTSP: 401 Unauthorized (wrong user name or password)',
    });
    await expect(probeRtsp(cam.rtspUrl.replace('/stream1', '/nothing'), { username: USER, password: PASS })).rejects.toMatchObject({
      code: 'rtsp-no-stream',
      params: { status: 404 },
      message: 'RTSP: 404 Not Found',
    });
    const dead = await deadPort();
    await expect(probeRtsp(`rtsp://127.0.0.1:${dead}/x`)).rejects.toMatchObject({ code: 'rtsp-refused', params: { port: dead }, message: 'RTSP: connection refused' });
    await cam.setFault('hang');
    const t0 = performance.now();
    await expect(probeRtsp(cam.rtspUrl, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({ code: 'rtsp-timeout', message: 'RTSP: timeout' });
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('image health', () => {
  it('measures luma and hashes pixels; a black frame is dark; garbage is refused', () => {
    const scene = new Scene({ seed: 7 });
    const a = analyseJpeg(scene.next());
    const b = analyseJpeg(scene.next());
    expect(a).toMatchObject({ width: 160, height: 120 });
    expect(a.luma).toBeGreaterThan(60);
    expect(a.luma).toBeLessThan(200);
    expect(a.hash).not.toBe(b.hash);
    const same = scene.next();
    expect(analyseJpeg(same).hash).toBe(analyseJpeg(Buffer.from(same)).hash);
    expect(analyseJpeg(scene.next(true)).luma).toBeLessThan(5);
    expect(() => analyseJpeg(Buffer.from('not a jpeg'))).toThrow(/^Snapshot: not a JPEG image/);
    // The limits apply: 160×120 is 0.0192 MP.
    expect(() => analyseJpeg(scene.next(), { maxResolutionInMP: 0.01 })).toThrow(/maxResolutionInMP/);
  });
});

describe('ONVIF wrapper', () => {
  it('maps node-onvif errors to readable ones, each with its reason code', () => {
    const cases: Array<[string, string, string, Record<string, string | number>, number?]> = [
      ['Network Error: connect ECONNREFUSED 10.0.0.5:80', 'ONVIF: connection refused (10.0.0.5:80)', 'onvif-refused', { port: 80 }],
      ['Failed to initialize the device: Error: 401 Unauthorized - Sender not Authorized', 'ONVIF: 401 Unauthorized (wrong user name or password: Sender not Authorized)', 'onvif-unauthorized', {}],
      ['401 Unauthorized', 'ONVIF: 401 Unauthorized (wrong user name or password)', 'onvif-unauthorized', {}],
      ['400 Bad Request - Sender not Authorized', 'ONVIF: wrong user name or password (400 Bad Request - Sender not Authorized)', 'onvif-unauthorized', {}],
      ['500 Internal Server Error - Action failed', 'ONVIF: Action failed (HTTP 500 Internal Server Error)', 'onvif-fault', { status: 500 }],
      ['Network Error: socket hang up', 'ONVIF: timeout', 'timeout', { s: 3 }, 3_001],
      ['Network Error: socket hang up', 'ONVIF: connection closed by the camera', 'connection-closed', {}, 5],
      ['Network Error: getaddrinfo ENOTFOUND cam.local', 'ONVIF: unknown host cam.local', 'dns', { host: 'cam.local' }],
      ['Network Error: connect EHOSTUNREACH 10.0.0.5:80', 'ONVIF: host unreachable (10.0.0.5:80)', 'unreachable', {}],
      ['The device seems to not support the GetProfiles() method.', 'ONVIF: the camera does not support GetProfiles', 'onvif-unsupported', { method: 'GetProfiles' }],
      ['Optional Action Not Implemented', 'ONVIF: Optional Action Not Implemented', 'onvif-fault', {}],
      ['Non-whitespace before first tag.\nLine: 0', 'ONVIF: the answer is not SOAP XML (Non-whitespace before first tag.)', 'onvif-bad-answer', {}],
      ["Failed to initialize the device: TypeError: Cannot read properties of undefined (reading 'FrameRateLimit')", "ONVIF: unexpected answer from the camera (Cannot read properties of undefined (reading 'FrameRateLimit'))", 'onvif-bad-answer', {}],
    ];
    for (const [raw, want, code, params, elapsed] of cases) {
      const e = onvifError(new Error(raw), elapsed ?? 0);
      expect({ message: e.message, code: e.code, params: e.params }).toEqual({ message: want, code, params });
    }
  });

  it('reads the camera clock from GetSystemDateAndTime', () => {
    const body = { GetSystemDateAndTimeResponse: { SystemDateAndTime: { UTCDateTime: { Date: { Year: '2025', Month: '2', Day: '3' }, Time: { Hour: '0', Minute: '5', Second: '9' } } } } };
    expect(parseUtcDateTime(body)?.toISOString()).toBe('2025-02-03T00:05:09.000Z');
    expect(parseUtcDateTime({})).toBeNull();
  });

  it('connects, lists profiles with stream and snapshot URIs', async () => {
    const cam = await camera();
    const c = new OnvifClient({ xaddr: cam.xaddr, username: USER, password: PASS });
    const { info, profiles } = await c.connect(timeoutSignal());
    expect(info).toMatchObject({ manufacturer: 'LangsoSim', model: 'SC-160' });
    expect(info.serial).toMatch(/^[0-9A-F]{12}$/);
    expect(profiles.map((p) => p.token)).toEqual(['Profile_1', 'Profile_2']);
    expect(profiles[0]).toMatchObject({ streamUri: cam.rtspUrl, snapshotUri: cam.snapshotUrl, encoder: { encoding: 'H264', width: 1920 } });
    expect(c.streamUri()).toBe(cam.rtspUrl);
    const jpeg = await c.fetchSnapshot(timeoutSignal());
    expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
  });

  it('the simulator speaks to node-onvif itself, including its Digest snapshot path', async () => {
    const cam = await camera();
    const device = new nodeOnvif.OnvifDevice({ xaddr: cam.xaddr, user: USER, pass: PASS });
    await device.init();
    expect(device.getCurrentProfile()?.stream.rtsp).toBe(cam.rtspUrl);
    const snap = await device.fetchSnapshot();
    expect(snap.body.subarray(0, 2).toString('hex')).toBe('ffd8');
    // Preemptive Basic refused, then one Digest retry.
    expect(cam.requests.snapshot).toBe(2);
  });

  it('answers a remembered Digest challenge at once, and recovers when its nonce is refused', async () => {
    const cam = await camera();
    const authCache = { challenge: parseChallenges('Digest realm="LangsoSim", qop="auth", nonce="0000stale", algorithm=MD5'), nc: 0 };
    await httpGetImage(cam.snapshotUrl, { username: USER, password: PASS, authCache });
    expect(cam.requests.snapshot).toBe(2); // stale nonce refused, fresh challenge answered
    expect(authCache.challenge?.params.nonce).not.toBe('0000stale');
    await httpGetImage(cam.snapshotUrl, { username: USER, password: PASS, authCache });
    expect(cam.requests.snapshot).toBe(3);
    expect(authCache.nc).toBe(2);
  });

  it('snapshot GET errors are readable', async () => {
    const cam = await camera();
    await expect(httpGetImage(cam.snapshotUrl)).rejects.toThrow('Snapshot: 401 Unauthorized (no credentials)');
    await expect(httpGetImage(cam.snapshotUrl, { username: USER, password: 'x' })).rejects.toThrow('Snapshot: 401 Unauthorized (wrong user name or password)');
    await expect(httpGetImage(cam.xaddr.replace('/onvif/device_service', '/nope'))).rejects.toThrow('Snapshot: HTTP 404 Not Found');
    await expect(httpGetImage(`http://127.0.0.1:${await deadPort()}/s.jpg`)).rejects.toThrow(/^Snapshot: connection refused/);
    await expect(httpGetImage(cam.snapshotUrl, { username: USER, password: PASS, maxBytes: 100 })).rejects.toThrow('Snapshot: larger than 100 bytes');
  });
});

describe('Digest', () => {
  it('answers challenges node-onvif cannot parse (nonce with "=", realm not first) and the simulator verifies', () => {
    const ch = parseChallenges(['Basic realm="x"', 'Digest qop="auth,auth-int", realm="Cam, Inc", nonce="YWJj==", algorithm=MD5']);
    expect(ch?.params).toMatchObject({ realm: 'Cam, Inc', nonce: 'YWJj==', qop: 'auth,auth-int' });
    const auth = new DigestAuthority('LangsoSim');
    const challenge = parseChallenges(auth.challenge());
    if (!challenge) throw new Error('no challenge');
    const header = authorization(challenge, { username: USER, password: PASS, method: 'GET', uri: '/snapshot.jpg' });
    expect(auth.verify(header ?? '', 'GET', '/snapshot.jpg', { username: USER, password: PASS }, false)).toBe(true);
    expect(auth.verify(header ?? '', 'GET', '/other.jpg', { username: USER, password: PASS }, false)).toBe(false);
    expect(auth.verify(header ?? '', 'GET', '/snapshot.jpg', { username: USER, password: 'y' }, false)).toBe(false);
  });
});
