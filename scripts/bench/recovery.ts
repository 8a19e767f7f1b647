/**
 * Recovery: the backlog of a 10-minute store outage at 100 msg/s (60 000 points), then the store back
 * while 100 devices keep reporting live at 100 msg/s. The hub (`node dist/hub/cli.js start`, its own
 * process) writes to a private influxd through a TCP proxy here, which stands for the outage: while
 * "down" it cuts every connection. The backlog is made in seconds, not ten minutes (the same points: 100
 * devices × 600 messages QoS 1, acknowledged once spooled), by generator processes.
 * Measured from the moment the store is back:
 *   - time to the first backlog point in the store, and until all 60 000 are (drain rate, × live rate);
 *   - live latency while it drains: how old the newest live point visible in InfluxDB is, sampled
 *     every 250 ms (a live point waits at most this long behind the backlog);
 *   - the hub's RSS through it.
 * Baseline: the same 60 000 points written straight into the same influxd in 5 000-point batches.
 *
 *   node --import tsx scripts/bench/recovery.ts [--devices 100] [--minutes 10] [--no-build]
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { createLogger } from '../../hub/core/log.js';
import { createMetricStore } from '../../hub/store/index.js';
import type { MetricPoint } from '../../hub/store/types.js';
import type { HealthResponse } from '../../shared/events.js';
import { startInfluxd } from '../services/influxd.js';
import { buildHub, startHubProcess } from './hub-process.js';
import { machineLine, record } from './report.js';
import { loadWorker, split, type LoadWorker, type WorkerClient } from './workers.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '100' },
    minutes: { type: 'string', default: '10' },
    'no-build': { type: 'boolean', default: false },
  },
  strict: false,
});
const DEVICES = Number(values.devices);
// 100 devices, one message a second each: 100 msg/s, so a minute of outage is 60 messages per device.
const PER_DEVICE = Number(values.minutes) * 60;
const BACKLOG = DEVICES * PER_DEVICE;
const LIVE_RATE = DEVICES;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const lines: string[] = [];
const say = (s: string) => {
  console.log(s);
  lines.push(s);
};

/** A TCP proxy to the store that can be cut (every connection ended, new ones refused) and restored. */
async function storeProxy(targetPort: number): Promise<{ url: string; down(): void; up(): void; close(): Promise<void> }> {
  let isUp = true;
  const open = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    if (!isUp) return inbound.destroy();
    const outbound = connect(targetPort, '127.0.0.1');
    open.add(inbound).add(outbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    down() {
      isUp = false;
      for (const s of open) s.destroy();
      open.clear();
    },
    up() {
      isUp = true;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** One InfluxQL answer's first row, asked of influxd directly (not through the proxy). */
async function firstRow(influxUrl: string, database: string, q: string): Promise<[number, number] | null> {
  const res = await fetch(`${influxUrl}/query?${new URLSearchParams({ db: database, q, epoch: 'ms' })}`);
  const body = (await res.json()) as { results?: Array<{ series?: Array<{ values?: Array<[number, number]> }> }> };
  return body.results?.[0]?.series?.[0]?.values?.[0] ?? null;
}

/** The newest live point's timestamp in InfluxDB (ms). */
async function newestLive(influxUrl: string, database: string): Promise<number | null> {
  return (await firstRow(influxUrl, database, `SELECT last("cpuLoad") FROM "${database}"."raw"."telemetry" WHERE "village"='live'`))?.[0] ?? null;
}

/** Backlog points in the store. */
async function backlogStored(influxUrl: string, database: string): Promise<number> {
  return (await firstRow(influxUrl, database, `SELECT count("rxBps") FROM "${database}"."raw"."telemetry" WHERE "village"='backlog'`))?.[1] ?? 0;
}

async function direct(influxUrl: string, base: number): Promise<number> {
  const store = createMetricStore({ kind: 'influx', url: influxUrl, database: `bench_direct_${Date.now()}`, rawRetention: '30d', rollupRetention: '104w', writer: { batchSize: 5000, flushMs: 1000, maxQueued: 20_000 } }, tmpdir(), createLogger('warn'));
  await store.open();
  const points: MetricPoint[] = [];
  for (let d = 0; d < DEVICES; d++) {
    for (let i = 0; i < PER_DEVICE; i++) points.push({ measurement: 'telemetry', village: 'backlog', device: `b-${d}`, kind: 'wifi-ap', ts: base + i, fields: { clients: i % 50, rxBps: 1000 + i, txBps: 2000 + i } });
  }
  const t0 = performance.now();
  for (let i = 0; i < points.length; i += 5000) await store.write(points.slice(i, i + 5000));
  const s = (performance.now() - t0) / 1000;
  await store.close();
  return s;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function main(): Promise<void> {
  if (!values['no-build']) await buildHub();
  say(`recovery: a ${values.minutes}-minute store outage at ${LIVE_RATE} msg/s (${fmt(BACKLOG)} points spooled), then the store back under ${LIVE_RATE} msg/s live`);
  const influxd = await startInfluxd();
  const proxy = await storeProxy(Number(new URL(influxd.url).port));
  const database = `bench_recovery_${Date.now()}`;
  const workers: LoadWorker[] = [];
  const results: Record<string, number> = {};
  try {
    const base = Date.now() - 3_600_000;
    const directS = await direct(influxd.url, base);
    const hub = await startHubProcess({
      doc: {
        store: { kind: 'influx', url: proxy.url, database },
        villages: [
          { id: 'backlog', name: 'Backlog' },
          { id: 'live', name: 'Live' },
        ],
        devices: [
          ...Array.from({ length: DEVICES }, (_, d) => ({ id: `b-${d}`, village: 'backlog', name: `AP ${d}`, kind: 'wifi-ap', timeoutS: 3_600 })),
          ...Array.from({ length: DEVICES }, (_, d) => ({ id: `l-${d}`, village: 'live', name: `PC ${d}`, kind: 'pc', timeoutS: 3_600 })),
        ],
      },
      broker: { allowAnonymous: true, rateLimit: { messagesPerS: 1_000_000, burst: 1_000_000, disconnectAfterS: 10 } },
    });
    try {
      proxy.down();
      // The outage's backlog: every message acknowledged (so spooled) before the store returns.
      const backlogClients: WorkerClient[] = Array.from({ length: DEVICES }, (_, d) => ({ clientId: `bench-b-${d}`, topic: `langso/backlog/b-${d}/telemetry` }));
      const burst: LoadWorker[] = [];
      for (const slice of split(backlogClients, 2)) {
        const w = loadWorker();
        burst.push(w);
        w.send({ cmd: 'burst', url: hub.mqttUrl, clients: slice, messages: PER_DEVICE, window: 20, baseTs: base });
      }
      await Promise.all(burst.map((w) => w.expect('ready')));
      const tb = performance.now();
      for (const w of burst) w.send({ go: true });
      await Promise.all(burst.map((w) => w.expect('done')));
      await Promise.all(burst.map((w) => w.stop()));
      const spooledS = (performance.now() - tb) / 1000;
      const before = await hub.api<HealthResponse>('/api/health');
      const sp = before.store.spool;
      say(`  backlog: ${fmt(BACKLOG)} messages acknowledged in ${spooledS.toFixed(1)} s with the store away; spool ${fmt(sp?.points ?? NaN)} points, ${((sp?.bytes ?? NaN) / 2 ** 20).toFixed(1)} MiB; hub RSS ${(await hub.rssMiB()).toFixed(1)} MiB`);

      // Live devices, 100 msg/s, from before the store returns until the backlog is gone.
      const liveClients: WorkerClient[] = Array.from({ length: DEVICES }, (_, d) => ({ clientId: `bench-l-${d}`, topic: `langso/live/l-${d}/telemetry` }));
      for (const slice of split(liveClients, 2)) {
        const w = loadWorker();
        workers.push(w);
        w.send({ cmd: 'steady', url: hub.mqttUrl, clients: slice, everyMs: 1_000 });
      }
      await Promise.all(workers.map((w) => w.expect('ready')));
      const liveFrom = Date.now();
      await sleep(3_000);

      proxy.up();
      const tUp = performance.now();
      const wallUp = Date.now();
      const ages: number[] = [];
      let firstS: number | null = null;
      let drainedS: number | null = null;
      let rssMax = 0;
      let stored = 0;
      while (performance.now() - tUp < 300_000) {
        await sleep(250);
        const [count, newest, rss] = await Promise.all([
          backlogStored(influxd.url, database).catch(() => 0),
          newestLive(influxd.url, database).catch(() => null),
          hub.rssMiB(),
        ]);
        rssMax = Math.max(rssMax, rss);
        stored = count;
        const s = (performance.now() - tUp) / 1000;
        if (count > 0 && firstS === null) firstS = s;
        // Sampled from 1 s after the store's return; with no live point stored yet, the age is at least
        // since the live devices began.
        if (Date.now() - wallUp > 1_000) ages.push((Date.now() - (newest ?? liveFrom)) / 1000);
        if (count >= BACKLOG) {
          drainedS = s;
          break;
        }
      }
      if (drainedS === null) throw new Error(`the backlog did not drain in 300 s: ${stored} of ${BACKLOG} stored`);
      const rate = BACKLOG / drainedS;
      say(`  store back: first backlog point stored after ${(firstS ?? NaN).toFixed(1)} s; all ${fmt(BACKLOG)} after ${drainedS.toFixed(1)} s (${fmt(rate)} points/s, ${(rate / LIVE_RATE).toFixed(1)}× the live rate)`);
      say(`  direct InfluxDB writes of the same points (5 000/batch): ${directS.toFixed(1)} s (baseline); drain ${(drainedS / directS).toFixed(2)}× that`);
      say(`  live latency while draining (age of the newest live point in InfluxDB): p50 ${pct(ages, 50).toFixed(2)} s, p95 ${pct(ages, 95).toFixed(2)} s, max ${Math.max(...ages).toFixed(2)} s; hub RSS max ${rssMax.toFixed(1)} MiB`);
      say(`  goals: drain starts within 5 s ${firstS !== null && firstS <= 5 ? 'met' : 'MISSED'}; drains ≥ 5× live rate ${rate >= 5 * LIVE_RATE ? 'met' : 'MISSED'}; live ≤ 2 s behind ${Math.max(...ages) <= 2 ? 'met' : 'MISSED'}`);
      Object.assign(results, { backlog: BACKLOG, firstS: firstS ?? NaN, drainedS, drainRate: rate, directS, 'live.p50S': pct(ages, 50), 'live.p95S': pct(ages, 95), 'live.maxS': Math.max(...ages), rssMaxMiB: rssMax });
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await hub.stop();
    }
  } finally {
    await proxy.close();
    await influxd.stop();
  }
  await record('recovery', lines, results);
}

console.log(machineLine());
await main();
