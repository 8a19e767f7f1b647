import { useEffect, useRef } from 'preact/hooks';
import type { DeviceUptimeView, DeviceView, UptimeAllResponse, VillageUptimeView } from '../../shared/events';
import { formatDuration } from '../../shared/units';
import { getJson } from './api';
import { getLang, locale, t } from './i18n';

/** Uptime figures from GET /api/uptime (docs/reports.md), and how the pages say them. */

export type UptimePeriod = { from: number; to?: number } | { month: string };

function query(p: UptimePeriod, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  if ('month' in p) params.set('month', p.month);
  else {
    params.set('from', String(Math.floor(p.from)));
    if (p.to !== undefined) params.set('to', String(Math.ceil(p.to)));
  }
  return params.toString();
}

export function fetchUptimeAll(p: UptimePeriod, signal?: AbortSignal): Promise<UptimeAllResponse> {
  return getJson<UptimeAllResponse>(`/api/uptime?${query(p)}`, signal);
}

export function fetchVillageUptime(village: string, p: UptimePeriod, signal?: AbortSignal): Promise<VillageUptimeView> {
  return getJson<VillageUptimeView>(`/api/uptime?${query(p, { village })}`, signal);
}

export function fetchDeviceUptime(village: string, device: string, p: UptimePeriod, signal?: AbortSignal): Promise<DeviceUptimeView> {
  return getJson<DeviceUptimeView>(`/api/uptime?${query(p, { village, device })}`, signal);
}

/** The CSV of the same figures (a link: the browser downloads it with the session cookie). */
export function uptimeCsvUrl(p: UptimePeriod, village: string | null): string {
  return `/api/reports/uptime.csv?${query(p, { lang: getLang(), ...(village ? { village } : {}) })}`;
}

/** "99,5 %" in the interface language; "—" when nothing counts (maintenance or unknown only). */
export function pctText(v: number | null): string {
  if (v === null) return t('uptime.none');
  // A few seconds down in a month still is not 100 %.
  if (v < 100 && v >= 99.995) return `${(99.99).toLocaleString(locale())}%`;
  return `${v.toLocaleString(locale(), { maximumFractionDigits: v >= 99.95 && v < 100 ? 2 : 1 })}%`;
}

/** A duration in ms as people say it ("3 giờ 12 phút"); "—" for none. */
export function durationText(ms: number | null): string {
  return ms === null || ms <= 0 ? '—' : formatDuration(ms / 1000, getLang());
}

/** Good, middling or poor: the colour of a figure, always beside the number itself. */
export function uptimeLevel(v: number | null): 'good' | 'fair' | 'poor' | 'none' {
  if (v === null) return 'none';
  return v >= 99 ? 'good' : v >= 95 ? 'fair' : 'poor';
}

/** Every device's state in one string: it changes when any device changes state. */
export function stateSignature(devices: readonly DeviceView[], village?: string): string {
  return devices
    .filter((d) => village === undefined || d.village === village)
    .map((d) => `${d.village}/${d.id}:${d.state}`)
    .join('|');
}

/**
 * Calls `reload` a little after the devices' states change (live figures: an outage that just began or
 * ended shows without a reload), at most once per `ms`.
 */
export function useRefreshOnChange(signature: string, reload: () => void, ms = 3_000): void {
  const first = useRef(true);
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = setTimeout(() => latest.current(), ms);
    return () => clearTimeout(timer);
  }, [signature]);
}
