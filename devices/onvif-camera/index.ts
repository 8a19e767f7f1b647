/** What the rest of the project uses from the onvif-camera kind (CLI `discover`, admin API, demo, benchmarks). */
export { onvifCameraDriver, onvifCameraSettingsSchema, SNAPSHOT_FILE, type OnvifCameraSettings } from './driver.js';
export {
  discover,
  markKnown,
  xaddrHost,
  type DiscoveredCamera,
  type DiscoverOptions,
  type DevicesConfig,
  type KnownDevice,
  type MarkedCamera,
} from './discovery.js';
export { OnvifClient, type DeviceInformation, type MediaProfile } from './onvif.js';
export { probeRtsp, type RtspProbeResult } from './rtsp.js';
export { analyseJpeg, type ImageStats } from './image.js';
