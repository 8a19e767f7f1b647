import type { DeviceKind } from './config/schema.js';

/** Availability states (DESIGN.md §4). The first cut produces online / offline / unknown. */
export const availabilityStates = ['online', 'offline', 'unreachable', 'maintenance', 'unknown'] as const;
export type AvailabilityState = (typeof availabilityStates)[number];

export interface DeviceRef {
  village: string;
  device: string;
}

/** A validated telemetry message. */
export interface Reading extends DeviceRef {
  kind: DeviceKind;
  ts: number;
  fields: Record<string, number | boolean>;
}

/** A validated status message; `lwt` marks a Last Will delivered by the broker. */
export interface StatusReport extends DeviceRef {
  ts: number;
  state: 'online' | 'offline';
  reason?: string;
}

export interface DeviceEvent extends DeviceRef {
  ts: number;
  type: string;
  severity: 'info' | 'warning' | 'critical';
  message?: string;
}

export interface Transition extends DeviceRef {
  kind: DeviceKind;
  ts: number;
  from: AvailabilityState;
  to: AvailabilityState;
  reason?: string;
}

export interface IngestError {
  topic: string;
  clientId: string | null;
  reason: string;
  ts: number;
}

export function deviceKey(ref: DeviceRef): string {
  return `${ref.village}/${ref.device}`;
}
