import type { Alert, DeviceRef } from '../core/domain.js';
import { deviceKey } from '../core/domain.js';
import { HUB_WIDE } from '../../shared/events.js';
import type { AlertStore, NewAlert } from './store.js';

/** The identity of each kind of alert: one open alert per key. */
export const alertKeys = {
  offline: (r: DeviceRef) => `offline:${deviceKey(r)}`,
  root: (r: DeviceRef) => `unreachable-root:${deviceKey(r)}`,
  flapping: (r: DeviceRef) => `flapping:${deviceKey(r)}`,
  threshold: (ruleId: string, r: DeviceRef) => `threshold:${ruleId}:${deviceKey(r)}`,
  /** One Internet link per hub: one alert, whatever the number of villages. */
  internet: () => `internet-down:${HUB_WIDE}`,
  event: (type: string, r: DeviceRef) => `event:${type}:${deviceKey(r)}`,
};

/** What the parts of the alert engine (outages, thresholds, device events) open and close alerts through. */
export interface AlertSink {
  readonly store: AlertStore;
  /** Opens the alert unless one is open for its key already (then nothing happens). */
  fire(a: NewAlert): Alert;
  /** Resolves the open alert with this key, if any; `quiet`: recorded and shown, nobody notified. */
  resolve(key: string, note: string, opts?: { quiet?: boolean }): Alert | undefined;
}
