import { z } from 'zod';
import type { AvailabilityState } from '../core/domain.js';
import type { ReasonParams } from '../../shared/reasons.js';
import type { StateDb } from './db.js';

/** How often the running hub records that it is alive (the restart gap is measured from the last one). */
export const HEARTBEAT_MS = 10_000;
/** A gap up to this long between heartbeats is the heartbeat period, not the hub being away. */
const AWAY_MIN_MS = 2 * HEARTBEAT_MS;

export interface SavedDeviceState {
  village: string;
  device: string;
  state: AvailabilityState;
  since: number | null;
  reason: string | null;
  reasonCode?: string | null;
  reasonParams?: ReasonParams | null;
}

interface Row {
  village: string;
  device: string;
  state: AvailabilityState;
  since: number | null;
  reason: string | null;
  reason_code: string | null;
  reason_params: string | null;
}

const paramsSchema = z.record(z.string(), z.union([z.string(), z.number()]));

/** Stored parameters, or null for none or for a value this version cannot read (never a crash at start). */
function readParams(text: string | null): ReasonParams | null {
  if (!text) return null;
  try {
    const parsed = paramsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Last known state of every device and the hub's own heartbeat, so a restarted hub knows what it last
 * saw and for how long it was away (that gap is `unknown`, never device downtime: DESIGN.md §4).
 */
export class DeviceStateRepo {
  constructor(private readonly db: StateDb) {}

  all(): SavedDeviceState[] {
    const rows = this.db.prepare('SELECT village, device, state, since, reason, reason_code, reason_params FROM device_state').all() as Row[];
    return rows.map((r) => ({
      village: r.village,
      device: r.device,
      state: r.state,
      since: r.since,
      reason: r.reason,
      reasonCode: r.reason_code,
      reasonParams: readParams(r.reason_params),
    }));
  }

  save(s: SavedDeviceState): void {
    this.db
      .prepare(
        `INSERT INTO device_state (village, device, state, since, reason, reason_code, reason_params)
         VALUES (@village, @device, @state, @since, @reason, @reasonCode, @reasonParams)
         ON CONFLICT (village, device) DO UPDATE SET state = excluded.state, since = excluded.since, reason = excluded.reason,
           reason_code = excluded.reason_code, reason_params = excluded.reason_params`,
      )
      .run({
        ...s,
        reasonCode: s.reasonCode ?? null,
        reasonParams: s.reasonParams && Object.keys(s.reasonParams).length > 0 ? JSON.stringify(s.reasonParams) : null,
      });
  }

  lastHeartbeat(): number | null {
    const row = this.db.prepare('SELECT ts FROM hub_heartbeat WHERE id = 1').get() as { ts: number } | undefined;
    return row?.ts ?? null;
  }

  heartbeat(ts: number): void {
    this.db.prepare('INSERT INTO hub_heartbeat (id, ts) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET ts = excluded.ts').run(ts);
  }

  /**
   * At start, before this run's first heartbeat: records the time since the last one as time the hub was
   * not running (idempotent: a second call in the same start adds nothing). Gaps of about one heartbeat
   * period are not absences.
   */
  recordAway(now: number): void {
    const last = this.lastHeartbeat();
    if (last === null || now - last <= AWAY_MIN_MS) return;
    this.db.prepare('INSERT OR IGNORE INTO hub_away (from_ts, to_ts) VALUES (?, ?)').run(last, now);
  }

  /** The hub's absences overlapping [from, to], oldest first. */
  awayBetween(from: number, to: number): Array<{ from: number; to: number }> {
    return this.db.prepare('SELECT from_ts AS "from", to_ts AS "to" FROM hub_away WHERE from_ts < ? AND to_ts > ? ORDER BY from_ts').all(to, from) as Array<{
      from: number;
      to: number;
    }>;
  }

  /** Forgets absences that ended before `ts`. */
  purgeAway(ts: number): void {
    this.db.prepare('DELETE FROM hub_away WHERE to_ts < ?').run(ts);
  }
}
