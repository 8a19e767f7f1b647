import { createRequire } from 'node:module';
import type NodeOnvif from 'node-onvif';
import type { OnvifDeviceInstance, OnvifProfileInfo, OnvifSoapResult } from 'node-onvif';
import type { ReasonCode } from '../../shared/reasons.js';
import { CheckError } from '../driver.js';
import { httpGetImage, type AuthCache } from './http-image.js';

const require = createRequire(import.meta.url);
/** node-onvif and its SOAP and XML stack load at the first camera check, not in every hub (Node caches it). */
const nodeOnvif = (): typeof NodeOnvif => require('node-onvif') as typeof NodeOnvif;

export { httpGetImage, type AuthCache, type HttpGetOptions } from './http-image.js';

/**
 * A typed wrapper around node-onvif's OnvifDevice: typed results, readable errors ("ONVIF: …"), and
 * AbortSignal support (node-onvif has none: an aborted call is abandoned, and its socket is closed by
 * node-onvif's own 3 s request timeout).
 */

export interface DeviceInformation {
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId: string;
}

export interface MediaProfile {
  token: string;
  name: string;
  /** rtsp:// URI from GetStreamUri, '' when the camera gave none. */
  streamUri: string;
  /** http:// URI from GetSnapshotUri, '' when the camera gave none. */
  snapshotUri: string;
  encoder: { encoding: string; width: number; height: number; framerate: number; bitrate: number } | null;
}

export interface SystemTime {
  /** The camera's UTC clock (second resolution), or null when it only reports local time. */
  deviceTime: Date | null;
  /** Camera clock minus ours, in seconds (positive: the camera is ahead); null without UTC time. */
  clockDriftS: number | null;
  /** Round trip of the GetSystemDateAndTime request. */
  rttMs: number;
}

export interface OnvifClientOptions {
  /** http:// URL of the device service (node-onvif speaks plain HTTP only). */
  xaddr: string;
  username?: string;
  password?: string;
}

/** node-onvif's per-request timeout (soap.js HTTP_TIMEOUT); a "socket hang up" this late is that timeout. */
const NODE_ONVIF_TIMEOUT_MS = 3_000;
const CLOSED = 'ONVIF: connection closed by the camera';

/**
 * "<prefix>: timeout" as a reason: the runner's timeout (its seconds) when that is what aborted, else a
 * plain `timeout`, or `code` for a part of the check with its own deadline (the RTSP probe's).
 */
export function timeoutError(prefix: string, signal?: AbortSignal, code: ReasonCode = 'timeout'): CheckError {
  const r: unknown = signal?.reason;
  const params = r instanceof CheckError && r.code === 'timeout' && code === 'timeout' ? r.params : {};
  return new CheckError(code, `${prefix}: timeout`, params);
}

/** The port in "host:port" (node-onvif's "ECONNREFUSED 192.168.1.64:80"), or undefined. */
function portOf(address: string | undefined): number | undefined {
  const m = /:(\d{1,5})$/.exec(address ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Turns node-onvif's error strings into a reason code and a message a person can act on. */
export function onvifError(err: unknown, elapsedMs = 0): CheckError {
  if (err instanceof CheckError) return err;
  let msg = err instanceof Error ? err.message : String(err);
  const e = (code: ReasonCode, text: string, params?: Record<string, string | number>) => new CheckError(code, text, params);
  if (msg.startsWith('ONVIF: ')) return e('onvif-fault', msg);
  // init() wraps errors as "Failed to initialize the device: Error: <cause>".
  msg = msg.replace(/^(Failed to initialize the device:\s*)+(Error:\s*)?/, '');
  let m: RegExpExecArray | null;
  if ((m = /ECONNREFUSED\s+(\S+)/.exec(msg))) {
    const port = portOf(m[1]);
    return e('onvif-refused', `ONVIF: connection refused (${m[1]})`, port !== undefined ? { port } : {});
  }
  if (/ECONNREFUSED/.test(msg)) return e('onvif-refused', 'ONVIF: connection refused');
  if ((m = /(EHOSTUNREACH|ENETUNREACH)\s*(\S*)/.exec(msg))) return e('unreachable', `ONVIF: host unreachable${m[2] ? ` (${m[2]})` : ''}`);
  if ((m = /(?:ENOTFOUND|EAI_AGAIN)\s+(\S+)/.exec(msg))) return e('dns', `ONVIF: unknown host ${m[1]}`, { host: m[1] ?? '' });
  if (/ETIMEDOUT|ESOCKETTIMEDOUT/.test(msg)) return e('timeout', 'ONVIF: timeout');
  if (/socket hang up|ECONNRESET/.test(msg)) {
    return elapsedMs >= NODE_ONVIF_TIMEOUT_MS - 100 ? e('timeout', 'ONVIF: timeout', { s: NODE_ONVIF_TIMEOUT_MS / 1000 }) : e('connection-closed', CLOSED);
  }
  if ((m = /^401\b[^-]*(?:-\s*(.*))?$/s.exec(msg))) {
    return e('onvif-unauthorized', `ONVIF: 401 Unauthorized (wrong user name or password${m[1] ? `: ${m[1].trim()}` : ''})`);
  }
  if (/not\s*authori[sz]ed/i.test(msg)) return e('onvif-unauthorized', `ONVIF: wrong user name or password (${msg})`);
  if ((m = /^(\d{3}) ([^-]*?)(?: - (.*))?$/s.exec(msg))) {
    return e('onvif-fault', m[3] ? `ONVIF: ${m[3].trim()} (HTTP ${m[1]} ${m[2]})` : `ONVIF: HTTP ${m[1]} ${m[2]}`, { status: Number(m[1]) });
  }
  if ((m = /not support the (\w+)\(\) method/.exec(msg))) return e('onvif-unsupported', `ONVIF: the camera does not support ${m[1]}`, { method: m[1] ?? '' });
  if (/Non-whitespace|Unexpected close tag|Unclosed root tag|Invalid character/.test(msg)) {
    return e('onvif-bad-answer', `ONVIF: the answer is not SOAP XML (${msg.split('\n')[0]})`);
  }
  if (err instanceof TypeError || /^TypeError:/.test(msg)) {
    return e('onvif-bad-answer', `ONVIF: unexpected answer from the camera (${msg.replace(/^TypeError:\s*/, '')})`);
  }
  // What is left is a SOAP Fault's reason text.
  return e('onvif-fault', `ONVIF: ${msg}`);
}

/** Settles with `p`, or rejects with "<prefix>: timeout" as soon as `signal` aborts. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, prefix = 'ONVIF'): Promise<T> {
  if (!signal) return p;
  // The abandoned call still settles later: keep its rejection from being reported as unhandled.
  p.catch(() => undefined);
  if (signal.aborted) return Promise.reject(timeoutError(prefix, signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timeoutError(prefix, signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** xml2js text: a string, or `{ _: text, $: attrs }` when the element has attributes. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v && typeof v === 'object' && '_' in v) return text((v as { _: unknown })._);
  return '';
}

export function child(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
    if (Array.isArray(cur)) cur = cur[0];
  }
  return cur;
}

export function parseDeviceInformation(r: unknown): DeviceInformation {
  return {
    manufacturer: text(child(r, 'Manufacturer')),
    model: text(child(r, 'Model')),
    firmware: text(child(r, 'FirmwareVersion')),
    serial: text(child(r, 'SerialNumber')),
    hardwareId: text(child(r, 'HardwareId')),
  };
}

/** UTC time from a GetSystemDateAndTimeResponse body, or null. */
export function parseUtcDateTime(body: unknown): Date | null {
  const utc = child(body, 'GetSystemDateAndTimeResponse', 'SystemDateAndTime', 'UTCDateTime');
  const n = (...p: string[]) => Number(text(child(utc, ...p)));
  const [y, mo, d, hh, mi, ss] = [n('Date', 'Year'), n('Date', 'Month'), n('Date', 'Day'), n('Time', 'Hour'), n('Time', 'Minute'), n('Time', 'Second')];
  if (![y, mo, d, hh, mi, ss].every(Number.isFinite) || !y || !mo || !d) return null;
  return new Date(Date.UTC(y, mo - 1, d, hh, mi, ss));
}

function toProfile(p: OnvifProfileInfo): MediaProfile {
  const enc = p.video.encoder;
  return {
    token: p.token,
    name: text(p.name),
    streamUri: [p.stream.rtsp, p.stream.udp, p.stream.http].map(text).find((u) => u.startsWith('rtsp://')) ?? '',
    snapshotUri: text(p.snapshot),
    encoder: enc
      ? { encoding: text(enc.encoding), width: enc.resolution.width, height: enc.resolution.height, framerate: enc.framerate, bitrate: enc.bitrate }
      : null,
  };
}

/**
 * One camera. `connect()` runs node-onvif's init (capabilities, information, profiles, stream and
 * snapshot URIs); after that the cheap calls (time, information, snapshot) can be repeated. A failed
 * connect leaves nothing behind: node-onvif appends profiles on every init, so each connect builds a
 * fresh OnvifDevice.
 */
export class OnvifClient {
  private device: OnvifDeviceInstance | null = null;
  private profileList: MediaProfile[] = [];
  private readonly snapshotAuth: AuthCache = { challenge: null, nc: 0 };

  constructor(private readonly opts: OnvifClientOptions) {}

  get connected(): boolean {
    return this.device !== null;
  }

  async connect(signal?: AbortSignal): Promise<{ info: DeviceInformation; profiles: MediaProfile[] }> {
    let device: OnvifDeviceInstance | undefined;
    const info = await this.call(() => {
      // A retry needs a fresh device: init() appends to the profile list.
      device = this.newDevice();
      return device.init();
    }, signal);
    if (!device) throw new CheckError('onvif-bad-answer', 'ONVIF: not connected');
    const profiles = device.getProfileList().map(toProfile);
    if (signal?.aborted) throw timeoutError('ONVIF', signal);
    this.device = device;
    this.profileList = profiles;
    return { info: parseDeviceInformation(info), profiles };
  }

  /** Forgets the session; the next use needs connect() again. */
  reset(): void {
    this.device = null;
    this.profileList = [];
  }

  profiles(): MediaProfile[] {
    return this.profileList;
  }

  /** The first profile's RTSP URI (profiles come main stream first), or ''. */
  streamUri(): string {
    return this.profileList.find((p) => p.streamUri)?.streamUri ?? '';
  }

  snapshotUri(): string {
    return this.profileList.find((p) => p.snapshotUri)?.snapshotUri ?? '';
  }

  async systemDateAndTime(signal?: AbortSignal): Promise<SystemTime> {
    const device = this.need();
    const wallStart = Date.now();
    const t0 = performance.now();
    const r: OnvifSoapResult = await this.call(() => device.services.device.getSystemDateAndTime(), signal);
    const rttMs = performance.now() - t0;
    const deviceTime = parseUtcDateTime(r.data);
    // The camera reports whole seconds (it truncates): +0.5 s centres the estimate; compare with the
    // middle of the round trip.
    const mid = wallStart + rttMs / 2;
    const clockDriftS = deviceTime ? (deviceTime.getTime() + 500 - mid) / 1000 : null;
    return { deviceTime, clockDriftS, rttMs };
  }

  async deviceInformation(signal?: AbortSignal): Promise<DeviceInformation> {
    const device = this.need();
    const r = await this.call(() => device.services.device.getDeviceInformation(), signal);
    return parseDeviceInformation(child(r.data, 'GetDeviceInformationResponse'));
  }

  /** GETs the snapshot JPEG with the camera's credentials (Digest or Basic as challenged). */
  async fetchSnapshot(signal?: AbortSignal, maxBytes?: number): Promise<Buffer> {
    const uri = this.snapshotUri();
    if (!uri) throw new CheckError('snapshot-failed', 'Snapshot: the camera gave no snapshot URI');
    const r = await httpGetImage(uri, {
      authCache: this.snapshotAuth,
      ...(this.opts.username ? { username: this.opts.username, password: this.opts.password ?? '' } : {}),
      ...(signal ? { signal } : {}),
      ...(maxBytes ? { maxBytes } : {}),
    });
    return r.body;
  }

  private newDevice(): OnvifDeviceInstance {
    try {
      return new (nodeOnvif().OnvifDevice)({
        xaddr: this.opts.xaddr,
        ...(this.opts.username ? { user: this.opts.username, pass: this.opts.password ?? '' } : {}),
      });
    } catch (err) {
      // e.g. 'The "pass" property was invalid: The value must consist of ascii characters.'
      throw new CheckError('check-failed', `ONVIF: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private need(): OnvifDeviceInstance {
    if (!this.device) throw new CheckError('check-failed', 'ONVIF: not connected');
    return this.device;
  }

  /**
   * Runs one node-onvif call with readable errors. A connection closed at once is retried once: a
   * kept-alive socket the camera dropped (it rebooted, or closed idle connections) fails the first
   * request sent on it. Every call made here is a read, so repeating it is harmless.
   */
  private async call<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      try {
        return await abortable(fn(), signal);
      } catch (err) {
        const e = onvifError(err, performance.now() - t0);
        if (attempt === 0 && e.message === CLOSED && !signal?.aborted) continue;
        throw e;
      }
    }
  }
}
