import { locale } from './i18n';

/** The hub's default zone, also used when a village names a zone this browser does not know. */
export const DEFAULT_TZ = 'Asia/Ho_Chi_Minh';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Cached formatters: building one per call is slow, and lists format hundreds of times. */
function fmt(key: string, tz: string, opts: Intl.DateTimeFormatOptions, loc = locale()): Intl.DateTimeFormat {
  const k = `${loc}|${tz}|${key}`;
  let f = formatters.get(k);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(loc, { ...opts, timeZone: tz });
    } catch {
      f = new Intl.DateTimeFormat(loc, { ...opts, timeZone: DEFAULT_TZ });
    }
    formatters.set(k, f);
  }
  return f;
}

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Wall-clock parts of an instant in a zone. */
export function zonedParts(ts: number, tz: string): ZonedParts {
  const f = fmt('parts', tz, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }, 'en-GB');
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(ts))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return { year: p.year ?? 1970, month: p.month ?? 1, day: p.day ?? 1, hour: (p.hour ?? 0) % 24, minute: p.minute ?? 0, second: p.second ?? 0 };
}

/** How far the zone's wall clock is ahead of UTC at this instant (ms). */
export function tzOffsetMs(ts: number, tz: string): number {
  const p = zonedParts(ts, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ts / 1000) * 1000;
}

/**
 * An ISO date-time to ms: with an offset (or Z) as written, without one in the given zone, the way
 * the hub reads the maintenance and meeting times it is sent. NaN when it is not a date-time.
 */
export function parseZoned(iso: string, tz: string): number {
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(iso)) return Date.parse(iso);
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(iso);
  if (!m) return Number.NaN;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  // Two passes settle the offset around a daylight-saving change (Vietnam has none, other zones may).
  let ts = wall - tzOffsetMs(wall, tz);
  ts = wall - tzOffsetMs(ts, tz);
  return ts;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The value of an `<input type="datetime-local">` showing this instant in the zone. */
export function toLocalInput(ts: number, tz: string): string {
  const p = zonedParts(ts, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** HH:MM in the zone (24 h). */
export function clockTime(ts: number, tz: string): string {
  const p = zonedParts(ts, tz);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

function sameDay(a: number, b: number, tz: string): boolean {
  const x = zonedParts(a, tz);
  const y = zonedParts(b, tz);
  return x.year === y.year && x.month === y.month && x.day === y.day;
}

/** "14:02" today, "14:02 03/05" on another day: short enough for a phone line. */
export function shortTime(ts: number, tz: string, now = Date.now()): string {
  if (sameDay(ts, now, tz)) return clockTime(ts, tz);
  const p = zonedParts(ts, tz);
  const year = zonedParts(now, tz).year === p.year ? '' : `/${p.year}`;
  return `${clockTime(ts, tz)} ${pad(p.day)}/${pad(p.month)}${year}`;
}

/** Date and time in the zone, in the interface language's style. */
export function dateTime(ts: number, tz: string): string {
  return fmt('dt', tz, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(ts));
}

/** Date and time without seconds (schedules). */
export function dateTimeShort(ts: number, tz: string): string {
  return fmt('dts', tz, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(ts));
}

/** Axis label in the zone: time of day for short ranges, day + time for longer ones. */
export function axisTime(ts: number, spanMs: number, tz: string): string {
  if (spanMs <= 36 * 3600_000) return fmt('hm', tz, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ts));
  const p = zonedParts(ts, tz);
  if (p.hour === 0 && p.minute === 0) return `${pad(p.day)}/${pad(p.month)}`;
  return `${pad(p.day)}/${pad(p.month)} ${pad(p.hour)}:${pad(p.minute)}`;
}
