import { isEventSeverity as isSeverity } from '../../shared/event-types.js';
import { num, type RawResult } from './influxql.js';
import type { EventPoint, EventQuery } from './types.js';

/** Device events as one statement's result gives them (columns time, kind, type, severity, message). */
export function eventRows(r: RawResult | undefined, q: EventQuery): EventPoint[] {
  const out: EventPoint[] = [];
  for (const s of r?.series ?? []) {
    const col = (name: string) => s.columns.indexOf(name);
    const [k, t, sev, msg] = [col('kind'), col('type'), col('severity'), col('message')];
    for (const row of s.values ?? []) {
      const severity = row[sev];
      const type = row[t];
      if (!isSeverity(severity) || typeof type !== 'string') continue;
      const message = row[msg];
      out.push({
        measurement: 'event',
        village: q.village,
        device: q.device,
        kind: String(row[k] ?? 'generic'),
        ts: num(row[0]),
        type,
        severity,
        ...(typeof message === 'string' && message !== '' ? { message } : {}),
      });
    }
  }
  return out;
}

/** Newest first, at most `limit`; at one instant the event of the earlier list wins (each list newest first). */
export function mergeEvents(lists: readonly EventPoint[][], limit: number): EventPoint[] {
  const byTs = new Map<number, EventPoint>();
  for (const list of lists) for (const e of list) if (!byTs.has(e.ts)) byTs.set(e.ts, e);
  return [...byTs.values()].sort((a, b) => b.ts - a.ts).slice(0, limit);
}
