import { localeOf, type Lang } from './i18n.js';

/**
 * How a metric's value reads, for the dashboard and for notifications alike. Node-free.
 * `bytesPerSecond` is what devices send (octet counters per second); people count link speeds in bits,
 * so it is shown as kbit/s or Mbit/s (× 8).
 */
export const units = ['count', 'bytesPerSecond', 'ms', 'percent', 'ratio', 'seconds', 'duration', 'bool', 'level', 'plain'] as const;
export type Unit = (typeof units)[number];

const words = {
  vi: { yes: 'Có', no: 'Không', s: 'giây', min: 'phút', h: 'giờ', d: 'ngày' },
  en: { yes: 'Yes', no: 'No', s: 's', min: 'min', h: 'h', d: 'd' },
} as const;

/**
 * Number formats by language and digits: `toLocaleString` builds a new Intl.NumberFormat on every call
 * (the busiest function of the overview's own script in a CPU profile of a throttled phone). A handful of
 * pure, immutable formatters, made on first use.
 */
const numberFormats = new Map<string, Intl.NumberFormat>();

function num(v: number, digits: number, lang: Lang): string {
  const key = `${lang}:${digits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(localeOf[lang], { maximumFractionDigits: digits });
    numberFormats.set(key, f);
  }
  return f.format(v);
}

/** A plain number: whole numbers as they are, fractions to about two significant places. */
export function formatNumber(v: number, lang: Lang): string {
  const abs = Math.abs(v);
  return num(v, abs >= 100 || Number.isInteger(v) ? 0 : abs >= 10 ? 1 : 2, lang);
}

/** Bytes per second as bits: "1,2 Mbit/s", "640 kbit/s". */
export function formatBytesPerSecond(bytesPerS: number, lang: Lang): string {
  const bits = bytesPerS * 8;
  const abs = Math.abs(bits);
  if (abs >= 1e6) return `${num(bits / 1e6, abs >= 1e8 ? 0 : 1, lang)} Mbit/s`;
  if (abs >= 1e3) return `${num(bits / 1e3, abs >= 1e5 ? 0 : 1, lang)} kbit/s`;
  return `${num(bits, 0, lang)} bit/s`;
}

/** "3 ngày 4 giờ", "5 giờ 12 phút", "7 phút", "40 giây": the two largest units. */
export function formatDuration(seconds: number, lang: Lang): string {
  const w = words[lang];
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} ${w.d} ${h} ${w.h}` : `${d} ${w.d}`;
  if (h > 0) return m > 0 ? `${h} ${w.h} ${m} ${w.min}` : `${h} ${w.h}`;
  if (m > 0) return `${m} ${w.min}`;
  return `${s} ${w.s}`;
}

/** A size on disk: "850 kB", "3,2 MB", "1,1 GB" (decimal units, as disks are sold). */
export function formatBytes(bytes: number, lang: Lang): string {
  const abs = Math.abs(bytes);
  if (abs >= 1e9) return `${num(bytes / 1e9, 1, lang)} GB`;
  if (abs >= 1e6) return `${num(bytes / 1e6, abs >= 1e8 ? 0 : 1, lang)} MB`;
  if (abs >= 1e3) return `${num(bytes / 1e3, 0, lang)} kB`;
  return `${num(bytes, 0, lang)} B`;
}

export function formatBool(v: boolean, lang: Lang): string {
  return v ? words[lang].yes : words[lang].no;
}

/** A value with its unit, as a person reads it. */
export function formatValue(unit: Unit, v: number | boolean, lang: Lang): string {
  if (typeof v === 'boolean') return formatBool(v, lang);
  switch (unit) {
    case 'bytesPerSecond':
      return formatBytesPerSecond(v, lang);
    case 'percent':
      return `${num(v, Math.abs(v) >= 10 ? 0 : 1, lang)} %`;
    case 'ratio':
      return `${num(v * 100, 0, lang)} %`;
    case 'duration':
      return formatDuration(v, lang);
    case 'bool':
      return formatBool(v !== 0, lang);
    case 'ms':
      return `${formatNumber(v, lang)} ms`;
    case 'seconds':
      return `${formatNumber(v, lang)} ${words[lang].s}`;
    case 'count':
    case 'level':
    case 'plain':
      return formatNumber(v, lang);
  }
}

/** The unit as an axis title shows it ("Mbit/s", "%", "ms"); null when the number needs none. */
export function unitSymbol(unit: Unit, lang: Lang): string | null {
  switch (unit) {
    case 'bytesPerSecond':
      return 'bit/s';
    case 'percent':
    case 'ratio':
      return '%';
    case 'ms':
      return 'ms';
    case 'seconds':
    case 'duration':
      return words[lang].s;
    default:
      return null;
  }
}
