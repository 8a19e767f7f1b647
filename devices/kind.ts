import type { DeviceConfig } from '../hub/config/schema.js';
import type { Text } from '../shared/i18n.js';
import type { Unit } from '../shared/units.js';
import type { DeviceDriver, PollSettings } from './driver.js';
import type { Model, Rng } from './sim/random.js';

/** How one metric of a kind reads: its label (vi, en) and unit; dashboards, charts and messages use it. */
export interface MetricSpec {
  label: Text;
  unit: Unit;
  /** True when the value can be below zero (a clock running late); the rest are charted from 0. */
  signed?: boolean;
}

/** A threshold alert every device of the kind gets unless the config lists its own `alerts.rules`. */
export interface KindRule {
  id: string;
  metric: string;
  op: '>' | '>=' | '<' | '<=' | '==' | '!=';
  value: number;
  abs?: boolean;
  forS: number;
  severity: 'info' | 'warning' | 'critical';
  label: Text;
}

/** What the demo simulator does for a device of this kind. */
export interface KindSimulation {
  /** Telemetry over a village day. */
  model: (g: Rng, device: DeviceConfig) => Model;
  /** Why it says it is offline when it fails (what its agent would report). */
  offlineReasons: readonly string[];
}

/**
 * Everything the hub knows about a device kind, in the kind's folder (DESIGN.md §2): config defaults,
 * alert defaults, dashboard labels and the simulator all derive from it. Adding a kind is one folder with
 * its descriptor, one line in devices/index.ts, and its tests.
 */
export interface DeviceKindDescriptor {
  /** The `kind:` of a device in the config; a lowercase slug. */
  readonly kind: string;
  readonly label: Text;
  /** Seconds without a valid message before a device of this kind is offline (device `timeoutS` overrides). */
  readonly defaultTimeoutS: number;
  /** The metrics it reports; a device may send others, which are shown under their own names. */
  readonly metrics: Readonly<Record<string, MetricSpec>>;
  /** The metric a device tile shows first. */
  readonly mainMetric?: string;
  readonly rules: readonly KindRule[];
  /** The hub keeps the latest good picture of such a device (GET /api/devices/:v/:d/snapshot). */
  readonly snapshot?: boolean;
  /** Present when the hub can poll a device of this kind itself (a `poll:` block in its config). */
  readonly driver?: DeviceDriver<PollSettings>;
  readonly simulation: KindSimulation;
}

/** Metrics every polled device reports besides its kind's own (devices/polled-device.ts). */
export const pollerMetrics: Readonly<Record<string, MetricSpec>> = {
  pollMs: { label: { vi: 'Thời gian kiểm tra', en: 'Check time' }, unit: 'ms' },
};
