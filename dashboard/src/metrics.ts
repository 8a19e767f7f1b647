import { hasKey, locale, t } from './i18n';

/**
 * How each known metric reads for a volunteer: a label in the interface language and a value with
 * its unit. Metrics the dashboard does not know are shown under their own name, value as sent.
 */
type Unit = 'count' | 'bps' | 'ms' | 'pct' | 'ratioPct' | 'seconds' | 'duration' | 'bool' | 'plain';

const units: Record<string, Unit> = {
  clients: 'count',
  rxBps: 'bps',
  txBps: 'bps',
  rttMs: 'ms',
  pollMs: 'ms',
  imageLuma: 'plain',
  streamOk: 'bool',
  snapshotOk: 'bool',
  frozen: 'bool',
  dark: 'bool',
  codecOk: 'bool',
  displayOk: 'bool',
  cameraOk: 'bool',
  ready: 'bool',
  clockDriftS: 'seconds',
  snapshotAgeS: 'seconds',
  // The PC agent sends its load as the busy share of all cores, 0–1.
  cpuLoad: 'ratioPct',
  memUsedPct: 'pct',
  diskFreePct: 'pct',
  uptimeS: 'duration',
};

/** `diskFreePct_data`: the PC agent's extra disks, named by their label. */
function split(name: string): { base: string; suffix: string | null } {
  const m = /^(diskFreePct)_(.+)$/.exec(name);
  return m ? { base: m[1]!, suffix: m[2]! } : { base: name, suffix: null };
}

const unitOf = (name: string): Unit | undefined => units[split(name).base];

export function metricLabel(name: string): string {
  const { base, suffix } = split(name);
  const key = `metric.${base}`;
  if (!hasKey(key)) return name;
  return suffix ? `${t(key)} (${suffix})` : t(key);
}

function num(v: number, digits: number): string {
  return v.toLocaleString(locale(), { maximumFractionDigits: digits });
}

/** A plain number: whole numbers as they are, a fraction to 2 significant places or so. */
export function formatNumber(v: number): string {
  const abs = Math.abs(v);
  return num(v, abs >= 100 || Number.isInteger(v) ? 0 : abs >= 10 ? 1 : 2);
}

export function formatBool(v: boolean): string {
  return v ? t('detail.yes') : t('detail.no');
}

/** Bits per second as kbit/s or Mbit/s (a village link is counted in those, not bytes). */
export function formatBps(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${num(v / 1e6, abs >= 1e8 ? 0 : 1)} Mbit/s`;
  if (abs >= 1e3) return `${num(v / 1e3, abs >= 1e5 ? 0 : 1)} kbit/s`;
  return `${num(v, 0)} bit/s`;
}

/** 3 d 4 h, 5 h 12 min, 7 min: the two largest units. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? t('duration.dh', { d, h }) : t('duration.d', { d });
  if (h > 0) return m > 0 ? t('duration.hm', { h, m }) : t('duration.h', { h });
  if (m > 0) return t('duration.m', { m });
  return t('duration.s', { s });
}

export function formatMetric(name: string, v: number | boolean): string {
  if (typeof v === 'boolean') return formatBool(v);
  switch (unitOf(name)) {
    case 'bps':
      return formatBps(v);
    case 'pct':
      return `${num(v, Math.abs(v) >= 10 ? 0 : 1)} %`;
    case 'ratioPct':
      return `${num(v * 100, 0)} %`;
    case 'duration':
      return formatDuration(v);
    case 'bool':
      return formatBool(v !== 0);
    case 'ms':
    case 'seconds':
    case 'count':
    case 'plain':
    default:
      return formatNumber(v);
  }
}

/** Axis ticks of a chart: the same units, booleans (stored as 0/1) as Yes/No. */
export function formatTick(name: string, v: number): string {
  if (unitOf(name) === 'bool') return v === 1 ? formatBool(true) : v === 0 ? formatBool(false) : '';
  return formatMetric(name, v);
}
