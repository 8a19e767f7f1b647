/**
 * Uptime report speed: a 30-day report for 1 000 devices (10 villages), each with ~20 outages a month,
 * from 90 days of stored transitions — MetricStore.availabilityHistory, then hub/reports/uptime.ts per
 * device and per village — from SQLite and from a real InfluxDB. Target: ≤ 300 ms each.
 * Baselines measured in the same run: the plain range query alone (every transition in the range in one
 * query, no state at its start, no grouping by device), and the same report asked device by device
 * (queryAvailability × 1 000, as callers had to before availabilityHistory).
 *
 *   node --import tsx scripts/bench/uptime-report.ts [--devices 1000] [--runs 5] [--influx URL]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { InfluxDB } from 'influx';
import { seededRandom } from '../../devices/sim/random.js';
import { storeSchema } from '../../hub/config/schema.js';
import type { AvailabilityState } from '../../hub/core/domain.js';
import { createLogger } from '../../hub/core/log.js';
import { aggregateUptime, uptimeOf, type UptimeFigures } from '../../hub/reports/uptime.js';
import { InfluxMetricStore, type InfluxStoreConfig } from '../../hub/store/influx.js';
import { SqliteMetricStore } from '../../hub/store/sqlite.js';
import type { AvailabilityPoint, DeviceAvailability, MetricStore } from '../../hub/store/types.js';
import { startInfluxd, type InfluxdHandle } from '../services/influxd.js';
import { record } from './report.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    influx: { type: 'string' },
  },
});
const DEVICES = Number(values.devices);
const RUNS = Number(values.runs);
const VILLAGES = 10;
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const TARGET_MS = 300;
const log = createLogger('warn');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const ms = (x: number): string => `${x.toFixed(0).padStart(5)} ms`;

/** 90 days of transitions: outages every 1.5 days on average (≈ 20 a month), 1 to 30 minutes long; now and then unreachable behind a parent. */
function history(now: number): AvailabilityPoint[] {
  const rand = seededRandom(2026);
  const points: AvailabilityPoint[] = [];
  for (let v = 0; v < VILLAGES; v++) {
    for (let d = 0; d < DEVICES / VILLAGES; d++) {
      const ref = { measurement: 'availability' as const, village: `xa-${v}`, device: `thiet-bi-${d}`, kind: d % 3 === 0 ? 'onvif-camera' : 'wifi-ap' };
      const at = (ts: number, state: AvailabilityState): void => void points.push({ ...ref, ts: Math.round(ts), state });
      let t = now - 90 * DAY + rand() * DAY;
      at(t, 'online');
      for (;;) {
        t += -Math.log(1 - rand()) * 1.5 * DAY;
        const down = MIN + rand() * 29 * MIN;
        if (t + down >= now) break;
        at(t, rand() < 0.1 ? 'unreachable' : 'offline');
        at(t + down, 'online');
        t += down;
      }
    }
  }
  return points;
}

interface Timing {
  report: number;
  query: number;
  listed: number;
  baseline: number;
  perDevice: number;
  transitions: number;
  uptime: number | null;
}

function report(devices: DeviceAvailability[], from: number, to: number, now: number): { uptime: number | null; transitions: number } {
  const byVillage = new Map<string, { id: string; figures: UptimeFigures }[]>();
  let transitions = 0;
  for (const d of devices) {
    transitions += d.points.length;
    const figures = uptimeOf(d.points, from, to, now);
    const list = byVillage.get(d.village) ?? [];
    list.push({ id: d.device, figures });
    byVillage.set(d.village, list);
  }
  const villages = [...byVillage].map(([id, items]) => ({ id, figures: aggregateUptime(items, from, to) }));
  return { uptime: aggregateUptime(villages, from, to).uptimePct, transitions };
}

async function timeStore(store: MetricStore, baseline: () => Promise<unknown>, now: number): Promise<Timing> {
  const from = now - 30 * DAY;
  const to = now;
  const refs = (await store.availabilityHistory({ from, to })).map((d) => ({ village: d.village, device: d.device }));
  const runs: Timing[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const devices = await store.availabilityHistory({ from, to });
    const t1 = performance.now();
    const { uptime, transitions } = report(devices, from, to, now);
    const t2 = performance.now();
    await store.availabilityHistory({ from, to, devices: refs });
    const t3 = performance.now();
    await baseline();
    const t4 = performance.now();
    runs.push({ report: t2 - t0, query: t1 - t0, listed: t3 - t2, baseline: t4 - t3, perDevice: Number.NaN, transitions, uptime });
  }
  // The way before availabilityHistory: one query per device.
  const p0 = performance.now();
  for (const ref of refs) await store.queryAvailability({ ...ref, from, to });
  const perDevice = performance.now() - p0;
  return {
    report: median(runs.map((r) => r.report)),
    query: median(runs.map((r) => r.query)),
    listed: median(runs.map((r) => r.listed)),
    baseline: median(runs.map((r) => r.baseline)),
    perDevice,
    transitions: runs[0]!.transitions,
    uptime: runs[0]!.uptime,
  };
}

/** What this run printed, for docs/benchmarks.md (report.ts). */
const printed: string[] = [];
const say = (line: string): void => {
  console.log(line);
  printed.push(line);
};

function print(name: string, t: Timing): boolean {
  const ok = t.report <= TARGET_MS;
  say(`  ${name}`);
  say(`    report (query + uptime of every device and village) ${ms(t.report)}   ${ok ? 'within' : 'OVER'} the ${TARGET_MS} ms target`);
  say(`      availabilityHistory, every device               ${ms(t.query)}   ${t.transitions} transitions, village-wide uptime ${t.uptime}%`);
  say(`      availabilityHistory, 1 000 devices listed       ${ms(t.listed)}`);
  say(`    baseline: the plain range query alone             ${ms(t.baseline)}   report / baseline ${(t.report / t.baseline).toFixed(2)}`);
  say(`    before: queryAvailability device by device        ${ms(t.perDevice)}   ${(t.perDevice / t.report).toFixed(1)} × the report`);
  return ok;
}

async function main(): Promise<void> {
  const now = Date.now();
  const points = history(now);
  say(`uptime report: ${DEVICES} devices in ${VILLAGES} villages, 30 days out of 90 stored (${points.length} transitions), median of ${RUNS} runs`);
  let ok = true;

  const dir = mkdtempSync(path.join(tmpdir(), 'langso-bench-uptime-'));
  const file = path.join(dir, 'metrics.db');
  try {
    const sqlite = new SqliteMetricStore(file, log);
    await sqlite.open();
    for (let i = 0; i < points.length; i += 5_000) await sqlite.write(points.slice(i, i + 5_000));
    const plain = new Database(file, { readonly: true });
    // Read the way the store reads (one JSON text), so the two differ only by what they ask.
    const range = plain.prepare('SELECT json_group_array(json_array(village, device, ts, state, kind)) FROM availability WHERE ts >= ? AND ts < ?').pluck();
    ok = print('SQLite', await timeStore(sqlite, async () => JSON.parse(range.get(now - 30 * DAY, now) as string), now)) && ok;
    plain.close();
    await sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  let influxd: InfluxdHandle | null = null;
  const url = values.influx ?? (influxd = await startInfluxd()).url;
  const database = `bench_uptime_${Date.now()}`;
  const admin = new InfluxDB({ host: new URL(url).hostname, port: Number(new URL(url).port) });
  try {
    const config = storeSchema.parse({ kind: 'influx', url, database }) as InfluxStoreConfig;
    const influx = new InfluxMetricStore(config, log);
    await influx.open();
    for (let i = 0; i < points.length; i += 5_000) await influx.write(points.slice(i, i + 5_000));
    const baseline = () =>
      admin.queryRaw(`SELECT "state", "village", "device", "kind" FROM "${database}"."history"."availability" WHERE time >= ${now - 30 * DAY}ms AND time < ${now}ms`, {
        database,
        precision: 'ms',
      });
    ok = print('InfluxDB (a real influxd)', await timeStore(influx, baseline, now)) && ok;
    await influx.close();
  } finally {
    await admin.dropDatabase(database).catch(() => undefined);
    await influxd?.stop();
  }
  await record('uptime-report', printed, {});
  if (!ok) process.exitCode = 1;
}

await main();
