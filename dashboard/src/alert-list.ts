import type { AlertView, DeviceView } from '../../shared/events';

/** How far an alert has come in its life; a push never takes one back (firing → acknowledged → resolved). */
function rank(a: AlertView): number {
  const status = a.status === 'resolved' ? 4 : a.status === 'acknowledged' ? 2 : 0;
  return status + (a.escalatedAt !== null ? 1 : 0);
}

/** The newer of two copies of one alert: the one further along, or the pushed one when equal. */
export function newer(known: AlertView | undefined, pushed: AlertView): AlertView {
  return known && rank(known) > rank(pushed) ? known : pushed;
}

const severityOrder: Record<AlertView['severity'], number> = { critical: 0, warning: 1, info: 2 };

/** Firing before acknowledged, then the most severe, then the newest. */
export function compareOpen(a: AlertView, b: AlertView): number {
  const s = (a.status === 'firing' ? 0 : 1) - (b.status === 'firing' ? 0 : 1);
  return s || severityOrder[a.severity] - severityOrder[b.severity] || b.startedAt - a.startedAt || b.id - a.id;
}

/** The open list after one change: resolved alerts leave it, others are added or replaced. */
export function applyToOpen(open: Map<number, AlertView>, alert: AlertView): void {
  const next = newer(open.get(alert.id), alert);
  if (next.status === 'resolved') open.delete(alert.id);
  else open.set(alert.id, next);
}

export function sortedOpen(open: Map<number, AlertView>): AlertView[] {
  return [...open.values()].sort(compareOpen);
}

/**
 * The open alert a device tile links to: its own offline or root-cause alert; for an unreachable
 * device, the alert of the device that took it down; else any open alert about it.
 */
export function alertForDevice(alerts: AlertView[], d: DeviceView): AlertView | undefined {
  const about = (id: string) => alerts.filter((a) => a.village === d.village && a.device === id);
  const down = (list: AlertView[]) => list.find((a) => a.condition === 'offline' || a.condition === 'unreachable-root');
  if (d.state === 'unreachable' && d.cause) {
    const root = down(about(d.cause));
    if (root) return root;
  }
  const own = about(d.id);
  return down(own) ?? own[0];
}
