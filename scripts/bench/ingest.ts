/**
 * Ingest: MQTT QoS 1 telemetry → the hub → InfluxDB, end to end, against bare aedes QoS 1 fan-in, with
 * the load made by several generator processes (load-worker.ts), never by this one:
 *   1. baseline: bare aedes in a process of its own (bare-broker.ts), the publishers' messages fanned in
 *      to QoS 1 subscribers in processes of their own (1 or 2, the topics split between them), timed to
 *      the last message delivered: what a broker does before anything can store a message. Loaded by 1,
 *      2, 4… generator processes carrying the same clients (1, 2 and 4 always, more while doubling them
 *      still adds 10 %): the best is the plateau, where neither the generators nor the subscribers limit
 *      the rate. For reference, the same broker with no subscriber at all (messages taken in and dropped).
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

/**
 * Every client publishes PER_CLIENT QoS 1 messages from `procs` processes, while `consumers` processes
 * subscribe QoS 1 to them (the topics split between them); seconds from "go" to the last PUBACK and
 * to the last message delivered (0 consumers: the last PUBACK).
 */
async function burst(url: string, procs: number, baseTs: number, consumers = 0): Promise<{ ackedS: number; deliveredS: number; goAt: number }> {
  const workers: LoadWorker[] = [];
  const sinks: LoadWorker[] = [];
  try {
    for (const [i, slice] of (consumers > 0 ? split(clients, consumers) : []).entries()) {
      const w = loadWorker();
      sinks.push(w);
      w.send({ cmd: 'consume', url, clientId: `bench-consumer-${i}`, topics: slice.map((c) => c.topic), expect: slice.length * PER_CLIENT });
    }
    await Promise.all(sinks.map((w) => w.expect('ready')));
    for (const slice of split(clients, procs)) {
      const w = loadWorker();
      workers.push(w);
      w.send({ cmd: 'burst', url, clients: slice, messages: PER_CLIENT, window: WINDOW, baseTs });
    }
    await Promise.all(workers.map((w) => w.expect('ready')));
    const t0 = performance.now();
    for (const w of workers) w.send({ go: true });
    const since = () => (performance.now() - t0) / 1000;
    const [ackedS, deliveredS] = await Promise.all([
      Promise.all(workers.map((w) => w.expect('done'))).then(since),
      Promise.all(sinks.map((w) => w.expect('done'))).then(since),
    ]);
    return { ackedS, deliveredS: consumers > 0 ? deliveredS : ackedS, goAt: t0 };
  } finally {
    await Promise.all([...workers, ...sinks].map((w) => w.stop()));
  }
}

interface Baseline {
  procs: number;
  consumers: number;
  /** Messages a second delivered to the subscribers (the fan-in: the goal's baseline). */
  rate: number;
  /** Messages a second taken in with no subscriber, at the same generators (for reference). */
  ingressOnly: number;
}

/** The bare broker loaded by `procs` generator processes and drained by `consumers` subscriber processes (0: none); messages a second to the last delivery. */
async function bareRate(procs: number, consumers: number): Promise<number> {
  const broker = await bareBroker();
  try {
    return TOTAL / (await burst(broker.url, procs, Date.now(), consumers)).deliveredS;
  } finally {
    await broker.stop();
  }
}

async function baseline(): Promise<Baseline> {
  let best = { procs: 1, consumers: 1, rate: 0 };
  for (let procs = 1; procs <= Math.min(MAX_PROCS, CLIENTS); procs *= 2) {
    const before = best.rate;
    for (const consumers of [1, 2]) {
      const rate = await bareRate(procs, consumers);
      say(`  bare aedes fan-in, ${String(procs).padStart(2)} generator process(es) → ${consumers} subscriber process(es)  ${fmt(rate).padStart(9)} msg/s`);
      if (rate > best.rate) best = { procs, consumers, rate };
    }
    // 1, 2 and 4 always (one run can be unlucky on a shared machine); beyond, only while doubling the
    // generators still adds 10 %: the plateau, where the generator is no longer what limits the rate.
    if (procs >= 4 && best.rate < before * 1.1) break;
  }
  const ingressOnly = await bareRate(best.procs, 0);
  say(`  bare aedes, no subscriber (taken in, dropped), ${best.procs} generator process(es)  ${fmt(ingressOnly).padStart(9)} msg/s   (reference)`);
  return { ...best, ingressOnly };
}

async function throughHub(influxUrl: string, procs: number, fsync: boolean): Promise<{ acked: number; stored: number; missing: number; cpuUs: number }> {
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
    const cpu0 = await hub.cpuS();
    const { ackedS, goAt } = await burst(hub.mqttUrl, procs, base);
    // Timed from the publishers' "go", like the PUBACKs; the store asked every 50 ms (each answer takes a
    // few ms more), so the time is late by at most one interval and one count.
    let count = 0;
    let lastChange = performance.now();
    let storedAt = 0;
    for (;;) {
      const n = await store.countTelemetry({ village: 'bench', from: base, to: base + PER_CLIENT + 1 });
      storedAt = performance.now();
      if (n !== count) lastChange = storedAt;
      count = n;
      if (count >= TOTAL || storedAt - lastChange > 30_000) break;
      await sleep(50);
    }
    const storedS = (storedAt - goAt) / 1000;
    const cpuUs = (((await hub.cpuS()) - cpu0) * 1e6) / TOTAL;
    return { acked: TOTAL / ackedS, stored: TOTAL / storedS, missing: TOTAL - count, cpuUs };
  } finally {
    await store.close();
    await hub.stop();
  }
}

async function main(): Promise<void> {

  if (!values['no-build']) await buildHub();
  say(`ingest: ${fmt(TOTAL)} telemetry messages, QoS 1, ${CLIENTS} publishers (mqtt.js) spread over generator processes, window ${WINDOW}`);
  const base = await baseline();
  say(`  baseline: bare aedes fan-in, ${base.procs} generator process(es) → ${base.consumers} subscriber process(es), ${fmt(base.rate)} msg/s (the plateau)`);
  const influxd = await startInfluxd();
  const results: Record<string, number> = { 'baseline.msgPerS': base.rate, 'baseline.procs': base.procs, 'baseline.consumers': base.consumers, 'ingressOnly.msgPerS': base.ingressOnly };
  try {
    // On and off alternately, ROUNDS times each; the best of each counts (other work on the machine only slows a round).
    for (let round = 1; round <= ROUNDS; round++) {
      for (const fsync of [true, false]) {
        const r = await throughHub(influxd.url, base.procs, fsync);
        const label = `durability ${fsync ? 'on ' : 'off'}, round ${round}`;
        say(`  hub, ${label}: last PUBACK       ${fmt(r.acked).padStart(9)} msg/s   ${(r.acked / base.rate).toFixed(2)}× bare aedes`);
        say(`  hub, ${label}: all in InfluxDB   ${fmt(r.stored).padStart(9)} msg/s   ${(r.stored / base.rate).toFixed(2)}× bare aedes; points missing in the store: ${r.missing}; hub CPU ${r.cpuUs.toFixed(1)} µs per message`);
        const k = fsync ? 'on' : 'off';
        results[`${k}.acked`] = Math.max(results[`${k}.acked`] ?? 0, r.acked);
        results[`${k}.stored`] = Math.max(results[`${k}.stored`] ?? 0, r.stored);
        results[`${k}.missing`] = (results[`${k}.missing`] ?? 0) + r.missing;
        results[`${k}.cpuUsPerMsg`] = Math.min(results[`${k}.cpuUsPerMsg`] ?? Infinity, r.cpuUs);
        if (r.missing !== 0) process.exitCode = 1;
      }
    }
    for (const k of ['on', 'off']) {
      say(`  hub, durability ${k.padEnd(3)} (best round): ${fmt(results[`${k}.stored`]!)} msg/s into InfluxDB, ${(results[`${k}.stored`]! / base.rate).toFixed(2)}× bare aedes; points missing over all rounds: ${results[`${k}.missing`]}`);
    }
    say(`  durability cost: on/off ${(results['on.stored']! / results['off.stored']!).toFixed(2)}× end to end, ${(results['on.acked']! / results['off.acked']!).toFixed(2)}× at the PUBACK`);
    say(`  against bare aedes with no subscriber (${fmt(base.ingressOnly)} msg/s): durability on ${(results['on.stored']! / base.ingressOnly).toFixed(2)}×, off ${(results['off.stored']! / base.ingressOnly).toFixed(2)}× end to end`);
    const goal = results['on.stored']! / base.rate;
    say(`  goal ≥ 0.6× bare aedes with durability on: ${goal >= 0.6 ? 'met' : 'MISSED'} (${goal.toFixed(2)}×)`);
  } finally {
    await influxd.stop();
  }
  await record('ingest', lines, results);
}

console.log(machineLine());
await main();
