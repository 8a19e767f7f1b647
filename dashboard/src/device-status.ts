import type { DeviceView, MaintenanceWindowView } from '../../shared/events';
import { deviceName, reasonOf, relativeTime, stateLabel } from './format';
import { t } from './i18n';
import { formatDuration } from './metrics';
import { shortTime } from './time';

/** The maintenance window that covers a device now: its own first, then one for the whole village. */
export function windowFor(windows: MaintenanceWindowView[], d: DeviceView): MaintenanceWindowView | undefined {
  const active = windows.filter((w) => w.activeNow !== false && w.village === d.village);
  return active.find((w) => w.device === d.id) ?? active.find((w) => w.device === undefined);
}

export type StatusNote =
  | { kind: 'cause'; parent: string; parentName: string; text: string }
  | { kind: 'maintenance'; text: string }
  | { kind: 'reason'; text: string; detail: string | null };

/**
 * Why a device is not online, in words: the device that took it down, the maintenance note, or the
 * reason (a code the hub set, or the device's own text). Null for an online device or when unknown.
 */
export function statusNote(d: DeviceView, devices: DeviceView[], windows: MaintenanceWindowView[]): StatusNote | null {
  if (d.state === 'online') return null;
  if (d.state === 'unreachable' && d.cause) {
    const parentName = deviceName(devices, d.village, d.cause);
    return { kind: 'cause', parent: d.cause, parentName, text: t('device.unreachableBy', { parent: parentName }) };
  }
  if (d.state === 'maintenance') {
    // The hub puts the window's note in the reason; the window list covers an older hub.
    const note = d.reason && d.reason !== 'maintenance' ? d.reason : windowFor(windows, d)?.note;
    return note ? { kind: 'maintenance', text: t('device.maintenanceNote', { note }) } : null;
  }
  const { words, detail } = reasonOf(d);
  if (!words) return null;
  return { kind: 'reason', text: t('device.reason', { reason: words }), detail };
}

/**
 * The line under a device's name: how old the data is when the live link is down; since when and for how
 * long a device is down ("Mất kết nối từ 14:02 · 35 phút"); else when it was last heard from.
 */
export function statusLine(d: DeviceView, now: number, tz: string, staleSince: number | null): string {
  if (staleSince !== null) return t('device.stale', { time: shortTime(staleSince, tz, now) });
  if (d.since !== null && (d.state === 'offline' || d.state === 'unreachable' || d.state === 'maintenance')) {
    return t('device.downSince', { state: stateLabel(d.state), time: shortTime(d.since, tz, now), duration: formatDuration(Math.max(0, now - d.since) / 1000) });
  }
  return d.lastSeen !== null ? t('device.lastSeen', { when: relativeTime(d.lastSeen, now) }) : t('device.neverSeen');
}
