import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isAvailabilityState as isState } from '../core/domain.js';
import type { Logger } from '../core/log.js';
import { isEventSeverity as isSeverity } from '../../shared/event-types.js';
import { SqliteAvailabilityHistory, toAvailabilityPoint as toPoint } from './sqlite-history.js';
import type {
  AvailabilityHistoryQuery,
  AvailabilityPoint,
  AvailabilityQuery,
  DeviceAvailability,
  EventPoint,
  EventQuery,
  MetricPoint,
  MetricStore,
  SeriesPoint,
  SeriesQuery,
} from './types.js';
import { METRIC_PATTERN } from '../../shared/ids.js';


const SCHEMA = `
CREATE TABLE IF NOT EXISTS telemetry (
  village TEXT NOT NULL,
  device  TEXT NOT NULL,
  metric  TEXT NOT NULL,
  ts      INTEGER NOT NULL,
  kind    TEXT NOT NULL,
  value   REAL NOT NULL,
  PRIMARY KEY (village, device, metric, ts)
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
`;

interface EventRow {
  village: string;
  device: string;
  kind: string;
  ts: number;
  type: string;
  severity: string;
  message: string | null;
}

interface AvailabilityRow {
  village: string;
  device: string;
  kind: string;
  ts: number;
  state: string;
}

type Statement = Database.Statement<unknown[], unknown>;

/** Embedded metric store (DESIGN.md §5) for a single village PC: one row per metric value. */
export class SqliteMetricStore implements MetricStore {
  readonly name = 'sqlite' as const;
  private db: Database.Database | null = null;
  private stmts: Record<string, Statement> = {};
  private history: SqliteAvailabilityHistory | null = null;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  async open(): Promise<void> {
    if (this.db) return;
    if (this.file !== ':memory:') mkdirSync(dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
    } catch (err) {
      db.close();
      throw new Error(`SQLite metric store ${this.file}: ${(err as Error).message}`);
    }
    this.db = db;
    const prep = (sql: string): Statement => db.prepare(sql);
    this.stmts = {
      putTelemetry: prep('INSERT OR REPLACE INTO telemetry (village, device, metric, ts, kind, value) VALUES (?, ?, ?, ?, ?, ?)'),
      putAvailability: prep('INSERT OR REPLACE INTO availability (village, device, ts, kind, state, up) VALUES (?, ?, ?, ?, ?, ?)'),
      putEvent: prep('INSERT OR REPLACE INTO event (village, device, ts, kind, type, severity, message) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      events: prep(
        'SELECT village, device, kind, ts, type, severity, message FROM event WHERE village = ? AND device = ? AND ts >= ? AND ts < ? ORDER BY ts DESC LIMIT ?',
      ),
      rawSeries: prep(
        'SELECT ts, value FROM telemetry WHERE village = ? AND device = ? AND metric = ? AND ts >= ? AND ts < ? ORDER BY ts LIMIT ?',
      ),
      // Bucket start = from + floor((ts - from) / width) * width, in integer arithmetic.
      bucketSeries: prep(
        `SELECT @from + CAST((ts - @from) / @width AS INTEGER) * @width AS bucket,
                AVG(value) AS mean, MIN(value) AS min, MAX(value) AS max
           FROM telemetry
          WHERE village = @village AND device = @device AND metric = @metric AND ts >= @from AND ts < @to
          GROUP BY bucket ORDER BY bucket`,
      ),
      // SQLite returns the bare columns of the row holding MAX(ts).
      availabilityLast: prep(
        'SELECT village, device, kind, MAX(ts) AS ts, state FROM availability GROUP BY village, device ORDER BY village, device',
      ),
    };
    this.history = new SqliteAvailabilityHistory(db);
    this.log.debug({ file: this.file }, 'sqlite metric store open');
  }

  private get conn(): Database.Database {
    if (!this.db) throw new Error(`SQLite metric store ${this.file} is not open: call open() first`);
    return this.db;
  }

  private stmt(name: string): Statement {
    const s = this.stmts[name];
    if (!s || !this.db) throw new Error(`SQLite metric store ${this.file} is not open: call open() first`);
    return s;
  }

  async write(points: readonly MetricPoint[]): Promise<void> {
    const putT = this.stmt('putTelemetry');
    const putA = this.stmt('putAvailability');
    const putE = this.stmt('putEvent');
    let skipped = 0;
    this.conn.transaction(() => {
      for (const p of points) {
        if (!Number.isFinite(p.ts)) {
          skipped++;
          continue;
        }
        const ts = Math.round(p.ts);
        if (p.measurement === 'telemetry') {
          for (const [metric, value] of Object.entries(p.fields)) {
            if (!METRIC_PATTERN.test(metric) || typeof value !== 'number' || !Number.isFinite(value)) {
              skipped++;
              continue;
            }
            putT.run(p.village, p.device, metric, ts, p.kind, value);
          }
        } else if (p.measurement === 'event') {
          if (!isSeverity(p.severity) || typeof p.type !== 'string') skipped++;
          else putE.run(p.village, p.device, ts, p.kind, p.type, p.severity, p.message ?? null);
        } else if (isState(p.state)) {
          putA.run(p.village, p.device, ts, p.kind, p.state, p.state === 'online' ? 1 : 0);
        } else {
          skipped++;
        }
      }
    })();
    if (skipped > 0) this.log.warn({ skipped }, 'sqlite: skipped invalid values (bad metric name or value)');
  }

  async querySeries(q: SeriesQuery): Promise<SeriesPoint[]> {
    if (!METRIC_PATTERN.test(q.metric)) throw new Error(`invalid metric name "${q.metric}"`);
    const limit = Math.max(1, Math.floor(q.points));
    const from = Math.floor(q.from);
    const to = Math.ceil(q.to);
    if (!(to > from)) return [];
    const raw = this.stmt('rawSeries').all(q.village, q.device, q.metric, from, to, limit + 1) as { ts: number; value: number }[];
    if (raw.length <= limit) return raw.map((r) => ({ ts: r.ts, mean: r.value, min: r.value, max: r.value }));
    const width = Math.max(1, Math.ceil((to - from) / limit));
    const rows = this.stmt('bucketSeries').all({ village: q.village, device: q.device, metric: q.metric, from, to, width }) as {
      bucket: number;
      mean: number;
      min: number;
      max: number;
    }[];
    return rows.map((r) => ({ ts: r.bucket, mean: r.mean, min: r.min, max: r.max }));
  }

  async queryAvailability(q: AvailabilityQuery): Promise<AvailabilityPoint[]> {
    const [one] = await this.availabilityHistory({ devices: [{ village: q.village, device: q.device }], from: q.from, to: q.to });
    return one?.points ?? [];
  }

  async availabilityHistory(q: AvailabilityHistoryQuery): Promise<DeviceAvailability[]> {
    if (!this.history) throw new Error(`SQLite metric store ${this.file} is not open: call open() first`);
    return this.history.query(q);
  }

  async lastAvailability(): Promise<AvailabilityPoint[]> {
    const rows = this.stmt('availabilityLast').all() as AvailabilityRow[];
    return rows.map(toPoint).filter((p): p is AvailabilityPoint => p !== null);
  }

  async events(q: EventQuery): Promise<EventPoint[]> {
    const from = Math.floor(q.from);
    const to = Math.ceil(q.to);
    if (!(to > from)) return [];
    const rows = this.stmt('events').all(q.village, q.device, from, to, Math.max(1, Math.floor(q.limit))) as EventRow[];
    return rows.flatMap((r) =>
      isSeverity(r.severity)
        ? [{ measurement: 'event' as const, village: r.village, device: r.device, kind: r.kind, ts: r.ts, type: r.type, severity: r.severity, ...(r.message !== null ? { message: r.message } : {}) }]
        : [],
    );
  }

  /** Messages = distinct (village, device, ts) among telemetry rows. */
  async countTelemetry(q: { village?: string; device?: string; from: number; to: number }): Promise<number> {
    const where = ['ts >= @from', 'ts < @to'];
    if (q.village !== undefined) where.push('village = @village');
    if (q.device !== undefined) where.push('device = @device');
    const sql = `SELECT COUNT(*) AS n FROM (SELECT 1 FROM telemetry WHERE ${where.join(' AND ')} GROUP BY village, device, ts)`;
    const params: Record<string, string | number> = { from: Math.floor(q.from), to: Math.ceil(q.to) };
    if (q.village !== undefined) params.village = q.village;
    if (q.device !== undefined) params.device = q.device;
    const row = this.conn.prepare(sql).get(params) as { n: number };
    return row.n;
  }

  async ping(): Promise<boolean> {
    try {
      this.conn.prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = null;
    this.stmts = {};
    this.history = null;
    db?.close();
  }
}
