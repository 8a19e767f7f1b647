import type { DeviceDriver, PollSettings } from './driver.js';
import type { DeviceKindDescriptor } from './kind.js';
import { meetingRoom } from './meeting-room/descriptor.js';
import { generic, networkSwitch, router } from './network/descriptor.js';
import { nvr } from './nvr/descriptor.js';
import { onvifCamera } from './onvif-camera/descriptor.js';
import { pc } from './pc/descriptor.js';
import { wifiAp } from './wifi-ap/descriptor.js';

/**
 * The one static registry of device kinds (DESIGN.md §2). Adding a kind is one folder in devices/ with
 * its descriptor, one line here, and its tests: config defaults, alert rules, dashboard labels and the
 * simulator all come from the descriptor.
 */
export const deviceKindList: readonly DeviceKindDescriptor[] = [
  onvifCamera,
  wifiAp,
  meetingRoom,
  pc,
  router,
  networkSwitch,
  generic,
  nvr,
];

const byKind = new Map(deviceKindList.map((d) => [d.kind, d]));

/** Every kind's name, as the config's `kind:` accepts it. */
export const kindNames = deviceKindList.map((d) => d.kind) as [string, ...string[]];

export function descriptorOf(kind: string): DeviceKindDescriptor | undefined {
  return byKind.get(kind);
}

export function driverFor(kind: string): DeviceDriver<PollSettings> | undefined {
  return byKind.get(kind)?.driver;
}
