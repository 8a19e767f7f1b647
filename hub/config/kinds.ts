import { descriptorOf, deviceKindList, kindNames } from '../../devices/index.js';

/**
 * Device kinds the hub knows: the registry in devices/index.ts, one descriptor per kind. A kind is a
 * string checked against the registry (the config's `kind:` is an enum of its names), so nothing here
 * switches over kinds: what differs between them lives in their descriptors.
 */
export const deviceKinds = kindNames;
export type DeviceKind = string;

/** Seconds without a valid message before a device of this kind is offline, from its descriptor. */
export function defaultTimeoutS(kind: DeviceKind): number {
  return descriptorOf(kind)?.defaultTimeoutS ?? 60;
}

export { deviceKindList };
