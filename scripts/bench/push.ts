/**
 * Push: a device's state change (its retained status over MQTT) → 100 logged-in socket.io dashboards.
 * The dashboards live in generator processes of their own (dashboard-worker.ts), each socket with the
 * session cookie of an admin logged in with POST /api/session; latency is from the MQTT publish to
 * each socket's `device:state` (wall-clock in both processes), p50/p95/max over every socket and change.
 * Baseline: bare aedes + a bare socket.io server in one process, sending each status message to every
 * socket as it arrives (bare-broker.ts --push), measured the same way in the same run.
 *
 *   node --import tsx scripts/bench/push.ts [--dashboards 100] [--changes 60] [--procs 2] [--cpu-prof DIR] [--no-build]
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { buildHub, startHubProcess } from './hub-process.js';
import { machineLine, record } from './report.js';
import { bareBroker } from './workers.js';

const { values } = parseArgs({
  options: {
    dashboards: { type: 'string', default: '100' },
    changes: { type: 'string', default: '60' },
    procs: { type: 'string', default: '2' },
    /** A folder: the hub runs with --cpu-prof and leaves its profile there. */
    'cpu-prof': { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
  strict: false,
});
const DASHBOARDS = Number(values.dashboards);
const CHANGES = Number(values.changes);
const PROCS = Number(values.procs);
const DEVICES = 10;
const here = path.dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.timeOrigin + performance.now();
const lines: string[] = [];
const say = (s: string) => {
  console.log(s);
  lines.push(s);
};

interface Arrival {
  device: string;
  state: string;
  at: number;
}

/** Connects the dashboards, makes CHANGES state changes one after another; every latency (ms). */
async function measure(mqttUrl: string, ioUrl: string, cookie: string | null): Promise<number[]> {
  const children: ChildProcess[] = [];
  const arrivals: Arrival[] = [];
  let wake: (() => void) | null = null;
  try {
    const ready: Array<Promise<void>> = [];
    for (let p = 0; p < PROCS; p++) {
      const child = fork(path.join(here, 'dashboard-worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      ready.push(
        new Promise((resolve, reject) => {
          child.on('message', (m: Arrival | { ready: true } | { error: string }) => {
            if ('ready' in m) resolve();
            else if ('error' in m) reject(new Error(m.error));
            else {
              arrivals.push(m);
              wake?.();
            }
          });
        }),
      );
      const sockets = Math.floor(DASHBOARDS / PROCS) + (p < DASHBOARDS % PROCS ? 1 : 0);
      child.send({ url: ioUrl, cookie, sockets });
    }
    await Promise.all(ready);
    const pub = await mqtt.connectAsync(mqttUrl, { clientId: 'bench-push', reconnectPeriod: 0 });
    const latencies: number[] = [];
    const state = new Map<string, string>();
    // Every device online first (not measured), so each change below is a real transition.
    for (let d = 0; d < DEVICES; d++) await pub.publishAsync(`langso/bench/pc-${d}/status`, '{"state":"online"}', { qos: 1, retain: true });
    await sleep(1_000);
    arrivals.length = 0;
    for (let k = 0; k < CHANGES; k++) {
      const device = `pc-${k % DEVICES}`;
      const next = state.get(device) === 'offline' ? 'online' : 'offline';
      state.set(device, next);
      const body = next === 'offline' ? '{"state":"offline","reason":"bench"}' : '{"state":"online"}';
      const sentAt = now();
      pub.publish(`langso/bench/${device}/status`, body, { qos: 1, retain: true });
      const deadline = performance.now() + 5_000;
      const got = () => arrivals.filter((a) => a.device === device && a.state === next);
      while (got().length < DASHBOARDS && performance.now() < deadline) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      const mine = got();
      if (mine.length < DASHBOARDS) throw new Error(`change ${k}: ${mine.length} of ${DASHBOARDS} dashboards got it within 5 s`);
      for (const a of mine) latencies.push(a.at - sentAt);
      arrivals.length = 0;
      // Changes spaced as a village's are (not a flood): the next once the last has landed, plus a pause.
      await sleep(100);
    }
    await pub.endAsync();
    return latencies;
  } finally {
    for (const c of children) if (c.connected) c.send({ stop: true });
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const summary = (xs: number[]) => ({ p50: pct(xs, 50), p95: pct(xs, 95), max: Math.max(...xs) });
const ms = (v: number) => `${v.toFixed(1)} ms`;

async function main(): Promise<void> {
  if (!values['no-build']) await buildHub();
  say(`push: ${CHANGES} state changes → ${DASHBOARDS} socket.io dashboards (in ${PROCS} processes), from the MQTT publish to each socket's device:state`);
  const bare = await bareBroker(true);
  let base: ReturnType<typeof summary>;
  try {
    base = summary(await measure(bare.url, bare.ioUrl!, null));
  } finally {
    await bare.stop();
  }
  say(`  bare aedes + bare socket.io        p50 ${ms(base.p50)}, p95 ${ms(base.p95)}, max ${ms(base.max)}   (baseline)`);
  const hub = await startHubProcess({
    doc: {
      villages: [{ id: 'bench', name: 'Bench' }],
      devices: Array.from({ length: DEVICES }, (_, d) => ({ id: `pc-${d}`, village: 'bench', name: `PC ${d}`, kind: 'pc', timeoutS: 600 })),
    },
    broker: { allowAnonymous: true },
    ...(typeof values['cpu-prof'] === 'string' ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] } : {}),
  });
  let h: ReturnType<typeof summary>;
  try {
    h = summary(await measure(hub.mqttUrl, hub.httpUrl, hub.cookie));
  } finally {
    await hub.stop();
  }
  say(`  hub, ${DASHBOARDS} logged-in dashboards     p50 ${ms(h.p50)}, p95 ${ms(h.p95)}, max ${ms(h.max)}   p50 ${(h.p50 / base.p50).toFixed(2)}×, p95 ${(h.p95 / base.p95).toFixed(2)}× the baseline`);
  say(`  goal p95 ≤ 50 ms: ${h.p95 <= 50 ? 'met' : 'MISSED'} (${ms(h.p95)})`);
  await record('push', lines, { 'baseline.p50': base.p50, 'baseline.p95': base.p95, 'hub.p50': h.p50, 'hub.p95': h.p95, 'hub.max': h.max });
}

console.log(machineLine());
await main();
