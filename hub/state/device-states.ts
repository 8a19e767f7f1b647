import type { AvailabilityState } from '../core/domain.js';
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
}

/**
 * Last known state of every device and the hub's own heartbeat, so a restarted hub knows what it last
 * saw and for how long it was away (that gap is `unknown`, never device downtime: DESIGN.md §4).
 */
export class DeviceStateRepo {
  constructor(private readonly db: StateDb) {}

  all(): SavedDeviceState[] {
    return this.db.prepare('SELECT village, device, state, since, reason FROM device_state').all() as SavedDeviceState[];
  }

  save(s: SavedDeviceState): void {
    this.db
      .prepare(
        `INSERT INTO device_state (village, device, state, since, reason) VALUES (@village, @device, @state, @since, @reason)
         ON CONFLICT (village, device) DO UPDATE SET state = excluded.state, since = excluded.since, reason = excluded.reason`,
      )
      .run(s);
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
