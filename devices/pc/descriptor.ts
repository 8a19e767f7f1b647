import type { DeviceKindDescriptor } from '../kind.js';
import { pcDriver } from './driver.js';
import { pc as model } from './sim-model.js';

/** The village PC (the agent, or the hub polling the PC it runs on). */
export const pc: DeviceKindDescriptor = {
  kind: 'pc',
  label: { vi: 'Máy tính', en: 'Computer' },
  defaultTimeoutS: 90,
  metrics: {
    // The agent sends its load as the busy share of all cores, 0–1.
    cpuLoad: { label: { vi: 'CPU đang dùng', en: 'CPU in use' }, unit: 'ratio' },
    memUsedPct: { label: { vi: 'Bộ nhớ đã dùng', en: 'Memory used' }, unit: 'percent' },
    diskFreePct: { label: { vi: 'Ổ đĩa còn trống', en: 'Disk free' }, unit: 'percent' },
    uptimeS: { label: { vi: 'Thời gian chạy', en: 'Uptime' }, unit: 'duration' },
  },
  mainMetric: 'cpuLoad',
  rules: [
    { id: 'pc-disk-low', metric: 'diskFreePct', op: '<', value: 10, forS: 300, severity: 'warning', label: { vi: 'ổ đĩa máy tính sắp đầy', en: 'the computer disk is nearly full' } },
  ],
  driver: pcDriver,
  simulation: { model, offlineReasons: ['mất điện', 'máy tính đã tắt'] },
};
