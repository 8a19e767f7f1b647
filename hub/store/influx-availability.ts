import { isAvailabilityState as isState, type DeviceRef } from '../core/domain.js';
import { checkSlug, HISTORY_RP, num, quoteIdent, quoteString, RAW_RP, ROLLUP_RP, type RawResult } from './influxql.js';
import type { AvailabilityHistoryQuery, AvailabilityPoint, DeviceAvailability } from './types.js';
import { SLUG_PATTERN } from '../../shared/ids.js';

/**
 * Availability of many devices from InfluxDB 1.x, fast enough for a month's report of a thousand
 * devices. InfluxDB's cost is per point returned and per series touched, so:
 * - the range is read as a few time slices in parallel, from the one field `entry` ("<village> <device>
 *   <state>", written with every point of `history`) grouped by kind only: InfluxDB's cost per column
 *   returned is about the same for a field as for a tag, and per series touched much more;
 * - the state at `from` (the last point before it) is looked for in a short window first, then further
 *   back only for the devices not found yet, alongside the range;
 * - retention policies of older versions (`raw`, `rollup`) are read only when they hold availability,
 *   and their state-at-`from` only for devices whose state `history` does not give.
 */

export type RunInfluxQL = (what: string, statements: string[]) => Promise<RawResult[]>;

const DAY = 86_400_000;
/** How far back the state at `from` is looked for, step by step, for the devices not found yet. */
const LOOKBACK_MS = [2 * DAY, 32 * DAY, Number.POSITIVE_INFINITY];
/** Parallel time slices of the range, for many devices (InfluxDB runs each request on a core of its own). */
const SLICES = 2;
const SLICED_FROM_DEVICES = 50;

const key = (r: DeviceRef): string => `${r.village}\u0000${r.device}`;

/**
 * InfluxQL condition selecting devices ('' = no condition): grouped by village, each group one regular
 * expression over the device tag (ids are slugs: nothing to escape).
 */
export function devicesCondition(devices: readonly DeviceRef[]): string {
  const byVillage = new Map<string, Set<string>>();
  for (const d of devices) {
    const village = checkSlug(d.village, 'village');
    const set = byVillage.get(village) ?? new Set<string>();
    set.add(checkSlug(d.device, 'device'));
    byVillage.set(village, set);
  }
  const parts = [...byVillage].map(([village, set]) => {
    const list = [...set];
    const device = list.length === 1 ? `"device" = ${quoteString(list[0]!)}` : `"device" =~ /^(?:${list.join('|')})$/`;
    return `("village" = ${quoteString(village)} AND ${device})`;
  });
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

/** The `entry` field of a point in `history`: village, device and state in one column. */
export function availabilityEntry(village: string, device: string, state: string): string {
  return `${village} ${device} ${state}`;
}

/** The points of a result of `SELECT "entry" … GROUP BY "kind"`; null when one is not as this store writes it. */
function entryRows(r: RawResult | undefined): AvailabilityPoint[] | null {
  const out: AvailabilityPoint[] = [];
  for (const s of r?.series ?? []) {
    const kind = s.tags?.kind;
    const col = s.columns.indexOf('entry');
    if (kind === undefined || col < 0) return null;
    for (const row of s.values ?? []) {
      const entry = row[col];
      if (typeof entry !== 'string') return null;
      const [village, device, state] = entry.split(' ');
      if (village === undefined || device === undefined || !isState(state)) return null;
      out.push({ measurement: 'availability', village, device, kind: kind as AvailabilityPoint['kind'], ts: num(row[0]), state });
    }
  }
  return out;
}

/** The availability points of a result, with tags from the series (grouped) or from columns (not grouped). */
export function availabilityRows(r: RawResult | undefined): AvailabilityPoint[] {
  const out: AvailabilityPoint[] = [];
  for (const s of r?.series ?? []) {
    const col = (name: string): number => s.columns.indexOf(name);
    const [state, v, d, k] = [col('state'), col('village'), col('device'), col('kind')];
    if (state < 0) continue;
    for (const row of s.values ?? []) {
      const village = v >= 0 ? row[v] : s.tags?.village;
      const device = d >= 0 ? row[d] : s.tags?.device;
      const kind = k >= 0 ? row[k] : s.tags?.kind;
      const value = row[state];
      if (typeof village !== 'string' || typeof device !== 'string' || typeof kind !== 'string' || !isState(value)) continue;
      out.push({ measurement: 'availability', village, device, kind: kind as AvailabilityPoint['kind'], ts: num(row[0]), state: value });
    }
  }
  return out;
}

export class InfluxAvailability {
  /** Older versions' retention policies holding availability points (checked on open). */
  private legacy: string[] = [RAW_RP, ROLLUP_RP];
  /** Every point of `history` has its `entry` (checked on open; points written by other tools may not). */
  private entries = false;

  constructor(
    private readonly database: string,
    private readonly run: RunInfluxQL,
    /** Raw points are complete from this instant on (now − rawRetention). */
    private readonly rawCutoff: () => number,
  ) {}

  private from(rp: string): string {
    return `${quoteIdent(this.database)}.${quoteIdent(rp)}.availability`;
  }

  /** The points of `history` in [a, b) selected by `where` (a condition ending in AND, or ''). */
  private async historyIn(where: string, a: number, b: number): Promise<AvailabilityPoint[]> {
    const when = `time >= ${a}ms AND time < ${b}ms`;
    if (this.entries) {
      const [fast] = await this.run('query availability', [`SELECT "entry" FROM ${this.from(HISTORY_RP)} WHERE ${where}${when} GROUP BY "kind"`]);
      const points = entryRows(fast);
      if (points) return points;
    }
    const [slow] = await this.run('query availability', [`SELECT "state", "village", "device", "kind" FROM ${this.from(HISTORY_RP)} WHERE ${where}${when}`]);
    return availabilityRows(slow);
  }

  /**
   * On open: which older retention policies hold availability (those without are never read), and whether
   * every point of `history` carries `entry` (InfluxDB leaves out the rows a selected field is missing
   * from, so a single point without it means reading the slower way).
   */
  async checkStored(): Promise<void> {
    const rps = [RAW_RP, ROLLUP_RP];
    const res = await this.run('check stored availability', [
      ...rps.map((rp) => `SELECT "state" FROM ${this.from(rp)} LIMIT 1`),
      `SELECT count("up") AS points, count("entry") AS entries FROM ${this.from(HISTORY_RP)}`,
    ]);
    this.legacy = rps.filter((_, i) => (res[i]?.series?.length ?? 0) > 0);
    const counts = res[rps.length]?.series?.[0];
    const row = counts?.values?.[0];
    this.entries = !counts || (row !== undefined && row[counts.columns.indexOf('points')] === row[counts.columns.indexOf('entries')]);
  }

  /** Which points of an older retention policy to believe: raw after the cutoff, rollup (5-minute resolution) before it. */
  private keep(rp: string): (ts: number) => boolean {
    const cutoff = this.rawCutoff();
    return rp === RAW_RP ? (ts) => ts >= cutoff : (ts) => ts < cutoff;
  }

  /** Every device with availability points (in any of the retention policies read), in `village` when given. */
  private async allDevices(village: string | undefined): Promise<DeviceRef[]> {
    const where = village === undefined ? '' : ` WHERE "village" = ${quoteString(checkSlug(village, 'village'))}`;
    const db = quoteIdent(this.database);
    const res = await this.run(
      'list devices',
      [HISTORY_RP, ...this.legacy].map((rp) => `SHOW SERIES ON ${db} FROM ${this.from(rp)}${where}`),
    );
    const out = new Map<string, DeviceRef>();
    for (const s of res.flatMap((r) => r.series ?? [])) {
      for (const row of s.values ?? []) {
        const tags = Object.fromEntries(String(row[0]).split(',').slice(1).map((kv) => kv.split('=') as [string, string]));
        if (tags.village && tags.device && SLUG_PATTERN.test(tags.village) && SLUG_PATTERN.test(tags.device)) out.set(key({ village: tags.village, device: tags.device }), { village: tags.village, device: tags.device });
      }
    }
    return [...out.values()];
  }

  async query(q: AvailabilityHistoryQuery): Promise<DeviceAvailability[]> {
    const listed = q.devices !== undefined;
    const from = Math.floor(q.from);
    const to = Math.ceil(q.to);
    const dedupe = (list: readonly DeviceRef[]): DeviceRef[] => {
      const seen = new Set<string>();
      return list.filter((d) => (q.village === undefined || d.village === q.village) && !seen.has(key(d)) && seen.add(key(d)));
    };
    const given = listed ? dedupe(q.devices ?? []).map((d) => ({ village: d.village, device: d.device })) : [];
    if ((listed && given.length === 0) || !(to > from)) return given.map((d) => ({ ...d, points: [] }));
    // Without a list, the devices are needed only to look further back for their state at `from`: listed meanwhile.
    const who = listed ? devicesCondition(given) : q.village === undefined ? '' : `"village" = ${quoteString(checkSlug(q.village, 'village'))}`;
    const devices = listed ? Promise.resolve(given) : this.allDevices(q.village).then(dedupe);
    const [range, prior, wanted] = await Promise.all([this.range(who, given.length, from, to), this.prior(who, devices, from), devices]);
    const out = wanted.map((d) => {
      const before = prior.get(key(d));
      return { village: d.village, device: d.device, points: [...(before ? [before] : []), ...(range.get(key(d)) ?? [])] };
    });
    if (listed) return out;
    return out.filter((d) => d.points.length > 0).sort((a, b) => (a.village < b.village ? -1 : a.village > b.village ? 1 : a.device < b.device ? -1 : 1));
  }

  /** The points in [from, to) by device, oldest first; at one instant `history` wins over older policies. */
  private async range(who: string, listed: number, from: number, to: number): Promise<Map<string, AvailabilityPoint[]>> {
    const where = who === '' ? '' : `${who} AND `;
    const select = (rp: string, a: number, b: number): string =>
      `SELECT "state", "village", "device", "kind" FROM ${this.from(rp)} WHERE ${where}time >= ${a}ms AND time < ${b}ms`;
    const n = listed > 0 && listed < SLICED_FROM_DEVICES ? 1 : SLICES;
    const width = Math.ceil((to - from) / n);
    const slices = Array.from({ length: n }, (_, i) => [from + i * width, Math.min(to, from + (i + 1) * width)] as const).filter(([a, b]) => b > a);
    const [history, legacy] = await Promise.all([
      Promise.all(slices.map(([a, b]) => this.historyIn(where, a, b))),
      this.legacy.length > 0 ? this.run('query availability', this.legacy.map((rp) => select(rp, from, to))) : Promise.resolve([]),
    ]);
    const byKey = new Map<string, AvailabilityPoint[]>();
    const add = (p: AvailabilityPoint): void => {
      const list = byKey.get(key(p));
      if (list) list.push(p);
      else byKey.set(key(p), [p]);
    };
    for (const slice of history) for (const p of slice) add(p);
    if (this.legacy.length === 0) {
      // Already in order unless a device changed kind (a series per kind): sorting a sorted list is cheap.
      for (const list of byKey.values()) list.sort((a, b) => a.ts - b.ts);
      return byKey;
    }
    this.legacy.forEach((rp, i) => {
      const keep = this.keep(rp);
      for (const p of availabilityRows(legacy[i])) if (keep(p.ts)) add(p);
    });
    // One point per instant, the first added (history before raw before rollup).
    for (const [k, list] of byKey) {
      const seen = new Set<number>();
      byKey.set(k, list.filter((p) => !seen.has(p.ts) && seen.add(p.ts)).sort((a, b) => a.ts - b.ts));
    }
    return byKey;
  }

  /** The last point before `from` of each device: a short window first, further back only for those not found. */
  private async prior(who: string, devices: Promise<DeviceRef[]>, from: number): Promise<Map<string, AvailabilityPoint>> {
    const found = new Map<string, AvailabilityPoint>();
    const take = (p: AvailabilityPoint): void => {
      const have = found.get(key(p));
      if (!have || p.ts > have.ts) found.set(key(p), p);
    };
    // The first window is short and read whole (the devices of `who`): its points cost less than a search per device.
    const [first, ...further] = LOOKBACK_MS;
    for (const p of await this.historyIn(who === '' ? '' : `${who} AND `, from - first!, from)) take(p);
    let left = (await devices).filter((d) => !found.has(key(d)));
    let after = from - first!;
    for (const back of further) {
      if (left.length === 0) return found;
      const start = from - back;
      const when = back === Number.POSITIVE_INFINITY ? `time < ${after}ms` : `time >= ${start}ms AND time < ${after}ms`;
      const [res] = await this.run('query availability', [
        `SELECT "state" FROM ${this.from(HISTORY_RP)} WHERE ${devicesCondition(left)} AND ${when} GROUP BY "village", "device", "kind" ORDER BY time DESC LIMIT 1`,
      ]);
      for (const p of availabilityRows(res)) take(p);
      left = left.filter((d) => !found.has(key(d)));
      after = start;
    }
    // Points of older versions are older than any in `history`: asked for only where history has none.
    if (left.length > 0 && this.legacy.length > 0) {
      const res = await this.run(
        'query availability',
        this.legacy.map((rp) => `SELECT "state" FROM ${this.from(rp)} WHERE ${devicesCondition(left)} AND time < ${from}ms GROUP BY "village", "device", "kind" ORDER BY time DESC LIMIT 1`),
      );
      this.legacy.forEach((rp, i) => {
        const keep = this.keep(rp);
        for (const p of availabilityRows(res[i])) if (keep(p.ts)) take(p);
      });
    }
    return found;
  }
}
