import type { DeviceKindDescriptor } from '../kind.js';
import { nvrDriver } from './driver.js';
import { nvr as model } from './sim-model.js';

/** A network video recorder: where the multi-angle cameras' footage is kept. Checked over TCP and HTTP. */
export const nvr: DeviceKindDescriptor = {
  kind: 'nvr',
  label: { vi: 'Đầu ghi hình', en: 'Video recorder (NVR)' },
  // Checked every 10 s with one retry: three missed rounds is a dead recorder.
  defaultTimeoutS: 30,
  metrics: {
    rttMs: { label: { vi: 'Độ trễ', en: 'Latency' }, unit: 'ms' },
    webOk: { label: { vi: 'Trang quản trị trả lời', en: 'Web page answering' }, unit: 'bool' },
    webMs: { label: { vi: 'Thời gian trang quản trị trả lời', en: 'Web page response time' }, unit: 'ms' },
    uptimeS: { label: { vi: 'Thời gian chạy', en: 'Uptime' }, unit: 'duration' },
  },
  mainMetric: 'rttMs',
  rules: [],
  driver: nvrDriver,
  simulation: { model, offlineReasons: ['mất điện', 'đứt cáp mạng', 'ổ cứng hỏng'] },
};
