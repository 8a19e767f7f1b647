import type { MaintenanceWindowView, Weekday } from '../../shared/events';
import { t } from './i18n';
import { clockTime, dateTimeShort, parseZoned, zonedParts } from './time';

export const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A window's schedule in words, times in the village's zone. */
export function scheduleText(w: MaintenanceWindowView, tz: string): string {
  if (w.from && w.to) {
    const from = parseZoned(w.from, tz);
    const to = parseZoned(w.to, tz);
    if (Number.isNaN(from) || Number.isNaN(to)) return `${w.from} – ${w.to}`;
    const a = zonedParts(from, tz);
    const b = zonedParts(to, tz);
    const sameDay = a.year === b.year && a.month === b.month && a.day === b.day;
    return `${dateTimeShort(from, tz)} – ${sameDay ? clockTime(to, tz) : dateTimeShort(to, tz)}`;
  }
  const start = w.start ?? '?';
  const end = w.end ?? '?';
  if (w.daily) return t('maint.daily', { start, end });
  const days = (w.days ?? []).slice().sort((x, y) => WEEKDAYS.indexOf(x) - WEEKDAYS.indexOf(y));
  return t('maint.weekly', { days: days.map((d) => t(`day.${d}`)).join(', '), start, end });
}
