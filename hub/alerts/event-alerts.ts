import type { DeviceEvent } from '../core/domain.js';
import type { DeviceEntry } from '../registry/registry.js';
import { alertKeys, type AlertSink } from './sink.js';

/**
 * Device events (the `event` MQTT channel) that raise alerts: a `critical` one opens an `event` alert per
 * device and event type; a later `info` event of the same type, or an acknowledgement, closes it. Warning
 * and info events are stored and shown, not alerted; nothing alerts for a device in maintenance.
 */
export class EventAlerts {
  constructor(private readonly sink: AlertSink) {}

  onEvent(e: DeviceEvent, entry: DeviceEntry): void {
    if (entry.state === 'maintenance') return;
    const key = alertKeys.event(e.type, e);
    if (e.severity === 'critical') {
      this.sink.fire({
        key,
        village: e.village,
        device: e.device,
        condition: 'event',
        severity: 'critical',
        detail: { name: entry.name, kind: entry.kind, type: e.type, message: e.message ?? null, since: e.ts },
      });
    } else if (e.severity === 'info') {
      this.sink.resolve(key, 'cleared');
    }
  }
}
