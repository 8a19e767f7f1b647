import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';

/**
 * ONVIF camera discovery with WS-Discovery (2005/04) Probe over UDP. Our own probe rather than
 * node-onvif's startProbe(): that one is a process-wide singleton (two discoveries at once share one
 * socket and one result list), always waits a fixed 3 s and reports nothing until it ends.
 */

export interface DiscoveredCamera {
  /** The device service URL to put in a device's `poll.xaddr` (the first http(s) XAddr). */
  xaddr: string;
  /** All XAddrs the camera announced. */
  xaddrs: string[];
  /** Endpoint reference, e.g. `urn:uuid:…`: stable across reboots and address changes. */
  urn: string;
  /** From the `onvif://www.onvif.org/name/…` scope ("_" read as a space), '' when absent. */
  name: string;
  /** From the `onvif://www.onvif.org/hardware/…` scope, '' when absent. */
  hardware: string;
  scopes: string[];
  /** Where the answer came from. */
  address: string;
}

export interface DiscoverOptions {
  /** How long to listen for answers after the first probe. */
  timeoutMs: number;
  /** Where to send probes; default the WS-Discovery group 239.255.255.250 (every camera on the LAN). */
  address?: string;
  /** Default 3702. */
  port?: number;
  /** Called when a new camera answers and about every 250 ms, for progress display. */
  onProgress?(elapsedMs: number, found: readonly DiscoveredCamera[]): void;
  signal?: AbortSignal;
}

export const WS_DISCOVERY_ADDRESS = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;

/** Probe retransmissions (SOAP-over-UDP §3.4 repeats multicast sends to survive packet loss), ms after start. */
const PROBE_SCHEDULE_MS = [0, 150, 450, 1_000];

export function probeMessage(type: 'dn:NetworkVideoTransmitter' | 'tds:Device', messageId = `uuid:${randomUUID()}`): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
    'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" ' +
    'xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
    '<s:Header><a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>' +
    `<a:MessageID>${messageId}</a:MessageID>` +
    '<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>' +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>' +
    `<s:Body><d:Probe><d:Types>${type}</d:Types></d:Probe></s:Body></s:Envelope>`
  );
}

function decodeXml(s: string): string {
  return s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&')
    .trim();
}

function textOf(xml: string, name: string): string {
  const m = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w.-]+:)?${name}\\s*>`).exec(xml);
  return m ? decodeXml(m[1] ?? '') : '';
}

function scopeValue(scopes: string[], kind: string): string {
  const prefix = `onvif://www.onvif.org/${kind}/`;
  const s = scopes.find((x) => x.toLowerCase().startsWith(prefix));
  if (!s) return '';
  const raw = s.slice(prefix.length);
  let v: string;
  try {
    v = decodeURIComponent(raw);
  } catch {
    v = raw;
  }
  return v.replace(/_/g, ' ');
}

/** Reads every ProbeMatch of a ProbeMatches message (some cameras put several in one). */
export function parseProbeMatches(xml: string, address = ''): DiscoveredCamera[] {
  const out: DiscoveredCamera[] = [];
  const re = /<(?:[\w.-]+:)?ProbeMatch(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w.-]+:)?ProbeMatch\s*>/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const block = m[1] ?? '';
    const urn = textOf(textOf(block, 'EndpointReference') || block, 'Address');
    const xaddrs = textOf(block, 'XAddrs').split(/\s+/).filter(Boolean);
    const scopes = textOf(block, 'Scopes').split(/\s+/).filter(Boolean);
    const xaddr = xaddrs.find((x) => /^http:\/\//i.test(x)) ?? xaddrs.find((x) => /^https:\/\//i.test(x));
    if (!urn || !xaddr) continue;
    out.push({ xaddr, xaddrs, urn, name: scopeValue(scopes, 'name'), hardware: scopeValue(scopes, 'hardware'), scopes, address });
  }
  return out;
}

/**
 * Sends WS-Discovery probes and collects ProbeMatches for `timeoutMs`. Cameras are keyed by their
 * endpoint reference (each answers every probe). Resolves early, with what was found, when `signal`
 * aborts. Never point the default multicast address at a network you do not own the cameras of.
 */
export function discover(opts: DiscoverOptions): Promise<DiscoveredCamera[]> {
  const address = opts.address ?? WS_DISCOVERY_ADDRESS;
  const port = opts.port ?? WS_DISCOVERY_PORT;
  const found = new Map<string, DiscoveredCamera>();
  const list = () => [...found.values()];
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);

  return new Promise<DiscoveredCamera[]>((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      clearInterval(progress);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.close();
      if (err) reject(err);
      else resolve(list());
    };
    const onAbort = () => finish();
    const progress = setInterval(() => opts.onProgress?.(elapsed(), list()), 250);

    socket.on('message', (msg, rinfo) => {
      for (const cam of parseProbeMatches(msg.toString('utf8'), rinfo.address)) {
        if (found.has(cam.urn)) continue;
        found.set(cam.urn, cam);
        opts.onProgress?.(elapsed(), list());
      }
    });
    socket.on('error', (err) => finish(new Error(`Discovery: ${err.message}`)));
    socket.bind(0, () => {
      if (done) return;
      const send = () => {
        for (const type of ['dn:NetworkVideoTransmitter', 'tds:Device'] as const) {
          const buf = Buffer.from(probeMessage(type), 'utf8');
          // Errors are not fatal: an unreachable network just answers nothing (and a retry may pass).
          socket.send(buf, port, address, () => undefined);
        }
      };
      for (const at of PROBE_SCHEDULE_MS) if (at < opts.timeoutMs) timers.push(setTimeout(send, at));
      timers.push(setTimeout(() => finish(), opts.timeoutMs));
    });
    if (opts.signal?.aborted) finish();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface KnownDevice {
  village: string;
  device: string;
}

export type MarkedCamera = DiscoveredCamera & { known: KnownDevice | null };

/** The parts of a hub configuration markKnown reads. */
export interface DevicesConfig {
  devices: ReadonlyArray<{ id: string; village: string; kind: string; poll?: Record<string, unknown> | undefined }>;
}

/** `host:port` of an http(s) URL, with the default port made explicit; null when not a URL. */
export function xaddrHost(url: string): string | null {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${u.hostname.toLowerCase()}:${port}`;
  } catch {
    return null;
  }
}

/**
 * Marks discovered cameras already configured (a device whose `poll.xaddr` has the same host and
 * port): the rest are new cameras an admin may add.
 */
export function markKnown(found: readonly DiscoveredCamera[], config: DevicesConfig): MarkedCamera[] {
  const byHost = new Map<string, KnownDevice>();
  for (const d of config.devices) {
    const x = d.poll?.xaddr;
    const host = typeof x === 'string' ? xaddrHost(x) : null;
    if (host && !byHost.has(host)) byHost.set(host, { village: d.village, device: d.id });
  }
  return found.map((cam) => {
    const hosts = cam.xaddrs.map(xaddrHost).filter((h): h is string => h !== null);
    const known = hosts.map((h) => byHost.get(h)).find((k) => k !== undefined) ?? null;
    return { ...cam, known };
  });
}
