/** Time-zone helpers on Intl only (villages keep their own zone, Asia/Ho_Chi_Minh by default). */
import type { Lang, Text } from './i18n.js';

export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: Weekday;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    // A zone this runtime does not know falls back to Vietnam's rather than throwing mid-alert.
    let zone = tz;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      zone = 'Asia/Ho_Chi_Minh';
    }
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock parts of `ts` in `tz`. */
export function zonedParts(ts: number, tz: string): ZonedParts {
  const out: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(new Date(ts))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: (out.weekday ?? 'Sun').toLowerCase().slice(0, 3) as Weekday,
  };
}

/** Offset of `tz` from UTC at instant `ts`, in ms (Asia/Ho_Chi_Minh: +7 h). */
export function zoneOffsetMs(ts: number, tz: string): number {
  const p = zonedParts(ts, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ts / 1000) * 1000;
}

/** "UTC+7", "UTC+5:30", "UTC−3": the offset of `tz` at `ts`, as people read it. */
export function utcOffsetText(ts: number, tz: string): string {
  const min = Math.round(zoneOffsetMs(ts, tz) / 60_000);
  if (min === 0) return 'UTC';
  const abs = Math.abs(min);
  return `UTC${min < 0 ? '−' : '+'}${Math.floor(abs / 60)}${abs % 60 ? `:${String(abs % 60).padStart(2, '0')}` : ''}`;
}

/** Zones people call by their country's name; any other is "the village's time" with its offset. */
const zoneNames: Record<string, Text> = {
  'Asia/Ho_Chi_Minh': { vi: 'giờ Việt Nam', en: 'Vietnam time' },
  'Asia/Saigon': { vi: 'giờ Việt Nam', en: 'Vietnam time' },
};

/** A village's zone in words with its offset ("giờ Việt Nam (UTC+7)"), never its IANA id. */
export function zoneLabel(tz: string, lang: Lang, ts = Date.now()): string {
  const name = zoneNames[tz]?.[lang] ?? (lang === 'vi' ? 'giờ của thôn' : "the village's time");
  return `${name} (${utcOffsetText(ts, tz)})`;
}

/**
 * Parses an ISO 8601 date-time; one without an offset is wall-clock time in `tz`.
 * Returns NaN for text that is not a date-time.
 */
export function parseZoned(iso: string, tz: string): number {
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(iso)) return Date.parse(iso);
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(iso);
  if (!m) return Number.NaN;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  // Two passes settle the offset around a DST change; Vietnam has none, other zones may.
  let ts = wall - zoneOffsetMs(wall, tz);
  ts = wall - zoneOffsetMs(ts, tz);
  return ts;
}

/** "HH:MM" → minutes after midnight. */
export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

export function previousWeekday(d: Weekday): Weekday {
  return weekdays[(weekdays.indexOf(d) + 6) % 7] as Weekday;
}
