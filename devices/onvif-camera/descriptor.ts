import type { DeviceKindDescriptor } from '../kind.js';
import { onvifCameraDriver } from './driver.js';
import { camera } from './sim-model.js';

/** A surveillance camera that speaks ONVIF (most IP cameras): polled by the hub, or publishing itself. */
export const onvifCamera: DeviceKindDescriptor = {
  kind: 'onvif-camera',
  label: { vi: 'Camera', en: 'Camera' },
  // Polled every 3 s: 7 s of silence is a dead camera, not a late message (seen offline within 10 s).
  defaultTimeoutS: 7,
  metrics: {
    rttMs: { label: { vi: 'Độ trễ', en: 'Latency' }, unit: 'ms' },
    streamOk: { label: { vi: 'Luồng hình hoạt động', en: 'Video stream working' }, unit: 'bool' },
    snapshotOk: { label: { vi: 'Chụp ảnh được', en: 'Snapshot working' }, unit: 'bool' },
    snapshotAgeS: { label: { vi: 'Tuổi ảnh chụp', en: 'Snapshot age' }, unit: 'seconds' },
    clockDriftS: { label: { vi: 'Lệch đồng hồ', en: 'Clock drift' }, unit: 'seconds', signed: true },
    imageLuma: { label: { vi: 'Độ sáng hình (0–255)', en: 'Image brightness (0–255)' }, unit: 'level' },
    frozen: { label: { vi: 'Hình bị đứng', en: 'Image frozen' }, unit: 'bool' },
    dark: { label: { vi: 'Hình tối đen', en: 'Image dark' }, unit: 'bool' },
  },
  mainMetric: 'rttMs',
  rules: [
    { id: 'camera-dark', metric: 'imageLuma', op: '<', value: 10, forS: 120, severity: 'warning', label: { vi: 'hình ảnh camera tối đen (bị che hoặc hỏng)', en: 'the camera picture is black (covered or broken)' } },
    { id: 'camera-frozen', metric: 'frozen', op: '==', value: 1, forS: 60, severity: 'warning', label: { vi: 'hình ảnh camera bị đứng', en: 'the camera picture is frozen' } },
    { id: 'camera-clock', metric: 'clockDriftS', op: '>', value: 120, abs: true, forS: 0, severity: 'info', label: { vi: 'đồng hồ camera bị lệch', en: 'the camera clock is off' } },
  ],
  snapshot: true,
  driver: onvifCameraDriver,
  simulation: { model: camera, offlineReasons: ['không có tín hiệu video', 'mất điện', 'đứt cáp mạng'] },
};
