import type { AvailabilityState } from '../core/domain.js';
import type { StateDb } from './db.js';

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
}
