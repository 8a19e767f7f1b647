/**
 * The socket.io events between the hub and the browser.
 * Free of Node imports: the dashboard bundles it.
 */
import type { AlertChange, AlertView } from './alerts.js';
import type { DeviceEventView, DeviceView, InternetView, ReadingPush, StateChange } from './devices.js';

/** Server → browser. Only changes are pushed; the full list comes from REST on (re)connect. */
export interface ServerToClientEvents {
  /** `changes`: changes pushed so far (see DevicesResponse.changes). */
  hello: (info: { startedAt: number; version: string; changes: number }) => void;
  'device:state': (change: StateChange) => void;
  'device:reading': (reading: ReadingPush) => void;
  /** A device sent an event (to the same rooms as `device:state`). */
  'device:event': (event: DeviceEventView) => void;
  /** A device appeared that was not known before (unregistered publisher). */
  'device:added': (device: DeviceView) => void;
  /** An unregistered device was dismissed by an admin: it leaves the list (until it publishes again). */
  'device:removed': (ref: { village: string; device: string }) => void;
  /** The internet link changed state. */
  internet: (u: InternetView) => void;
  /** An alert fired, was acknowledged, escalated or resolved (the list itself comes from GET /api/alerts). */
  alert: (e: { change: AlertChange; alert: AlertView }) => void;
}

/** Browser → server. */
export interface ClientToServerEvents {
  /**
   * Limit pushes to this socket to some villages; empty = every village the user may read. It never widens
   * what the user may read: villages they may not read are refused (`ok: false`, the rest still applies).
   */
  'watch:villages': (villages: string[], ack: (res: { ok: boolean; error?: string }) => void) => void;
}
