import type { InfluxDB, IPoint } from 'influx';
import type { StoreConfig } from '../config/schema.js';
import { isAvailabilityState as isState } from '../core/domain.js';
import type { Logger } from '../core/log.js';
import { eventRows, mergeEvents } from './influx-events.js';
import { availabilityEntry, availabilityRows, InfluxAvailability } from './influx-availability.js';
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
import { isEventSeverity as isSeverity } from '../../shared/event-types.js';
import { ensureInfluxSchema } from './influx-schema.js';
import { postLines, telemetryLine } from './influx-lines.js';

import {
  capPoints,
  checkSlug,
  durationMs,
  errorText,
  HISTORY_RP,
  KIND,
  num,
  permanent,
  quoteIdent,
  quoteString,
  RAW_RP,
  ROLLUP_RP,
  type RawResult,
} from './influxql.js';
import { METRIC_PATTERN, SLUG_PATTERN } from '../../shared/ids.js';

export { continuousQueries } from './influxql.js';

/** The store's own settings (the writer's and the spool's are the writer's business). */
export type InfluxStoreConfig = Omit<Extract<StoreConfig, { kind: 'influx' }>, 'spool'>;

export class InfluxMetricStore implements MetricStore {
  readonly name = 'influx' as const;
  private client: InfluxDB | null = null;
  private schemaReady = false;
  private readonly availability: InfluxAvailability;

  constructor(
    private readonly config: InfluxStoreConfig,
    private readonly log: Logger,
  ) {
    this.availability = new InfluxAvailability(config.database, (what, statements) => this.run(what, statements), () => this.cutoff());
  }

  /** The URL without credentials, for messages. */
  get url(): string {
    const u = new URL(this.config.url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  }

  /**
   * The client, built at first use: the `influx` package is loaded only by a hub that stores in InfluxDB
   * (a few MiB of a village PC's memory for every hub on SQLite otherwise).
   */
  private async db(): Promise<InfluxDB> {
    if (this.client) return this.client;
    const { InfluxDB } = await import('influx');
    if (this.client) return this.client;
    const u = new URL(this.config.url);
    const protocol = u.protocol === 'https:' ? 'https' : 'http';
    // The writer owns retries and backoff: the client must fail fast and never take the host out.
    const noBackoff = { getDelay: () => 0, next: () => noBackoff, reset: () => noBackoff };
    this.client = new InfluxDB({
      host: u.hostname, // IPv6 stays in brackets: the client builds a URL from it
      port: u.port ? Number(u.port) : protocol === 'https' ? 443 : 80, // as any URL without a port
      protocol,
      // A URL path names the database (the config schema moved it to `database`): never a request prefix.
      path: '',
      database: this.config.database,
      ...this.credentials(),
      pool: { maxRetries: 0, requestTimeout: 15_000, backoff: noBackoff },
    });
    return this.client;
  }

  /** The account the client logs in with: the settings', else the URL's. */
  private credentials(): { username: string | undefined; password: string | undefined } {
    const u = new URL(this.config.url);
    return {
      username: this.config.username ?? (u.username ? decodeURIComponent(u.username) : undefined),
      password: this.config.password ?? (u.password ? decodeURIComponent(u.password) : undefined),
    };
  }

  private fail(what: string, err: unknown): Error {
    return new Error(`InfluxDB at ${this.url}: ${what} failed: ${errorText(err)}`);
  }

  /** Runs InfluxQL statements (joined by `;`) and returns one result per statement; statement errors throw. */
  private async run(what: string, statements: string[]): Promise<RawResult[]> {
    let body: { results?: RawResult[]; error?: string };
    try {
      body = (await (await this.db()).queryRaw(statements.join(';\n'), {
        database: this.config.database,
        precision: 'ms',
        method: 'POST',
      })) as typeof body;
    } catch (err) {
      throw this.fail(what, err);
    }
    if (body.error) throw this.fail(what, body.error);
    const results = body.results ?? [];
    const bad = results.find((r) => r.error);
    if (bad?.error) throw this.fail(what, bad.error);
    return results;
  }

  private async ensureSchema(): Promise<void> {
    if (this.schemaReady) return;
    await ensureInfluxSchema((what, statements) => this.run(what, statements), this.config, this.log);
    await this.availability.checkStored();
    this.schemaReady = true;
  }

  async open(): Promise<void> {
    await this.ensureSchema();
    this.log.debug({ url: this.url, database: this.config.database }, 'influx store open');
  }

  async write(points: readonly MetricPoint[]): Promise<void> {
    await this.ensureSchema();
    // Telemetry in `raw` (rolled up by the continuous query); transitions and events, exact, in `history`.
    const rows: string[] = [];
    const history: IPoint[] = [];
    let skipped = 0;
    for (const p of points) {
      if (p.measurement === 'telemetry') {
        // Nearly every point: written as a line at once (influx-lines.ts), with the same checks.
        const line = telemetryLine(p);
        if (line === null) skipped++;
        else rows.push(line);
        continue;
      }
      if (!SLUG_PATTERN.test(p.village) || !SLUG_PATTERN.test(p.device) || !KIND.test(p.kind) || !Number.isFinite(p.ts)) {
        skipped++;
        continue;
      }
      const tags = { village: p.village, device: p.device, kind: p.kind };
      const timestamp = String(Math.round(p.ts));
      if (p.measurement === 'event') {
        if (!isSeverity(p.severity) || typeof p.type !== 'string' || p.type === '') {
          skipped++;
          continue;
        }
        // Every field, always: an event that replaces another at the same instant leaves none of the old one's behind.
        history.push({ measurement: 'event', tags, fields: { type: p.type, severity: p.severity, message: p.message ?? '' }, timestamp });
      } else {
        if (!isState(p.state)) {
          skipped++;
          continue;
        }
        // `entry` repeats the tags and the state in one column: reading it alone is about twice as fast as
        // reading `state` with the tags as columns, which is what a report of many devices does.
        const entry = availabilityEntry(p.village, p.device, p.state);
        history.push({ measurement: 'availability', tags, fields: { state: p.state, up: p.state === 'online' ? 1 : 0, entry }, timestamp });
      }
    }
    if (skipped > 0) this.log.warn({ skipped }, 'influx: skipped invalid points (bad id, metric name or value)');
    await this.writeTo(RAW_RP, rows);
    await this.writeTo(HISTORY_RP, history);
  }

  /** Writes rows, or lines already in the line protocol, to one retention policy. */
  private async writeTo(retentionPolicy: string, rows: IPoint[] | string[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      const { database } = this.config;
      const db = await this.db();
      if (typeof rows[0] === 'string') await postLines(db, rows as string[], { database, retentionPolicy, ...this.credentials() });
      else await db.writePoints(rows as IPoint[], { database, retentionPolicy, precision: 'ms' });
    } catch (err) {
      const status = (err as { res?: { statusCode?: number } }).res?.statusCode;
      const text = errorText(err);
      // Points older than the retention are dropped by InfluxDB; the rest of the batch is stored.
      if (/partial write/.test(text)) {
        this.log.warn({ error: text, rp: retentionPolicy }, 'influx: partial write');
        return;
      }
      if (status === 404) this.schemaReady = false; // database dropped under us: recreate on retry
      if (status !== undefined && status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 404) {
        throw permanent(`InfluxDB at ${this.url}: write rejected: ${text}`);
      }
      throw this.fail('write', err);
    }
  }

  private cutoff(): number {
    const ms = durationMs(this.config.rawRetention);
    return ms === 0 ? Number.NEGATIVE_INFINITY : Date.now() - ms;
  }

  private where(q: { village?: string; device?: string; from: number; to: number }): string {
    const parts: string[] = [];
    if (q.village !== undefined) parts.push(`"village" = ${quoteString(checkSlug(q.village, 'village'))}`);
    if (q.device !== undefined) parts.push(`"device" = ${quoteString(checkSlug(q.device, 'device'))}`);
    parts.push(`time >= ${Math.floor(q.from)}ms AND time < ${Math.ceil(q.to)}ms`);
    return parts.join(' AND ');
  }

  async querySeries(q: SeriesQuery): Promise<SeriesPoint[]> {
    if (!METRIC_PATTERN.test(q.metric)) throw new Error(`invalid metric name "${q.metric}"`);
    const limit = Math.max(1, Math.floor(q.points));
    if (!(q.to > q.from)) return [];
    const db = quoteIdent(this.config.database);
    const where = this.where(q);
    const rollup = q.from < this.cutoff();
    const m = quoteIdent(q.metric);
    const [lo, hi, mid] = rollup
      ? [quoteIdent(`min_${q.metric}`), quoteIdent(`max_${q.metric}`), quoteIdent(`mean_${q.metric}`)]
      : [m, m, m];
    const from = `${db}.${rollup ? ROLLUP_RP : RAW_RP}.telemetry`;
    const cols = rollup ? `${mid}, ${lo}, ${hi}` : m;
    const [first] = await this.run('query series', [`SELECT ${cols} FROM ${from} WHERE ${where} LIMIT ${limit + 1}`]);
    const rows = first?.series?.[0]?.values ?? [];
    if (rows.length <= limit) {
      return rows
        .filter((r) => r[1] !== null && r[1] !== undefined)
        .map((r) =>
          rollup
            ? { ts: num(r[0]), mean: num(r[1]), min: num(r[2] ?? r[1]), max: num(r[3] ?? r[1]) }
            : { ts: num(r[0]), mean: num(r[1]), min: num(r[1]), max: num(r[1]) },
        );
    }
    // Buckets aligned on `from` (offset), so ceil((to-from)/width) <= points of them.
    const width = Math.max(1, Math.ceil((q.to - q.from) / limit));
    const offset = ((Math.floor(q.from) % width) + width) % width;
    const [grouped] = await this.run('query series', [
      `SELECT mean(${mid}), min(${lo}), max(${hi}) FROM ${from} WHERE ${where} ` +
        `GROUP BY time(${width}ms, ${offset}ms) fill(none)`,
    ]);
    const out = (grouped?.series?.[0]?.values ?? [])
      .filter((r) => r[1] !== null && r[1] !== undefined)
      .map((r) => ({ ts: num(r[0]), mean: num(r[1]), min: num(r[2]), max: num(r[3]) }));
    return capPoints(out, limit);
  }

  async queryAvailability(q: AvailabilityQuery): Promise<AvailabilityPoint[]> {
    const [one] = await this.availabilityHistory({ devices: [{ village: q.village, device: q.device }], from: q.from, to: q.to });
    return one?.points ?? [];
  }

  async availabilityHistory(q: AvailabilityHistoryQuery): Promise<DeviceAvailability[]> {
    await this.ensureSchema();
    return this.availability.query(q);
  }

  async lastAvailability(): Promise<AvailabilityPoint[]> {
    const db = quoteIdent(this.config.database);
    const res = await this.run('query last availability', [
      `SELECT "state" FROM ${db}.${HISTORY_RP}.availability GROUP BY * ORDER BY time DESC LIMIT 1`,
      `SELECT "state" FROM ${db}.${RAW_RP}.availability GROUP BY * ORDER BY time DESC LIMIT 1`,
      `SELECT "state" FROM ${db}.${ROLLUP_RP}.availability GROUP BY * ORDER BY time DESC LIMIT 1`,
    ]);
    const newest = new Map<string, AvailabilityPoint>();
    for (const p of res.flatMap((r) => availabilityRows(r))) {
      const key = `${p.village}/${p.device}`;
      const have = newest.get(key);
      if (!have || p.ts > have.ts) newest.set(key, p);
    }
    return [...newest.values()].sort((a, b) => a.village.localeCompare(b.village) || a.device.localeCompare(b.device));
  }

  /** Events are in `history` (kept `rollupRetention`); older versions wrote them to `raw`, still read. */
  async events(q: EventQuery): Promise<EventPoint[]> {
    if (!(q.to > q.from)) return [];
    const db = quoteIdent(this.config.database);
    const limit = Math.max(1, Math.floor(q.limit));
    const select = (rp: string) =>
      `SELECT "kind", "type", "severity", "message" FROM ${db}.${rp}.event WHERE ${this.where(q)} ORDER BY time DESC LIMIT ${limit}`;
    const res = await this.run('query events', [select(HISTORY_RP), select(RAW_RP)]);
    return mergeEvents([eventRows(res[0], q), eventRows(res[1], q)], limit);
  }

  /**
   * Messages stored per series = the largest per-field count in that series (exact when every
   * message of a device carries a common field, which is how device kinds report).
   */
  async countTelemetry(q: { village?: string; device?: string; from: number; to: number }): Promise<number> {
    if (!(q.to > q.from)) return 0;
    const db = quoteIdent(this.config.database);
    const [r] = await this.run('count telemetry', [
      `SELECT count(*) FROM ${db}.${RAW_RP}.telemetry WHERE ${this.where(q)} GROUP BY *`,
    ]);
    let total = 0;
    for (const s of r?.series ?? []) {
      for (const row of s.values ?? []) {
        let best = 0;
        for (let i = 1; i < row.length; i++) best = Math.max(best, num(row[i] ?? 0) || 0);
        total += best;
      }
    }
    return total;
  }

  async ping(): Promise<boolean> {
    try {
      const [host] = await (await this.db()).ping(2000);
      return host?.online === true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.client = null;
    this.schemaReady = false;
  }
}
