import { createHash } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { checkUsernameToken, DigestAuthority, type Credentials } from './auth.js';
import { DiscoveryResponder } from './discovery-responder.js';
import { RtspServer } from './rtsp-server.js';
import { Scene } from './scene.js';
import * as soap from './soap.js';

/**
 * A simulated ONVIF camera: an HTTP SOAP server node-onvif really talks to (device + media services,
 * WS-UsernameToken), a Digest-protected snapshot endpoint serving JPEGs drawn in process, a minimal
 * RTSP server, and optionally a WS-Discovery responder. Nothing runs while nobody asks: no timers,
 * frames are drawn per request, so hundreds fit in one process.
 */

export type CameraFault =
  /** Listeners closed: connections refused (ONVIF, snapshot, RTSP) and no discovery answers. */
  | 'down'
  /** Connections accepted but never answered. */
  | 'hang'
  /** Credentials rejected everywhere (ONVIF, snapshot, RTSP). */
  | 'auth'
  /** ONVIF fine, RTSP port refuses connections. */
  | 'stream-dead'
  /** Snapshots come out black (lens covered, IR failed at night). */
  | 'black'
  /** The same JPEG every time (encoder stuck). */
  | 'frozen'
  /** The camera's clock is off by `seconds` (default 300). */
  | 'clock-drift';

export interface FaultOptions {
  /** For clock-drift: how far the camera's clock is ahead (negative: behind). */
  seconds?: number;
}

export interface SimulatedCameraOptions {
  name: string;
  /** No username: the camera asks for no credentials at all. */
  username?: string;
  password?: string;
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  rtspPort?: number;
  manufacturer?: string;
  model?: string;
  firmware?: string;
  /** Snapshot endpoint auth: Digest only (default, like most cameras), Basic only, or either. */
  snapshotAuth?: 'digest' | 'basic' | 'any';
  width?: number;
  height?: number;
  /**
   * Pictures to serve; each camera walks the scene's cycle with its own counter. Default: a scene
   * shared by every camera of the same picture size in the process (its JPEGs are encoded once).
   */
  scene?: Scene;
  /** Answer WS-Discovery probes: on a shared responder, or on one of its own (port 0: a free port). */
  discovery?: { responder: DiscoveryResponder } | { port?: number; address?: string; multicast?: boolean };
}

export interface SimulatedCamera {
  readonly name: string;
  readonly urn: string;
  readonly xaddr: string;
  readonly mediaXaddr: string;
  readonly rtspUrl: string;
  readonly snapshotUrl: string;
  readonly port: number;
  readonly rtspPort: number;
  /** Port of the camera's own discovery responder, null when it has none. */
  readonly discoveryPort: number | null;
  readonly fault: CameraFault | null;
  /** Requests served, by ONVIF operation, plus "snapshot" and "rtsp:<METHOD>". */
  readonly requests: Readonly<Record<string, number>>;
  setFault(fault: CameraFault | null, opts?: FaultOptions): Promise<void>;
  close(): Promise<void>;
}

const DEVICE_PATH = '/onvif/device_service';
const MEDIA_PATH = '/onvif/media_service';
const SNAPSHOT_PATH = '/snapshot.jpg';
/** ONVIF access class PRE_AUTH: answered without credentials. */
const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetCapabilities', 'GetServices', 'GetServiceCapabilities', 'GetEndpointReference']);
const MAX_BODY = 256 * 1024;

/**
 * Scenes by picture size for cameras that bring none. A deliberate process-wide cache: its JPEGs are
 * immutable, and encoding them is what costs (see Scene), so 200 cameras share 12 encodes, not 2 400.
 */
const sharedScenes = new Map<string, Scene>();

function sharedScene(width: number, height: number): Scene {
  const key = `${width}x${height}`;
  let scene = sharedScenes.get(key);
  if (!scene) {
    scene = new Scene({ width, height });
    sharedScenes.set(key, scene);
  }
  return scene;
}

function uuidFrom(name: string): string {
  const x = createHash('sha1').update(`langso-sim:${name}`).digest('hex');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-5${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
}

export async function startSimulatedCamera(opts: SimulatedCameraOptions): Promise<SimulatedCamera> {
  const host = opts.host ?? '127.0.0.1';
  const creds: Credentials | null = opts.username ? { username: opts.username, password: opts.password ?? '' } : null;
  const urn = uuidFrom(opts.name);
  const serial = urn.slice(-12).toUpperCase();
  const identity: soap.CameraIdentity = {
    manufacturer: opts.manufacturer ?? 'LangsoSim',
    model: opts.model ?? 'SC-160',
    firmware: opts.firmware ?? 'V5.7.3 build 240101',
    serial,
    hardwareId: 'sim-1',
  };
  const digest = new DigestAuthority('LangsoSim');
  const scene = opts.scene ?? sharedScene(opts.width ?? 160, opts.height ?? 120);
  let frameNo = 0;
  const snapshotAuth = opts.snapshotAuth ?? 'digest';
  const requests: Record<string, number> = {};
  const count = (k: string) => {
    requests[k] = (requests[k] ?? 0) + 1;
  };

  let fault: CameraFault | null = null;
  let driftMs = 0;
  let frozenFrame: Buffer | null = null;
  let lastFrame: Buffer | null = null;
  const deviceNow = () => Date.now() + driftMs;

  const rtsp = new RtspServer({
    host,
    paths: soap.PROFILES.map((p) => p.streamPath),
    digest,
    credentials: creds,
    behaviour: () => (fault === 'hang' ? 'hang' : fault === 'auth' ? 'reject-auth' : 'normal'),
    onRequest: (m) => count(`rtsp:${m}`),
  });
  await rtsp.listen(opts.rtspPort ?? 0);

  const server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    if (fault === 'hang') return; // accepted, never answered (closeAllConnections ends it)
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === SNAPSHOT_PATH) {
      req.resume();
      serveSnapshot(req, res);
      return;
    }
    if (req.method === 'POST' && (path === DEVICE_PATH || path === MEDIA_PATH)) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy();
        else chunks.push(c);
      });
      req.on('end', () => serveSoap(Buffer.concat(chunks).toString('utf8'), res));
      return;
    }
    req.resume();
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  });
  let port = opts.port ?? 0;
  const listenHttp = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stopHttp = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await listenHttp();

  const base = `http://${host}:${port}`;
  const xaddr = `${base}${DEVICE_PATH}`;
  const mediaXaddr = `${base}${MEDIA_PATH}`;
  const snapshotUrl = `${base}${SNAPSHOT_PATH}`;
  const streamUrl = (path: string) => `rtsp://${host}:${rtsp.port}${path}`;

  function reply(res: http.ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  function serveSoap(xml: string, res: http.ServerResponse): void {
    const req = soap.parseSoapRequest(xml);
    if (!req) return reply(res, 400, soap.fault('Sender', 'ter:WellFormed', 'Not a SOAP request'));
    count(req.op);
    if (creds && !PRE_AUTH.has(req.op)) {
      const why = fault === 'auth' ? 'credentials rejected' : checkUsernameToken(req.token, creds, deviceNow());
      // ONVIF Core §5.12: ter:NotAuthorized; HTTP 401 like most cameras send with it.
      if (why) return reply(res, 401, soap.fault('Sender', 'ter:NotAuthorized', 'Sender not Authorized'));
    }
    const profile = soap.PROFILES.find((p) => p.token === req.param('ProfileToken'));
    switch (req.op) {
      case 'GetSystemDateAndTime':
        return reply(res, 200, soap.envelope(soap.systemDateAndTime(deviceNow())));
      case 'GetCapabilities':
        return reply(res, 200, soap.envelope(soap.capabilities(xaddr, mediaXaddr)));
      case 'GetServices':
        return reply(res, 200, soap.envelope(soap.services(xaddr, mediaXaddr)));
      case 'GetDeviceInformation':
        return reply(res, 200, soap.envelope(soap.deviceInformation(identity)));
      case 'GetProfiles':
        return reply(res, 200, soap.envelope(soap.profiles(soap.PROFILES)));
      case 'GetVideoSources':
        return reply(res, 200, soap.envelope(soap.videoSources()));
      case 'GetStreamUri':
      case 'GetSnapshotUri':
        if (!profile) return reply(res, 400, soap.fault('Sender', 'ter:InvalidArgVal/ter:NoProfile', 'No such profile'));
        return reply(res, 200, soap.envelope(soap.mediaUri(req.op, req.op === 'GetStreamUri' ? streamUrl(profile.streamPath) : snapshotUrl)));
      default:
        return reply(res, 400, soap.fault('Receiver', 'ter:ActionNotSupported', `${req.op} is not supported`));
    }
  }

  function serveSnapshot(req: http.IncomingMessage, res: http.ServerResponse): void {
    count('snapshot');
    if (creds) {
      const ok =
        fault !== 'auth' &&
        digest.verify(req.headers.authorization, 'GET', req.url ?? '', creds, snapshotAuth !== 'digest');
      if (!ok) {
        const challenge = snapshotAuth === 'basic' ? 'Basic realm="LangsoSim"' : digest.challenge();
        res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Type': 'text/plain' }).end('401 Unauthorized');
        return;
      }
    }
    let jpeg: Buffer;
    if (fault === 'frozen') jpeg = frozenFrame ??= lastFrame ?? scene.frame(frameNo++);
    else jpeg = lastFrame = scene.frame(frameNo++, fault === 'black');
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length, 'Cache-Control': 'no-store' }).end(jpeg);
  }

  let discoveryPort: number | null = null;
  let ownResponder: DiscoveryResponder | null = null;
  let removeFromResponder: (() => void) | null = null;
  if (opts.discovery) {
    const d = opts.discovery;
    const responder = 'responder' in d ? d.responder : (ownResponder = await DiscoveryResponder.start(d));
    if (ownResponder) discoveryPort = ownResponder.port;
    removeFromResponder = responder.add({
      urn,
      xaddr,
      name: opts.name,
      hardware: identity.model,
      answering: () => fault !== 'down' && fault !== 'hang',
    });
  }

  const cam: SimulatedCamera = {
    name: opts.name,
    urn,
    xaddr,
    mediaXaddr,
    rtspUrl: streamUrl(soap.PROFILES[0]?.streamPath ?? '/stream1'),
    snapshotUrl,
    port,
    rtspPort: rtsp.port,
    discoveryPort,
    get fault() {
      return fault;
    },
    requests,
    async setFault(next, fo = {}) {
      const prev = fault;
      fault = next;
      driftMs = next === 'clock-drift' ? (fo.seconds ?? 300) * 1000 : 0;
      if (next !== 'frozen') frozenFrame = null;
      // Listeners: closed while down (refused), RTSP closed while its stream is dead.
      const httpUp = next !== 'down';
      const rtspUp = next !== 'down' && next !== 'stream-dead';
      if (!httpUp) await stopHttp();
      else if (!server.listening) await listenHttp();
      if (!rtspUp) await rtsp.stop();
      else if (!rtsp.listening) await rtsp.listen();
      // Requests left hanging belong to the old fault: drop them.
      if (prev === 'hang' && next !== 'hang') {
        server.closeAllConnections();
        await rtsp.stop();
        if (rtspUp) await rtsp.listen();
      }
    },
    async close() {
      removeFromResponder?.();
      await ownResponder?.close();
      await stopHttp();
      await rtsp.stop();
    },
  };
  return cam;
}
