import type Database from 'better-sqlite3';
import { LEGACY_TABLE } from './sqlite-schema.js';
import type { SeriesCatalog } from './sqlite-series.js';
import type { SeriesPoint, SeriesQuery } from './types.js';

/** Telemetry reads of the SQLite metric store: raw values, or 5-minute rollups for ranges beyond the raw retention. */

type Statement = Database.Statement<unknown[], unknown>;

export const ROLLUP_MS = 300_000;

interface Bucket {
  ts: number;
  mean: number;
  min: number;
  max: number;
}

export interface RangeCount {
  village?: string;
  device?: string;
  from: number;
  to: number;
}

export class TelemetryReads {
  private stmts: Record<'rawRows' | 'rawBuckets' | 'rollupRows' | 'rollupBuckets', Statement>;

  /** `legacy`: values of an older version's layout are still being moved over and are read as well. */
  constructor(
    private readonly db: Database.Database,
    private readonly catalog: SeriesCatalog,
    private legacy: boolean,
  ) {
    this.stmts = this.prepare();
  }

  /** The older layout is gone (moved over and dropped): stop reading it. */
  legacyGone(): void {
    this.legacy = false;
    this.stmts = this.prepare();
  }

  private prepare(): typeof this.stmts {
    // Raw values of one series in [from, to); while values of the older layout remain, theirs too.
    const raw =
      'SELECT ts, value FROM telemetry_raw WHERE series = @series AND ts >= @from AND ts < @to' +
      (this.legacy
        ? ` UNION ALL SELECT ts, value FROM ${LEGACY_TABLE} WHERE village = @village AND device = @device AND metric = @metric AND ts >= @from AND ts < @to`
        : '');
    // 5-minute rollups before `split` (how far the rollups have got), raw values grouped the same way after it.
    const fiveMin = `SELECT ts, mean, min, max, n FROM telemetry_5m WHERE series = @series AND ts >= @from AND ts < min(@to, @split)
      UNION ALL
      SELECT (ts / ${ROLLUP_MS}) * ${ROLLUP_MS} AS ts, AVG(value) AS mean, MIN(value) AS min, MAX(value) AS max, COUNT(*) AS n
        FROM telemetry_raw WHERE series = @series AND ts >= @split AND ts < @to GROUP BY 1`;
    // Bucket start = from + floor((ts - from) / width) * width, in integer arithmetic.
    const bucket = 'CAST(@from + CAST((ts - @from) / @width AS INTEGER) * @width AS INTEGER)';
    return {
      rawRows: this.db.prepare(`SELECT ts, value FROM (${raw}) ORDER BY ts LIMIT @limit`),
      rawBuckets: this.db.prepare(
        `SELECT ${bucket} AS bucket, AVG(value) AS mean, MIN(value) AS min, MAX(value) AS max FROM (${raw}) GROUP BY bucket ORDER BY bucket`,
      ),
      rollupRows: this.db.prepare(`SELECT ts, mean, min, max FROM (${fiveMin}) ORDER BY ts LIMIT @limit`),
      // Means weighted by how many values each rollup stands for.
      rollupBuckets: this.db.prepare(
        `SELECT ${bucket} AS bucket, SUM(mean * n) / SUM(n) AS mean, MIN(min) AS min, MAX(max) AS max FROM (${fiveMin}) GROUP BY bucket ORDER BY bucket`,
      ),
    };
  }

  /**
   * At most `points` points: the stored ones when they fit, else equal buckets from `from`. With
   * `rolledUntil` set the range is read from the rollups (the caller decides: ranges reaching beyond the
   * raw retention), and from raw values after it.
   */
  series(q: SeriesQuery, rolledUntil: number | null): SeriesPoint[] {
    const limit = Math.max(1, Math.floor(q.points));
    const from = Math.floor(q.from);
    const to = Math.ceil(q.to);
    if (!(to > from)) return [];
    const series = this.catalog.find(q.village, q.device, q.metric);
    if (series === undefined && !this.legacy) return [];
    const params = { series: series ?? -1, village: q.village, device: q.device, metric: q.metric, from, to, limit: limit + 1 };
    const width = Math.max(1, Math.ceil((to - from) / limit));
    if (rolledUntil !== null && from < rolledUntil && series !== undefined) {
      const p = { series, from, to, split: rolledUntil };
      const rows = this.stmts.rollupRows.all({ ...p, limit: limit + 1 }) as Bucket[];
      if (rows.length <= limit) return rows.map((r) => ({ ts: r.ts, mean: r.mean, min: r.min, max: r.max }));
      const grouped = this.stmts.rollupBuckets.all({ ...p, width }) as (Bucket & { bucket: number })[];
      return grouped.map((r) => ({ ts: r.bucket, mean: r.mean, min: r.min, max: r.max }));
    }
    const raw = this.stmts.rawRows.all(params) as { ts: number; value: number }[];
    if (raw.length <= limit) return raw.map((r) => ({ ts: r.ts, mean: r.value, min: r.value, max: r.value }));
    const { limit: _limit, ...rest } = params;
    const rows = this.stmts.rawBuckets.all({ ...rest, width }) as (Bucket & { bucket: number })[];
    return rows.map((r) => ({ ts: r.bucket, mean: r.mean, min: r.min, max: r.max }));
  }

  /** Messages = distinct (village, device, ts) among raw values. */
  count(q: RangeCount): number {
    const where = ['r.ts >= @from', 'r.ts < @to'];
    const legacyWhere = ['ts >= @from', 'ts < @to'];
    const params: Record<string, string | number> = { from: Math.floor(q.from), to: Math.ceil(q.to) };
    if (q.village !== undefined) {
      where.push('s.village = @village');
      legacyWhere.push('village = @village');
      params.village = q.village;
    }
    if (q.device !== undefined) {
      where.push('s.device = @device');
      legacyWhere.push('device = @device');
      params.device = q.device;
    }
    const current = `SELECT s.village, s.device, r.ts FROM telemetry_series s JOIN telemetry_raw r ON r.series = s.id WHERE ${where.join(' AND ')}`;
    const sql = this.legacy
      ? `SELECT COUNT(*) AS n FROM (${current} UNION SELECT village, device, ts FROM ${LEGACY_TABLE} WHERE ${legacyWhere.join(' AND ')})`
      : `SELECT COUNT(*) AS n FROM (SELECT DISTINCT village, device, ts FROM (${current}))`;
    return (this.db.prepare(sql).get(params) as { n: number }).n;
  }
}
