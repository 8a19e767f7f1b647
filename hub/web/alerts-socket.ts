import type { HubContext } from '../context.js';
import type { Alert } from '../core/domain.js';
import type { AlertView } from '../../shared/events.js';
import { roomsFor, type HubIo } from './socket-access.js';

const OWNER = 'web-alerts';

/** The browser's copy of an alert: plain JSON (the detail object is copied, never shared). */
export function alertView(a: Alert): AlertView {
  return { ...a, detail: { ...a.detail } };
}

/**
 * Pushes every alert change (fired, acknowledged, escalated, resolved) to every browser whose user may
 * read the alert's village (hub-wide alerts to all): alerts are few and every page shows the active count.
 * Returns the detach function for the web server's stop().
 */
export function attachAlertSocket(ctx: Pick<HubContext, 'bus'>, io: HubIo): () => void {
  ctx.bus.on(OWNER, 'alert', (e) => {
    io.to(roomsFor(e.alert.village)).emit('alert', { change: e.change, alert: alertView(e.alert) });
  });
  return () => ctx.bus.offOwner(OWNER);
}
