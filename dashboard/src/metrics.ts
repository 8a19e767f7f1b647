import { formatBool as fmtBool, formatDuration as fmtDuration, formatNumber as fmtNumber, formatValue, unitSymbol } from '../../shared/units';
import { getLang } from './i18n';
import { metricSpec } from './kinds';

export { kindLabel, metricLabel } from './kinds';

/**
 * How each metric reads for a volunteer: a value with its unit, in the interface language (the units
 * come from the kind descriptors, the formatting from shared/units.ts, as in notifications).
 */
export function formatNumber(v: number): string {
  return fmtNumber(v, getLang());
}

export function formatBool(v: boolean): string {
  return fmtBool(v, getLang());
}

/** 3 d 4 h, 5 h 12 min, 7 min: the two largest units. */
export function formatDuration(seconds: number): string {
  return fmtDuration(seconds, getLang());
}

export function formatMetric(kind: string | null, name: string, v: number | boolean): string {
  const spec = metricSpec(kind, name);
  if (!spec) return typeof v === 'boolean' ? formatBool(v) : formatNumber(v);
  return formatValue(spec.unit, v, getLang());
}

/** True for yes/no metrics (stored as 0/1). */
export function isBoolMetric(kind: string | null, name: string): boolean {
  return metricSpec(kind, name)?.unit === 'bool';
}

/** The unit for an axis title ("bit/s", "%", "ms"), or null. */
export function metricUnit(kind: string | null, name: string): string | null {
  const spec = metricSpec(kind, name);
  return spec ? unitSymbol(spec.unit, getLang()) : null;
}

/** Axis ticks of a chart: the same units, booleans (stored as 0/1) as Yes/No. */
export function formatTick(kind: string | null, name: string, v: number): string {
  if (isBoolMetric(kind, name)) return v === 1 ? formatBool(true) : v === 0 ? formatBool(false) : '';
  return formatMetric(kind, name, v);
}
