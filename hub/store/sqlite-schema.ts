import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The embedded metric store's file (DESIGN.md §5), laid out for a bounded size:
 * - `telemetry_series`: one row per (village, device, metric), so a value costs its series number, not
 *   three strings (about 24 bytes a value instead of 60);
 * - `telemetry_raw`: every value, kept `rawRetention`;
 * - `telemetry_5m`: 5-minute mean/min/max/count per series, kept `rollupRetention`;
 * - `telemetry_late`: 5-minute intervals already rolled up that a late value arrived for (rolled up again);
 * - `availability`, `event`: transitions and device events, exact, kept `rollupRetention`;
 * - `upkeep`: how far the rollups have got.
 * Files of older versions hold every value in `telemetry` (three strings a row); it is moved over by the
 * upkeep in small steps and dropped when empty (sqlite-legacy.ts).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS telemetry_series (
  id      INTEGER PRIMARY KEY,
  village TEXT NOT NULL,
  device  TEXT NOT NULL,
  metric  TEXT NOT NULL,
  kind    TEXT NOT NULL,
  UNIQUE (village, device, metric)
);
CREATE TABLE IF NOT EXISTS telemetry_raw (
  series INTEGER NOT NULL,
  ts     INTEGER NOT NULL,
  value  REAL NOT NULL,
  PRIMARY KEY (series, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS telemetry_5m (
  series INTEGER NOT NULL,
  ts     INTEGER NOT NULL,
  mean   REAL NOT NULL,
  min    REAL NOT NULL,
  max    REAL NOT NULL,
  n      INTEGER NOT NULL,
  PRIMARY KEY (series, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS telemetry_late (
  series INTEGER NOT NULL,
  ts     INTEGER NOT NULL,
  PRIMARY KEY (series, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS availability (
  village TEXT NOT NULL,
  device  TEXT NOT NULL,
  ts      INTEGER NOT NULL,
  kind    TEXT NOT NULL,
  state   TEXT NOT NULL,
  up      INTEGER NOT NULL,
  PRIMARY KEY (village, device, ts)
) WITHOUT ROWID;
-- Device events: one per device and instant, like a point of the InfluxDB measurement "event".
CREATE TABLE IF NOT EXISTS event (
  village  TEXT NOT NULL,
  device   TEXT NOT NULL,
  ts       INTEGER NOT NULL,
  kind     TEXT NOT NULL,
  type     TEXT NOT NULL,
  severity TEXT NOT NULL,
  message  TEXT,
  PRIMARY KEY (village, device, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS upkeep (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** The table older versions kept every value in. */
export const LEGACY_TABLE = 'telemetry';

export interface MetricsFile {
  db: Database.Database;
  /** The file still holds values in the older layout. */
  legacy: boolean;
  /** Freed pages can be given back to the file system (files created by this version); else they are reused. */
  incrementalVacuum: boolean;
}

/** Opens (creating when missing) the metric store's file, with the tables above. */
export function openMetricsFile(file: string): MetricsFile {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // Only a file without tables can take it: then space freed by pruning can also be returned, a few pages at a time.
    if ((db.pragma('page_count', { simple: true }) as number) === 0) db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // The WAL checkpoint thread (sqlite-checkpoint.ts) may hold a lock for a moment.
    db.pragma('busy_timeout = 1000');
    // The WAL file is reused after each checkpoint; this caps what it keeps on disk after a burst.
    db.pragma('journal_size_limit = 16777216');
    db.exec(SCHEMA);
    const legacy = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(LEGACY_TABLE) !== undefined;
    const incrementalVacuum = (db.pragma('auto_vacuum', { simple: true }) as number) === 2;
    return { db, legacy, incrementalVacuum };
  } catch (err) {
    db.close();
    throw new Error(`SQLite metric store ${file}: ${(err as Error).message}`);
  }
}
