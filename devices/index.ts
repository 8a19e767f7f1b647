import type { DeviceKind } from '../hub/config/schema.js';
import type { DeviceDriver, PollSettings } from './driver.js';

/**
 * The one static registry of device drivers (DESIGN.md §2): adding a kind is one folder in devices/,
 * one line here, and its tests.
 */
export const drivers: Partial<Record<DeviceKind, DeviceDriver<PollSettings>>> = {};

export function driverFor(kind: DeviceKind): DeviceDriver<PollSettings> | undefined {
  return drivers[kind];
}
