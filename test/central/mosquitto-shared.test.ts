import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoHandle } from '../../scripts/services/mosquitto.js';

/**
 * What Debian's Mosquitto 2.0 does with a shared subscription whose member dies: the facts central
 * mode's design rests on (docs/scale.md, "When an instance dies").
 */
let broker: MosquittoHandle;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function member(id: string, got: number[]): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: id, clean: false, reconnectPeriod: 0, properties: { sessionExpiryInterval: 600 } });
  c.on('message', (_t, p) => got.push(Number(p.toString())));
  await c.subscribeAsync('$share/g/t/#', { qos: 1 });
  return c;
}

describe('Mosquitto 2.0 shared subscriptions with persistent sessions', () => {
  it("keeps a dead member's share in its session, delivered to whoever connects as it", async () => {
    const a: number[] = [];
    const b: number[] = [];
    const ca = await member('m-a', a);
    const cb = await member('m-b', b);
    // A dies without a word (SIGKILL of its process: the socket just goes).
    ca.stream.destroy();
    ca.end(true);
    await sleep(300);
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    for (let i = 0; i < 100; i++) await pub.publishAsync('t/x', String(i), { qos: 1 });
    await sleep(500);
    // The survivor does not get the whole load: the broker goes on routing part of it to A's session.
    expect(b.length).toBeGreaterThan(0);
    expect(b.length).toBeLessThan(100);
    expect(b.length).toBeLessThanOrEqual(60); // round robin: about half
    // Connecting under A's client id (A back, or a peer adopting its session) receives the rest.
    const adopted: number[] = [];
    // The handler goes on before CONNACK: the queued messages follow it at once.
    const again = mqtt.connect(broker.url, { protocolVersion: 5, clientId: 'm-a', clean: false, reconnectPeriod: 0, properties: { sessionExpiryInterval: 600 } });
    again.on('message', (_t, p) => adopted.push(Number(p.toString())));
    for (let i = 0; i < 50 && b.length + adopted.length < 100; i++) await sleep(100);
    expect([...b, ...adopted].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await Promise.all([again.endAsync(), cb.endAsync(), pub.endAsync()]);
  });
});
