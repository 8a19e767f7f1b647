import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const V = testVillage.id;
const devices = Array.from({ length: 20 }, (_, i) => ({ id: `ap-${i}`, village: V, name: `Wi-Fi ${i}`, kind: 'wifi-ap' }));

/**
 * A retained message waits for the broker's on-disk state before it is delivered, so later messages
 * overtake it; aedes' duplicate check would then drop it for every subscriber (aedes #955, #994). Each
 * subscriber must still get every message once — and one copy of a message that two of its
 * subscriptions match.
 */
describe('messages delivered out of their arrival order', () => {
  let t: TestHub;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    t = await startTestHub({ villages: [testVillage], devices, broker: { allowAnonymous: true } });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await t?.stop();
  });

  it('reach a subscriber every one, once, retained statuses among telemetry', async () => {
    const reader = await mqtt.connectAsync(t.mqttUrl, { clientId: 'reader', reconnectPeriod: 0 });
    clients.push(reader);
    const got: string[] = [];
    reader.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    // Two overlapping subscriptions: a status matches both, and must still arrive once.
    await reader.subscribeAsync([`langso/${V}/#`, `langso/${V}/+/status`], { qos: 1 });

    const sent: string[] = [];
    const publishers = await Promise.all(devices.map((d) => mqtt.connectAsync(t.mqttUrl, { clientId: `${V}-${d.id}`, reconnectPeriod: 0 })));
    clients.push(...publishers);
    // Every device at once: a retained status, then telemetry without waiting — the telemetry goes out
    // while the statuses are still being stored.
    await Promise.all(
      publishers.map(async (p, i) => {
        const id = devices[i]!.id;
        const status = `langso/${V}/${id}/status {"state":"online"}`;
        const reading = (n: number) => `langso/${V}/${id}/telemetry {"clients":${n}}`;
        sent.push(status, reading(1), reading(2));
        await Promise.all([
          p.publishAsync(`langso/${V}/${id}/status`, '{"state":"online"}', { qos: 1, retain: true }),
          p.publishAsync(`langso/${V}/${id}/telemetry`, '{"clients":1}', { qos: 1 }),
          p.publishAsync(`langso/${V}/${id}/telemetry`, '{"clients":2}', { qos: 1 }),
        ]);
      }),
    );
    await waitFor(() => got.length >= sent.length, 10_000, `${sent.length} messages`);
    // A moment for any extra copy to show.
    await new Promise((r) => setTimeout(r, 300));
    const ours = got.filter((m) => !m.includes('$hub'));
    expect(ours.sort()).toEqual(sent.sort());
  });
});
