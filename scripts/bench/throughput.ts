/**
 * Throughput: N telemetry messages, QoS 1, from several mqtt.js clients
 *   (a) through a bare aedes broker to a bare subscriber — the baseline;
 *   (b) through the hub (aedes + ingest + availability + batching writer) into a real InfluxDB.
 * Prints msgs/s for both, the ratio, and the points missing in InfluxDB afterwards (must be 0).
 */
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { parseConfig } from '../../hub/config/load.js';
import { createLogger } from '../../hub/core/log.js';
import { createHub } from '../../hub/main.js';
import { createMetricStore } from '../../hub/store/index.js';
import type { MetricPoint } from '../../hub/store/types.js';
import { startInfluxd } from '../services/influxd.js';
import { connectAll, endAll, publishAll, type LoadPlan } from './mqtt-load.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    clients: { type: 'string', default: '4' },
    window: { type: 'string', default: '500' },
  },
});
const CLIENTS = Number(values.clients);
const PER_CLIENT = Math.ceil(Number(values.messages) / CLIENTS);
const TOTAL = PER_CLIENT * CLIENTS;
const WINDOW = Number(values.window);
// Each client is one device; distinct ms timestamps per device so every message is its own point.
const base = Date.now() - TOTAL - 60_000;
const payloadFor = (_c: number, i: number) => JSON.stringify({ ts: base + i, clients: i % 50, rxBps: 1000 + i, txBps: 2000 + i });
const topicFor = (c: number) => `langso/bench/ap-${c}/telemetry`;

async function bareAedes(): Promise<number> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  const sub = await mqtt.connectAsync(url, { clientId: 'bench-sub', reconnectPeriod: 0 });
  let received = 0;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  sub.on('message', () => {
    if (++received === TOTAL) resolveAll();
  });
  await sub.subscribeAsync('langso/#', { qos: 1 });
  const clients = await connectAll(url, CLIENTS, 'bench-bare');
  const t0 = performance.now();
  await publishAll(clients, { url, clients: CLIENTS, messagesPerClient: PER_CLIENT, window: WINDOW, topicFor, payloadFor } satisfies LoadPlan);
  await all;
  const s = (performance.now() - t0) / 1000;
  await endAll(clients);
  await sub.endAsync();
  await new Promise<void>((r) => broker.close(() => r()));
  server.close();
  return TOTAL / s;
}

/** Baseline for the storage side: the same points written straight into InfluxDB in 5 000-point batches. */
async function directInflux(influxUrl: string): Promise<number> {
  const store = createMetricStore({ kind: 'influx', url: influxUrl, database: `bench_direct_${Date.now()}`, rawRetention: '30d', rollupRetention: '104w', writer: { batchSize: 5000, flushMs: 1000, maxQueued: 100000 } }, tmpdir(), createLogger('warn'));
  await store.open();
  const points: MetricPoint[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    for (let i = 0; i < PER_CLIENT; i++) {
      const { ts, ...fields } = JSON.parse(payloadFor(c, i)) as { ts: number } & Record<string, number>;
      points.push({ measurement: 'telemetry', village: 'bench', device: `ap-${c}`, kind: 'wifi-ap', ts, fields });
    }
  }
  const t0 = performance.now();
  for (let i = 0; i < points.length; i += 5000) await store.write(points.slice(i, i + 5000));
  const s = (performance.now() - t0) / 1000;
  await store.close();
  return TOTAL / s;
}

async function throughHub(influxUrl: string): Promise<{ ingestRate: number; storedRate: number; missing: number; stored: number }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'langso-bench-'));
  const doc = {
    dataDir,
    logLevel: 'warn',
    // Anonymous publishers, never slowed: the bench measures the data path (security.ts measures the login and limits).
    broker: { host: '127.0.0.1', port: 0, wsPort: null, allowAnonymous: true, rateLimit: { messagesPerS: 1_000_000, burst: 1_000_000, disconnectAfterS: 10 } },
    http: { host: '127.0.0.1', port: 0 },
    store: { kind: 'influx', url: influxUrl, database: `bench_${Date.now()}` },
    villages: [{ id: 'bench', name: 'Bench' }],
    devices: Array.from({ length: CLIENTS }, (_, i) => ({ id: `ap-${i}`, village: 'bench', name: `AP ${i}`, kind: 'wifi-ap', timeoutS: 600 })),
  };
  const hub = createHub({ config: parseConfig(stringify(doc), 'bench', {}), log: createLogger('warn') });
  await hub.start();
  const url = `mqtt://127.0.0.1:${hub.ports.mqtt}`;
  const clients = await connectAll(url, CLIENTS, 'bench-hub');
  const counters = hub.ctx.counters;
  const t0 = performance.now();
  await publishAll(clients, { url, clients: CLIENTS, messagesPerClient: PER_CLIENT, window: WINDOW, topicFor, payloadFor });
  while (counters.get('ingest.accepted') < TOTAL) await new Promise((r) => setTimeout(r, 5));
  const ingestS = (performance.now() - t0) / 1000;
  await hub.ctx.writer.flush();
  const storedS = (performance.now() - t0) / 1000;
  await endAll(clients);
  const stored = await hub.ctx.store.countTelemetry({ village: 'bench', from: base, to: base + TOTAL + 1 });
  await hub.stop();
  await rm(dataDir, { recursive: true, force: true });
  return { ingestRate: TOTAL / ingestS, storedRate: TOTAL / storedS, missing: TOTAL - stored, stored };
}

const influxd = await startInfluxd();
try {
  console.log(`throughput: ${TOTAL} telemetry messages, QoS 1, ${CLIENTS} publishers, window ${WINDOW}`);
  const bare = await bareAedes();
  const direct = await directInflux(influxd.url);
  const hub = await throughHub(influxd.url);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`  bare aedes → subscriber         ${fmt(bare).padStart(9)} msg/s   (baseline)`);
  console.log(`  hub → ingest                    ${fmt(hub.ingestRate).padStart(9)} msg/s   ratio ${(hub.ingestRate / bare).toFixed(2)}`);
  console.log(`  hub → InfluxDB (all flushed)    ${fmt(hub.storedRate).padStart(9)} msg/s   ratio ${(hub.storedRate / bare).toFixed(2)}`);
  console.log(`  direct InfluxDB writes (5 000/batch) ${fmt(direct).padStart(9)} msg/s   (baseline)`);
  console.log(`  hub → InfluxDB vs direct writes: ratio ${(hub.storedRate / direct).toFixed(2)}`);
  console.log(`  points in InfluxDB: ${hub.stored} of ${TOTAL}; missing: ${hub.missing}`);
  if (hub.missing !== 0) process.exitCode = 1;
} finally {
  await influxd.stop();
}
