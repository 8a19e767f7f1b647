import type Database from 'better-sqlite3';

/**
 * The series catalogue of the SQLite metric store: one number per (village, device, metric), held in
 * memory (the number of series is bounded by `limits.seriesTotal`) so a write costs no lookup query.
 */

type Statement = Database.Statement<unknown[], unknown>;

interface SeriesRow {
  id: number;
  village: string;
  device: string;
  metric: string;
  kind: string;
}

const keyOf = (village: string, device: string, metric: string): string => `${village}\u0000${device}\u0000${metric}`;

export class SeriesCatalog {
  private readonly byKey = new Map<string, { id: number; kind: string }>();
  private readonly insert: Statement;
  private readonly remove: Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO telemetry_series (village, device, metric, kind) VALUES (?, ?, ?, ?)
       ON CONFLICT (village, device, metric) DO UPDATE SET kind = excluded.kind RETURNING id`,
    );
    this.remove = db.prepare('DELETE FROM telemetry_series WHERE id = ?');
  }

  load(): void {
    this.byKey.clear();
    for (const r of this.db.prepare('SELECT id, village, device, metric, kind FROM telemetry_series').all() as SeriesRow[]) {
      this.byKey.set(keyOf(r.village, r.device, r.metric), { id: r.id, kind: r.kind });
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  find(village: string, device: string, metric: string): number | undefined {
    return this.byKey.get(keyOf(village, device, metric))?.id;
  }

  /** The series' number, created (or its kind brought up to date) when needed. */
  idFor(village: string, device: string, metric: string, kind: string): number {
    const key = keyOf(village, device, metric);
    const have = this.byKey.get(key);
    if (have && have.kind === kind) return have.id;
    const { id } = this.insert.get(village, device, metric, kind) as { id: number };
    this.byKey.set(key, { id, kind });
    return id;
  }

  /** Removes a series that has no value left (its number may be given to a new series afterwards). */
  drop(id: number): void {
    this.remove.run(id);
    for (const [key, v] of this.byKey) {
      if (v.id === id) {
        this.byKey.delete(key);
        break;
      }
    }
  }
}
