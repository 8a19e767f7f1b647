/**
 * Ingest: MQTT QoS 1 telemetry → the hub → InfluxDB, end to end, against bare aedes QoS 1 fan-in,
 * with the load made by several generator processes (load-worker.ts), never by this one:
 *   1. baseline: bare aedes in a process of its own (bare-broker.ts), loaded by 1, 2, 4… generator
 *      processes carrying the same clients (1, 2 and 4 always, more while doubling them still adds
 *      10 %): the best is the plateau, where the generator no longer limits the rate;
 *   2. the hub (`node dist/hub/cli.js start`, its own process, a private influxd) with the same plateau
 *      of generators, durability on (`store.influx.spool.fsync: true`: a PUBACK waits for the spool's
 *      group commit) and off, alternately, twice each (the best round of each counts); rates at the
 *      last PUBACK and when the last point is in InfluxDB, and the points missing there (counted in
 *      the store; must be 0).
 * Figures are ratios against the baseline of the same run.
 *
 *   node --import tsx scripts/bench/ingest.ts [--messages 200000] [--clients 16] [--window 100] [--max-procs 8] [--rounds 2] [--cpu-prof DIR] [--no-build]
 */
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { createLogger } from '../../hub/core/log.js';
import { createMetricStore } from '../../hub/store/index.js';
import { startInfluxd } from '../services/influxd.js';
import { buildHub, startHubProcess } from './hub-process.js';
import { machineLine, record } from './report.js';
import { bareBroker, loadWorker, split, type LoadWorker, type WorkerClient } from './workers.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    clients: { type: 'string', default: '16' },
    window: { type: 'string', default: '100' },
    'max-procs': { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    /** A folder: the hub runs with --cpu-prof and leaves its profiles there. */
    'cpu-prof': { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
  strict: false,
});
const CLIENTS = Number(values.clients);
const PER_CLIENT = Math.ceil(Number(values.messages) / CLIENTS);
const TOTAL = PER_CLIENT * CLIENTS;
const WINDOW = Number(values.window);
const MAX_PROCS = Number(values['max-procs']);
const ROUNDS = Number(values.rounds);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines: string[] = [];
const say = (s: string) => {
  console.log(s);
  lines.push(s);
};
const clients: WorkerClient[] = Array.from({ length: CLIENTS }, (_, c) => ({ clientId: `bench-ap-${c}`, topic: `langso/bench/ap-${c}/telemetry` }));

/** Every client publishes PER_CLIENT QoS 1 messages from `procs` processes; seconds from "go" to the last PUBACK. */
async function burst(url: string, procs: number, baseTs: number): Promise<number> {
  const workers: LoadWorker[] = [];
  try {
    for (const slice of split(clients, procs)) {
      const w = loadWorker();
      workers.push(w);
      w.send({ cmd: 'burst', url, clients: slice, messages: PER_CLIENT, window: WINDOW, baseTs });
    }
    await Promise.all(workers.map((w) => w.expect('ready')));
    const t0 = performance.now();
    for (const w of workers) w.send({ go: true });
    await Promise.all(workers.map((w) => w.expect('done')));
    return (performance.now() - t0) / 1000;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

async function baseline(): Promise<{ procs: number; rate: number }> {
  let best = { procs: 1, rate: 0 };
  for (let procs = 1; procs <= Math.min(MAX_PROCS, CLIENTS); procs *= 2) {
    const broker = await bareBroker();
    let rate: number;
    try {
      rate = TOTAL / (await burst(broker.url, procs, Date.now()));
    } finally {
      await broker.stop();
    }
    const gain = best.rate > 0 ? rate / best.rate : Infinity;
    say(`  bare aedes, ${String(procs).padStart(2)} generator process(es)  ${fmt(rate).padStart(9)} msg/s${best.rate > 0 ? `   ×${gain.toFixed(2)} of the best so far (${best.procs})` : ''}`);
    if (rate > best.rate) best = { procs, rate };
    // 1, 2 and 4 always (one run can be unlucky on a shared machine); beyond, only while doubling the
    // generators still adds 10 %: the plateau, where the generator is no longer what limits the rate.
    if (procs >= 4 && gain < 1.1) break;
  }
  return best;
}

async function throughHub(influxUrl: string, procs: number, fsync: boolean): Promise<{ acked: number; stored: number; missing: number }> {
  const database = `bench_ingest_${fsync ? 'on' : 'off'}_${Date.now()}`;
  const hub = await startHubProcess({
    doc: {
      store: { kind: 'influx', url: influxUrl, database, spool: { fsync } },
      villages: [{ id: 'bench', name: 'Bench' }],
      devices: clients.map((_, c) => ({ id: `ap-${c}`, village: 'bench', name: `AP ${c}`, kind: 'wifi-ap', timeoutS: 600 })),
    },
    // Anonymous publishers, never slowed: this measures the data path (security.ts measures logins and limits).
    broker: { allowAnonymous: true, rateLimit: { messagesPerS: 1_000_000, burst: 1_000_000, disconnectAfterS: 10 } },
    ...(typeof values['cpu-prof'] === 'string' ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] } : {}),
  });
  const store = createMetricStore({ kind: 'influx', url: influxUrl, database, rawRetention: '30d', rollupRetention: '104w', writer: { batchSize: 5000, flushMs: 1000, maxQueued: 20_000 } }, tmpdir(), createLogger('warn'));
  try {
    await store.open();
    // Past timestamps, a distinct one per message of a device: each message is its own point.
    const base = Date.now() - PER_CLIENT - 120_000;
    const t0 = performance.now();
    const ackedS = await burst(hub.mqttUrl, procs, base);
    let count = 0;
    let lastChange = performance.now();
    for (;;) {
      const n = await store.countTelemetry({ village: 'bench', from: base, to: base + PER_CLIENT + 1 });
      if (n !== count) lastChange = performance.now();
      count = n;
      if (count >= TOTAL || performance.now() - lastChange > 30_000) break;
      await sleep(200);
    }
    const storedS = (performance.now() - t0 - 100) / 1000;
    return { acked: TOTAL / ackedS, stored: TOTAL / storedS, missing: TOTAL - count };
  } finally {
    await store.close();
    await hub.stop();
  }
}

async function main(): Promise<void> {
  if (!values['no-build']) await buildHub();
  say(`ingest: ${fmt(TOTAL)} telemetry messages, QoS 1, ${CLIENTS} publishers (mqtt.js) spread over generator processes, window ${WINDOW}`);
  const base = await baseline();
  say(`  baseline: bare aedes with ${base.procs} generator process(es), ${fmt(base.rate)} msg/s (the plateau)`);
  const influxd = await startInfluxd();
  const results: Record<string, number> = { 'baseline.msgPerS': base.rate, 'baseline.procs': base.procs };
  try {
    // On and off alternately, ROUNDS times each; the best of each counts (other work on the machine only slows a round).
    for (let round = 1; round <= ROUNDS; round++) {
      for (const fsync of [true, false]) {
        const r = await throughHub(influxd.url, base.procs, fsync);
        const label = `durability ${fsync ? 'on ' : 'off'}, round ${round}`;
        say(`  hub, ${label}: last PUBACK       ${fmt(r.acked).padStart(9)} msg/s   ${(r.acked / base.rate).toFixed(2)}× bare aedes`);
        say(`  hub, ${label}: all in InfluxDB   ${fmt(r.stored).padStart(9)} msg/s   ${(r.stored / base.rate).toFixed(2)}× bare aedes; points missing in the store: ${r.missing}`);
        const k = fsync ? 'on' : 'off';
        results[`${k}.acked`] = Math.max(results[`${k}.acked`] ?? 0, r.acked);
        results[`${k}.stored`] = Math.max(results[`${k}.stored`] ?? 0, r.stored);
        results[`${k}.missing`] = (results[`${k}.missing`] ?? 0) + r.missing;
        if (r.missing !== 0) process.exitCode = 1;
      }
    }
    for (const k of ['on', 'off']) {
      say(`  hub, durability ${k.padEnd(3)} (best round): ${fmt(results[`${k}.stored`]!)} msg/s into InfluxDB, ${(results[`${k}.stored`]! / base.rate).toFixed(2)}× bare aedes; points missing over all rounds: ${results[`${k}.missing`]}`);
    }
    say(`  durability cost: on/off ${(results['on.stored']! / results['off.stored']!).toFixed(2)}× end to end, ${(results['on.acked']! / results['off.acked']!).toFixed(2)}× at the PUBACK`);
    const goal = results['on.stored']! / base.rate;
    say(`  goal ≥ 0.6× bare aedes with durability on: ${goal >= 0.6 ? 'met' : 'MISSED'} (${goal.toFixed(2)}×)`);
  } finally {
    await influxd.stop();
  }
  await record('ingest', lines, results);
}

console.log(machineLine());
await main();
