import type { DeviceKind } from '../hub/config/schema.js';
import type { DeviceDriver, PollSettings } from './driver.js';
import { onvifCameraDriver } from './onvif-camera/driver.js';
import { meetingRoomDriver } from './meeting-room/driver.js';
import { networkDriver } from './network/driver.js';
import { pcDriver } from './pc/driver.js';
import { wifiApDriver } from './wifi-ap/driver.js';

/**
 * The one static registry of device drivers (DESIGN.md §2): adding a kind is one folder in devices/,
 * one line here, and its tests.
 */
export const drivers: Partial<Record<DeviceKind, DeviceDriver<PollSettings>>> = {
  'onvif-camera': onvifCameraDriver,
  'wifi-ap': wifiApDriver,
  'meeting-room': meetingRoomDriver,
  pc: pcDriver,
  router: networkDriver('router'),
  switch: networkDriver('switch'),
  generic: networkDriver('generic'),
};

export function driverFor(kind: DeviceKind): DeviceDriver<PollSettings> | undefined {
  return drivers[kind];
}
