import type { AlertChange, AlertView, DeviceView, InternetView, MaintenanceWindowView, VillageView } from '../../shared/events';

/** What the live store holds and every page renders from (live.ts keeps it current). */
/**
 * connecting: before the first socket connection; live: connected; lost: disconnected, retrying;
 * restored: reconnected a moment ago (shown briefly, then back to live).
 */
export type ConnState = 'connecting' | 'live' | 'lost' | 'restored';

export interface LiveSnapshot {
  conn: ConnState;
  /** True until the first list load finishes (successfully or not). */
  loading: boolean;
  /** The last list load failed with this message; the previous list, if any, stays shown. */
  error: string | null;
  villages: VillageView[];
  devices: DeviceView[];
  /** Increments on every successful list load, so views can refetch what they may have missed. */
  epoch: number;
  hubVersion: string | null;
  /** The village's internet link; null until the hub has told. */
  internet: InternetView | null;
  /** Open alerts (firing and acknowledged), firing and most severe first. */
  alerts: AlertView[];
  /** False until the open alerts were loaded once (the badge waits for it). */
  alertsLoaded: boolean;
  /** Maintenance windows, for the note of a device in maintenance. */
  maintenance: MaintenanceWindowView[];
  /**
   * Set when the live link has been down for more than a few seconds: what is shown is as of this time
   * (ms) and may be out of date. Null while live.
   */
  staleSince: number | null;
}

export type AlertEvent = { change: AlertChange; alert: AlertView };
