import type { AvailabilityState } from '../core/domain.js';
import { parseZoned } from '../../shared/time.js';
import type { UptimeFiguresView } from '../../shared/events.js';

/**
 * Uptime from stored availability transitions (DESIGN.md §4), computed in one place for the API, the
 * CSV export, the pages and the scheduled reports, whichever store the transitions come from.
 *
 * For a device and a range [from, to):
 * - time is split by state: online, offline, unreachable (a parent it depends on was down),
 *   maintenance, unknown (nothing heard yet, or the hub was not running);
 * - `uptimePct` = online / (online + offline): the device's own reliability;
 * - `availablePct` = online / (online + offline + unreachable): whether people could use it;
 * - maintenance and unknown are excluded from both and reported on their own;
 * - an outage is one unbroken offline period (a new reason while offline is the same outage);
 *   periods crossing the range's edges are clipped to it;
 * - `mttrMs` = offline time / outages (mean time to recover), `mtbfMs` = online time / outages (mean
 *   time between failures); null without outages.
 * Time after `now` is not counted: a report of the current month covers the month so far.
 */
// The same fields as the API's answer (shared/events.ts): one definition for the hub and the dashboard.
export type UptimeFigures = UptimeFiguresView;

/** A stored transition: from `ts` on, the device was in `state`. */
export interface StateChange {
  ts: number;
  state: AvailabilityState;
}

/** One stretch of time in one state, clipped to the range. */
export interface StateSpan {
  from: number;
  to: number;
  state: AvailabilityState;
}

/**
 * The range as spans: transitions sorted by time (the last one before `from`, when there is one, gives the
 * state at `from`); before the first known transition the state is unknown.
 */
export function spansOf(changes: readonly StateChange[], from: number, to: number): StateSpan[] {
  const sorted = [...changes].sort((a, b) => a.ts - b.ts);
  const spans: StateSpan[] = [];
  let state: AvailabilityState = 'unknown';
  let at = from;
  const push = (until: number): void => {
    const end = Math.min(until, to);
    if (end <= at) return;
    const last = spans.at(-1);
    if (last && last.state === state && last.to === at) last.to = end;
    else spans.push({ from: at, to: end, state });
    at = end;
  };
  for (const c of sorted) {
    if (c.ts <= from) {
      state = c.state;
      continue;
    }
    if (c.ts >= to) break;
    push(c.ts);
    state = c.state;
  }
  push(to);
  return spans;
}

const pct = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 1e6) / 1e4 : null);

/** Figures of one device over [from, to) from its transitions. */
export function uptimeOf(changes: readonly StateChange[], from: number, to: number, now: number): UptimeFigures {
  const end = Math.max(from, Math.min(to, now));
  const spans = spansOf(changes, from, end);
  const ms: Record<AvailabilityState, number> = { online: 0, offline: 0, unreachable: 0, maintenance: 0, unknown: 0 };
  let outages = 0;
  let longest = 0;
  let prev: AvailabilityState | null = null;
  let current = 0;
  for (const s of spans) {
    const d = s.to - s.from;
    ms[s.state] += d;
    if (s.state === 'offline') {
      if (prev === 'offline') current += d;
      else {
        outages++;
        current = d;
      }
      longest = Math.max(longest, current);
    }
    prev = s.state;
  }
  return {
    from,
    to: end,
    onlineMs: ms.online,
    offlineMs: ms.offline,
    unreachableMs: ms.unreachable,
    maintenanceMs: ms.maintenance,
    unknownMs: ms.unknown,
    uptimePct: pct(ms.online, ms.online + ms.offline),
    availablePct: pct(ms.online, ms.online + ms.offline + ms.unreachable),
    outages,
    longestOutageMs: longest,
    mttrMs: outages > 0 ? Math.round(ms.offline / outages) : null,
    mtbfMs: outages > 0 ? Math.round(ms.online / outages) : null,
  };
}

/**
 * A village's (or any group's) figures: time-weighted — every device's milliseconds added up, so a device
 * down for a day weighs as much as a day — and the worst device by uptime.
 */
export function aggregateUptime(items: ReadonlyArray<{ id: string; figures: UptimeFigures }>, from: number, to: number): UptimeFigures & { worst: { id: string; uptimePct: number } | null } {
  const sum = (k: 'onlineMs' | 'offlineMs' | 'unreachableMs' | 'maintenanceMs' | 'unknownMs' | 'outages'): number => items.reduce((a, i) => a + i.figures[k], 0);
  const online = sum('onlineMs');
  const offline = sum('offlineMs');
  const unreachable = sum('unreachableMs');
  const outages = sum('outages');
  let worst: { id: string; uptimePct: number } | null = null;
  for (const i of items) {
    const u = i.figures.uptimePct;
    if (u !== null && (worst === null || u < worst.uptimePct)) worst = { id: i.id, uptimePct: u };
  }
  return {
    from,
    to: items.reduce((a, i) => Math.max(a, i.figures.to), from),
    onlineMs: online,
    offlineMs: offline,
    unreachableMs: unreachable,
    maintenanceMs: sum('maintenanceMs'),
    unknownMs: sum('unknownMs'),
    uptimePct: pct(online, online + offline),
    availablePct: pct(online, online + offline + unreachable),
    outages,
    longestOutageMs: items.reduce((a, i) => Math.max(a, i.figures.longestOutageMs), 0),
    mttrMs: outages > 0 ? Math.round(offline / outages) : null,
    mtbfMs: outages > 0 ? Math.round(online / outages) : null,
    worst,
  };
}

/** A calendar month (`YYYY-MM`) in a time zone as [from, to). */
export function monthRange(month: string, tz: string): { from: number; to: number } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new Error(`invalid month "${month}": expected YYYY-MM`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  return { from: parseZoned(`${month}-01T00:00:00`, tz), to: parseZoned(`${next}-01T00:00:00`, tz) };
}
