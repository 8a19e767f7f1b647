import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descriptorOf } from '../../devices/index.js';
import type { Unit } from '../../shared/units.js';
import { openStateDb } from '../../hub/state/db.js';
import { startTestHub, testVillage, waitFor, type TestHub } from '../helpers/hub.js';
import { addReader } from '../security/helpers.js';
import { renderTemplate } from './jinja.js';
import {
  allowedKeys,
  availabilityKeys,
  availabilityModes,
  binaryDeviceClasses,
  deviceKeys,
  DISCOVERY_TOPIC,
  originKeys,
  requiredKeys,
  stateClasses,
  unitsOfDeviceClass,
} from './ha-schema.js';

/**
 * Home Assistant MQTT discovery, checked the way Home Assistant reads it: a reader account subscribes to
 * `homeassistant/#` (and to the state and availability topics the configs name), every payload is held
 * to Home Assistant's discovery schema, and every value template is rendered against the real messages.
 */

type Config = Record<string, unknown> & {
  unique_id: string;
  state_topic: string;
  value_template: string;
  availability: Array<{ topic: string; value_template?: string; payload_available?: string }>;
  device: Record<string, unknown> & { identifiers: string[] };
};

const V = testVillage.id;
const devices = [
  { id: 'router', village: V, name: 'Bộ định tuyến', kind: 'router', location: 'Nhà văn hóa thôn', timeoutS: 600 },
  { id: 'cam-1', village: V, name: 'Camera cổng thôn', kind: 'onvif-camera', parent: 'router', location: 'Cổng thôn', timeoutS: 600 },
  { id: 'ap-1', village: V, name: 'Wi-Fi sân thể thao', kind: 'wifi-ap', parent: 'router', timeoutS: 600 },
  { id: 'pc-1', village: V, name: 'Máy tính nhà văn hóa', kind: 'pc', timeoutS: 600 },
  { id: 'phong-hop', village: V, name: 'Bộ họp trực tuyến', kind: 'meeting-room', timeoutS: 600 },
];

/** Full telemetry of each device, every metric of its kind. */
const telemetry: Record<string, Record<string, number | boolean>> = {
  router: { rttMs: 1.2, uptimeS: 99 },
  'cam-1': { rttMs: 42, streamOk: true, snapshotOk: true, snapshotAgeS: 3, clockDriftS: -2, imageLuma: 120.5, frozen: false, dark: false },
  'ap-1': { clients: 12, txBps: 125_000, rxBps: 40_000, uptimeS: 3600 },
  'pc-1': { cpuLoad: 0.37, memUsedPct: 41.5, diskFreePct: 63, uptimeS: 7200 },
  'phong-hop': { rttMs: 8, codecOk: true, displayOk: false, cameraOk: true, ready: false },
};

/** What each unit of shared/units.ts must become in Home Assistant (the task's table, written out here). */
const expectedUnit: Record<Exclude<Unit, 'bool'>, { unit?: string; deviceClass?: string; scale: number }> = {
  bytesPerSecond: { unit: 'B/s', deviceClass: 'data_rate', scale: 1 },
  ms: { unit: 'ms', deviceClass: 'duration', scale: 1 },
  seconds: { unit: 's', deviceClass: 'duration', scale: 1 },
  duration: { unit: 's', deviceClass: 'duration', scale: 1 },
  percent: { unit: '%', scale: 1 },
  ratio: { unit: '%', scale: 100 },
  count: { scale: 1 },
  level: { scale: 1 },
  plain: { scale: 1 },
};

describe('Home Assistant MQTT discovery', () => {
  let dataDir: string;
  let t: TestHub | null = null;
  let readerSecret = '';
  const clients: MqttClient[] = [];
  /** Every config the first run announced, by topic. */
  const announced = new Map<string, Config>();
  /** The last message Home Assistant holds per topic. */
  const last = new Map<string, string>();

  const connect = async (opts: mqtt.IClientOptions = {}): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(t!.mqttUrl, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
    clients.push(c);
    return c;
  };
  const homeAssistant = (clientId: string): Promise<MqttClient> => connect({ clientId, username: 'home-assistant', password: readerSecret });
  const start = async (doc: Record<string, unknown>): Promise<TestHub> =>
    (t = await startTestHub({ villages: [testVillage], store: { kind: 'sqlite', writer: { flushMs: 50 } }, ...doc }, { dataDir }));

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'langso-ha-'));
    await start({ devices, export: { homeassistant: { enabled: true } } });
    readerSecret = await addReader(t!, 'home-assistant');
  });

  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await t?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const metricCount = (kind: string): number => Object.keys(descriptorOf(kind)?.metrics ?? {}).length;
  const expectedCount = devices.reduce((n, d) => n + 1 + metricCount(d.kind), 0);

  it('announces every configured device, each payload within Home Assistant\'s discovery schema', async () => {
    const ha = await homeAssistant('ha-discovery');
    ha.on('message', (topic, payload, packet) => {
      if (packet.retain && payload.length > 0) announced.set(topic, JSON.parse(payload.toString()) as Config);
    });
    await ha.subscribeAsync('homeassistant/#', { qos: 1 });
    await waitFor(() => announced.size >= expectedCount, 10_000, `${expectedCount} retained discovery configs`);
    expect(announced.size).toBe(expectedCount);

    const problems: string[] = [];
    const uniqueIds = new Set<string>();
    const deviceIds = new Map<string, string>();
    for (const [topic, c] of announced) {
      const m = DISCOVERY_TOPIC.exec(topic);
      if (!m) {
        problems.push(`${topic}: not a discovery topic`);
        continue;
      }
      const component = m[2] as 'sensor' | 'binary_sensor';
      for (const k of Object.keys(c)) if (!allowedKeys[component].has(k)) problems.push(`${topic}: "${k}" is not a ${component} option`);
      for (const k of requiredKeys[component]) if (c[k] === undefined) problems.push(`${topic}: "${k}" is required`);
      if (m[1] !== 'homeassistant') problems.push(`${topic}: discovery prefix ${m[1]}`);
      if (uniqueIds.has(c.unique_id)) problems.push(`${topic}: unique_id ${c.unique_id} used twice`);
      uniqueIds.add(c.unique_id);
      if (typeof c.name !== 'string' || c.name === '') problems.push(`${topic}: no name`);
      if (typeof c.default_entity_id !== 'string' || !new RegExp(`^${component}\\.[a-z0-9_]+$`).test(c.default_entity_id)) problems.push(`${topic}: default_entity_id ${String(c.default_entity_id)} is not a ${component} entity id`);
      for (const k of Object.keys(c.device)) if (!deviceKeys.has(k)) problems.push(`${topic}: device."${k}" is not a device option`);
      if (!Array.isArray(c.device.identifiers) || c.device.identifiers.length === 0) problems.push(`${topic}: device without identifiers`);
      for (const k of Object.keys((c.origin ?? {}) as object)) if (!originKeys.has(k)) problems.push(`${topic}: origin."${k}"`);
      if (typeof (c.origin as { name?: unknown } | undefined)?.name !== 'string') problems.push(`${topic}: origin needs a name`);
      for (const a of c.availability) for (const k of Object.keys(a)) if (!availabilityKeys.has(k)) problems.push(`${topic}: availability."${k}"`);
      if (c.availability_mode !== undefined && !availabilityModes.has(String(c.availability_mode))) problems.push(`${topic}: availability_mode ${String(c.availability_mode)}`);
      if (c.state_class !== undefined && !stateClasses.has(String(c.state_class))) problems.push(`${topic}: state_class ${String(c.state_class)}`);
      if (component === 'binary_sensor' && c.device_class !== undefined && !binaryDeviceClasses.has(String(c.device_class))) problems.push(`${topic}: device_class ${String(c.device_class)}`);
      if (component === 'sensor' && c.device_class !== undefined) {
        const units = unitsOfDeviceClass[String(c.device_class)];
        if (!units?.has(String(c.unit_of_measurement))) problems.push(`${topic}: unit ${String(c.unit_of_measurement)} is not one of device class ${String(c.device_class)}`);
      }
      // Every entity goes unavailable with the hub.
      if (c.availability[0]?.topic !== `langso/${V}/$hub/status`) problems.push(`${topic}: availability does not start with the hub's status`);
      deviceIds.set(c.device.identifiers[0]!, String(c.device.name));
    }
    expect(problems).toEqual([]);

    for (const d of devices) {
      const ofDevice = [...announced.values()].filter((c) => c.device.identifiers[0] === `langso_${V}_${d.id}`);
      expect(ofDevice.length, d.id).toBe(1 + metricCount(d.kind));
      for (const c of ofDevice) {
        expect(c.device).toMatchObject({ name: d.name, manufacturer: 'Làng Số', model: descriptorOf(d.kind)?.label.vi });
        expect(c.device.suggested_area).toBe(d.location);
        // via_device names a device that is announced too.
        if (d.parent) expect(deviceIds.has(String(c.device.via_device)), `${d.id} via ${String(c.device.via_device)}`).toBe(true);
        else expect(c.device.via_device).toBeUndefined();
      }
      const connectivity = ofDevice.find((c) => c.device_class === 'connectivity');
      expect(connectivity, `${d.id} connectivity`).toMatchObject({ state_topic: `langso/${V}/$hub/devices/${d.id}`, availability: [{ topic: `langso/${V}/$hub/status` }] });
      expect(announced.has(`homeassistant/binary_sensor/${connectivity?.unique_id}/config`)).toBe(true);
      // One entity per metric of the kind, with Home Assistant's unit and device class.
      for (const [field, spec] of Object.entries(descriptorOf(d.kind)?.metrics ?? {})) {
        const c = ofDevice.find((x) => x.value_template.includes(`value_json.${field} `));
        expect(c, `${d.id}.${field}`).toBeDefined();
        expect(c!.state_topic).toBe(`langso/${V}/${d.id}/telemetry`);
        expect(c!.name).toBe(spec.label.vi);
        const component = [...announced].find(([, x]) => x === c)![0].split('/')[1];
        if (spec.unit === 'bool') {
          expect(component, `${d.id}.${field}`).toBe('binary_sensor');
          continue;
        }
        const want = expectedUnit[spec.unit];
        expect(component, `${d.id}.${field}`).toBe('sensor');
        expect([c!.unit_of_measurement, c!.device_class], `${d.id}.${field}`).toEqual([want.unit, want.deviceClass]);
      }
    }
  });

  it('every value template renders against the real messages; connectivity follows the hub, parents included', async () => {
    const configs = [...announced.values()];
    const topics = new Set(configs.flatMap((c) => [c.state_topic, ...c.availability.map((a) => a.topic)]));
    const ha = await homeAssistant('ha-states');
    ha.on('message', (topic, payload) => last.set(topic, payload.toString()));
    await ha.subscribeAsync([...topics], { qos: 1 });

    const dev = await connect({ clientId: 'village-devices' });
    for (const d of devices) await dev.publishAsync(`langso/${V}/${d.id}/status`, '{"state":"online"}', { qos: 1, retain: true });
    for (const d of devices) await dev.publishAsync(`langso/${V}/${d.id}/telemetry`, JSON.stringify(telemetry[d.id]), { qos: 1 });
    await waitFor(
      () => devices.every((d) => last.has(`langso/${V}/${d.id}/telemetry`) && JSON.parse(last.get(`langso/${V}/$hub/devices/${d.id}`) ?? '{}').state === 'online'),
      10_000,
      'telemetry and the hub saying every device is online',
    );

    const wrong: string[] = [];
    for (const c of configs) {
      const payload = last.get(c.state_topic)!;
      const rendered = renderTemplate(c.value_template, payload);
      const field = /value_json\.([A-Za-z0-9_]+) is defined/.exec(c.value_template)?.[1];
      const device = devices.find((d) => c.device.identifiers[0] === `langso_${V}_${d.id}`)!;
      if (c.device_class === 'connectivity') {
        if (rendered !== 'ON') wrong.push(`${c.unique_id}: ${rendered}`);
      } else {
        const value = telemetry[device.id]![field!]!;
        const spec = descriptorOf(device.kind)!.metrics[field!]!;
        if (spec.unit === 'bool') {
          if (rendered !== (value ? 'ON' : 'OFF')) wrong.push(`${c.unique_id}: ${rendered} for ${String(value)}`);
        } else if (Math.abs(Number(rendered) - Number(value) * expectedUnit[spec.unit].scale) > 0.05 || rendered === '') {
          wrong.push(`${c.unique_id}: ${rendered} for ${String(value)}`);
        }
      }
      for (const a of c.availability) {
        const got = renderTemplate(a.value_template ?? '{{ value }}', last.get(a.topic)!);
        if (got !== (a.payload_available ?? 'online')) wrong.push(`${c.unique_id}: availability ${a.topic} → ${got}`);
      }
    }
    expect(wrong).toEqual([]);

    // A message without some metrics: those render empty, which Home Assistant ignores (the value stays).
    await dev.publishAsync(`langso/${V}/ap-1/telemetry`, '{"clients":13}', { qos: 1 });
    await waitFor(() => last.get(`langso/${V}/ap-1/telemetry`) === '{"clients":13}', 5_000, 'the short message');
    const ap = configs.filter((c) => c.state_topic === `langso/${V}/ap-1/telemetry`);
    expect(Object.fromEntries(ap.map((c) => [c.unique_id, renderTemplate(c.value_template, last.get(c.state_topic)!)]))).toEqual({
      [`langso_${V}_ap-1_clients`]: '13',
      [`langso_${V}_ap-1_tx_bps`]: '',
      [`langso_${V}_ap-1_rx_bps`]: '',
      [`langso_${V}_ap-1_uptime_s`]: '',
    });

    // The router goes down, then the camera behind it: the hub says why (unreachable behind the router).
    await dev.publishAsync(`langso/${V}/router/status`, '{"state":"offline","reason":"lwt"}', { qos: 1, retain: true });
    await dev.publishAsync(`langso/${V}/cam-1/status`, '{"state":"offline","reason":"lwt"}', { qos: 1, retain: true });
    const camState = `langso/${V}/$hub/devices/cam-1`;
    await waitFor(() => JSON.parse(last.get(camState) ?? '{}').state === 'unreachable', 5_000, 'cam-1 unreachable');
    expect(JSON.parse(last.get(camState)!)).toMatchObject({ state: 'unreachable', cause: 'router', since: expect.any(Number) });
    const cam = configs.filter((c) => c.device.identifiers[0] === `langso_${V}_cam-1`);
    const camConnectivity = cam.find((c) => c.device_class === 'connectivity')!;
    expect(renderTemplate(camConnectivity.value_template, last.get(camState)!)).toBe('OFF');
    // Its metrics become unavailable with it (availability_mode all: the hub and the device must both be online).
    for (const c of cam.filter((x) => x !== camConnectivity)) {
      expect(c.availability_mode).toBe('all');
      expect(c.availability.map((a) => renderTemplate(a.value_template!, last.get(a.topic)!))).toEqual(['online', 'offline']);
    }
    // Maintenance and unknown are neither connected nor not: Home Assistant's "None" (unknown).
    expect(renderTemplate(camConnectivity.value_template, '{"state":"maintenance"}')).toBe('None');
    expect(renderTemplate(camConnectivity.value_template, '{"state":"unknown"}')).toBe('None');
    expect(renderTemplate(camConnectivity.value_template, '{"state":"offline"}')).toBe('OFF');
  });

  it('a hub that stops makes every entity unavailable', async () => {
    const hubStatus = `langso/${V}/$hub/status`;
    await t!.hub.stop();
    await waitFor(() => JSON.parse(last.get(hubStatus) ?? '{}').state === 'offline', 5_000, 'the hub saying offline');
    for (const c of announced.values()) expect(renderTemplate(c.availability[0]!.value_template!, last.get(hubStatus)!), c.unique_id).toBe('offline');
    t = null;
  });

  it('a device taken out of the configuration is removed on the next start, also for a Home Assistant that connects later', async () => {
    await start({ devices: devices.filter((d) => d.id !== 'phong-hop'), export: { homeassistant: { enabled: true } } });
    const removedTopics = [...announced].filter(([, c]) => c.device.identifiers[0] === `langso_${V}_phong-hop`).map(([topic]) => topic);
    expect(removedTopics.length).toBe(1 + metricCount('meeting-room'));
    const configs = new Map<string, string>();
    const ha = await homeAssistant('ha-after-restart');
    ha.on('message', (topic, payload) => configs.set(topic, payload.toString()));
    await ha.subscribeAsync('homeassistant/#', { qos: 1 });
    await waitFor(() => configs.size >= expectedCount, 10_000, 'the configs and the removals');
    const empty = [...configs].filter(([, p]) => p === '').map(([topic]) => topic);
    expect(empty.sort()).toEqual(removedTopics.sort());
    // The others are announced again, as before.
    for (const [topic, p] of configs) if (p !== '') expect(JSON.parse(p), topic).toEqual(announced.get(topic));

    // The hub remembers what it removed: the removed rows stay a while (for later subscribers), the rest are announced.
    const db = openStateDb(path.join(dataDir, 'state.db'));
    try {
      const rows = db.prepare('SELECT topic, device, removed_at FROM ha_discovery').all() as Array<{ topic: string; device: string; removed_at: number | null }>;
      expect(rows.filter((r) => r.removed_at !== null).map((r) => r.topic).sort()).toEqual(removedTopics.sort());
      expect(rows.filter((r) => r.removed_at === null).length).toBe(expectedCount - removedTopics.length);
    } finally {
      db.close();
    }
  });

  it('turning the export off removes everything it announced', async () => {
    await t!.stop();
    await start({ devices, export: { homeassistant: { enabled: false } } });
    const seen = new Map<string, string>();
    const ha = await homeAssistant('ha-export-off');
    ha.on('message', (topic, payload) => seen.set(topic, payload.toString()));
    await ha.subscribeAsync(['homeassistant/#', `langso/${V}/$hub/devices/+`], { qos: 1 });
    await waitFor(() => seen.size >= expectedCount, 10_000, 'a removal of every entity');
    expect([...seen.keys()].sort()).toEqual([...announced.keys()].sort());
    expect([...seen.values()].every((p) => p === '')).toBe(true);
  });
});

describe('Home Assistant connectivity is the hub\'s view of a device', () => {
  let t: TestHub;
  const clients: MqttClient[] = [];
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await t?.stop();
  });

  it('a device that falls silent reads disconnected, though its own retained status still says online', async () => {
    t = await startTestHub({
      villages: [testVillage],
      devices: [{ id: 'ap-2', village: V, name: 'Wi-Fi cổng thôn', kind: 'wifi-ap', timeoutS: 1 }],
      export: { homeassistant: { enabled: true } },
    });
    const seen = new Map<string, string>();
    const ha = await mqtt.connectAsync(t.mqttUrl, { clientId: 'ha', reconnectPeriod: 0 });
    clients.push(ha);
    ha.on('message', (topic, payload) => seen.set(topic, payload.toString()));
    await ha.subscribeAsync(['homeassistant/binary_sensor/#', `langso/${V}/ap-2/status`, `langso/${V}/$hub/devices/ap-2`], { qos: 1 });
    const topic = `homeassistant/binary_sensor/langso_${V}_ap-2_connectivity/config`;
    const config = JSON.parse(await waitFor(() => seen.get(topic), 5_000, 'the connectivity config')) as Config;
    expect(renderTemplate(config.value_template, seen.get(config.state_topic) ?? '')).toBe('None');

    const dev = await mqtt.connectAsync(t.mqttUrl, { clientId: 'ap-2', reconnectPeriod: 0 });
    clients.push(dev);
    await dev.publishAsync(`langso/${V}/ap-2/status`, '{"state":"online"}', { qos: 1, retain: true });
    await waitFor(() => renderTemplate(config.value_template, seen.get(config.state_topic) ?? '{}') === 'ON', 5_000, 'connected');
    // Silent past its timeout: the hub says offline (timeout) while the device's retained word is unchanged.
    await waitFor(() => renderTemplate(config.value_template, seen.get(config.state_topic) ?? '{}') === 'OFF', 10_000, 'disconnected');
    expect(JSON.parse(seen.get(config.state_topic)!)).toMatchObject({ state: 'offline', code: 'timeout' });
    expect(JSON.parse(seen.get(`langso/${V}/ap-2/status`)!)).toEqual({ state: 'online' });
  });
});
