import type { Server } from 'socket.io';
import type { HubContext } from '../context.js';
import type { Alert } from '../core/domain.js';
import type { AlertView, ClientToServerEvents, ServerToClientEvents } from '../../shared/events.js';

const OWNER = 'web-alerts';

/** The browser's copy of an alert: plain JSON (the detail object is copied, never shared). */
export function alertView(a: Alert): AlertView {
  return { ...a, detail: { ...a.detail } };
}

/**
 * Pushes every alert change (fired, acknowledged, escalated, resolved) to every connected browser: alerts
 * are few and every page shows the active count. Returns the detach function for the web server's stop().
 */
export function attachAlertSocket(ctx: Pick<HubContext, 'bus'>, io: Server<ClientToServerEvents, ServerToClientEvents>): () => void {
  ctx.bus.on(OWNER, 'alert', (e) => {
    io.emit('alert', { change: e.change, alert: alertView(e.alert) });
  });
  return () => ctx.bus.offOwner(OWNER);
}
