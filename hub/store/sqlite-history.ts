import type Database from 'better-sqlite3';
import { isAvailabilityState as isState, type DeviceRef } from '../core/domain.js';
import type { AvailabilityHistoryQuery, AvailabilityPoint, DeviceAvailability } from './types.js';

/** Availability of many devices in one query on the SQLite metric store (MetricStore.availabilityHistory). */

interface AvailabilityRow {
  village: string;
  device: string;
  kind: string;
  ts: number;
  state: string;
}

type Statement = Database.Statement<unknown[], unknown>;

export function toAvailabilityPoint(r: AvailabilityRow): AvailabilityPoint | null {
  if (!isState(r.state)) return null;
  return { measurement: 'availability', village: r.village, device: r.device, kind: r.kind as AvailabilityPoint['kind'], ts: r.ts, state: r.state };
}

const key = (r: DeviceRef): string => `${r.village}\u0000${r.device}`;

export class SqliteAvailabilityHistory {
  private readonly nextDevice: Statement;
  private readonly history: Statement;

  constructor(db: Database.Database) {
    // One index seek per device: the first key after the previous one (a skip-scan of the primary key).
    this.nextDevice = db.prepare('SELECT village, device FROM availability WHERE (village, device) > (?, ?) ORDER BY village, device LIMIT 1');
    // Per device (a JSON list of keys), two seeks: the last transition before `from`, then the range from it on.
    // The rows come back as one JSON text: handing tens of thousands of rows to JavaScript one value at a
    // time costs several times what SQLite spends finding them.
    this.history = db
      .prepare(
        `WITH keys(i, village, device) AS (SELECT key, value ->> '$[0]', value ->> '$[1]' FROM json_each(@keys))
         SELECT json_group_array(json_array(k.i, a.ts, a.state, a.kind))
           FROM keys k JOIN availability a
             ON a.village = k.village AND a.device = k.device
            AND a.ts >= COALESCE(
                  (SELECT b.ts FROM availability b WHERE b.village = k.village AND b.device = k.device AND b.ts < @from ORDER BY b.ts DESC LIMIT 1),
                  @from)
            AND a.ts < @to`,
      )
      .pluck();
  }

  /** Every device with stored transitions, in key order (in `village` only when given). */
  private devices(village: string | undefined): DeviceRef[] {
    const out: DeviceRef[] = [];
    let at: DeviceRef = { village: village ?? '', device: '' };
    for (;;) {
      const next = this.nextDevice.get(at.village, at.device) as DeviceRef | undefined;
      if (!next || (village !== undefined && next.village !== village)) return out;
      out.push(next);
      at = next;
    }
  }

  query(q: AvailabilityHistoryQuery): DeviceAvailability[] {
    const from = Math.floor(q.from);
    const to = Math.ceil(q.to);
    const listed = q.devices !== undefined;
    const wanted: DeviceRef[] = [];
    const seen = new Set<string>();
    for (const d of listed ? (q.devices ?? []) : this.devices(q.village)) {
      if (q.village !== undefined && d.village !== q.village) continue;
      if (seen.has(key(d))) continue;
      seen.add(key(d));
      wanted.push({ village: d.village, device: d.device });
    }
    const points: AvailabilityPoint[][] = wanted.map(() => []);
    if (to > from && wanted.length > 0) {
      const text = this.history.get({ keys: JSON.stringify(wanted.map((d) => [d.village, d.device])), from, to }) as string;
      for (const [i, ts, state, kind] of JSON.parse(text) as [number, number, string, string][]) {
        const d = wanted[i];
        if (d && isState(state)) points[i]!.push({ measurement: 'availability', village: d.village, device: d.device, kind: kind as AvailabilityPoint['kind'], ts, state });
      }
    }
    const out: DeviceAvailability[] = [];
    wanted.forEach((d, i) => {
      const list = points[i]!.sort((a, b) => a.ts - b.ts);
      if (listed || list.length > 0) out.push({ village: d.village, device: d.device, points: list });
    });
    return out;
  }
}
