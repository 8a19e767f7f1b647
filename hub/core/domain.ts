import type { DeviceKind } from '../config/schema.js';
import type { ReasonParams } from '../../shared/reasons.js';
import type { AlertView } from '../../shared/events.js';

/**
 * Why a device is not online: `reason` the raw text (a device's words, a poller's technical error, or
 * a hub code), `reasonCode` + `reasonParams` what people read, translated (shared/reasons.ts).
 */
export interface ReasonFields {
  reason?: string;
  reasonCode?: string;
  reasonParams?: ReasonParams;
}

/** Availability states (DESIGN.md §4). The first cut produces online / offline / unknown. */
export const availabilityStates = ['online', 'offline', 'unreachable', 'maintenance', 'unknown'] as const;
export type AvailabilityState = (typeof availabilityStates)[number];

export function isAvailabilityState(v: unknown): v is AvailabilityState {
  return typeof v === 'string' && (availabilityStates as readonly string[]).includes(v);
}

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

/** A validated status message; reason code `lwt` marks a Last Will delivered by the broker. */
export interface StatusReport extends DeviceRef, ReasonFields {
  ts: number;
  state: 'online' | 'offline';
}

export interface DeviceEvent extends DeviceRef {
  ts: number;
  type: string;
  severity: 'info' | 'warning' | 'critical';
  message?: string;
}

export interface Transition extends DeviceRef, ReasonFields {
  kind: DeviceKind;
  ts: number;
  from: AvailabilityState;
  to: AvailabilityState;
  /** For `unreachable`: the offline ancestor that took this device down (the root cause). */
  cause?: string;
  /** True when this transition was decided while the device is flapping (do not notify each one). */
  flapping?: boolean;
  /** Central mode: received long after it happened (a village hub's backlog): history, never alerted as news. */
  late?: boolean;
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

/** What an alert is about (DESIGN.md §6): one list, shared with the dashboard. */
export { alertConditions, type AlertCondition } from '../../shared/events.js';
export const severities = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof severities)[number];
export type AlertStatus = 'firing' | 'acknowledged' | 'resolved';

/** An alert: the same fields the API and the dashboard carry (shared/events.ts AlertView). */
export type Alert = AlertView;

export type AlertChange = 'fired' | 'acknowledged' | 'resolved' | 'escalated';

/** The hub's Internet link (the village PC's WAN), probed by the hub: one link for all its villages. `reason` is the probes' raw text. */
export interface InternetState extends ReasonFields {
  state: 'up' | 'down' | 'unknown';
  ts: number;
}
