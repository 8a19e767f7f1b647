/**
 * Scheduled meetings whose readiness is checked, and maintenance windows.
 * Free of Node imports: the dashboard bundles it.
 */

/** A scheduled online meeting whose readiness is checked (GET/POST /api/meetings). */
export interface MeetingView {
  /** `cfg-<n>` for meetings from the config file, a number for ones created through the API. */
  id: string;
  village: string;
  /** ms since 1970 (text without offset is read in the village's time zone). */
  startAt: number;
  title: string;
  /** The meeting-room device to check; null = every meeting-room device of the village. */
  device: string | null;
  source: 'config' | 'api';
  /** Set while the meeting is being checked (from `checkFromMin` before until it is over). */
  readiness: {
    ready: boolean;
    /** Display names of what is not ready: devices, and the internet link. */
    failed: string[];
    internet: 'up' | 'down' | 'unknown';
  } | null;
}

/** GET /api/meetings; POST answers `{ meeting }` (201). */
export interface MeetingsResponse {
  meetings: MeetingView[];
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * A maintenance window (GET /api/maintenance → `{ windows }`; POST answers the window, 201). One-off:
 * `from`/`to` (ISO, without offset = the village's time zone). Recurring: `daily` or `days`, with
 * `start`/`end` HH:MM in the village's time zone (an end before the start crosses midnight).
 */
export interface MaintenanceWindowView {
  id: string;
  village: string;
  /** Absent = the whole village. */
  device?: string;
  note?: string;
  from?: string;
  to?: string;
  daily?: boolean;
  days?: Weekday[];
  start?: string;
  end?: string;
  source: 'config' | 'api';
  createdBy?: string;
  /** Covers some device right now (only in GET). */
  activeNow?: boolean;
}

/** POST /api/maintenance body: a window without its id and source (who adds it is the logged-in user). */
export type MaintenanceRequest = Omit<MaintenanceWindowView, 'id' | 'source' | 'createdBy' | 'activeNow'>;

/** POST /api/meetings body: startAt as ISO (without offset = the village's time zone). */
export interface MeetingRequest {
  village: string;
  startAt: string;
  title: string;
  device?: string;
}
