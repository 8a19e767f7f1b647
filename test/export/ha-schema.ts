/**
 * Home Assistant's MQTT discovery schema, as its documentation gives it (integrations/sensor.mqtt,
 * integrations/binary_sensor.mqtt, integrations/mqtt "Discovery"): the options each platform accepts
 * and requires, the device and origin blocks, and the units each sensor device class takes. A discovery
 * payload with anything else is refused by Home Assistant's schema, so the test holds the hub to it.
 */

const COMMON = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'default_entity_id',
  'device',
  'device_class',
  'enabled_by_default',
  'encoding',
  'entity_category',
  'entity_picture',
  'expire_after',
  'force_update',
  'icon',
  'json_attributes_template',
  'json_attributes_topic',
  'name',
  // `object_id` is not here: deprecated in Home Assistant 2025.10 for `default_entity_id`, and ignored since 2026.4.
  'origin',
  'payload_available',
  'payload_not_available',
  'platform',
  'qos',
  'state_topic',
  'unique_id',
  'value_template',
];

export const allowedKeys: Record<'sensor' | 'binary_sensor', ReadonlySet<string>> = {
  sensor: new Set([...COMMON, 'last_reset_value_template', 'options', 'state_class', 'suggested_display_precision', 'unit_of_measurement']),
  binary_sensor: new Set([...COMMON, 'off_delay', 'payload_off', 'payload_on']),
};

/** Required by the platform schema; `unique_id` is required for an entity with a device block. */
export const requiredKeys: Record<'sensor' | 'binary_sensor', readonly string[]> = {
  sensor: ['state_topic', 'unique_id'],
  binary_sensor: ['state_topic', 'unique_id'],
};

export const deviceKeys = new Set([
  'configuration_url',
  'connections',
  'hw_version',
  'identifiers',
  'manufacturer',
  'model',
  'model_id',
  'name',
  'serial_number',
  'suggested_area',
  'sw_version',
  'via_device',
]);

export const originKeys = new Set(['name', 'sw_version', 'support_url']);
export const availabilityKeys = new Set(['payload_available', 'payload_not_available', 'topic', 'value_template']);
export const availabilityModes = new Set(['all', 'any', 'latest']);
export const stateClasses = new Set(['measurement', 'measurement_angle', 'total', 'total_increasing']);

/** Binary sensor device classes (integrations/binary_sensor#device-class). */
export const binaryDeviceClasses = new Set([
  'battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat', 'light', 'lock',
  'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem', 'running', 'safety', 'smoke',
  'sound', 'tamper', 'update', 'vibration', 'window',
]);

/** Units each sensor device class the hub uses accepts (integrations/sensor#device-class). */
export const unitsOfDeviceClass: Record<string, ReadonlySet<string>> = {
  data_rate: new Set(['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'B/s', 'kB/s', 'MB/s', 'GB/s', 'KiB/s', 'MiB/s', 'GiB/s']),
  duration: new Set(['d', 'h', 'min', 's', 'ms', 'µs']),
};

/** Discovery topic: `<prefix>/<component>/[<node_id>/]<object_id>/config`, ids of [a-zA-Z0-9_-]. */
export const DISCOVERY_TOPIC = /^([a-zA-Z0-9_-]+)\/(sensor|binary_sensor)\/(?:[a-zA-Z0-9_-]+\/)?([a-zA-Z0-9_-]+)\/config$/;
