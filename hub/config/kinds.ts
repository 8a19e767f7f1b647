/** Device kinds the hub knows. Drivers for pollers register under the same names (devices/index.ts). */
export const deviceKinds = ['onvif-camera', 'wifi-ap', 'meeting-room', 'pc', 'router', 'switch', 'generic'] as const;
export type DeviceKind = (typeof deviceKinds)[number];
