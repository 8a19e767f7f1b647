import { once } from 'node:events';
import mqtt from 'mqtt';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

describe('MQTT over WebSocket', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'pc-1', village: 'dong-cam', name: 'Máy tính', kind: 'pc' }],
      broker: { wsPort: 0 },
    });
  });
  afterAll(async () => t?.stop());

  it('a client on the WebSocket listener is ingested like a TCP one, Last Will included', async () => {
    expect(t.hub.ports.ws).toBeGreaterThan(0);
    const c = await mqtt.connectAsync(`ws://127.0.0.1:${t.hub.ports.ws}`, {
      clientId: 'pc-agent',
      reconnectPeriod: 0,
      will: { topic: 'langso/dong-cam/pc-1/status', payload: Buffer.from('{"state":"offline","reason":"lwt"}'), qos: 1, retain: true },
    });
    await c.publishAsync('langso/dong-cam/pc-1/status', '{"state":"online"}', { qos: 1, retain: true });
    await c.publishAsync('langso/dong-cam/pc-1/telemetry', '{"cpuLoad":0.25,"diskFreePct":41}', { qos: 1 });
    const ref = { village: 'dong-cam', device: 'pc-1' };
    await waitFor(() => t.hub.ctx.devices.get(ref)?.telemetry?.fields.cpuLoad === 0.25, 3_000, 'reading over ws');
    expect(t.hub.ctx.devices.get(ref)?.state).toBe('online');
    c.stream.destroy();
    await waitFor(() => t.hub.ctx.devices.get(ref)?.state === 'offline', 3_000, 'LWT over ws');
    expect(t.hub.ctx.devices.get(ref)?.reason).toBe('lwt');
  });

  it('a WebSocket message, or an MQTT packet, larger than broker.maxPacketBytes ends the connection before it is buffered', async () => {
    const url = `ws://127.0.0.1:${t.hub.ports.ws}`;
    const big = new WebSocket(url, 'mqtt');
    await once(big, 'open');
    big.send(Buffer.alloc(2 * 1024 * 1024, 0x30));
    const [code] = (await once(big, 'close')) as [number];
    expect(code).toBe(1009); // message too big (RFC 6455 §7.4.1)
    // A PUBLISH header announcing 200 MB in a small message: the packet guard behind the WebSocket.
    const announced = new WebSocket(url, 'mqtt');
    await once(announced, 'open');
    announced.send(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x64]));
    await once(announced, 'close');
    expect(t.hub.ctx.counters.get('broker.refused.not-connect-first')).toBe(1);
  });

  it('a plain HTTP request on the WebSocket port gets a 426 explaining what the port is for', async () => {
    const res = await fetch(`http://127.0.0.1:${t.hub.ports.ws}/`);
    expect(res.status).toBe(426);
    expect(await res.text()).toMatch(/MQTT over WebSocket/);
  });
});
