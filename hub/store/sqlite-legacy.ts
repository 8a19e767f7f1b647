import type Database from 'better-sqlite3';
import { LEGACY_TABLE } from './sqlite-schema.js';
import type { SeriesCatalog } from './sqlite-series.js';

/**
 * Moves values stored by older versions (table `telemetry`: village, device, metric as strings in every
 * row) into the numbered series layout, a chunk of one series at a time, oldest first; drops the table
 * when it is empty. Reads see every value exactly once meanwhile: a chunk is copied and deleted in the
 * same transaction (the upkeep's step).
 */

type Statement = Database.Statement<unknown[], unknown>;

interface LegacyKey {
  village: string;
  device: string;
  metric: string;
  kind: string;
}

/** Values moved per statement: a few milliseconds of work. */
const CHUNK = 2_000;

export class LegacyMover {
  private readonly next: Statement;
  private readonly boundary: Statement;
  private readonly copy: Statement;
  private readonly remove: Statement;
  private at: LegacyKey | null = null;
  moved = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly catalog: SeriesCatalog,
  ) {
    // The first row of the next series: a skip-scan of the primary key (village, device, metric, ts).
    this.next = db.prepare(
      `SELECT village, device, metric, kind FROM ${LEGACY_TABLE} WHERE (village, device, metric) > (?, ?, ?) ORDER BY village, device, metric, ts LIMIT 1`,
    );
    this.boundary = db.prepare(`SELECT ts FROM ${LEGACY_TABLE} WHERE village = ? AND device = ? AND metric = ? ORDER BY ts LIMIT 1 OFFSET ${CHUNK - 1}`);
    // A value written since (same series and instant) is newer: it stays.
    this.copy = db.prepare(
      `INSERT OR IGNORE INTO telemetry_raw (series, ts, value) SELECT @series, ts, value FROM ${LEGACY_TABLE} WHERE village = @village AND device = @device AND metric = @metric AND ts <= @upTo`,
    );
    this.remove = db.prepare(`DELETE FROM ${LEGACY_TABLE} WHERE village = @village AND device = @device AND metric = @metric AND ts <= @upTo`);
  }

  /** Moves chunks until `deadline` (performance.now()); true once the older table is gone. */
  step(deadline: number): boolean {
    for (;;) {
      if (!this.at) {
        const k = this.next.get('', '', '') as LegacyKey | undefined;
        if (!k) {
          this.db.exec(`DROP TABLE ${LEGACY_TABLE}`);
          return true;
        }
        this.at = k;
      }
      const { village, device, metric, kind } = this.at;
      const b = this.boundary.get(village, device, metric) as { ts: number } | undefined;
      const upTo = b ? b.ts : Number.MAX_SAFE_INTEGER;
      const series = this.catalog.idFor(village, device, metric, kind);
      this.moved += this.copy.run({ series, village, device, metric, upTo }).changes;
      this.remove.run({ village, device, metric, upTo });
      // The series is done: the next key after it (its rows are gone, so start from the first key again).
      if (!b) this.at = null;
      if (performance.now() >= deadline) return false;
    }
  }
}
