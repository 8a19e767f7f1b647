import type { DeviceView } from '../../shared/events';

/** A device that needs someone to go and look: offline, or cut off behind one that is. */
export function hasProblem(d: DeviceView): boolean {
  return d.state === 'offline' || d.state === 'unreachable';
}

/** Offline first (the ones to fix), then those they took down, then the rest; by name within each. */
const rank = (d: DeviceView): number => (d.state === 'offline' ? 0 : d.state === 'unreachable' ? 1 : 2);

export function problemsFirst(a: DeviceView, b: DeviceView): number {
  return rank(a) - rank(b) || a.name.localeCompare(b.name, 'vi') || a.id.localeCompare(b.id);
}

/** Lower case without tone marks, đ as d: "cong" finds "Cổng", as people type on a phone. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'd').toLowerCase();
}

export interface DeviceFilter {
  /** What was typed in the search box. */
  query: string;
  /** Only devices with a problem. */
  problems: boolean;
}

/** True when the device's name, id or location contains every typed word, and it passes the problem filter. */
export function matches(d: DeviceView, f: DeviceFilter): boolean {
  if (f.problems && !hasProblem(d)) return false;
  const words = fold(f.query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = fold([d.name, d.id, d.location ?? ''].join(' '));
  return words.every((w) => hay.includes(w));
}

const KEY = 'langso.overview.filter';

/** The filter survives opening a device and coming back (this tab only). */
export function savedFilter(): DeviceFilter {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<DeviceFilter> | null;
    return { query: typeof v?.query === 'string' ? v.query : '', problems: v?.problems === true };
  } catch {
    return { query: '', problems: false };
  }
}

export function saveFilter(f: DeviceFilter): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(f));
  } catch {
    // Storage disabled: the filter lasts as long as the page.
  }
}
