import type { DeviceKindDescriptor, MetricSpec } from '../kind.js';
import { networkDriver } from './driver.js';
import { network } from './sim-model.js';

const metrics: Record<string, MetricSpec> = {
  rttMs: { label: { vi: 'Độ trễ', en: 'Latency' }, unit: 'ms' },
  uptimeS: { label: { vi: 'Thời gian chạy', en: 'Uptime' }, unit: 'duration' },
};

/**
 * Network gear that speaks no MQTT, checked by ping or TCP connect: the village router and switch the
 * cameras and APs hang off (their `parent:`), and anything else with an address.
 */
export const router: DeviceKindDescriptor = {
  kind: 'router',
  label: { vi: 'Bộ định tuyến', en: 'Router' },
  // A parent must be known down as soon as the devices behind it.
  defaultTimeoutS: 7,
  metrics,
  mainMetric: 'rttMs',
  rules: [],
  driver: networkDriver('router'),
  simulation: { model: (g) => network(g, 0.8, 4), offlineReasons: ['mất điện', 'đứt cáp mạng', 'thiết bị quá nhiệt'] },
};

export const networkSwitch: DeviceKindDescriptor = {
  kind: 'switch',
  label: { vi: 'Bộ chuyển mạch', en: 'Switch' },
  defaultTimeoutS: 7,
  metrics,
  mainMetric: 'rttMs',
  rules: [],
  driver: networkDriver('switch'),
  simulation: { model: (g) => network(g, 0.3, 1.5), offlineReasons: ['mất điện', 'đứt cáp mạng'] },
};

export const generic: DeviceKindDescriptor = {
  kind: 'generic',
  label: { vi: 'Thiết bị', en: 'Device' },
  defaultTimeoutS: 60,
  metrics,
  mainMetric: 'rttMs',
  rules: [],
  driver: networkDriver('generic'),
  simulation: { model: (g) => network(g, 1, 10), offlineReasons: ['mất điện', 'đứt cáp mạng'] },
};
