import { z } from 'zod';
import type { AvailabilityState } from '../core/domain.js';
import type { ReasonParams } from '../../shared/reasons.js';
import type { StateDb } from './db.js';

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
}
