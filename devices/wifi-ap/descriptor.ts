import type { DeviceKindDescriptor } from '../kind.js';
import { wifiApDriver } from './driver.js';
import { wifiAp as model } from './sim-model.js';

/**
 * A public Wi-Fi access point, polled over SNMP or reporting through the OpenWrt agent. Traffic is read
 * on its Wi-Fi interface, so what the AP transmits (txBps) is what its users download, and what it
 * receives (rxBps) is what they upload: the labels say it from the users' side (docs/devices.md).
 */
export const wifiAp: DeviceKindDescriptor = {
  kind: 'wifi-ap',
  label: { vi: 'Bộ phát Wi-Fi', en: 'Wi-Fi access point' },
  defaultTimeoutS: 7,
  metrics: {
    clients: { label: { vi: 'Người dùng Wi-Fi', en: 'Wi-Fi users' }, unit: 'count' },
    txBps: { label: { vi: 'Người dùng tải xuống', en: 'Users downloading' }, unit: 'bytesPerSecond' },
    rxBps: { label: { vi: 'Người dùng tải lên', en: 'Users uploading' }, unit: 'bytesPerSecond' },
    uptimeS: { label: { vi: 'Thời gian chạy', en: 'Uptime' }, unit: 'duration' },
  },
  mainMetric: 'clients',
  rules: [
    { id: 'ap-crowded', metric: 'clients', op: '>', value: 50, forS: 600, severity: 'warning', label: { vi: 'quá nhiều người dùng Wi-Fi', en: 'too many Wi-Fi users' } },
  ],
  driver: wifiApDriver,
  simulation: { model, offlineReasons: ['mất điện', 'đứt cáp mạng', 'thiết bị quá nhiệt'] },
};
