import type { Logger } from '../core/log.js';
import { continuousQueries, durationMs, HISTORY_RP, influxDurationMs, quoteIdent, RAW_RP, RETIRED_CQS, ROLLUP_RP, type RawResult } from './influxql.js';

/** Shard group duration of `history`. */
const HISTORY_SHARD = '30d';

/** Runs InfluxQL statements and returns one result per statement; statement errors throw. */
export type RunInfluxQL = (what: string, statements: string[]) => Promise<RawResult[]>;

/**
 * Creates what is missing in an InfluxDB 1.x database (DESIGN.md §5), idempotently: the database, the
 * retention policies (`raw` default, `rollup` and `history` as long as `rollupRetention`, durations
 * brought in line with the config), the rollup continuous query; drops the continuous queries of older
 * versions that `history` replaces.
 */
export async function ensureInfluxSchema(
  run: RunInfluxQL,
  config: { database: string; rawRetention: string; rollupRetention: string },
  log: Logger,
): Promise<void> {
  const { database, rawRetention, rollupRetention } = config;
  const db = quoteIdent(database);
  await run('create database', [`CREATE DATABASE ${db}`]);
  const [rps] = await run('show retention policies', [`SHOW RETENTION POLICIES ON ${db}`]);
  const existing = new Map<string, { duration: number; shard: number; isDefault: boolean }>();
  for (const row of rps?.series?.[0]?.values ?? []) {
    existing.set(String(row[0]), { duration: influxDurationMs(String(row[1])), shard: influxDurationMs(String(row[2])), isDefault: row[4] === true });
  }
  const wanted: { name: string; spec: string; isDefault: boolean; shard?: string }[] = [
    { name: RAW_RP, spec: rawRetention, isDefault: true },
    { name: ROLLUP_RP, spec: rollupRetention, isDefault: false },
    // Few points over many devices: shard groups of 30 days instead of InfluxDB's 7 mean a month's report
    // opens a cursor per device in one or two shards, not five (about half the time per device).
    { name: HISTORY_RP, spec: rollupRetention, isDefault: false, ...(durationMs(rollupRetention) >= 2 * durationMs(HISTORY_SHARD) ? { shard: HISTORY_SHARD } : {}) },
  ];
  for (const rp of wanted) {
    const have = existing.get(rp.name);
    const clause = `ON ${db} DURATION ${rp.spec} REPLICATION 1${rp.shard ? ` SHARD DURATION ${rp.shard}` : ''}${rp.isDefault ? ' DEFAULT' : ''}`;
    if (!have) {
      await run('create retention policy', [`CREATE RETENTION POLICY ${quoteIdent(rp.name)} ${clause}`]);
    } else if (have.duration !== durationMs(rp.spec) || (rp.shard !== undefined && have.shard !== durationMs(rp.shard)) || (rp.isDefault && !have.isDefault)) {
      log.info({ rp: rp.name, duration: rp.spec }, 'influx: changing retention policy');
      await run('alter retention policy', [`ALTER RETENTION POLICY ${quoteIdent(rp.name)} ${clause}`]);
    }
  }
  const [cqs] = await run('show continuous queries', ['SHOW CONTINUOUS QUERIES']);
  const names = new Set<string>();
  for (const s of cqs?.series ?? []) {
    if (s.name !== database) continue;
    for (const row of s.values ?? []) names.add(String(row[0]));
  }
  for (const cq of continuousQueries(database)) {
    if (names.has(cq.name)) continue;
    await run('create continuous query', [`CREATE CONTINUOUS QUERY ${quoteIdent(cq.name)} ON ${db} BEGIN ${cq.select} END`]);
  }
  for (const name of RETIRED_CQS) {
    if (!names.has(name)) continue;
    log.info({ cq: name }, 'influx: dropping a continuous query of an older version (transitions are now kept exactly in "history")');
    await run('drop continuous query', [`DROP CONTINUOUS QUERY ${quoteIdent(name)} ON ${db}`]);
  }
}
