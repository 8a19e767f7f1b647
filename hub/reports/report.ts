import type { Config, DeviceKind } from '../config/schema.js';
import type { MetricStore } from '../store/types.js';
import { aggregateUptime, monthRange, uptimeOf, type UptimeFigures } from './uptime.js';

/**
 * The uptime report: configuration + stored transitions (MetricStore.availabilityHistory) → figures per
 * device and per village. The one place they are put together: the REST API, the CSV export, the
 * dashboard's pages, `langso report` and the scheduled reports all call `uptimeReport`, so every one of
 * them says the same numbers.
 */

/** One device's figures, with what a report names it by. */
export interface DeviceUptime extends UptimeFigures {
  village: string;
  device: string;
  name: string;
  kind: DeviceKind;
}

/** One village's figures: time-weighted over its devices, the worst device, and every device's own. */
export interface VillageUptime extends UptimeFigures {
  village: string;
  name: string;
  commune: string | null;
  timezone: string;
  worst: { device: string; name: string; uptimePct: number } | null;
  devices: DeviceUptime[];
}

export interface UptimeReport {
  generatedAt: number;
  villages: VillageUptime[];
}

/** What a report covers: a range in ms, or a calendar month in each village's own time zone. */
export type Period = { from: number; to: number } | { month: string };

export interface ReportRequest {
  /** Villages to report, in this order; unknown ids are left out (the caller checks them first). */
  villages: readonly string[];
  /** Only this device (of the single village asked for). */
  device?: string;
  period: Period;
}

/** [from, to) of a period for one village. */
export function periodRange(period: Period, timezone: string): { from: number; to: number } {
  return 'month' in period ? monthRange(period.month, timezone) : { from: period.from, to: period.to };
}

/**
 * Figures for the asked villages. Villages sharing a range (every one for a from/to range; those in the
 * same zone for a month) are read from the store in one availabilityHistory call with every device listed,
 * so 1 000 devices cost one query, not 1 000.
 */
export async function uptimeReport(deps: { config: Pick<Config, 'villages' | 'devices'>; store: Pick<MetricStore, 'availabilityHistory'>; now: number }, req: ReportRequest): Promise<UptimeReport> {
  const { config, store, now } = deps;
  const villages = req.villages.map((id) => config.villages.find((v) => v.id === id)).filter((v) => v !== undefined);
  const devicesOf = (village: string) => config.devices.filter((d) => d.village === village && (req.device === undefined || d.id === req.device));
  // Group by range: one store read per distinct [from, to).
  const groups = new Map<string, { from: number; to: number; villages: typeof villages }>();
  for (const v of villages) {
    const r = periodRange(req.period, v.timezone);
    const key = `${r.from}:${r.to}`;
    const g = groups.get(key) ?? { ...r, villages: [] };
    g.villages.push(v);
    groups.set(key, g);
  }
  const out = new Map<string, VillageUptime>();
  for (const g of groups.values()) {
    const refs = g.villages.flatMap((v) => devicesOf(v.id).map((d) => ({ village: v.id, device: d.id })));
    const history = refs.length > 0 ? await store.availabilityHistory({ devices: refs, from: g.from, to: g.to }) : [];
    const byKey = new Map(history.map((h) => [`${h.village}/${h.device}`, h.points]));
    for (const v of g.villages) {
      const devices: DeviceUptime[] = devicesOf(v.id).map((d) => ({
        village: v.id,
        device: d.id,
        name: d.name,
        kind: d.kind,
        ...uptimeOf(byKey.get(`${v.id}/${d.id}`) ?? [], g.from, g.to, now),
      }));
      const agg = aggregateUptime(
        devices.map((d) => ({ id: d.device, figures: d })),
        g.from,
        Math.max(g.from, Math.min(g.to, now)),
      );
      const { worst, ...figures } = agg;
      out.set(v.id, {
        village: v.id,
        name: v.name,
        commune: v.commune ?? null,
        timezone: v.timezone,
        ...figures,
        worst: worst ? { device: worst.id, name: devices.find((d) => d.device === worst.id)?.name ?? worst.id, uptimePct: worst.uptimePct } : null,
        devices,
      });
    }
  }
  return { generatedAt: now, villages: villages.map((v) => out.get(v.id)!).filter(Boolean) };
}

/** Devices of a report, worst uptime first (those without a figure last), at most `n`. */
export function worstDevices(report: UptimeReport, n: number): DeviceUptime[] {
  return report.villages
    .flatMap((v) => v.devices)
    .filter((d) => d.uptimePct !== null && d.uptimePct < 100)
    .sort((a, b) => (a.uptimePct ?? 101) - (b.uptimePct ?? 101) || b.offlineMs - a.offlineMs)
    .slice(0, n);
}

/** Devices with the longest single outage, longest first, at most `n`. */
export function longestOutages(report: UptimeReport, n: number): DeviceUptime[] {
  return report.villages
    .flatMap((v) => v.devices)
    .filter((d) => d.longestOutageMs > 0)
    .sort((a, b) => b.longestOutageMs - a.longestOutageMs)
    .slice(0, n);
}
