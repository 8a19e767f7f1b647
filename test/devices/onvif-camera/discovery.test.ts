import nodeOnvif from 'node-onvif';
import { describe, expect, it } from 'vitest';
import { discover, markKnown, parseProbeMatches } from '../../../devices/onvif-camera/discovery.js';
import { DiscoveryResponder, startSimulatedCamera, type SimulatedCamera } from '../../../devices/onvif-camera/simulator/index.js';
import { probeMatches } from '../../../devices/onvif-camera/simulator/discovery-responder.js';
import { cleanupsAfter } from '../../helpers/cleanups.js';

const cleanups = cleanupsAfter('each');

// Tests never probe the real LAN: every probe goes unicast to a responder on 127.0.0.1 (TESTING.md).
async function fleet(names: string[]): Promise<{ responder: DiscoveryResponder; cams: SimulatedCamera[] }> {
  const responder = await DiscoveryResponder.start({ port: 0 });
  cleanups.push(() => responder.close());
  const cams: SimulatedCamera[] = [];
  for (const name of names) {
    const cam = await startSimulatedCamera({ name, username: 'admin', password: 'x', discovery: { responder } });
    cleanups.push(() => cam.close());
    cams.push(cam);
  }
  return { responder, cams };
}

describe('WS-Discovery', () => {
  it('finds simulated cameras by unicast probe, with name, hardware and scopes', async () => {
    const { responder, cams } = await fleet(['Cổng làng', 'Nhà văn hoá', 'Trạm bơm']);
    const progress: Array<[number, number]> = [];
    const found = await discover({
      timeoutMs: 600,
      address: '127.0.0.1',
      port: responder.port,
      onProgress: (ms, list) => progress.push([ms, list.length]),
    });
    expect(found).toHaveLength(3);
    const byName = new Map(found.map((f) => [f.name, f]));
    for (const cam of cams) {
      const f = byName.get(cam.name);
      expect(f).toMatchObject({ xaddr: cam.xaddr, urn: cam.urn, hardware: 'SC-160', address: '127.0.0.1' });
      expect(f?.scopes).toContain('onvif://www.onvif.org/Profile/Streaming');
    }
    // Progress is reported as cameras answer, long before the end.
    expect(progress.some(([ms, n]) => n === 3 && ms < 300)).toBe(true);
    expect(responder.probeCount).toBeGreaterThan(0);
  });

  it('a camera that is down does not answer; a camera can run its own responder', async () => {
    const { responder, cams } = await fleet(['Một', 'Hai']);
    await cams[0]?.setFault('down');
    const found = await discover({ timeoutMs: 400, address: '127.0.0.1', port: responder.port });
    expect(found.map((f) => f.name)).toEqual(['Hai']);

    const own = await startSimulatedCamera({ name: 'Riêng', discovery: { port: 0 } });
    cleanups.push(() => own.close());
    expect(own.discoveryPort).toBeGreaterThan(0);
    const one = await discover({ timeoutMs: 300, address: '127.0.0.1', port: own.discoveryPort ?? 0 });
    expect(one.map((f) => f.xaddr)).toEqual([own.xaddr]);
  });

  it('ends early on abort and finds nothing where nothing answers', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    const found = await discover({ timeoutMs: 5_000, address: '127.0.0.1', port: 9, signal: ac.signal });
    expect(found).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('node-onvif startProbe finds the same cameras when pointed at the responder', async () => {
    const { responder, cams } = await fleet(['Cầu', 'Đình']);
    const saved = { a: nodeOnvif._MULTICAST_ADDRESS, p: nodeOnvif._PORT, w: nodeOnvif._DISCOVERY_WAIT };
    nodeOnvif._MULTICAST_ADDRESS = '127.0.0.1';
    nodeOnvif._PORT = responder.port;
    nodeOnvif._DISCOVERY_WAIT = 800;
    try {
      const list = await nodeOnvif.startProbe();
      expect(list.map((d) => d.urn).sort()).toEqual(cams.map((c) => c.urn).sort());
      expect(list.find((d) => d.urn === cams[0]?.urn)).toMatchObject({ name: 'C%E1%BA%A7u', hardware: 'SC-160', xaddrs: [cams[0]?.xaddr] });
    } finally {
      nodeOnvif._MULTICAST_ADDRESS = saved.a;
      nodeOnvif._PORT = saved.p;
      nodeOnvif._DISCOVERY_WAIT = saved.w;
    }
  });

  it('parses several ProbeMatch elements and odd prefixes', () => {
    const cam = { urn: 'urn:uuid:1', xaddr: 'http://10.0.0.9/onvif/device_service', name: 'Chợ Đông', hardware: 'DS-2CD', answering: () => true };
    const xml = probeMatches(cam, 'uuid:x', 1).replace(/<(\/?)d:/g, '<$1wsdd:').replace('xmlns:d=', 'xmlns:wsdd=');
    expect(xml).toContain('<wsdd:ProbeMatch>');
    expect(parseProbeMatches(xml)).toMatchObject([{ urn: 'urn:uuid:1', xaddr: cam.xaddr, name: 'Chợ Đông', hardware: 'DS-2CD' }]);
    const two = `<Envelope><Body><ProbeMatches>${['a', 'b']
      .map((u) => `<ProbeMatch><EndpointReference><Address>urn:${u}</Address></EndpointReference><Scopes/><XAddrs>https://h/${u} http://h/${u}</XAddrs></ProbeMatch>`)
      .join('')}</ProbeMatches></Body></Envelope>`;
    expect(parseProbeMatches(two).map((c) => [c.urn, c.xaddr])).toEqual([
      ['urn:a', 'http://h/a'],
      ['urn:b', 'http://h/b'],
    ]);
  });

  it('markKnown flags cameras already configured, by xaddr host and port', () => {
    const found = [
      { xaddr: 'http://192.168.1.64/onvif/device_service', xaddrs: ['http://192.168.1.64/onvif/device_service'], urn: 'u1', name: 'A', hardware: '', scopes: [], address: '192.168.1.64' },
      { xaddr: 'http://192.168.1.65:8000/onvif/device_service', xaddrs: ['http://192.168.1.65:8000/onvif/device_service'], urn: 'u2', name: 'B', hardware: '', scopes: [], address: '192.168.1.65' },
      { xaddr: 'http://192.168.1.66/onvif/device_service', xaddrs: ['http://192.168.1.66/onvif/device_service'], urn: 'u3', name: 'C', hardware: '', scopes: [], address: '192.168.1.66' },
    ];
    const config = {
      devices: [
        { id: 'cam-cong', village: 'dong-cam', kind: 'onvif-camera', poll: { xaddr: 'http://192.168.1.64:80/onvif/device_service' } },
        { id: 'cam-cho', village: 'dong-cam', kind: 'onvif-camera', poll: { xaddr: 'http://192.168.1.65/onvif/device_service' } },
        { id: 'ap-1', village: 'dong-cam', kind: 'wifi-ap' },
      ],
    };
    expect(markKnown(found, config).map((c) => c.known)).toEqual([{ village: 'dong-cam', device: 'cam-cong' }, null, null]);
  });
});
