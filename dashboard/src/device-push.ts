import type { DeviceView, ReadingPush, StateChange } from '../../shared/events';

/** What the socket pushes about devices, as the live store applies it to its list. */
export type Push =
  | { kind: 'state'; change: StateChange }
  | { kind: 'reading'; reading: ReadingPush }
  | { kind: 'added'; device: DeviceView }
  | { kind: 'removed'; village: string; device: string };

export const deviceKey = (village: string, device: string): string => `${village}/${device}`;

/** Applies a state change unless the list already holds a newer state. */
export function applyState(d: DeviceView, c: StateChange): DeviceView {
  if (d.since !== null && c.ts < d.since) return d;
  const next: DeviceView = { ...d, state: c.state, since: c.ts };
  if (c.reason !== undefined) next.reason = c.reason;
  else delete next.reason;
  if (c.reasonCode !== undefined) next.reasonCode = c.reasonCode;
  else delete next.reasonCode;
  if (c.reasonParams !== undefined) next.reasonParams = c.reasonParams;
  else delete next.reasonParams;
  // An unreachable device names the device that took it down; any other state has no cause.
  if (c.cause !== undefined) next.cause = c.cause;
  else delete next.cause;
  // Only a message from the device brings it online, so that is also a sighting.
  if (c.state === 'online') next.lastSeen = Math.max(d.lastSeen ?? 0, c.ts);
  return next;
}

export function applyReading(d: DeviceView, r: ReadingPush): DeviceView {
  const lastSeen = Math.max(d.lastSeen ?? 0, r.ts);
  if (d.telemetry && r.ts < d.telemetry.ts) return { ...d, lastSeen };
  // Fields absent from this message keep their last value, as the latest-values table expects.
  const fields = { ...(d.telemetry?.fields ?? {}), ...r.fields };
  return { ...d, lastSeen, telemetry: { ts: r.ts, fields } };
}
