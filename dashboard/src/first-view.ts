import type { DevicesResponse, SessionUser, UptimeAllResponse } from '../../shared/events';

/**
 * What the hub put into the page with the first view (hub/web/first-view.ts): the same bodies as GET
 * /api/session, /api/devices and /api/uptime, for the logged-in user. The app starts from them, so its first
 * render draws the same overview over the hub's markup instead of a "loading" line; the live socket and
 * the usual reloads take it from there.
 */
export interface FirstView {
  user: SessionUser;
  devices: DevicesResponse;
  uptime: { day: UptimeAllResponse; month: UptimeAllResponse } | null;
  lang: 'vi' | 'en';
  /** When the hub drew it (ms). */
  at: number;
}

/** How long after the page loaded its uptime figures still count as current. */
const FRESH_MS = 10_000;

function isFirstView(v: unknown): v is FirstView {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Partial<FirstView>;
  return (
    typeof f.user?.username === 'string' &&
    Array.isArray(f.devices?.devices) &&
    Array.isArray(f.devices?.villages) &&
    Array.isArray(f.devices?.kinds) &&
    typeof f.at === 'number' &&
    (f.uptime === null || (Array.isArray(f.uptime?.day.villages) && Array.isArray(f.uptime?.month.villages)))
  );
}

function read(): FirstView | null {
  const el = typeof document === 'undefined' ? null : document.getElementById('first-view');
  if (!el?.textContent) return null;
  try {
    const v: unknown = JSON.parse(el.textContent);
    return isFirstView(v) ? v : null;
  } catch {
    // Unreadable: the app loads everything itself, as without a first view.
    return null;
  }
}

let first: FirstView | null = read();
let uptime = first?.uptime ?? null;

export function firstView(): FirstView | null {
  return first;
}

/** The uptime figures of the first view, once: the overview's first render; later ones ask the hub. */
export function takeFirstUptime(): FirstView['uptime'] {
  const u = uptime;
  uptime = null;
  // Opened on another page first (a device's link), the overview comes later: then its figures are asked anew.
  return performance.now() < FRESH_MS ? u : null;
}

/** After a logout the page's data is someone else's past: nothing of it is used again. */
export function forgetFirstView(): void {
  first = null;
  uptime = null;
}
