import type Database from 'better-sqlite3';
import { systemClock, type Clock } from '../core/clock.js';
import { isAvailabilityState as isState } from '../core/domain.js';
import type { Logger } from '../core/log.js';
import { isEventSeverity as isSeverity } from '../../shared/event-types.js';
import { METRIC_PATTERN } from '../../shared/ids.js';
import { durationMs } from './retention.js';
import { SqliteAvailabilityHistory, toAvailabilityPoint as toPoint } from './sqlite-history.js';
import { WalCheckpointer } from './sqlite-checkpoint.js';
import { TelemetryReads } from './sqlite-reads.js';
import { openMetricsFile } from './sqlite-schema.js';
import { SeriesCatalog } from './sqlite-series.js';
import { SqliteUpkeep, type UpkeepOptions } from './sqlite-upkeep.js';
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

export interface SqliteStoreOptions {
  /** Raw telemetry values are kept this long (`30d`); 0 keeps them forever. */
  rawRetention?: string;
  /** 5-minute rollups, transitions and events are kept this long (`104w`); 0 keeps them forever. */
  rollupRetention?: string;
  /** The hub's clock: retention and rollups follow it. */
  clock?: Clock;
  /** Step sizes of the retention upkeep (tests, benchmarks). */
  upkeep?: Pick<UpkeepOptions, 'budgetMs' | 'pauseMs' | 'idleMs'>;
  /** Rows per write transaction: a larger batch is written in several, letting the event loop run in between. */
  maxRowsPerTransaction?: number;
  /** How often the WAL is checkpointed into the database file (ms). */
  checkpointEveryMs?: number;
}

/**
 * Rows one write transaction holds at most: measured at 2–5 µs a row on a small village PC, about 5–10 ms,
 * so a batch of the writer (up to 5 000 messages of several values each) never holds MQTT for long.
 */
const MAX_ROWS_PER_TRANSACTION = 2_000;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Embedded metric store (DESIGN.md §5) for a single village PC, with the same retention as the InfluxDB
 * store: raw values for `rawRetention`, 5-minute rollups, transitions and events for `rollupRetention`
 * (sqlite-upkeep.ts); ranges reaching beyond the raw retention are read from the rollups.
 */
export class SqliteMetricStore implements MetricStore {
  readonly name = 'sqlite' as const;
  private db: Database.Database | null = null;
  private stmts: Record<string, Statement> = {};
  private history: SqliteAvailabilityHistory | null = null;
  private catalog: SeriesCatalog | null = null;
  private reads: TelemetryReads | null = null;
  private upkeep: SqliteUpkeep | null = null;
  private checkpointer: WalCheckpointer | null = null;
  private readonly rawMs: number;
  private readonly rollupMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly opts: SqliteStoreOptions = {},
  ) {
    this.rawMs = durationMs(opts.rawRetention ?? '30d');
    this.rollupMs = durationMs(opts.rollupRetention ?? '104w');
    this.clock = opts.clock ?? systemClock;
  }

  async open(): Promise<void> {
    if (this.db) return;
    const { db, legacy, incrementalVacuum } = openMetricsFile(this.file);
    this.db = db;
    const prep = (sql: string): Statement => db.prepare(sql);
    this.stmts = {
      putRaw: prep('INSERT OR REPLACE INTO telemetry_raw (series, ts, value) VALUES (?, ?, ?)'),
      putAvailability: prep('INSERT OR REPLACE INTO availability (village, device, ts, kind, state, up) VALUES (?, ?, ?, ?, ?, ?)'),
      putEvent: prep('INSERT OR REPLACE INTO event (village, device, ts, kind, type, severity, message) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      events: prep(
        'SELECT village, device, kind, ts, type, severity, message FROM event WHERE village = ? AND device = ? AND ts >= ? AND ts < ? ORDER BY ts DESC LIMIT ?',
      ),
      // SQLite returns the bare columns of the row holding MAX(ts).
      availabilityLast: prep(
        'SELECT village, device, kind, MAX(ts) AS ts, state FROM availability GROUP BY village, device ORDER BY village, device',
      ),
    };
    const catalog = new SeriesCatalog(db);
    catalog.load();
    this.catalog = catalog;
    this.reads = new TelemetryReads(db, catalog, legacy);
    this.history = new SqliteAvailabilityHistory(db);
    const upkeepOpts: UpkeepOptions = { rawMs: this.rawMs, rollupMs: this.rollupMs, clock: this.clock, log: this.log, ...this.opts.upkeep };
    this.upkeep = new SqliteUpkeep(db, catalog, upkeepOpts, legacy, incrementalVacuum, () => this.reads?.legacyGone());
    this.upkeep.start();
    if (this.file !== ':memory:') {
      this.checkpointer = new WalCheckpointer(db, this.log, this.opts.checkpointEveryMs);
      this.checkpointer.start();
    }
    if (legacy) this.log.info({ file: this.file }, 'sqlite: this file holds values in an older layout; they are moved over in the background');
    if (!incrementalVacuum) this.log.debug({ file: this.file }, 'sqlite: freed pages are reused; the file does not shrink');
    this.log.debug({ file: this.file, series: catalog.size }, 'sqlite metric store open');
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

  private parts(): { catalog: SeriesCatalog; reads: TelemetryReads; history: SqliteAvailabilityHistory; upkeep: SqliteUpkeep } {
    const { catalog, reads, history, upkeep } = this;
    if (!this.db || !catalog || !reads || !history || !upkeep) throw new Error(`SQLite metric store ${this.file} is not open: call open() first`);
    return { catalog, reads, history, upkeep };
  }

  /**
   * Writes in transactions of at most MAX_ROWS_PER_TRANSACTION rows, yielding to the event loop between
   * them. Idempotent: a batch retried after a failure half-way overwrites what was written.
   */
  async write(points: readonly MetricPoint[]): Promise<void> {
    const maxRows = Math.max(1, this.opts.maxRowsPerTransaction ?? MAX_ROWS_PER_TRANSACTION);
    let skipped = 0;
    let i = 0;
    while (i < points.length) {
      if (i > 0) await yieldToEventLoop();
      const put = this.putter();
      try {
        i = this.conn.transaction(() => {
          let rows = 0;
          let j = i;
          for (; j < points.length && rows < maxRows; j++) {
            const r = put(points[j]!);
            rows += r.rows;
            skipped += r.skipped;
          }
          return j;
        })();
      } catch (err) {
        // Rolled back, series created in it included: the catalogue must not keep their numbers.
        this.catalog?.load();
        throw err;
      }
    }
    if (skipped > 0) this.log.warn({ skipped }, 'sqlite: skipped invalid values (bad metric name or value)');
  }

  /** Writes one point (inside the caller's transaction): rows written and values skipped. */
  private putter(): (p: MetricPoint) => { rows: number; skipped: number } {
    const putRaw = this.stmt('putRaw');
    const putA = this.stmt('putAvailability');
    const putE = this.stmt('putEvent');
    const { catalog, upkeep } = this.parts();
    return (p) => {
      if (!Number.isFinite(p.ts)) return { rows: 0, skipped: 1 };
      const ts = Math.round(p.ts);
      if (p.measurement === 'telemetry') {
        let rows = 0;
        let skipped = 0;
        for (const [metric, value] of Object.entries(p.fields)) {
          if (!METRIC_PATTERN.test(metric) || typeof value !== 'number' || !Number.isFinite(value)) {
            skipped++;
            continue;
          }
          const series = catalog.idFor(p.village, p.device, metric, p.kind);
          putRaw.run(series, ts, value);
          upkeep.noteWrite(series, ts);
          rows++;
        }
        return { rows, skipped };
      }
      if (p.measurement === 'event') {
        if (!isSeverity(p.severity) || typeof p.type !== 'string') return { rows: 0, skipped: 1 };
        putE.run(p.village, p.device, ts, p.kind, p.type, p.severity, p.message ?? null);
        return { rows: 1, skipped: 0 };
      }
      if (!isState(p.state)) return { rows: 0, skipped: 1 };
      putA.run(p.village, p.device, ts, p.kind, p.state, p.state === 'online' ? 1 : 0);
      return { rows: 1, skipped: 0 };
    };
  }

  /** Ranges starting before the raw retention are read from the 5-minute rollups, as the InfluxDB store does. */
  async querySeries(q: SeriesQuery): Promise<SeriesPoint[]> {
    if (!METRIC_PATTERN.test(q.metric)) throw new Error(`invalid metric name "${q.metric}"`);
    const { reads, upkeep } = this.parts();
    const long = this.rawMs > 0 && q.from < this.clock.now() - this.rawMs;
    return reads.series(q, long ? upkeep.rolledUntil : null);
  }

  async queryAvailability(q: AvailabilityQuery): Promise<AvailabilityPoint[]> {
    const [one] = await this.availabilityHistory({ devices: [{ village: q.village, device: q.device }], from: q.from, to: q.to });
    return one?.points ?? [];
  }

  async availabilityHistory(q: AvailabilityHistoryQuery): Promise<DeviceAvailability[]> {
    return this.parts().history.query(q);
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

  async countTelemetry(q: { village?: string; device?: string; from: number; to: number }): Promise<number> {
    return this.parts().reads.count(q);
  }

  /**
   * Runs the retention upkeep to the end now, in its usual small steps (it otherwise runs on its timer):
   * for tests, benchmarks and tools working with a clock of their own.
   */
  maintain(): number {
    return this.parts().upkeep.runUntilIdle();
  }

  /** The upkeep's steps so far, its longest step (ms) and how far telemetry is rolled up. */
  upkeepStats(): { steps: number; longestStepMs: number; rolledUntil: number | null; longestCheckpointMs: number } {
    return { ...this.parts().upkeep.stats(), longestCheckpointMs: this.checkpointer?.longestMs ?? 0 };
  }

  /**
   * Everything written so far is on disk (`synchronous = NORMAL` syncs at checkpoints): a checkpoint now.
   * False when readers held frames back or the disk refused.
   */
  async sync(): Promise<boolean> {
    if (this.file === ':memory:') return true;
    if (!this.checkpointer) throw new Error(`SQLite metric store ${this.file} is not open: call open() first`);
    return this.checkpointer.checkpoint();
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
    this.upkeep?.stop();
    this.checkpointer?.stop();
    this.checkpointer = null;
    const db = this.db;
    this.db = null;
    this.stmts = {};
    this.history = null;
    this.catalog = null;
    this.reads = null;
    this.upkeep = null;
    db?.close();
  }
}
