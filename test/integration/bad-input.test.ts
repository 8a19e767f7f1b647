import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestError } from '../../hub/core/domain.js';
import type { DevicesResponse, HealthResponse } from '../../shared/events.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

/** Bad input over real MQTT: each message gets its specific reason, is counted and dropped; nothing else breaks. */
describe('bad MQTT input', () => {
  let t: TestHub;
  let client: MqttClient;
  const errors: IngestError[] = [];
  let disconnects = 0;

  beforeAll(async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'ap-1', village: 'dong-cam', name: 'AP 1', kind: 'wifi-ap' }],
      broker: { maxPayloadBytes: 1024 },
    });
    t.hub.ctx.bus.on('test', 'ingest-error', (e) => errors.push(e));
    client = await mqtt.connectAsync(t.mqttUrl, { clientId: 'flaky-agent', reconnectPeriod: 0 });
    client.on('close', () => disconnects++);
  });
  afterAll(async () => {
    client?.end(true);
    await t?.stop();
  });

  async function send(topic: string, payload: string | Buffer): Promise<IngestError> {
    const before = errors.length;
    await client.publishAsync(topic, payload, { qos: 1 });
    return waitFor(() => errors[before], 3_000, `ingest error for ${topic}`);
  }

  it.each([
    ['malformed JSON', 'langso/dong-cam/ap-1/telemetry', '{"clients": 5,', 'json', /^telemetry: invalid JSON: /],
    ['a string where a number belongs', 'langso/dong-cam/ap-1/telemetry', '{"clients":"many"}', 'schema', /^telemetry\.clients: expected a finite number or boolean, got a string \("many"\)$/],
    ['no metric at all', 'langso/dong-cam/ap-1/telemetry', '{"ts":1764054000000}', 'schema', /expected at least one metric/],
    ['a timestamp in seconds', 'langso/dong-cam/ap-1/telemetry', '{"ts":1764054000,"clients":1}', 'schema', /^telemetry\.ts: .*seconds are not accepted/],
    ['an unknown status word', 'langso/dong-cam/ap-1/status', '{"state":"sleepy"}', 'schema', /^status\.state: /],
    ['an extra status field', 'langso/dong-cam/ap-1/status', '{"state":"online","colour":"red"}', 'schema', /^status: unknown field\(s\) colour/],
    ['a plain word that is not a state', 'langso/dong-cam/ap-1/status', 'up', 'json', /^status: invalid JSON \(or the plain word online\/offline\)/],
    ['a reason code that is not a slug', 'langso/dong-cam/ap-1/status', '{"state":"offline","code":"Wrong Password"}', 'schema', /^status\.code: expected a reason code: lowercase letters, digits and "-"/],
    ['a nested reason parameter', 'langso/dong-cam/ap-1/status', '{"state":"offline","code":"refused","params":{"port":{"n":554}}}', 'schema', /^status\.params\.port: expected a string \(at most 200 characters\) or a finite number$/],
    ['a badly named reason parameter', 'langso/dong-cam/ap-1/status', '{"state":"offline","code":"refused","params":{"the port":554}}', 'schema', /^status\.params\.the port: expected a parameter name of letters/],
    ['too many reason parameters', 'langso/dong-cam/ap-1/status', JSON.stringify({ state: 'offline', code: 'refused', params: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`p${i}`, i])) }), 'schema', /^status\.params: expected at most 16 parameters$/],
    ['an event without type', 'langso/dong-cam/ap-1/event', '{"message":"x"}', 'schema', /^event\.type: /],
    ['an unknown channel', 'langso/dong-cam/ap-1/config', '{}', 'topic', /unknown channel "config"/],
    ['too many topic levels', 'langso/dong-cam/ap-1/status/x', 'online', 'topic', /got 5 levels/],
    ['an uppercase device id', 'langso/dong-cam/AP-1/status', 'online', 'topic', /device "AP-1" is not a lowercase slug/],
  ])('%s is dropped with a specific reason', async (_what, topic, payload, code, reason) => {
    const before = t.hub.ctx.counters.get(`ingest.dropped.${code}`);
    const err = await send(topic, payload);
    expect(err.topic).toBe(topic);
    expect(err.clientId).toBe('flaky-agent');
    expect(err.reason).toMatch(reason);
    expect(t.hub.ctx.counters.get(`ingest.dropped.${code}`)).toBe(before + 1);
  });

  it('a status with a reason code and parameters reaches the device list beside its raw reason', async () => {
    const payload = { state: 'offline', code: 'interface-down', params: { iface: 'wlan0' }, reason: 'interface wlan0 down' };
    await client.publishAsync('langso/dong-cam/ap-1/status', JSON.stringify(payload), { qos: 1 });
    await waitFor(() => t.hub.ctx.devices.get({ village: 'dong-cam', device: 'ap-1' })?.reasonCode === 'interface-down', 3_000, 'coded reason');
    const body = (await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as DevicesResponse;
    expect(body.devices.find((d) => d.id === 'ap-1')).toMatchObject({ state: 'offline', reason: 'interface wlan0 down', reasonCode: 'interface-down', reasonParams: { iface: 'wlan0' } });
    // Words only (devices that send no code) keep working: shown as sent, with no code.
    await client.publishAsync('langso/dong-cam/ap-1/status', '{"state":"offline","reason":"mất điện"}', { qos: 1 });
    await waitFor(() => t.hub.ctx.devices.get({ village: 'dong-cam', device: 'ap-1' })?.reason === 'mất điện', 3_000, 'words only');
    expect(t.hub.ctx.devices.get({ village: 'dong-cam', device: 'ap-1' })?.reasonCode).toBeUndefined();
    await client.publishAsync('langso/dong-cam/ap-1/status', 'online', { qos: 1 });
  });

  it('an oversized payload is dropped and counted', async () => {
    const err = await send('langso/dong-cam/ap-1/telemetry', JSON.stringify({ clients: 1, pad: 'x'.repeat(5000) }));
    expect(err.reason).toBe('payload too large: 5022 bytes > broker.maxPayloadBytes 1024');
  });

  it('after all that the client is still connected and a good message still works', async () => {
    expect(client.connected).toBe(true);
    expect(disconnects).toBe(0);
    await client.publishAsync('langso/dong-cam/ap-1/telemetry', '{"clients":12}', { qos: 1 });
    await waitFor(() => t.hub.ctx.devices.get({ village: 'dong-cam', device: 'ap-1' })?.telemetry?.fields.clients === 12, 3_000, 'good reading');
    const health = (await (await t.fetch(`${t.httpUrl}/api/health`)).json()) as HealthResponse;
    expect(health.counters['ingest.dropped']).toBe(errors.length);
    expect(health.counters['ingest.accepted']).toBeGreaterThanOrEqual(1);
  });

  it('clears of a retained status (empty payload) are housekeeping, not errors', async () => {
    const before = errors.length;
    await client.publishAsync('langso/dong-cam/ap-1/status', '', { qos: 1, retain: true });
    await client.publishAsync('langso/dong-cam/ap-1/telemetry', '{"clients":13}', { qos: 1 });
    await waitFor(() => t.hub.ctx.devices.get({ village: 'dong-cam', device: 'ap-1' })?.telemetry?.fields.clients === 13, 3_000);
    expect(errors.length).toBe(before);
  });

  it('a device that is not in the configuration is listed as unregistered', async () => {
    await client.publishAsync('langso/dong-cam/cam-moi/status', 'online', { qos: 1 });
    const list = await waitFor(async () => {
      const body = (await (await t.fetch(`${t.httpUrl}/api/devices`)).json()) as DevicesResponse;
      return body.devices.find((d) => d.id === 'cam-moi') ? body : null;
    }, 3_000, 'unregistered device');
    expect(list.devices.find((d) => d.id === 'cam-moi')).toMatchObject({ registered: false, state: 'online', village: 'dong-cam' });
    expect(list.devices.find((d) => d.id === 'ap-1')?.registered).toBe(true);
  });

  it('traffic outside the prefix is not judged', async () => {
    const before = errors.length;
    await client.publishAsync('homeassistant/sensor/x/config', 'not json', { qos: 1 });
    await client.publishAsync('langso/dong-cam/ap-1/telemetry', '{"clients":14}', { qos: 1 });
    await waitFor(() => t.hub.ctx.devices.get({ village: 'dong-cam', device: 'ap-1' })?.telemetry?.fields.clients === 14, 3_000);
    expect(errors.length).toBe(before);
  });
});
