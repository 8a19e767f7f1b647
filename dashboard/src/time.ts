import { getLang, locale } from './i18n';
import { zoneLabel } from '../../shared/time';

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

// One implementation of zone arithmetic for hub and browser (shared/time.ts has no Node imports).
export { zonedParts, parseZoned, zoneOffsetMs as tzOffsetMs, type ZonedParts } from '../../shared/time';
import { zonedParts } from '../../shared/time';

const pad = (n: number): string => String(n).padStart(2, '0');

/** The value of an `<input type="datetime-local">` showing this instant in the zone. */
export function toLocalInput(ts: number, tz: string): string {
  const p = zonedParts(ts, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** The zone in words with its offset, "giờ Việt Nam (UTC+7)": never an IANA id on screen. */
export function zoneText(tz: string): string {
  return zoneLabel(tz, getLang());
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
