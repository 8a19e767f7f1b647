/**
 * Storage: how big the embedded SQLite metric store gets for one village, and whether its upkeep stays
 * out of the way of ingest.
 *
 * 1. Compressed time: the demo village (config/demo.yaml: 15 devices, each kind's own telemetry model,
 *    a message every 3 s per device, ~20 outages per device per month, an event at each recovery) is
 *    written for `--days` simulated days through the real store with a clock of its own, the upkeep
 *    rolling up and pruning as it goes. The raw retention is shortened to `--raw` (1 day) so that the
 *    steady state — where the file stops growing — is reached within the run. Per-day sizes of each table
 *    (SQLite's dbstat: pages used) give the month and the year by extrapolation.
 * 2. Real time: the file is reopened with the real clock and a raw retention of 1 h — a day of backlog to
 *    prune — while values keep being written at 1 000 messages/s; the event loop's delay is measured with
 *    perf_hooks.monitorEventLoopDelay (target: no stall over 50 ms) together with the longest write.
 *
 *   node --import tsx scripts/bench/storage-size.ts [--days 3] [--raw 1d] [--keep] [--skip-realtime]
 *
 * `--days 31 --raw 30d --skip-realtime` writes a whole month at full size (about 10 minutes).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { descriptorOf } from '../../devices/index.js';
import { rng, seededRandom } from '../../devices/sim/random.js';
import { parseConfig } from '../../hub/config/load.js';
import { systemClock, type Clock } from '../../hub/core/clock.js';
import type { AvailabilityState } from '../../hub/core/domain.js';
import { createLogger } from '../../hub/core/log.js';
import { durationMs } from '../../hub/store/retention.js';
import { SqliteMetricStore } from '../../hub/store/sqlite.js';
import type { MetricPoint } from '../../hub/store/types.js';

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '3' },
    raw: { type: 'string', default: '1d' },
    keep: { type: 'boolean', default: false },
    'skip-realtime': { type: 'boolean', default: false },
  },
});
const DAYS = Number(values.days);
const RAW_SIM = values.raw;
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const EVERY_MS = 3_000;
const OUTAGES_PER_MONTH = 20;
/** Messages per write: just under 2 000 values (about 4.8 a message), one transaction. */
const BATCH = 400;

const log = createLogger('warn');
const MB = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
const GB = (b: number): string => `${(b / 1e9).toFixed(2)} GB`;
const fileBytes = (file: string): number => [file, `${file}-wal`].reduce((s, f) => s + (existsSync(f) ? statSync(f).size : 0), 0);
/** Pages × page size: the database's size whether or not the WAL is checkpointed into the file yet. */
function dbBytes(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

interface SimDevice {
  village: string;
  device: string;
  kind: string;
  model: (ctx: { hour: number; uptimeS: number; everyS: number }) => Record<string, number | boolean>;
  polled: boolean;
  /** Offline until this instant (ms), or 0. */
  downUntil: number;
  nextFailure: number;
  bootAt: number;
}

function demoDevices(start: number): SimDevice[] {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
  const config = parseConfig(readFileSync(path.join(root, 'config', 'demo.yaml'), 'utf8'), 'config/demo.yaml');
  const g = rng(seededRandom(42));
  return config.devices.map((d) => {
    const descriptor = descriptorOf(d.kind);
    if (!descriptor) throw new Error(`no descriptor for kind ${d.kind}`);
    return {
      village: d.village,
      device: d.id,
      kind: d.kind,
      model: descriptor.simulation.model(g, d),
      polled: d.poll !== undefined,
      downUntil: 0,
      nextFailure: start + g.uniform(0, (2 * 30 * DAY) / OUTAGES_PER_MONTH),
      bootAt: start - g.uniform(0, 10 * DAY),
    };
  });
}

/** dbstat: bytes of pages each table (with its indexes) uses. */
function tableBytes(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[];
    const out: Record<string, number> = {};
    for (const r of rows) {
      const table = r.name.startsWith('sqlite_autoindex_') ? r.name.replace(/^sqlite_autoindex_(.*)_\d+$/, '$1') : r.name;
      out[table] = (out[table] ?? 0) + r.bytes;
    }
    const free = (db.pragma('freelist_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    out['(free pages)'] = free;
    return out;
  } finally {
    db.close();
  }
}

async function simulate(file: string, start: number): Promise<{ counts: { values: number; messages: number; transitions: number; events: number }; dayEnd: number[]; writeMs: number[]; seconds: number }> {
  let now = start;
  const clock: Clock = { ...systemClock, now: () => now };
  const store = new SqliteMetricStore(file, log, { clock, rawRetention: RAW_SIM });
  await store.open();
  const devices = demoDevices(start);
  const g = rng(seededRandom(7));
  const counts = { values: 0, messages: 0, transitions: 0, events: 0 };
  const dayEnd: number[] = [];
  const writeMs: number[] = [];
  let batch: MetricPoint[] = [];
  let nextUpkeep = start + 10 * MIN;
  const t0 = performance.now();
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const w0 = performance.now();
    await store.write(batch);
    writeMs.push(performance.now() - w0);
    batch = [];
  };
  const transition = (d: SimDevice, ts: number, state: AvailabilityState): void => {
    batch.push({ measurement: 'availability', village: d.village, device: d.device, kind: d.kind, ts, state });
    counts.transitions++;
  };
  for (let tick = start; tick < start + DAYS * DAY; tick += EVERY_MS) {
    const hour = ((tick + 7 * 3_600_000) % DAY) / 3_600_000; // the village's local hour (UTC+7)
    devices.forEach((d, i) => {
      const ts = tick + i * 173; // devices do not all report on the same millisecond
      if (d.downUntil > 0 && ts >= d.downUntil) {
        d.downUntil = 0;
        d.bootAt = ts;
        transition(d, ts, 'online');
        batch.push({ measurement: 'event', village: d.village, device: d.device, kind: d.kind, ts: ts + 1, type: 'boot', severity: 'info', message: 'Thiết bị khởi động lại sau khi mất điện' });
        counts.events++;
      }
      if (d.downUntil === 0 && ts >= d.nextFailure) {
        d.downUntil = ts + g.uniform(60_000, 20 * MIN);
        d.nextFailure = d.downUntil + g.uniform(0, (2 * 30 * DAY) / OUTAGES_PER_MONTH);
        transition(d, ts, 'offline');
      }
      if (d.downUntil > 0) return;
      const raw = d.model({ hour, uptimeS: (ts - d.bootAt) / 1000, everyS: EVERY_MS / 1000 });
      const fields: Record<string, number> = {};
      for (const [k, v] of Object.entries(raw)) fields[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      if (d.polled) fields.pollMs = Math.round(g.uniform(15, 120));
      batch.push({ measurement: 'telemetry', village: d.village, device: d.device, kind: d.kind, ts, fields });
      counts.messages++;
      counts.values += Object.keys(fields).length;
    });
    if (batch.length >= BATCH) {
      now = tick;
      await flush();
    }
    if (tick >= nextUpkeep) {
      now = tick;
      await flush();
      store.maintain();
      nextUpkeep += 10 * MIN;
    }
    if ((tick - start + EVERY_MS) % DAY === 0) {
      now = tick + EVERY_MS;
      await flush();
      store.maintain();
      dayEnd.push(dbBytes(file));
      process.stdout.write(`  day ${dayEnd.length}: ${MB(dayEnd.at(-1)!)}\n`);
    }
  }
  await flush();
  await store.close();
  return { counts, dayEnd, writeMs, seconds: (performance.now() - t0) / 1000 };
}

/** Reopens the file on the real clock with raw kept 1 h: a day of backlog, pruned while ingest goes on. */
async function stallCheck(file: string): Promise<{ p50: number; p99: number; max: number; longestWrite: number; longestStep: number; seconds: number; written: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const store = new SqliteMetricStore(file, log, { rawRetention: '1h' });
  await store.open();
  const check = new Database(file, { readonly: true });
  const oldest = check.prepare('SELECT MIN((SELECT ts FROM telemetry_raw r WHERE r.series = s.id ORDER BY ts LIMIT 1)) AS ts FROM telemetry_series s');
  const began = Date.now();
  delay.enable();
  let ingesting = true;
  let written = 0;
  let longestWrite = 0;
  // As the hub's writer does at 1 000 messages/s: one batch a second (4 000 values, two transactions).
  const ingest = (async () => {
    while (ingesting) {
      const at = began + written;
      const points: MetricPoint[] = Array.from({ length: 1_000 }, (_, i) => ({ measurement: 'telemetry', village: 'bench', device: `ap-${i % 20}`, kind: 'wifi-ap', ts: at + i, fields: { clients: i, rxBps: 1_000 + i, txBps: 2_000 + i, uptimeS: i } }));
      const w0 = performance.now();
      await store.write(points);
      longestWrite = Math.max(longestWrite, performance.now() - w0);
      written += points.length;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  // Done when nothing older than the retention (and a little margin) is left.
  for (;;) {
    const ts = (oldest.get() as { ts: number | null }).ts;
    if (ts !== null && ts >= Date.now() - 3_600_000 - 10 * MIN) break;
    if (Date.now() - began > 600_000) throw new Error('backlog not caught up in 10 minutes');
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (Date.now() - began) / 1000;
  ingesting = false;
  await ingest;
  delay.disable();
  check.close();
  const { longestStepMs } = store.upkeepStats();
  await store.close();
  return { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, longestWrite, longestStep: longestStepMs, seconds, written };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'langso-bench-storage-'));
  const file = path.join(dir, 'metrics.db');
  try {
    const rawDays = durationMs(RAW_SIM) / DAY;
    // Ends now, so the real-time check that follows finds the data where a running hub would.
    const start = Math.floor((Date.now() - DAYS * DAY) / (5 * MIN)) * 5 * MIN;
    console.log(`Storage — SQLite, the demo village: ${demoDevices(start).length} devices, a message every ${EVERY_MS / 1000} s each, ~${OUTAGES_PER_MONTH} outages per device per month`);
    console.log(`simulating ${DAYS} days (raw kept ${RAW_SIM} during the run)…`);
    const sim = await simulate(file, start);
    const t = tableBytes(file);
    const raw = t.telemetry_raw ?? 0;
    const rollup = t.telemetry_5m ?? 0;
    const history = (t.availability ?? 0) + (t.event ?? 0);
    const fixed = Object.entries(t)
      .filter(([k]) => !['telemetry_raw', 'telemetry_5m', 'availability', 'event', '(free pages)'].includes(k))
      .reduce((s, [, v]) => s + v, 0);
    const perDay = { raw: raw / Math.min(rawDays, DAYS), rollup: rollup / DAYS, history: history / DAYS };
    const perDayValues = sim.counts.values / DAYS;
    console.log(
      `simulated ${DAYS} days in ${sim.seconds.toFixed(0)} s: ${(sim.counts.messages / 1e6).toFixed(2)} M messages, ${(sim.counts.values / 1e6).toFixed(2)} M values, ` +
        `${sim.counts.transitions} transitions, ${sim.counts.events} events`,
    );
    console.log(`database at the end of each day: ${sim.dayEnd.map(MB).join(', ')}; on disk now ${MB(fileBytes(file))} with the WAL`);
    const growth = sim.dayEnd.length > rawDays + 1 ? sim.dayEnd.at(-1)! - sim.dayEnd[Math.ceil(rawDays)]! : null;
    if (growth !== null) console.log(`  after the raw retention is reached it grows ${MB(growth / (sim.dayEnd.length - 1 - Math.ceil(rawDays)))} a day (the rollups and transitions only): freed pages are reused`);
    console.log(`tables now: ${Object.entries(t).map(([k, v]) => `${k} ${MB(v)}`).join(', ')}`);
    console.log(
      `per day: raw ${MB(perDay.raw)} (${(perDayValues / 1e6).toFixed(2)} M values, ${(perDay.raw / perDayValues).toFixed(1)} bytes each), ` +
        `5-min rollups ${MB(perDay.rollup)}, transitions and events ${(perDay.history / 1e3).toFixed(1)} kB`,
    );
    const size = (days: number, rawKept = 30): number => Math.min(days, rawKept) * perDay.raw + days * (perDay.rollup + perDay.history) + fixed;
    console.log(
      `extrapolated with the defaults (raw 30 days, rollups and transitions 2 years): one month ${GB(size(30))}, one year ${GB(size(365))}, ` +
        `two years and after (the bound) ${GB(size(730))}; WAL up to 16 MB besides`,
    );
    // Back to back at ~10 000 times the village's rate, so the slow ones wait on the disk (the checkpoint thread's syncs).
    console.log(`write transactions of ~${Math.round((BATCH * sim.counts.values) / sim.counts.messages)} values back to back: p50 ${pct(sim.writeMs, 50).toFixed(1)} ms, p90 ${pct(sim.writeMs, 90).toFixed(1)} ms`);

    if (values['skip-realtime']) return;
    console.log(`real time: raw retention cut to 1 h (a day of backlog) while 1 000 messages/s are written… (load average now ${loadavg()[0]!.toFixed(1)} on this machine)`);
    const s = await stallCheck(file);
    console.log(
      `caught up in ${s.seconds.toFixed(1)} s; event-loop delay p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (target: under 50 ms); ` +
        `longest upkeep step ${s.longestStep.toFixed(1)} ms; a writer batch of 1 000 messages (two transactions) took at most ${s.longestWrite.toFixed(1)} ms; ${s.written} messages written meanwhile`,
    );
    if (s.max >= 50) process.exitCode = 1;
  } finally {
    if (values.keep) console.log(`kept ${file}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
