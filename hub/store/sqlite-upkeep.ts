import type Database from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { LegacyMover } from './sqlite-legacy.js';
import { ROLLUP_MS } from './sqlite-reads.js';
import type { SeriesCatalog } from './sqlite-series.js';

/**
 * The SQLite metric store's retention (DESIGN.md §5, as the InfluxDB store's retention policies and
 * continuous query): 5-minute rollups of telemetry, raw values deleted after `rawRetention`, rollups,
 * transitions and events after `rollupRetention`. It works in steps of a few milliseconds on a timer,
 * between which ingest runs: a step never holds the event loop much beyond its budget, whatever the
 * backlog (a first start on a file of an older version, a clock jump, a shortened retention).
 *
 * Freed pages are reused by new values, so the file stops growing once the retention is reached; in a
 * file created by this version (auto_vacuum incremental) a large surplus of free pages is also returned
 * to the file system, a few at a time.
 */

type Statement = Database.Statement<unknown[], unknown>;

export interface UpkeepOptions {
  /** 0 keeps raw values forever. */
  rawMs: number;
  /** 0 keeps rollups, transitions and events forever. */
  rollupMs: number;
  clock: Clock;
  log: Logger;
  /** Work per step (ms of the event loop). */
  budgetMs?: number;
  /** Pause between steps while there is a backlog. */
  pauseMs?: number;
  /** Pause between checks when there is nothing to do. */
  idleMs?: number;
}

const HOUR = 3_600_000;
/** A 5-minute interval is rolled up this long after it ends: values arriving later are rolled up again. */
const LAG_MS = 2 * 60_000;
/** The most one pass rolls up (catching up a backlog goes an hour at a time over every series). */
const SPAN_MS = HOUR;
/** Rows deleted per statement. */
const CHUNK = 1_000;
/** Late intervals rolled up again per step at most. */
const LATE_BATCH = 100;
/** Free pages given back per step (moving pages is I/O: a few at a time), when more than a quarter of the file is free. */
const VACUUM_PAGES = 32;

const floor5 = (ts: number): number => Math.floor(ts / ROLLUP_MS) * ROLLUP_MS;

/** One walk over every series: roll up [from, to), delete raw values before `rawBefore` and rollups before `rollupBefore`. */
interface SeriesPass {
  from: number;
  to: number;
  rawBefore: number;
  rollupBefore: number;
  /** Series numbers are walked in order: the next is the first at or after this (rolled up already when `rolled`). */
  at: number;
  rolled: boolean;
}

/** One walk over the devices of `availability` then `event`, deleting what is older than `before`. */
interface HistoryPass {
  before: number;
  table: 'availability' | 'event';
  at: { village: string; device: string };
}

export class SqliteUpkeep {
  private readonly s: Record<string, Statement>;
  private rolled: number | null;
  private pass: SeriesPass | null = null;
  private history: HistoryPass | null = null;
  private prunedRaw = Number.NEGATIVE_INFINITY;
  private prunedRollup = Number.NEGATIVE_INFINITY;
  private prunedHistory = Number.NEGATIVE_INFINITY;
  private legacy: LegacyMover | null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private steps = 0;
  private longestStepMs = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly catalog: SeriesCatalog,
    private readonly opts: UpkeepOptions,
    legacy: boolean,
    private readonly incrementalVacuum: boolean,
    /** Called once the older layout is gone. */
    private readonly onLegacyGone: () => void,
  ) {
    const p = (sql: string): Statement => db.prepare(sql);
    this.s = {
      getRolled: p("SELECT value FROM upkeep WHERE name = 'rolled_until'"),
      setRolled: p("INSERT OR REPLACE INTO upkeep (name, value) VALUES ('rolled_until', ?)"),
      // The oldest value of every series, one seek each.
      oldest: p('SELECT MIN((SELECT r.ts FROM telemetry_raw r WHERE r.series = s.id ORDER BY r.ts LIMIT 1)) AS ts FROM telemetry_series s'),
      nextSeries: p('SELECT id FROM telemetry_series WHERE id >= ? ORDER BY id LIMIT 1'),
      rollup: p(
        `INSERT OR REPLACE INTO telemetry_5m (series, ts, mean, min, max, n)
         SELECT series, (ts / ${ROLLUP_MS}) * ${ROLLUP_MS} AS b, AVG(value), MIN(value), MAX(value), COUNT(*)
           FROM telemetry_raw WHERE series = ? AND ts >= ? AND ts < ? GROUP BY b`,
      ),
      dropRollup: p('DELETE FROM telemetry_5m WHERE series = ? AND ts = ?'),
      pruneRaw: p(`DELETE FROM telemetry_raw WHERE series = ? AND ts < ? LIMIT ${CHUNK}`),
      pruneRollup: p(`DELETE FROM telemetry_5m WHERE series = ? AND ts < ? LIMIT ${CHUNK}`),
      anyRaw: p('SELECT 1 FROM telemetry_raw WHERE series = ? LIMIT 1'),
      anyRollup: p('SELECT 1 FROM telemetry_5m WHERE series = ? LIMIT 1'),
      late: p(`SELECT series, ts FROM telemetry_late LIMIT ${LATE_BATCH}`),
      lateDone: p('DELETE FROM telemetry_late WHERE series = ? AND ts = ?'),
      markLate: p('INSERT OR IGNORE INTO telemetry_late (series, ts) VALUES (?, ?)'),
      nextAvailability: p('SELECT village, device FROM availability WHERE (village, device) > (?, ?) ORDER BY village, device LIMIT 1'),
      nextEvent: p('SELECT village, device FROM event WHERE (village, device) > (?, ?) ORDER BY village, device LIMIT 1'),
      // Keeps each device's last transition before the cut: its state when the kept history begins.
      pruneAvailability: p(
        `DELETE FROM availability WHERE village = @village AND device = @device AND ts < (
           SELECT MAX(ts) FROM availability WHERE village = @village AND device = @device AND ts < @before) LIMIT ${CHUNK}`,
      ),
      pruneEvent: p(`DELETE FROM event WHERE village = @village AND device = @device AND ts < @before LIMIT ${CHUNK}`),
    };
    this.rolled = (this.s.getRolled!.get() as { value: number } | undefined)?.value ?? null;
    this.legacy = legacy ? new LegacyMover(db, catalog) : null;
  }

  /** Steps run so far and the longest one (ms of the event loop): benchmarks and health checks. */
  stats(): { steps: number; longestStepMs: number; rolledUntil: number | null } {
    return { steps: this.steps, longestStepMs: this.longestStepMs, rolledUntil: this.rolled };
  }

  /** How far telemetry is rolled up: every 5-minute interval before this is in `telemetry_5m`. */
  get rolledUntil(): number | null {
    return this.rolled;
  }

  start(): void {
    this.running = true;
    this.schedule(Math.min(1_000, this.opts.idleMs ?? 5_000));
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (!this.running || this.timer) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      let more = false;
      try {
        more = this.step();
      } catch (err) {
        // A full or read-only disk: tried again later; ingest is not held up by it.
        this.opts.log.error({ err: (err as Error).message }, 'sqlite upkeep step failed');
      }
      this.schedule(more ? (this.opts.pauseMs ?? 20) : (this.opts.idleMs ?? 5_000));
    }, ms);
    this.timer.unref?.();
  }

  /** A value at `ts` was just written to `series`: if its interval is rolled up already, it is rolled up again. */
  noteWrite(series: number, ts: number): void {
    const before = this.pass ? this.pass.to : this.rolled;
    if (before !== null && ts < before) this.s.markLate!.run(series, floor5(ts));
  }

  /** Runs steps until nothing is left to do (tests, benchmarks, tools); returns how many it took. */
  runUntilIdle(maxSteps = 1_000_000): number {
    let n = 0;
    while (n < maxSteps && this.step()) n++;
    return n + 1;
  }

  /** One step of at most about `budgetMs`; true when more work is waiting. */
  step(budgetMs = this.opts.budgetMs ?? 5): boolean {
    const began = performance.now();
    try {
      return this.stepWithin(began + budgetMs);
    } finally {
      this.steps++;
      this.longestStepMs = Math.max(this.longestStepMs, performance.now() - began);
    }
  }

  private stepWithin(deadline: number): boolean {
    let more: boolean;
    try {
      more = this.db.transaction(() => this.work(deadline))();
    } catch (err) {
      // Rolled back: start the walks again from what the file says (they are idempotent).
      this.pass = null;
      this.history = null;
      this.rolled = (this.s.getRolled!.get() as { value: number } | undefined)?.value ?? null;
      this.catalog.load();
      throw err;
    }
    if (more) return true;
    return this.vacuum();
  }

  private work(deadline: number): boolean {
    if (this.legacy) {
      if (!this.legacy.step(deadline)) return true;
      this.opts.log.info({ values: this.legacy.moved }, 'sqlite: values of the older layout moved over');
      this.legacy = null;
      this.onLegacyGone();
      return true;
    }
    const now = this.opts.clock.now();
    if (this.rollLate(deadline)) return true;
    // Pass after pass while a backlog is being caught up, as long as the step lasts.
    for (;;) {
      if (performance.now() >= deadline) return true;
      this.pass ??= this.nextPass(now);
      if (!this.pass) break;
      if (this.walkSeries(this.pass, deadline)) return true;
    }
    if (performance.now() >= deadline) return true;
    this.history ??= this.nextHistoryPass(now);
    return this.history !== null && this.walkHistory(this.history, deadline);
  }

  /** Intervals a late value arrived for, rolled up again while their raw values are all still there. */
  private rollLate(deadline: number): boolean {
    const rows = this.s.late!.all() as { series: number; ts: number }[];
    const complete = Math.max(this.prunedRaw, this.pass?.rawBefore ?? Number.NEGATIVE_INFINITY);
    for (const r of rows) {
      if (r.ts >= complete) {
        this.s.dropRollup!.run(r.series, r.ts);
        this.s.rollup!.run(r.series, r.ts, r.ts + ROLLUP_MS);
      }
      this.s.lateDone!.run(r.series, r.ts);
      if (performance.now() >= deadline) return true;
    }
    return rows.length === LATE_BATCH;
  }

  private nextPass(now: number): SeriesPass | null {
    if (this.rolled === null) {
      const oldest = (this.s.oldest!.get() as { ts: number | null }).ts;
      if (oldest === null) return null;
      this.rolled = floor5(oldest);
      this.s.setRolled!.run(this.rolled);
    }
    const target = floor5(now - LAG_MS);
    const from = this.rolled;
    const to = Math.max(from, Math.min(target, from + SPAN_MS));
    // Raw values go only once rolled up; the cut is on a 5-minute boundary so late intervals stay whole.
    const rawBefore = this.opts.rawMs > 0 ? floor5(Math.min(now - this.opts.rawMs, from)) : Number.NEGATIVE_INFINITY;
    const rollupBefore = this.opts.rollupMs > 0 ? floor5(now - this.opts.rollupMs) : Number.NEGATIVE_INFINITY;
    const due = to > from || rawBefore >= this.prunedRaw + ROLLUP_MS || rollupBefore >= this.prunedRollup + HOUR;
    return due ? { from, to, rawBefore, rollupBefore, at: 0, rolled: false } : null;
  }

  /** True when the deadline came first. */
  private walkSeries(pass: SeriesPass, deadline: number): boolean {
    for (;;) {
      const next = this.s.nextSeries!.get(pass.at) as { id: number } | undefined;
      if (!next) break;
      const id = next.id;
      if (id !== pass.at) pass.rolled = false;
      pass.at = id;
      if (!pass.rolled && pass.to > pass.from) this.s.rollup!.run(id, pass.from, pass.to);
      pass.rolled = true;
      if (this.prune(id, pass, deadline)) return true; // resumes this series, rolled up already
      pass.at = id + 1;
      pass.rolled = false;
      if (performance.now() >= deadline) return true;
    }
    this.rolled = pass.to;
    this.s.setRolled!.run(pass.to);
    this.prunedRaw = pass.rawBefore;
    this.prunedRollup = pass.rollupBefore;
    this.pass = null;
    return false;
  }

  /** Deletes one series' expired values; true when the deadline came first. */
  private prune(id: number, pass: SeriesPass, deadline: number): boolean {
    const cuts: [Statement, number][] = [
      [this.s.pruneRaw!, pass.rawBefore],
      [this.s.pruneRollup!, pass.rollupBefore],
    ];
    for (const [stmt, before] of cuts) {
      if (before === Number.NEGATIVE_INFINITY) continue;
      while (stmt.run(id, before).changes === CHUNK) if (performance.now() >= deadline) return true;
    }
    // A device gone for longer than both retentions leaves the catalogue.
    if (cuts.some(([, before]) => before !== Number.NEGATIVE_INFINITY) && !this.s.anyRaw!.get(id) && !this.s.anyRollup!.get(id)) this.catalog.drop(id);
    return false;
  }

  private nextHistoryPass(now: number): HistoryPass | null {
    if (this.opts.rollupMs === 0) return null;
    const before = now - this.opts.rollupMs;
    if (before < this.prunedHistory + HOUR) return null;
    return { before, table: 'availability', at: { village: '', device: '' } };
  }

  /** True when the deadline came first. */
  private walkHistory(pass: HistoryPass, deadline: number): boolean {
    for (;;) {
      const next = (pass.table === 'availability' ? this.s.nextAvailability! : this.s.nextEvent!).get(pass.at.village, pass.at.device) as
        | { village: string; device: string }
        | undefined;
      if (!next) {
        if (pass.table === 'event') break;
        pass.table = 'event';
        pass.at = { village: '', device: '' };
        continue;
      }
      const prune = pass.table === 'availability' ? this.s.pruneAvailability! : this.s.pruneEvent!;
      while (prune.run({ ...next, before: pass.before }).changes === CHUNK) if (performance.now() >= deadline) return true;
      pass.at = next;
      if (performance.now() >= deadline) return true;
    }
    this.prunedHistory = pass.before;
    this.history = null;
    return false;
  }

  /**
   * Gives back free pages when more than a quarter of the file is free (after a retention was shortened,
   * or a backlog pruned); true while more remain. In the steady state pruning frees about what new
   * values take, and the pages are simply reused.
   */
  private vacuum(): boolean {
    if (!this.incrementalVacuum) return false;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    if (free < 1_024 || free * 4 < pages) return false;
    this.db.pragma(`incremental_vacuum(${VACUUM_PAGES})`);
    return true;
  }
}
