import type { SeriesPoint } from './types.js';
import { METRIC_PATTERN, SLUG_PATTERN } from '../../shared/ids.js';

export { durationMs } from './retention.js';

/** InfluxQL for InfluxDB 1.x: quoting, durations, the rollup continuous queries, raw results. */

export const RAW_RP = 'raw';
export const ROLLUP_RP = 'rollup';
/**
 * Availability transitions and device events, exact (every point at its own instant), kept as long as
 * the rollups: they are few, and a two-year-old month's uptime must be as exact as yesterday's.
 */
export const HISTORY_RP = 'history';
/** Kinds are slugs too (devices/index.ts); tags are checked before they go into line protocol. */
export const KIND = SLUG_PATTERN;

/** InfluxQL identifier: always double-quoted, `"` and `\` escaped. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** InfluxQL string literal (tag values in WHERE): single-quoted, `'` and `\` escaped. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Durations as InfluxDB prints them (`720h0m0s`, `0s` = infinite) in ms. */
export function influxDurationMs(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m) return Number.NaN;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
}

/**
 * Continuous queries filling `rollup` (DESIGN.md §5): 5 min mean/min/max of every telemetry field
 * (fields become mean_<m>, min_<m>, max_<m>). Availability needs none: it is written to `history` exactly.
 */
export function continuousQueries(database: string): { name: string; select: string }[] {
  const db = quoteIdent(database);
  return [
    {
      name: 'cq_telemetry_5m',
      select:
        `SELECT mean(*), min(*), max(*) INTO ${db}.${ROLLUP_RP}.telemetry ` +
        `FROM ${db}.${RAW_RP}.telemetry GROUP BY time(5m), *`,
    },
  ];
}

/**
 * Continuous queries of older versions, dropped on open: `cq_availability_5m` kept only the last state of
 * each 5 min in `rollup` (what it wrote there is still read, for the time before `history` existed).
 */
export const RETIRED_CQS = ['cq_availability_5m'] as const;

export interface RawSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}
export interface RawResult {
  statement_id?: number;
  series?: RawSeries[];
  error?: string;
}

/** An error the writer must not retry (the same batch would fail again). */
export function permanent(message: string): Error {
  return Object.assign(new Error(message), { permanent: true });
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return err.message || (typeof code === 'string' ? code : err.name);
  }
  return String(err);
}

export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}


export function checkSlug(value: string, what: string): string {
  if (!SLUG_PATTERN.test(value)) throw new Error(`invalid ${what} id "${value}": expected a lowercase slug`);
  return value;
}

/** Guard: never more than `limit` buckets (merges the surplus at the end into the last kept one). */
export function capPoints(points: SeriesPoint[], limit: number): SeriesPoint[] {
  if (points.length <= limit) return points;
  const tail = points.slice(limit - 1);
  const mean = tail.reduce((s, p) => s + p.mean, 0) / tail.length;
  const merged = { ts: tail[0]!.ts, mean, min: Math.min(...tail.map((p) => p.min)), max: Math.max(...tail.map((p) => p.max)) };
  return [...points.slice(0, limit - 1), merged];
}
