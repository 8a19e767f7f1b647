/**
 * Uptime figures (GET /api/uptime).
 * Free of Node imports: the dashboard bundles it.
 */

/**
 * Uptime over a range (hub/reports/uptime.ts, docs/reports.md): time in each state, in ms; `uptimePct` =
 * online / (online + offline), `availablePct` = online / (online + offline + unreachable), maintenance
 * and unknown (hub not running, nothing heard yet) left out of both; null where nothing counts.
 * `to` is where the figures end: the range's end, or now for a range reaching into the future.
 */
export interface UptimeFiguresView {
  from: number;
  to: number;
  onlineMs: number;
  offlineMs: number;
  unreachableMs: number;
  maintenanceMs: number;
  unknownMs: number;
  uptimePct: number | null;
  availablePct: number | null;
  outages: number;
  longestOutageMs: number;
  mttrMs: number | null;
  mtbfMs: number | null;
}

/** GET /api/uptime?village=V&device=D — one device's figures. */
export interface DeviceUptimeView extends UptimeFiguresView {
  village: string;
  device: string;
}

/** GET /api/uptime?village=V — a village's time-weighted figures, its worst device, and each device's. */
export interface VillageUptimeView extends UptimeFiguresView {
  village: string;
  worst: { device: string; uptimePct: number } | null;
  devices: DeviceUptimeView[];
}

/** GET /api/uptime without `village`: every village the user may read. */
export interface UptimeAllResponse {
  villages: VillageUptimeView[];
}
