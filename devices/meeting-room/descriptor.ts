import type { DeviceKindDescriptor } from '../kind.js';
import { meetingRoomDriver } from './driver.js';
import { meetingRoom as model } from './sim-model.js';

/** The online-meeting set of the cultural house: codec, display and camera, checked before meetings. */
export const meetingRoom: DeviceKindDescriptor = {
  kind: 'meeting-room',
  label: { vi: 'Bộ họp trực tuyến', en: 'Meeting room kit' },
  // Matters before a meeting, not minute to minute.
  defaultTimeoutS: 60,
  metrics: {
    rttMs: { label: { vi: 'Độ trễ', en: 'Latency' }, unit: 'ms' },
    codecOk: { label: { vi: 'Thiết bị họp hoạt động', en: 'Meeting codec working' }, unit: 'bool' },
    displayOk: { label: { vi: 'Màn hình hoạt động', en: 'Display working' }, unit: 'bool' },
    cameraOk: { label: { vi: 'Camera họp hoạt động', en: 'Meeting camera working' }, unit: 'bool' },
    ready: { label: { vi: 'Sẵn sàng họp', en: 'Ready for meetings' }, unit: 'bool' },
  },
  mainMetric: 'rttMs',
  rules: [],
  driver: meetingRoomDriver,
  simulation: { model, offlineReasons: ['màn hình không có tín hiệu', 'mất điện', 'đứt cáp mạng'] },
};
