/**
 * Alert latency: the time from the moment a device dies to (a) its alert on a socket.io client and (b) the
 * webhook receiving the message, through a real hub with default alert settings, median and worst of
 * `--runs` deaths per path (default 50):
 *   - LWT: an mqtt.js device with a Last Will whose socket is destroyed (power cut);
 *   - heartbeat: a device sending telemetry every 2 s that falls silent, caught by the kind's default
 *     7 s timeout (the expected figure is timeoutS minus the time since its last message);
 *   - LWT of a device behind a parent that stays up: its alert waits alerts.dependencyGraceS (3 s).
 * Baseline in the same run: a bare aedes broker delivering the same Last Will to a bare mqtt.js subscriber.
 *
 *   node --import tsx scripts/bench/alerts.ts [--runs 50]     (under `npm run bench`: LANGSO_BENCH_ALERT_RUNS)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient } from 'socket.io-client';
import { stringify } from 'yaml';
import { parseConfig } from '../../hub/config/load.js';
import { defaultTimeoutS } from '../../hub/config/schema.js';
import { createLogger } from '../../hub/core/log.js';
import { createHub } from '../../hub/main.js';

// Not strict: `npm run bench -- …` hands every benchmark the same arguments.
const { values } = parseArgs({ options: { runs: { type: 'string' } }, strict: false });
const RUNS = Math.max(1, Math.floor(Number(values.runs ?? process.env.LANGSO_BENCH_ALERT_RUNS ?? 50)) || 50);
const GRACE_RUNS = Math.min(RUNS, 10);
const BEAT_MS = 2_000;
const VILLAGE = 'bench';
const HB_KIND = 'wifi-ap';
const HB_TIMEOUT_MS = defaultTimeoutS(HB_KIND) * 1000;
/** Heartbeat deaths are spread over this long, so their alerts do not all land at once. */
const HB_SPREAD_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Arrival times (performance.now()) by key, and promises for keys not arrived yet. */
class Arrivals {
  private readonly at = new Map<string, number>();
  private readonly waiting = new Map<string, () => void>();

  mark(key: string): void {
    if (this.at.has(key)) return;
    this.at.set(key, performance.now());
    this.waiting.get(key)?.();
    this.waiting.delete(key);
  }

  async wait(key: string, timeoutMs: number): Promise<number> {
    const known = this.at.get(key);
    if (known !== undefined) return known;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.waiting.set(key, resolve)),
      new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`no alert for ${key} within ${timeoutMs} ms`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    return this.at.get(key) as number;
  }
}

/** A device with an agent: says online, then telemetry every 2 s until it dies. */
class Device {
  client: MqttClient | null = null;
  lastSent = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: string,
    private readonly url: string,
    private readonly prefix: string,
  ) {}

  private topic(channel: string): string {
    return `${this.prefix}/${VILLAGE}/${this.id}/${channel}`;
  }

  async start(): Promise<void> {
    this.client = await mqtt.connectAsync(this.url, {
      clientId: `bench-${this.id}`,
      reconnectPeriod: 0,
      will: { topic: this.topic('status'), payload: Buffer.from('{"state":"offline","reason":"lwt"}'), qos: 1, retain: true },
    });
    this.client.on('error', () => undefined);
    await this.client.publishAsync(this.topic('status'), '{"state":"online"}', { qos: 1, retain: true });
    const beat = () => {
      this.lastSent = performance.now();
      this.client?.publish(this.topic('telemetry'), JSON.stringify({ clients: 3, rxBps: 1200 }), { qos: 0 });
    };
    // A random phase, so the fleet does not beat in step.
    this.timer = setTimeout(() => {
      beat();
      this.timer = setInterval(beat, BEAT_MS);
    }, Math.random() * BEAT_MS);
  }

  /** Power cut: the socket goes away without DISCONNECT, so the broker sends the Last Will. Returns when. */
  cutPower(): number {
    this.silence();
    const at = performance.now();
    this.client?.stream.destroy();
    return at;
  }

  /** Hung, or behind a dead link the TCP connection has not noticed: nothing more is sent. */
  silence(): number {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return performance.now();
  }

  async stop(): Promise<void> {
    this.silence();
    await this.client?.endAsync(true).catch(() => undefined);
  }
}

interface Sample {
  socket: number;
  webhook: number;
  /** Heartbeat: timeoutS minus the time since the last message at death. */
  expected?: number;
}

function stats(xs: number[]): { median: number; worst: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
  return { median, worst: s.at(-1) ?? NaN };
}

/** The baseline: a bare aedes broker delivering a destroyed client's Last Will to a subscriber. */
async function bareAedesLwt(runs: number): Promise<number[]> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const arrivals = new Arrivals();
  const sub = await mqtt.connectAsync(url, { clientId: 'bench-lwt-sub', reconnectPeriod: 0 });
  sub.on('message', (topic, payload) => {
    if (payload.toString().includes('offline')) arrivals.mark(topic);
  });
  await sub.subscribeAsync('base/+/+/status', { qos: 1 });
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const d = new Device(`base-${i}`, url, 'base');
    await d.start();
    await sleep(20);
    const died = d.cutPower();
    out.push((await arrivals.wait(`base/${VILLAGE}/base-${i}/status`, 5_000)) - died);
    await d.stop();
  }
  await sub.endAsync();
  await new Promise<void>((r) => broker.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
  return out;
}

async function startReceiver(arrivals: Arrivals): Promise<{ server: HttpServer; url: string }> {
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { change: string; alert: { device: string | null } };
      if (body.change === 'fired' && body.alert.device) arrivals.mark(body.alert.device);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` };
}

async function throughHub(): Promise<{ lwt: Sample[]; heartbeat: Sample[]; grace: Sample[]; graceS: number }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'langso-bench-alerts-'));
  const sockets = new Arrivals();
  const hooks = new Arrivals();
  const receiver = await startReceiver(hooks);
  const ids = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}-${i}`);
  const doc = {
    dataDir,
    logLevel: 'warn',
    // The bench's devices are anonymous clients: what is measured here is the alert path, not the login.
    broker: { host: '127.0.0.1', port: 0, wsPort: null, allowAnonymous: true },
    http: { host: '127.0.0.1', port: 0 },
    villages: [{ id: VILLAGE, name: 'Thôn Bench' }],
    devices: [
      ...ids('lwt', RUNS).map((id) => ({ id, village: VILLAGE, name: `Thiết bị ${id}`, kind: HB_KIND })),
      ...ids('hb', RUNS).map((id) => ({ id, village: VILLAGE, name: `Thiết bị ${id}`, kind: HB_KIND })),
      ...ids('gw', GRACE_RUNS).map((id) => ({ id, village: VILLAGE, name: `Bộ định tuyến ${id}`, kind: 'router' })),
      ...ids('cam', GRACE_RUNS).map((id, i) => ({ id, village: VILLAGE, name: `Camera ${id}`, kind: 'onvif-camera', parent: `gw-${i}` })),
    ],
    notify: {
      channels: [{ id: 'hook', type: 'webhook', url: receiver.url, secret: 'bench-secret-key' }],
      routes: [{ minSeverity: 'critical', channels: ['hook'] }],
    },
  };
  const config = parseConfig(stringify(doc), 'bench', {});
  const hub = createHub({ config, log: createLogger('warn') });
  await hub.start();
  const url = `mqtt://127.0.0.1:${hub.ports.mqtt}`;
  const prefix = config.broker.topicPrefix;
  const socket = ioClient(`http://127.0.0.1:${hub.ports.http}`, { transports: ['websocket'] });
  socket.on('alert', (e: { change: string; alert: { device: string | null } }) => {
    if (e.change === 'fired' && e.alert.device) sockets.mark(e.alert.device);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('hello', () => resolve());
    socket.once('connect_error', reject);
  });
  const devices = new Map(config.devices.map((d) => [d.id, new Device(d.id, url, prefix)]));
  const dev = (id: string) => devices.get(id) as Device;
  // Every configured device must speak within its timeout of the hub starting: all start now.
  await Promise.all([...devices.values()].map((d) => d.start()));
  const online = () => config.devices.every((d) => hub.ctx.devices.get({ village: VILLAGE, device: d.id })?.state === 'online');
  for (let i = 0; !online(); i++) {
    if (i > 500) throw new Error('devices did not all come online');
    await sleep(10);
  }
  const measure = async (id: string, died: number, timeoutMs: number): Promise<Sample> => ({
    socket: (await sockets.wait(id, timeoutMs)) - died,
    webhook: (await hooks.wait(id, timeoutMs)) - died,
  });

  try {
    // LWT, one at a time: nothing else competes with the alert being measured.
    const lwt: Sample[] = [];
    for (const id of ids('lwt', RUNS)) {
      lwt.push(await measure(id, dev(id).cutPower(), 5_000));
      await sleep(20);
    }

    // Behind a parent that stays up: deaths 400 ms apart, each alert waits the dependency grace.
    const grace = await Promise.all(
      ids('cam', GRACE_RUNS).map(async (id, i) => {
        await sleep(i * 400);
        return measure(id, dev(id).cutPower(), config.alerts.dependencyGraceS * 1000 + 5_000);
      }),
    );

    // Heartbeat: deaths spread over HB_SPREAD_MS at random phases of each device's 2 s beat.
    const spacing = HB_SPREAD_MS / RUNS;
    const heartbeat = await Promise.all(
      ids('hb', RUNS).map(async (id, i) => {
        await sleep(i * spacing);
        const d = dev(id);
        const died = d.silence();
        const expected = HB_TIMEOUT_MS - (died - d.lastSent);
        return { ...(await measure(id, died, HB_TIMEOUT_MS + 5_000)), expected };
      }),
    );
    return { lwt, heartbeat, grace, graceS: config.alerts.dependencyGraceS };
  } finally {
    socket.close();
    await Promise.all([...devices.values()].map((d) => d.stop()));
    await hub.stop();
    receiver.server.closeAllConnections();
    await new Promise<void>((r) => receiver.server.close(() => r()));
    await rm(dataDir, { recursive: true, force: true });
  }
}

const ms = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
const pair = (xs: number[]) => {
  const s = stats(xs);
  return `${ms(s.median).padStart(7)} / ${ms(s.worst).padEnd(7)}`;
};

console.log(`alerts: device death → alert, ${RUNS} runs per path (${GRACE_RUNS} behind a parent); median / worst in ms`);
const t0 = performance.now();
const base = await bareAedesLwt(RUNS);
const hub = await throughHub();
const col = (s: string) => s.padEnd(42);
console.log(`  ${col('path')}${'socket.io'.padEnd(19)}webhook`);
console.log(`  ${col('bare aedes: Last Will → subscriber')}${pair(base).padEnd(19)}—  (baseline)`);
console.log(`  ${col('hub: LWT, no parent')}${pair(hub.lwt.map((s) => s.socket)).padEnd(19)}${pair(hub.lwt.map((s) => s.webhook))}`);
console.log(`  ${col(`hub: LWT behind a live parent (grace ${hub.graceS} s)`)}${pair(hub.grace.map((s) => s.socket)).padEnd(19)}${pair(hub.grace.map((s) => s.webhook))}`);
console.log(`  ${col(`hub: heartbeat, ${HB_TIMEOUT_MS / 1000} s timeout, beat ${BEAT_MS / 1000} s`)}${pair(hub.heartbeat.map((s) => s.socket)).padEnd(19)}${pair(hub.heartbeat.map((s) => s.webhook))}`);
const b = stats(base).median;
const l = stats(hub.lwt.map((s) => s.socket)).median;
const lw = stats(hub.lwt.map((s) => s.webhook)).median;
console.log(`  LWT vs bare aedes (medians): socket +${ms(l - b)} ms (×${(l / b).toFixed(1)}), webhook +${ms(lw - b)} ms (×${(lw / b).toFixed(1)})`);
const beyond = (xs: Sample[]) => xs.map((s) => s.socket - (s.expected ?? 0));
console.log(
  `  heartbeat: expected = timeoutS − time since the last message = ${pair(hub.heartbeat.map((s) => s.expected ?? 0)).trim()} ms; ` +
    `socket beyond expected ${pair(beyond(hub.heartbeat)).trim()} ms`,
);
console.log(`  behind a parent: socket beyond the ${hub.graceS} s grace ${pair(hub.grace.map((s) => s.socket - hub.graceS * 1000)).trim()} ms`);
console.log(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
