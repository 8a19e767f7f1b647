import { isAvailabilityState as isState, type DeviceRef } from '../core/domain.js';
import { checkSlug, num, quoteIdent, quoteString, type RawResult } from './influxql.js';
import type { AvailabilityHistoryQuery, AvailabilityPoint, DeviceAvailability } from './types.js';

/**
 * Availability of many devices from InfluxDB in one request: per retention policy that may hold
 * transitions, one statement for the last point before `from` of every device and one for the range,
 * both grouped by device, so the server answers with one series per device.
 */

/** A retention policy holding availability points, and which of its points to believe. */
export interface AvailabilitySource {
  rp: string;
  keep(ts: number): boolean;
}

const key = (r: DeviceRef): string => `${r.village}\u0000${r.device}`;

/**
 * InfluxQL condition selecting the devices of a query ('' = every device): the listed devices grouped by
 * village, each group one regular expression over the device tag (ids are slugs, nothing to escape).
 */
export function deviceCondition(q: AvailabilityHistoryQuery): string {
  if (q.devices === undefined) return q.village === undefined ? '' : `"village" = ${quoteString(checkSlug(q.village, 'village'))}`;
  const byVillage = new Map<string, Set<string>>();
  for (const d of q.devices) {
    if (q.village !== undefined && d.village !== q.village) continue;
    const set = byVillage.get(checkSlug(d.village, 'village')) ?? new Set<string>();
    set.add(checkSlug(d.device, 'device'));
    byVillage.set(d.village, set);
  }
  const parts = [...byVillage].map(([village, devices]) => {
    const list = [...devices];
    const device = list.length === 1 ? `"device" = ${quoteString(list[0]!)}` : `"device" =~ /^(?:${list.join('|')})$/`;
    return `("village" = ${quoteString(village)} AND ${device})`;
  });
  return parts.length === 0 ? 'false' : parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

/** Two statements per source: the last point before `from`, then the points in [from, to). */
export function historyStatements(database: string, sources: readonly AvailabilitySource[], condition: string, from: number, to: number): string[] {
  const db = quoteIdent(database);
  const who = condition === '' ? '' : `${condition} AND `;
  const group = 'GROUP BY "village", "device", "kind"';
  return sources.flatMap((s) => [
    `SELECT "state" FROM ${db}.${quoteIdent(s.rp)}.availability WHERE ${who}time < ${Math.floor(from)}ms ${group} ORDER BY time DESC LIMIT 1`,
    `SELECT "state" FROM ${db}.${quoteIdent(s.rp)}.availability WHERE ${who}time >= ${Math.floor(from)}ms AND time < ${Math.ceil(to)}ms ${group}`,
  ]);
}

/** The availability points of one statement's result (tags from the series, or from `ref` when not grouped). */
export function availabilityRows(r: RawResult | undefined, ref: { village?: string; device?: string } = {}): AvailabilityPoint[] {
  const out: AvailabilityPoint[] = [];
  for (const s of r?.series ?? []) {
    const village = s.tags?.village ?? ref.village;
    const device = s.tags?.device ?? ref.device;
    const kind = s.tags?.kind;
    const col = s.columns.indexOf('state');
    if (village === undefined || device === undefined || kind === undefined || col < 0) continue;
    for (const row of s.values ?? []) {
      const state = row[col];
      if (!isState(state)) continue;
      out.push({ measurement: 'availability', village, device, kind: kind as AvailabilityPoint['kind'], ts: num(row[0]), state });
    }
  }
  return out;
}

/**
 * Merges the results of historyStatements: per device the newest prior point and the range, a point
 * of an earlier source winning over one of a later source at the same instant.
 */
export function mergeHistory(results: readonly RawResult[], sources: readonly AvailabilitySource[], q: AvailabilityHistoryQuery): DeviceAvailability[] {
  const prior = new Map<string, AvailabilityPoint>();
  const range = new Map<string, Map<number, AvailabilityPoint>>();
  sources.forEach((s, i) => {
    for (const p of availabilityRows(results[2 * i])) {
      if (!s.keep(p.ts)) continue;
      const have = prior.get(key(p));
      if (!have || p.ts > have.ts) prior.set(key(p), p);
    }
    for (const p of availabilityRows(results[2 * i + 1])) {
      if (!s.keep(p.ts)) continue;
      const at = range.get(key(p)) ?? new Map<number, AvailabilityPoint>();
      if (!at.has(p.ts)) at.set(p.ts, p);
      range.set(key(p), at);
    }
  });
  const pointsOf = (d: DeviceRef): AvailabilityPoint[] => {
    const before = prior.get(key(d));
    const inRange = [...(range.get(key(d))?.values() ?? [])].sort((a, b) => a.ts - b.ts);
    return before ? [before, ...inRange] : inRange;
  };
  if (q.devices !== undefined) {
    const seen = new Set<string>();
    const out: DeviceAvailability[] = [];
    for (const d of q.devices) {
      if ((q.village !== undefined && d.village !== q.village) || seen.has(key(d))) continue;
      seen.add(key(d));
      out.push({ village: d.village, device: d.device, points: pointsOf(d) });
    }
    return out;
  }
  const found = new Map<string, DeviceRef>();
  for (const p of [...prior.values(), ...[...range.values()].flatMap((m) => [...m.values()])]) found.set(key(p), { village: p.village, device: p.device });
  return [...found.values()]
    .sort((a, b) => (a.village < b.village ? -1 : a.village > b.village ? 1 : a.device < b.device ? -1 : a.device > b.device ? 1 : 0))
    .map((d) => ({ village: d.village, device: d.device, points: pointsOf(d) }));
}
