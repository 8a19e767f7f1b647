/**
 * What MQTT security costs, measured in one run (ratios, not absolute figures, are what to compare):
 *
 * 1. Ingest throughput with accounts + ACL + checks in the publish hook, against the same hub taking
 *    anonymous clients and parsing at the broker's publish event (how it worked before): ratio ≥ 0.9.
 * 2. The packet guard alone: bare aedes with and without it in front (the same publishes, acknowledged).
 * 3. A 5 000 msg/s flooder beside 20 normal devices: the normal devices' end-to-end latency (publish →
 *    the hub's reading event) p95 with the flooder stays within 2× of without.
 *
 * The load comes from child processes (load-worker.ts), so the hub keeps a core of its own.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { MqttAccounts } from '../../hub/broker/accounts.js';
import { parseConfig } from '../../hub/config/load.js';
import { createLogger } from '../../hub/core/log.js';
import { createHub, type Hub } from '../../hub/main.js';
import { percentile } from '../../hub/pollers/pollers.js';
import { openStateDb } from '../../hub/state/db.js';
import { guardStream } from '../../hub/broker/packet-guard.js';
import type { WorkerClient, WorkerReport } from './load-worker.js';
import { loadWorker } from './workers.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    clients: { type: 'string', default: '4' },
    window: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '12' },
    /** Run only one part: throughput, guard or flooder. */
    only: { type: 'string' },
  },
});
const CLIENTS = Number(values.clients);
const PER_CLIENT = Math.ceil(Number(values.messages) / CLIENTS);
const TOTAL = PER_CLIENT * CLIENTS;
const ROUNDS = Number(values.rounds);
const PHASE_S = Number(values.seconds);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Mode = 'open' | 'secure';

/** A hub on free ports with `devices` wifi-ap devices; in secure mode each has credentials. */
async function startHub(mode: Mode, devices: string[], rateLimit = { messagesPerS: 1_000_000, burst: 1_000_000, disconnectAfterS: 10 }): Promise<{ hub: Hub; dataDir: string; secrets: Map<string, string> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'langso-bench-sec-'));
  const secrets = new Map<string, string>();
  if (mode === 'secure') {
    const db = openStateDb(path.join(dataDir, 'state.db'));
    const accounts = new MqttAccounts(db);
    for (const d of devices) secrets.set(d, await accounts.issueDevice('bench', d, Date.now()));
    db.close();
  }
  const doc = {
    dataDir,
    logLevel: 'warn',
    broker: {
      host: '127.0.0.1',
      port: 0,
      wsPort: null,
      allowAnonymous: mode === 'open',
      // Throughput: nobody is slowed, so what is measured is the hooks' work; the flooder run has the defaults.
      rateLimit,
    },
    http: { host: '127.0.0.1', port: 0 },
    store: { kind: 'sqlite', writer: { flushMs: 1000 } },
    villages: [{ id: 'bench', name: 'Bench' }],
    devices: devices.map((id) => ({ id, village: 'bench', name: id, kind: id.startsWith('pc') ? 'pc' : 'wifi-ap', timeoutS: 600 })),
  };
  const hub = createHub({ config: parseConfig(stringify(doc), 'bench', {}), log: createLogger('error') });
  await hub.start();
  // Open: the way it was before, parsing at the broker's publish event, no check in the hook.
  if (mode === 'open') hub.broker.setPublishCheck(null);
  return { hub, dataDir, secrets };
}

function clientsFor(devices: string[], secrets: Map<string, string>, prefix: string): WorkerClient[] {
  return devices.map((d) => ({
    clientId: `${prefix}-${d}`,
    topic: `langso/bench/${d}/telemetry`,
    ...(secrets.has(d) ? { username: `bench/${d}`, password: secrets.get(d) } : {}),
  }));
}

/** Messages per second from the first publish until ingest has accepted every one. */
async function throughput(mode: Mode): Promise<number> {
  const devices = Array.from({ length: CLIENTS }, (_, i) => `ap-${i}`);
  const { hub, dataDir, secrets } = await startHub(mode, devices);
  const w = loadWorker();
  try {
    w.send({ cmd: 'burst', url: `mqtt://127.0.0.1:${hub.ports.mqtt}`, clients: clientsFor(devices, secrets, mode), messages: PER_CLIENT, window: Number(values.window), baseTs: Date.now() - 3_600_000 });
    await w.expect('ready');
    const counters = hub.ctx.counters;
    const before = counters.get('ingest.accepted');
    const t0 = performance.now();
    w.send({ go: true });
    while (counters.get('ingest.accepted') - before < TOTAL) await sleep(2);
    const s = (performance.now() - t0) / 1000;
    await w.expect('done');
    const refused = Object.entries(counters.snapshot()).filter(([k]) => k.startsWith('broker.refused.') || k.startsWith('ingest.dropped'));
    if (refused.length > 0) throw new Error(`unexpected refusals: ${JSON.stringify(refused)}`);
    return TOTAL / s;
  } finally {
    w.send({ cmd: 'stop' });
    await hub.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Messages per second through bare aedes (every publish acknowledged), with or without the packet guard in front. */
async function bareAedes(guarded: boolean): Promise<number> {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(guarded ? guardStream(socket, { maxPacketBytes: 256 * 1024, onRefuse: () => undefined }) : socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  const w = loadWorker();
  try {
    const devices = Array.from({ length: CLIENTS }, (_, i) => `ap-${i}`);
    w.send({ cmd: 'burst', url, clients: clientsFor(devices, new Map(), guarded ? 'guarded' : 'bare'), messages: PER_CLIENT, window: Number(values.window), baseTs: Date.now() });
    await w.expect('ready');
    const t0 = performance.now();
    w.send({ go: true });
    await w.expect('done');
    return TOTAL / ((performance.now() - t0) / 1000);
  } finally {
    w.send({ cmd: 'stop' });
    await new Promise<void>((r) => broker.close(() => r()));
    server.close();
  }
}

/** End-to-end latency of 20 normal devices (ms), without and then with a 5 000 msg/s flooder beside them. */
async function flooder(): Promise<{ quiet: number[]; flooded: number[]; flood: { sent: number; accepted: number; disconnects: number; refused: number } }> {
  const normal = Array.from({ length: 20 }, (_, i) => `pc-${i}`);
  const devices = [...normal, 'pc-flood'];
  // The default rate limit: 50 messages/s, a burst of 200, disconnected after 10 s of it.
  const { hub, dataDir, secrets } = await startHub('secure', devices, { messagesPerS: 50, burst: 200, disconnectAfterS: 10 });
  // One refusal line per minute for the flooder is expected: not part of the figures.
  hub.ctx.log.level = 'error';
  const latencies: number[] = [];
  let flooderAccepted = 0;
  hub.ctx.bus.on('bench', 'reading', (r) => {
    if (r.device === 'pc-flood') flooderAccepted++;
    const sentAt = (r.fields as Record<string, number>).sentAt;
    if (typeof sentAt === 'number') latencies.push(performance.timeOrigin + performance.now() - sentAt);
  });
  const url = `mqtt://127.0.0.1:${hub.ports.mqtt}`;
  const steady = loadWorker();
  const flood = loadWorker();
  try {
    steady.send({ cmd: 'steady', url, clients: clientsFor(normal, secrets, 'steady'), everyMs: 200 });
    await steady.expect('ready');
    await sleep(2_000); // warm up
    latencies.length = 0;
    await sleep(PHASE_S * 1000);
    const quiet = latencies.splice(0);
    flood.send({ cmd: 'flood', url, clients: clientsFor(['pc-flood'], secrets, 'flood'), perS: 5_000 });
    await flood.expect('ready');
    await sleep(PHASE_S * 1000);
    const flooded = latencies.splice(0);
    flood.send({ cmd: 'stop' });
    const f = (await flood.expect('done')) as Extract<WorkerReport, { kind: 'done' }>;
    return { quiet, flooded, flood: { sent: f.sent, accepted: flooderAccepted, disconnects: f.disconnects, refused: hub.ctx.counters.get('broker.refused.flood') } };
  } finally {
    steady.send({ cmd: 'stop' });
    await hub.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => percentile(xs, 50);

async function throughputPart(): Promise<void> {
  console.log(`security: ${TOTAL} telemetry messages, QoS 1, ${CLIENTS} publishers in a child process, window ${values.window}, ${ROUNDS} rounds`);
  const open: number[] = [];
  const secure: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternated, so drift during the run (CPU temperature, other load) touches both alike.
    open.push(await throughput('open'));
    secure.push(await throughput('secure'));
  }
  const ratio = median(secure) / median(open);
  console.log(`  open (anonymous, parse at publish)        ${fmt(median(open)).padStart(9)} msg/s   rounds: ${open.map(fmt).join(', ')}`);
  console.log(`  secure (accounts, ACL, check in the hook) ${fmt(median(secure)).padStart(9)} msg/s   rounds: ${secure.map(fmt).join(', ')}`);
  console.log(`  ratio secure / open: ${ratio.toFixed(2)} (must be ≥ 0.90)`);
  if (ratio < 0.9) process.exitCode = 1;
}

async function guardPart(): Promise<void> {
  console.log(`packet guard: the same ${TOTAL} publishes through bare aedes, with and without the guard in front, ${ROUNDS} rounds`);
  const bare: number[] = [];
  const guarded: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(await bareAedes(false));
    guarded.push(await bareAedes(true));
  }
  console.log(`  bare aedes                ${fmt(median(bare)).padStart(9)} msg/s   rounds: ${bare.map(fmt).join(', ')}`);
  console.log(`  bare aedes behind guard   ${fmt(median(guarded)).padStart(9)} msg/s   rounds: ${guarded.map(fmt).join(', ')}`);
  console.log(`  ratio guarded / bare: ${(median(guarded) / median(bare)).toFixed(2)}`);
}

async function flooderPart(): Promise<void> {
  console.log(`flooder: 20 devices × 5 msg/s (QoS 1) for ${PHASE_S} s, then the same beside one client sending 5 000 msg/s`);
  const f = await flooder();
  const p = (xs: number[], q: number) => percentile(xs, q).toFixed(1);
  console.log(`  without flooder: ${f.quiet.length} readings, latency p50 ${p(f.quiet, 50)} ms, p95 ${p(f.quiet, 95)} ms, p99 ${p(f.quiet, 99)} ms`);
  console.log(`  with flooder:    ${f.flooded.length} readings, latency p50 ${p(f.flooded, 50)} ms, p95 ${p(f.flooded, 95)} ms, p99 ${p(f.flooded, 99)} ms`);
  console.log(`  flooder: ${fmt(f.flood.sent)} sent, ${fmt(f.flood.accepted)} accepted, disconnected ${f.flood.refused} time(s) for flooding`);
  const latencyRatio = percentile(f.flooded, 95) / Math.max(percentile(f.quiet, 95), 1);
  console.log(`  p95 with / without: ${latencyRatio.toFixed(2)} (must be ≤ 2; p95 under 1 ms counts as 1 ms)`);
  if (latencyRatio > 2) process.exitCode = 1;
}

if (values.only === undefined || values.only === 'throughput') await throughputPart();
if (values.only === undefined || values.only === 'guard') await guardPart();
if (values.only === undefined || values.only === 'flooder') await flooderPart();
