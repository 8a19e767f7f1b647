import { useEffect, useState } from 'preact/hooks';
import { HUB_WIDE, type AvailabilityState, type DeviceView, type VillageView } from '../../shared/events';
import { reasonView, type ReasonFields } from '../../shared/reasons';
import { getLang, hasKey, t } from './i18n';
import { kindView } from './kinds';
import { DEFAULT_TZ } from './time';

export const STATES: AvailabilityState[] = ['online', 'offline', 'unreachable', 'maintenance', 'unknown'];

export function stateLabel(state: AvailabilityState): string {
  return t(`state.${state}`);
}

export { kindLabel } from './kinds';

/** Known reason codes read as a phrase; anything else (a device's own words) is shown as sent. */
export function reasonLabel(reason: string): string {
  const key = `reason.${reason}`;
  return hasKey(key) ? t(key) : reason;
}

/**
 * A device's or alert's reason in the interface language (its code through shared/reasons.ts), and the
 * raw technical text behind it when that says more (for commune IT, one tap away).
 */
export function reasonOf(r: ReasonFields): { words: string | null; detail: string | null } {
  return reasonView(r, getLang());
}

export function relativeTime(ts: number, now: number): string {
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 15) return t('time.justNow');
  // Whole tens: the text refreshes every 15 s, so finer digits would only look precise.
  if (s < 60) return t('time.secondsAgo', { n: Math.floor(s / 10) * 10 });
  const m = Math.floor(s / 60);
  if (m < 60) return t('time.minutesAgo', { n: m });
  const h = Math.floor(m / 60);
  if (h < 48) return t('time.hoursAgo', { n: h });
  return t('time.daysAgo', { n: Math.floor(h / 24) });
}

/**
 * The village's IANA zone; its times are shown in it, whatever zone the phone is set to. Something of the
 * whole hub (HUB_WIDE: its Internet link) is told in its first village's zone.
 */
export function villageTz(villages: VillageView[], village: string): string {
  return (village === HUB_WIDE ? villages[0] : villages.find((v) => v.id === village))?.timezone || DEFAULT_TZ;
}

/** The village's name; every village of the hub for something of the whole hub (HUB_WIDE). */
export function villageName(villages: VillageView[], village: string): string {
  if (village === HUB_WIDE) return villages.map((v) => v.name).join(', ') || village;
  return villages.find((v) => v.id === village)?.name ?? village;
}

export function deviceName(devices: DeviceView[], village: string, device: string): string {
  return devices.find((d) => d.village === village && d.id === device)?.name ?? device;
}

/** The metric a tile's sparkline shows: the kind's main metric (its descriptor), else the first numeric field. */
export function mainMetric(d: DeviceView): string | null {
  const fields = d.telemetry?.fields;
  if (!fields) return null;
  const preferred = kindView(d.kind)?.mainMetric;
  if (preferred && typeof fields[preferred] === 'number') return preferred;
  for (const [name, v] of Object.entries(fields)) if (typeof v === 'number') return name;
  return null;
}

/** Fields offered in the detail chart: numbers first, then booleans (stored as 0/1). */
export function chartableFields(d: DeviceView): string[] {
  const fields = Object.entries(d.telemetry?.fields ?? {});
  return [
    ...fields.filter(([, v]) => typeof v === 'number').map(([k]) => k),
    ...fields.filter(([, v]) => typeof v === 'boolean').map(([k]) => k),
  ];
}

// One shared clock for every "n minutes ago": a single timer, no server traffic.
const TICK_MS = 15_000;
const tickListeners = new Set<(now: number) => void>();
let tickTimer: ReturnType<typeof setInterval> | null = null;

export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    tickListeners.add(setNow);
    if (!tickTimer) tickTimer = setInterval(() => {
      const n = Date.now();
      for (const fn of tickListeners) fn(n);
    }, TICK_MS);
    return () => {
      tickListeners.delete(setNow);
      if (tickListeners.size === 0 && tickTimer) {
        clearInterval(tickTimer);
        tickTimer = null;
      }
    };
  }, []);
  return now;
}
