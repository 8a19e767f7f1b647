import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { elementText, xmlEscape } from './soap.js';

/**
 * A WS-Discovery (2005/04, as ONVIF uses it) responder for simulated cameras: it answers Probe messages
 * for NetworkVideoTransmitter / Device (or no type) with one ProbeMatches message per camera, sent
 * unicast to the prober. One responder can serve many cameras, so a fleet of simulators can be
 * discovered through a single port.
 */

export interface DiscoverableCamera {
  /** `urn:uuid:…`, stable for the camera. */
  urn: string;
  xaddr: string;
  name: string;
  hardware: string;
  location?: string;
  /** False while the camera is down: a powered-off camera does not answer probes. */
  answering(): boolean;
}

export interface DiscoveryResponderOptions {
  /** 0 (default) picks a free port; 3702 is the standard one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. Use 0.0.0.0 with `multicast` on an isolated network only. */
  address?: string;
  /** Join 239.255.255.250 (needs a multicast route, see TESTING.md). */
  multicast?: boolean;
}

export const WS_DISCOVERY_GROUP = '239.255.255.250';

/** An ONVIF scope URI segment: spaces become "_" (the convention node-onvif reverses), the rest is percent-encoded. */
export function scopeSegment(s: string): string {
  return encodeURIComponent(s.replace(/ /g, '_'));
}

export function probeMatches(cam: DiscoverableCamera, relatesTo: string, messageNumber: number): string {
  const scopes = [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/type/Network_Video_Transmitter',
    'onvif://www.onvif.org/Profile/Streaming',
    `onvif://www.onvif.org/name/${scopeSegment(cam.name)}`,
    `onvif://www.onvif.org/hardware/${scopeSegment(cam.hardware)}`,
    `onvif://www.onvif.org/location/${cam.location ? scopeSegment(cam.location) : 'country/vietnam'}`,
  ].join(' ');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ' +
    'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" ' +
    'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
    `<SOAP-ENV:Header><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID><wsa:RelatesTo>${xmlEscape(relatesTo)}</wsa:RelatesTo>` +
    '<wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
    '<wsa:Action SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>' +
    `<d:AppSequence InstanceId="1" MessageNumber="${messageNumber}"/></SOAP-ENV:Header>` +
    '<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>' +
    `<wsa:EndpointReference><wsa:Address>${xmlEscape(cam.urn)}</wsa:Address></wsa:EndpointReference>` +
    '<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>' +
    `<d:Scopes>${xmlEscape(scopes)}</d:Scopes><d:XAddrs>${xmlEscape(cam.xaddr)}</d:XAddrs>` +
    '<d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>'
  );
}

/** Does this Probe ask for what a camera is? No Types means "anything". */
export function probeWantsCamera(xml: string): boolean {
  if (!/<(?:[\w.-]+:)?Probe[\s/>]/.test(xml)) return false;
  const types = elementText(xml, 'Types');
  if (!types) return true;
  return types.split(/\s+/).some((t) => /(^|:)(NetworkVideoTransmitter|Device)$/.test(t));
}

export class DiscoveryResponder {
  private readonly cameras = new Set<DiscoverableCamera>();
  private messageNumber = 0;
  private probes = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
  ) {
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  static async start(opts: DiscoveryResponderOptions = {}): Promise<DiscoveryResponder> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port ?? 0, opts.address ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (opts.multicast) socket.addMembership(WS_DISCOVERY_GROUP);
    socket.on('error', () => undefined);
    return new DiscoveryResponder(socket, socket.address().port);
  }

  /** Adds a camera; returns the function that removes it. */
  add(cam: DiscoverableCamera): () => void {
    this.cameras.add(cam);
    return () => this.cameras.delete(cam);
  }

  get size(): number {
    return this.cameras.size;
  }

  /** Probes received (for tests and benchmarks). */
  get probeCount(): number {
    return this.probes;
  }

  close(): Promise<void> {
    this.cameras.clear();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const xml = msg.toString('utf8');
    if (!probeWantsCamera(xml)) return;
    this.probes++;
    const relatesTo = elementText(xml, 'MessageID') ?? '';
    for (const cam of this.cameras) {
      if (!cam.answering()) continue;
      const reply = Buffer.from(probeMatches(cam, relatesTo, ++this.messageNumber), 'utf8');
      this.socket.send(reply, rinfo.port, rinfo.address, () => undefined);
    }
  }
}
