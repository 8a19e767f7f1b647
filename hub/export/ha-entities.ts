import { descriptorOf } from '../../devices/index.js';
import type { MetricSpec } from '../../devices/kind.js';
import type { Unit } from '../../shared/units.js';
import type { DeviceConfig, VillageConfig } from '../config/schema.js';
import { discoveryTopic, type DiscoveryComponent, type Topics } from '../broker/topics.js';

/**
 * Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery): the
 * config messages that make each configured device a Home Assistant device with
 * - a `connectivity` binary sensor read from the hub's own view of the device (`$hub/devices/<device>`),
 *   which knows a heartbeat timeout and an offline parent, not only what the device said last;
 * - one sensor per metric of its kind's descriptor, read from the device's telemetry, with the unit and
 *   device class Home Assistant expects (bool metrics become binary sensors).
 * Every entity is unavailable while the hub's `$hub/status` says offline (a dead hub is not a healthy
 * village); metric entities also while the device is not online. Pure: hub/export/homeassistant.ts publishes.
 */

export const MANUFACTURER = 'Làng Số';
export const ORIGIN_NAME = 'Làng Số Hub';
/** The connectivity entity's name (Home Assistant shows "<device> Kết nối"). */
export const CONNECTIVITY_NAME = 'Kết nối';

/** Availability states that mean "not connected" to Home Assistant; maintenance and unknown are neither. */
const DISCONNECTED = ['offline', 'unreachable'];

export interface DiscoveryEntity {
  component: DiscoveryComponent;
  topic: string;
  village: string;
  device: string;
  config: Record<string, unknown>;
}

export interface EntityOptions {
  topics: Topics;
  discoveryPrefix: string;
  version: string;
  villages: readonly VillageConfig[];
  devices: readonly DeviceConfig[];
}

/** How a unit of shared/units.ts reads in Home Assistant; `scale` multiplies the value (ratio 0–1 → %). */
interface HaUnit {
  unit?: string;
  deviceClass?: string;
  scale?: number;
}

const haUnits: Record<Exclude<Unit, 'bool'>, HaUnit> = {
  count: {},
  // Devices send octets per second; Home Assistant converts data_rate for display (Mbit/s) itself.
  bytesPerSecond: { unit: 'B/s', deviceClass: 'data_rate' },
  ms: { unit: 'ms', deviceClass: 'duration' },
  seconds: { unit: 's', deviceClass: 'duration' },
  duration: { unit: 's', deviceClass: 'duration' },
  percent: { unit: '%' },
  ratio: { unit: '%', scale: 100 },
  level: {},
  plain: {},
};

/** `rttMs` → `rtt_ms`; `dong-cam` → `dong_cam`: Home Assistant entity ids are lowercase with underscores. */
export function snake(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
}

/** Jinja for a JSON field that may be missing from a message: empty output, which Home Assistant ignores. */
function whenPresent(field: string, expr: string): string {
  return `{{ ${expr} if value_json.${field} is defined else '' }}`;
}

export function metricTemplate(field: string, spec: MetricSpec): string {
  if (spec.unit === 'bool') return whenPresent(field, `('ON' if value_json.${field} else 'OFF')`);
  const scale = haUnits[spec.unit].scale;
  return whenPresent(field, scale === undefined ? `value_json.${field}` : `(value_json.${field} * ${scale}) | round(1)`);
}

/** ON for online, OFF for offline or unreachable, None (unknown) for maintenance and unknown. */
export const CONNECTIVITY_TEMPLATE = `{{ 'ON' if value_json.state == 'online' else ('OFF' if value_json.state in [${DISCONNECTED.map((s) => `'${s}'`).join(', ')}] else 'None') }}`;
/** The hub's `$hub/status` and `$hub/devices/<device>` are JSON with a `state`. */
export const HUB_AVAILABILITY_TEMPLATE = '{{ value_json.state }}';
export const DEVICE_AVAILABILITY_TEMPLATE = "{{ 'online' if value_json.state == 'online' else 'offline' }}";

/** Every discovery config for the configured devices, in configuration order. */
export function discoveryEntities(opts: EntityOptions): DiscoveryEntity[] {
  const { topics } = opts;
  const villageName = new Map(opts.villages.map((v) => [v.id, v.name]));
  const manyVillages = opts.villages.length > 1;
  const origin = { name: ORIGIN_NAME, sw_version: opts.version };
  const out: DiscoveryEntity[] = [];
  for (const d of opts.devices) {
    const kind = descriptorOf(d.kind);
    const base = `${topics.prefix}_${d.village}_${d.id}`;
    const objectBase = snake(`${d.village}_${d.id}`);
    const hubAvailability = { topic: topics.hubStatus(d.village), value_template: HUB_AVAILABILITY_TEMPLATE };
    const device = {
      identifiers: [base],
      // Two villages may both have a "Camera cổng thôn".
      name: manyVillages ? `${d.name} (${villageName.get(d.village) ?? d.village})` : d.name,
      manufacturer: MANUFACTURER,
      model: kind?.label.vi ?? d.kind,
      ...(d.location ? { suggested_area: d.location } : {}),
      ...(d.parent ? { via_device: `${topics.prefix}_${d.village}_${d.parent}` } : {}),
    };
    const entity = (component: DiscoveryComponent, key: string, config: Record<string, unknown>): void => {
      const uniqueId = `${base}_${snake(key)}`;
      out.push({
        component,
        topic: discoveryTopic(opts.discoveryPrefix, component, uniqueId),
        village: d.village,
        device: d.id,
        // The entity id Home Assistant gives it on first discovery (`object_id` did this before 2025.10; gone since 2026.4).
        config: { ...config, unique_id: uniqueId, default_entity_id: `${component}.${objectBase}_${snake(key)}`, device, origin },
      });
    };
    const stateTopic = topics.deviceState(d.village, d.id);
    entity('binary_sensor', 'connectivity', {
      name: CONNECTIVITY_NAME,
      device_class: 'connectivity',
      state_topic: stateTopic,
      value_template: CONNECTIVITY_TEMPLATE,
      payload_on: 'ON',
      payload_off: 'OFF',
      // state, since, reason: shown as the entity's attributes.
      json_attributes_topic: stateTopic,
      availability: [hubAvailability],
      qos: 1,
    });
    // Metric values only mean something while the device is online (and the hub is running).
    const availability = [hubAvailability, { topic: stateTopic, value_template: DEVICE_AVAILABILITY_TEMPLATE }];
    for (const [field, spec] of Object.entries(kind?.metrics ?? {})) {
      const common = { name: spec.label.vi, state_topic: topics.telemetry(d.village, d.id), value_template: metricTemplate(field, spec), availability, availability_mode: 'all' };
      if (spec.unit === 'bool') {
        entity('binary_sensor', field, { ...common, payload_on: 'ON', payload_off: 'OFF' });
        continue;
      }
      const u = haUnits[spec.unit];
      entity('sensor', field, {
        ...common,
        state_class: 'measurement',
        ...(u.unit ? { unit_of_measurement: u.unit } : {}),
        ...(u.deviceClass ? { device_class: u.deviceClass } : {}),
      });
    }
  }
  return out;
}
