import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/services/influxd.js';
import { startHubProcess, writeHubFolder, type HubProcess } from '../helpers/hub-process.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';

const VILLAGE = testVillage.id;
const devices = [
  { id: 'cam-1', village: VILLAGE, name: 'Camera cổng', kind: 'onvif-camera' },
  { id: 'ap-1', village: VILLAGE, name: 'Wi-Fi nhà văn hoá', kind: 'wifi-ap' },
];

async function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
  c.on('error', () => undefined);
  return c;
}

/** Messages a client receives, by topic. */
function collect(c: MqttClient): Array<{ topic: string; payload: string; retain: boolean }> {
  const got: Array<{ topic: string; payload: string; retain: boolean }> = [];
  c.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return got;
}

/**
 * What the broker was given survives a restart of the hub: retained device statuses, and the QoS 1
 * messages queued for a `clean: false` subscriber while it was away (aedes-persistence-level in
 * dataDir/broker).
 */
describe('broker state across restarts', () => {
  let dir = '';
  let hub: TestHub | null = null;
  let proc: HubProcess | null = null;
  const clients: MqttClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await hub?.stop();
    await proc?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function scenario(restart: (url: string) => Promise<string>, url: string): Promise<void> {
    // A reader with a persistent session subscribes, then goes away.
    const reader = await connect(url, { clientId: 'village-screen', clean: false });
    await reader.subscribeAsync(`langso/${VILLAGE}/+/event`, { qos: 1 });
    await reader.endAsync();
    // A device announces itself once (retained) and reports two events while the reader is away.
    const cam = await connect(url, { clientId: `${VILLAGE}-cam-1` });
    clients.push(cam);
    await cam.publishAsync(`langso/${VILLAGE}/cam-1/status`, '{"state":"online"}', { qos: 1, retain: true });
    await cam.publishAsync(`langso/${VILLAGE}/cam-1/event`, '{"type":"tamper","severity":"critical"}', { qos: 1 });
    await cam.publishAsync(`langso/${VILLAGE}/cam-1/event`, '{"type":"boot"}', { qos: 1 });
    await cam.endAsync();

    const after = await restart(url);

    // A new subscriber gets the status the device announced before the restart.
    const watcher = await connect(after, { clientId: 'dashboard-tv' });
    clients.push(watcher);
    const seen = collect(watcher);
    await watcher.subscribeAsync(`langso/${VILLAGE}/+/status`, { qos: 1 });
    const status = await waitFor(() => seen.find((m) => m.topic.endsWith('/cam-1/status')), 5_000, 'the retained status');
    expect(status).toMatchObject({ payload: '{"state":"online"}', retain: true });

    // The reader comes back: its session is there, and so are the events queued for it, in order.
    const back = mqtt.connect(after, { clientId: 'village-screen', clean: false, reconnectPeriod: 0 });
    clients.push(back);
    back.on('error', () => undefined);
    const queued = collect(back);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => back.once('connect', (p) => resolve(p)));
    expect(connack.sessionPresent).toBe(true);
    await waitFor(() => queued.length >= 2, 5_000, 'the queued events');
    expect(queued.map((m) => JSON.parse(m.payload) as { type: string }).map((e) => e.type)).toEqual(['tamper', 'boot']);
  }

  it('retained statuses and queued QoS 1 messages are there after a clean restart', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-broker-state-'));
    const port = await freePort();
    const doc = { villages: [testVillage], devices, broker: { port } };
    hub = await startTestHub(doc, { dataDir: dir });
    await scenario(async () => {
      await hub?.stop();
      hub = await startTestHub(doc, { dataDir: dir });
      return `mqtt://127.0.0.1:${port}`;
    }, `mqtt://127.0.0.1:${port}`);
    await hub.stop();
    hub = null;
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
    await rm(dir, { recursive: true, force: true });
  });

  it('and after a SIGKILL', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'langso-broker-kill-'));
    const { config, mqttUrl } = await writeHubFolder(dir, { villages: [testVillage], devices });
    proc = await startHubProcess(config);
    await scenario(async (url) => {
      // The queued copies are written right after the acknowledgement: a moment for them (docs/durability.md).
      await new Promise((r) => setTimeout(r, 200));
      await proc?.kill();
      proc = await startHubProcess(config);
      return url;
    }, mqttUrl);
  });
});
