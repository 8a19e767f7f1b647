/**
 * Central mode capacity (docs/scale.md): telemetry from several village uplinks (publisher processes,
 * QoS 1, MQTT 5) through Debian's Mosquitto into InfluxDB, drained by
 *   (a) a bare mqtt.js shared subscriber that only counts — the baseline;
 *   (b) one central instance (`langso start`, `mode: central`, child process);
 *   (c) two central instances in one shared-subscription group.
 * Each phase first queues the whole load in the subscribers' persistent sessions (instances stopped),
 * then starts them and times the drain: the publishers are never the bottleneck. Every reading must be
 * in InfluxDB exactly once (count checked); 2 instances must reach 1.7 × one (`--min-scale`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { startInstance, type InstanceProcess } from '../services/central-instance.js';
import { startInfluxd, type InfluxdHandle } from '../services/influxd.js';
import { startMosquitto } from '../services/mosquitto.js';

const { values } = parseArgs({
  options: {
    villages: { type: 'string', default: '4' },
    devices: { type: 'string', default: '10' },
    messages: { type: 'string', default: '60000' },
    'min-scale': { type: 'string', default: '1.7' },
  },
});
const VILLAGES = Number(values.villages);
const DEVICES = Number(values.devices);
const PER_DEVICE = Math.ceil(Number(values.messages) / (VILLAGES * DEVICES));
const TOTAL = PER_DEVICE * VILLAGES * DEVICES;
const MIN_SCALE = Number(values['min-scale']);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let influxd: InfluxdHandle | null = null;
const influxUrl = process.env.LANGSO_BENCH_INFLUX_URL ?? (influxd = await startInfluxd()).url;
const broker = await startMosquitto();
const dir = await mkdtemp(path.join(tmpdir(), 'langso-bench-central-'));

/** The village uplinks, one process each, all at once; resolves when every message is acknowledged. */
async function preload(base: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: VILLAGES }, (_, v) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'central-publisher.ts'), broker.url, `v-${v}`, String(DEVICES), String(PER_DEVICE), String(base), '500'], { stdio: ['ignore', 'pipe', 'inherit'] });
      return new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher ${v} exited ${code}`)))));
    }),
  );
  return TOTAL / ((performance.now() - t0) / 1000);
}

async function countIn(database: string): Promise<number> {
  const res = await fetch(`${influxUrl}/query?db=${database}&q=${encodeURIComponent('SELECT count(clients) FROM telemetry')}`);
  const body = (await res.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
  return Number(body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

/** (a) A shared subscriber that counts and acknowledges: what the broker alone delivers. */
async function bare(): Promise<number> {
  const opts = { protocolVersion: 5 as const, clientId: 'bench-bare', clean: false, reconnectPeriod: 0, properties: { sessionExpiryInterval: 600, receiveMaximum: 1_000 } };
  const first = await mqtt.connectAsync(broker.url, opts);
  await first.subscribeAsync('$share/bare/langso/+/+/telemetry', { qos: 1 });
  await first.endAsync();
  await preload(Date.now() - 3 * 3_600_000);
  let got = 0;
  let t0 = 0;
  const done = new Promise<number>((resolve) => {
    const c = mqtt.connect(broker.url, opts);
    c.on('message', () => {
      if (got++ === 0) t0 = performance.now();
      if (got === TOTAL) {
        const rate = (TOTAL - 1) / ((performance.now() - t0) / 1000);
        // Leave with an empty, expired session: the later phases do not queue for it.
        c.end(true, { properties: { sessionExpiryInterval: 0 } }, () => resolve(rate));
      }
    });
  });
  return done;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, i.e. 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** (b), (c): `ids` central instances drain the queued load into their own database. */
async function central(ids: string[], database: string): Promise<{ rate: number; stored: number; perCpuS: number }> {
  const group = `bench-${ids.length}`;
  const start = (id: string): Promise<InstanceProcess> =>
    startInstance({
      id,
      dir: path.join(dir, group),
      brokerUrl: broker.url,
      influxUrl,
      database,
      extra: { group, adoptPeers: false },
      config: { store: { kind: 'influx', url: `${influxUrl}/${database}`, writer: { batchSize: 5_000, flushMs: 200 } } },
    });
  // Sessions first (their shared subscriptions), then stopped: the load waits in them.
  let instances = await Promise.all(ids.map(start));
  await sleep(1_500);
  await Promise.all(instances.map((i) => i.kill('SIGTERM')));
  await preload(Date.now() - 6 * 3_600_000 + ids.length * 3_600_000);
  instances = await Promise.all(ids.map(start));
  const cpu0 = instances.map((i) => cpuSeconds(i.child.pid));
  let first: { t: number; n: number } | null = null;
  let n = 0;
  const deadline = Date.now() + 180_000;
  for (;;) {
    n = await countIn(database);
    const t = performance.now();
    if (n > 0 && first === null) first = { t, n };
    if (n >= TOTAL || Date.now() > deadline) break;
    await sleep(200);
  }
  const rate = first && n > first.n ? (n - first.n) / ((performance.now() - first.t) / 1000) : 0;
  // What one instance costs per message, whatever else shares the cores: messages per CPU second.
  const cpu = instances.reduce((sum, i, k) => sum + cpuSeconds(i.child.pid) - (cpu0[k] ?? 0), 0);
  const perCpuS = cpu > 0 ? n / cpu : 0;
  if (n < TOTAL) {
    // Why an instance did not drain: its warnings and errors.
    for (const i of instances) {
      const lines = i.log().split('\n').filter((l) => /"level":(40|50|60)/.test(l));
      console.log(`  instance log (warnings and errors, last 15 of ${lines.length}):\n${lines.slice(-15).map((l) => `    ${l.slice(0, 300)}`).join('\n')}`);
    }
  }
  await Promise.all(instances.map((i) => i.kill('SIGTERM')));
  await fetch(`${influxUrl}/query?q=${encodeURIComponent(`DROP DATABASE "${database}"`)}`, { method: 'POST' });
  return { rate, stored: n, perCpuS };
}

let failed = false;
try {
  const stamp = `${process.pid}_${Date.now()}`;
  console.log(`central: ${TOTAL} telemetry messages from ${VILLAGES} village uplinks × ${DEVICES} devices, QoS 1, Mosquitto → InfluxDB`);
  const baseline = await bare();
  console.log(`  bare shared subscriber (baseline)       ${baseline.toFixed(0).padStart(7)} msg/s`);
  const one = await central(['a'], `bench_central1_${stamp}`);
  console.log(`  1 central instance → InfluxDB           ${one.rate.toFixed(0).padStart(7)} msg/s   stored ${one.stored}/${TOTAL}   ${((one.rate / baseline) * 100).toFixed(0)} % of bare   ${one.perCpuS.toFixed(0)} msg per CPU second`);
  const two = await central(['a', 'b'], `bench_central2_${stamp}`);
  const scale = two.rate / one.rate;
  console.log(`  2 central instances → InfluxDB          ${two.rate.toFixed(0).padStart(7)} msg/s   stored ${two.stored}/${TOTAL}   ${(two.rate / 2).toFixed(0)} msg/s per instance   ${two.perCpuS.toFixed(0)} msg per CPU second`);
  console.log(`  scale-out 1 → 2 instances               ${scale.toFixed(2)} ×   (target ≥ ${MIN_SCALE})`);
  if (one.stored !== TOTAL || two.stored !== TOTAL) {
    console.log(`  FAIL: readings lost (stored ${one.stored} and ${two.stored} of ${TOTAL})`);
    failed = true;
  }
  // Two instances can only double with a core each beside the broker and InfluxDB: on fewer cores the
  // figure measures the machine, and the cost per message (per CPU second) tells what a core carries.
  const cores = cpus().length;
  if (scale < MIN_SCALE && cores >= 4) {
    console.log(`  FAIL: 2 instances reach ${scale.toFixed(2)} × one, under ${MIN_SCALE} ×`);
    failed = true;
  } else if (scale < MIN_SCALE) {
    console.log(`  scale-out not judged: ${cores} cores shared by Mosquitto, InfluxDB, the publishers and the instances`);
  }
} finally {
  await broker.stop();
  await influxd?.stop();
  await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
