/**
 * Pollers: the hub checking N simulated ONVIF cameras and M simulated SNMP APs itself.
 *   (a) a hub polling every device at --interval (default 10 s) for --duration s: poll lag (worst,
 *       p99), checks/s and the hub process's CPU (every thread, image workers included);
 *   (b) the baseline: the same driver checks on the same schedule from a bare loop (driver
 *       create().check() under PollRunner, no MQTT, no hub), same window; prints "hub/bare CPU ratio";
 *   (c) a hub with the default poll settings (3 s interval, 2 s timeout, 1 retry, full checks every
 *       30 s): its CPU, then detection time: --kills cameras killed one at a time at random moments
 *       (fault `down`: connection refused) and --hang-kills made silent (fault `hang`, an unplugged
 *       cable), reporting the median and worst time until the hub's registry says `offline`.
 * The simulators run in a child process, so the CPU figures are the hub's (or the loop's) alone.
 * Usage: node --import tsx scripts/bench/pollers.ts [--cameras 200] [--aps 200] [--interval 10]
 *   [--duration 60] [--default-window 30] [--kills 20] [--hang-kills 10] [--snapshot 160x120]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { driverFor } from '../../devices/index.js';
import { onvifCameraDriver } from '../../devices/onvif-camera/driver.js';
import type { ImagePoolStats } from '../../devices/onvif-camera/image-pool.js';
import { startSimulatedCamera, type CameraFault, type SimulatedCamera } from '../../devices/onvif-camera/simulator/index.js';
import { PollRunner } from '../../devices/runner.js';
import { startSimulatedAp, type SimulatedAp } from '../../devices/wifi-ap/simulator.js';
import { systemClock } from '../../hub/core/clock.js';
import { parseConfig } from '../../hub/config/load.js';
import type { DeviceConfig, VillageConfig } from '../../hub/config/schema.js';
import { createLogger } from '../../hub/core/log.js';
import { createHub } from '../../hub/main.js';
import { percentile } from '../../hub/pollers/pollers.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '200' },
    aps: { type: 'string', default: '200' },
    interval: { type: 'string', default: '10' },
    duration: { type: 'string', default: '60' },
    'default-window': { type: 'string', default: '30' },
    kills: { type: 'string', default: '20' },
    'hang-kills': { type: 'string', default: '10' },
    snapshot: { type: 'string', default: '160x120' },
    child: { type: 'boolean', default: false },
  },
});
const CAMERAS = Number(values.cameras);
const APS = Number(values.aps);
const [SNAP_W, SNAP_H] = (values.snapshot.split('x').map(Number) as [number, number]);
const USER = 'admin';
const PASS = 'bench-pass';
const COMMUNITY = 'langso-bench';
const village: VillageConfig = { id: 'bench', name: 'Bench', timezone: 'Asia/Ho_Chi_Minh' };
const log = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cores = (cpu: NodeJS.CpuUsage, ms: number) => (cpu.user + cpu.system) / 1000 / ms;

type Ask = { type: 'fault'; index: number; fault: CameraFault | null } | { type: 'cpu' };
type ToChild = Ask & { id: number };
type FromChild =
  | { type: 'ready'; cams: string[]; aps: number[] }
  | { type: 'ack'; id: number; cpu?: NodeJS.CpuUsage };

/** The child: every simulator in one process, faults on request, until the parent goes away. */
async function runChild(): Promise<void> {
  const cams: SimulatedCamera[] = [];
  const aps: SimulatedAp[] = [];
  for (let i = 0; i < CAMERAS; i++) cams.push(await startSimulatedCamera({ name: `Bench ${i}`, username: USER, password: PASS, width: SNAP_W, height: SNAP_H }));
  for (let i = 0; i < APS; i++) {
    const ap = await startSimulatedAp({ community: COMMUNITY, clients: i % 40 });
    ap.set({ rxBps: 10_000 + i, txBps: 100_000 + i });
    aps.push(ap);
  }
  const send = (m: FromChild) => process.send?.(m);
  process.on('message', (m: ToChild) => {
    if (m.type === 'cpu') return void send({ type: 'ack', id: m.id, cpu: process.cpuUsage() });
    void cams[m.index]?.setFault(m.fault).then(() => send({ type: 'ack', id: m.id }));
  });
  process.on('disconnect', () => {
    void Promise.all([...cams.map((c) => c.close()), ...aps.map((a) => a.close())]).finally(() => process.exit(0));
  });
  send({ type: 'ready', cams: cams.map((c) => c.xaddr), aps: aps.map((a) => a.port) });
}

class Sims {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: FromChild & { type: 'ack' }) => void>();
  private constructor(
    private readonly child: ChildProcess,
    readonly ready: FromChild & { type: 'ready' },
  ) {
    child.on('message', (m: FromChild) => {
      if (m.type !== 'ack') return;
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
  }

  static async start(): Promise<Sims> {
    const args = ['--child', '--cameras', String(CAMERAS), '--aps', String(APS), '--snapshot', values.snapshot];
    const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await new Promise<FromChild & { type: 'ready' }>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`simulator process exited (${code})`)));
      child.on('message', (m: FromChild) => m.type === 'ready' && resolve(m));
    });
    return new Sims(child, ready);
  }

  private ask(m: Ask): Promise<FromChild & { type: 'ack' }> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ ...m, id });
    });
  }

  fault(index: number, fault: CameraFault | null): Promise<unknown> {
    return this.ask({ type: 'fault', index, fault });
  }

  async cpu(): Promise<NodeJS.CpuUsage> {
    return (await this.ask({ type: 'cpu' })).cpu ?? { user: 0, system: 0 };
  }

  stop(): void {
    this.child.disconnect();
  }
}

function fleet(sims: Sims, poll: Record<string, unknown>): DeviceConfig[] {
  const cams = sims.ready.cams.map((xaddr, i): DeviceConfig => ({
    id: `cam-${i}`,
    village: village.id,
    name: `Camera ${i}`,
    kind: 'onvif-camera',
    poll: { xaddr, username: USER, password: PASS, ...poll },
  }));
  const aps = sims.ready.aps.map((port, i): DeviceConfig => ({
    id: `ap-${i}`,
    village: village.id,
    name: `AP ${i}`,
    kind: 'wifi-ap',
    poll: { host: '127.0.0.1', port, community: COMMUNITY, ifName: 'wlan0', clientsPreset: 'openwrt', ...poll },
  }));
  return [...cams, ...aps];
}

interface Window {
  checks: number;
  failures: number;
  seconds: number;
  cpuCores: number;
  simCores: number;
  lags: number[];
  worstLagAllMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

async function measure(windowS: number, sims: Sims, counts: () => { runs: number; failures: number }, lags: (since: number) => number[]): Promise<Window> {
  const since = systemClock.now();
  const c0 = counts();
  const sim0 = await sims.cpu();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(windowS * 1000);
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  loop.disable();
  const sim = await sims.cpu();
  const c1 = counts();
  return {
    checks: c1.runs - c0.runs,
    failures: c1.failures - c0.failures,
    seconds: ms / 1000,
    cpuCores: cores(cpu, ms),
    simCores: cores({ user: sim.user - sim0.user, system: sim.system - sim0.system }, ms),
    lags: lags(since),
    worstLagAllMs: 0,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
  };
}

interface HubRun extends Window {
  online: number;
  image: ImagePoolStats | null;
  detection: { down: number[]; hang: number[] };
}

async function hubRun(sims: Sims, poll: Record<string, unknown>, windowS: number, kills: { down: number; hang: number }): Promise<HubRun> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'langso-bench-pollers-'));
  const devices = fleet(sims, poll);
  const doc = { dataDir, logLevel: 'silent', broker: { host: '127.0.0.1', port: 0, wsPort: null }, http: { host: '127.0.0.1', port: 0 }, villages: [village], devices };
  const hub = createHub({ config: parseConfig(stringify(doc), 'bench', {}), log });
  await hub.start();
  try {
    const state = (device: string) => hub.ctx.devices.get({ village: village.id, device })?.state;
    const online = () => devices.filter((d) => state(d.id) === 'online').length;
    const deadline = performance.now() + 90_000;
    while (online() < devices.length && performance.now() < deadline) await sleep(200);
    const up = online();
    // One more interval: every poller's first check (ONVIF init, interface lookup) stays out of the window.
    await sleep(Number(poll.intervalS ?? 3) * 1000);
    const w = await measure(windowS, sims, () => hub.pollers.stats(), (since) => hub.pollers.recentLags(since));
    w.worstLagAllMs = hub.pollers.stats().worstLagMs;
    const image = onvifCameraDriver.imageStats();

    const detect = async (fault: CameraFault, n: number, offset: number): Promise<number[]> => {
      const out: number[] = [];
      for (let k = 0; k < n && offset + k < CAMERAS; k++) {
        const i = offset + k;
        // A random moment relative to the poll schedule.
        await sleep(Math.random() * 3_000);
        const t0 = performance.now();
        await sims.fault(i, fault);
        while (state(`cam-${i}`) !== 'offline' && performance.now() - t0 < 20_000) await sleep(5);
        out.push((performance.now() - t0) / 1000);
        await sims.fault(i, null);
      }
      return out;
    };
    const down = await detect('down', kills.down, 0);
    const hang = await detect('hang', kills.hang, kills.down);
    return { ...w, online: up, image, detection: { down, hang } };
  } finally {
    await hub.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The same checks, same schedule, nothing else: drivers under PollRunner, results dropped. */
async function bareRun(sims: Sims, poll: Record<string, unknown>, windowS: number): Promise<Window> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'langso-bench-bare-'));
  const runners: PollRunner[] = [];
  const closers: Array<() => unknown> = [];
  try {
    for (const device of fleet(sims, poll)) {
      const driver = driverFor(device.kind);
      if (!driver) throw new Error(`no driver for ${device.kind}`);
      const settings = driver.configSchema.parse(device.poll);
      const inst = driver.create({ village, device, settings, log, clock: systemClock, dataDir: path.join(dataDir, device.id) });
      const runner = new PollRunner({ settings, check: inst.check, onResult: () => undefined });
      runner.start();
      runners.push(runner);
      closers.push(() => inst.close?.());
    }
    await sleep((Number(poll.intervalS ?? 3) * 2 + 2) * 1000);
    const stats = () => {
      const all = runners.map((r) => r.stats());
      return { runs: all.reduce((a, s) => a + s.runs, 0), failures: all.reduce((a, s) => a + s.failures, 0) };
    };
    const w = await measure(windowS, sims, stats, (since) => runners.flatMap((r) => r.recentLags(since)));
    w.worstLagAllMs = Math.max(0, ...runners.map((r) => r.stats().worstLagMs));
    return w;
  } finally {
    for (const r of runners) r.stop();
    await Promise.all(closers.map((c) => c()));
    await rm(dataDir, { recursive: true, force: true });
  }
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const median = (xs: number[]) => percentile(xs, 50);

function report(label: string, w: Window): void {
  console.log(`${label}`);
  console.log(`  window ${w.seconds.toFixed(0)} s: ${w.checks} checks (${(w.checks / w.seconds).toFixed(1)}/s), ${w.failures} failed`);
  console.log(`  poll lag: worst ${ms(Math.max(0, ...w.lags))}, p99 ${ms(percentile(w.lags, 99))} over ${w.lags.length} scheduled checks (worst since start-up ${ms(w.worstLagAllMs)})`);
  console.log(`  CPU: ${w.cpuCores.toFixed(3)} cores (every thread of this process); event loop delay p99 ${ms(w.loopP99Ms)}, max ${ms(w.loopMaxMs)}; simulators (child) ${w.simCores.toFixed(3)} cores`);
}

function imageLine(img: ImagePoolStats | null): void {
  if (img) console.log(`  snapshot analysis since start: ${img.analysed} analysed in the worker (${(img.workMs / 1000).toFixed(1)} s), ${img.busy} skipped (pool busy)`);
}

async function main(): Promise<void> {
  const interval = Number(values.interval);
  const duration = Number(values.duration);
  console.log(`\nPollers benchmark: ${CAMERAS} simulated cameras (ONVIF + RTSP + ${SNAP_W}×${SNAP_H} snapshots) + ${APS} simulated APs (SNMP v2c), in a child process`);
  const t0 = performance.now();
  const sims = await Sims.start();
  console.log(`  simulators up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  try {
    const fixed = { intervalS: interval };
    const hub = await hubRun(sims, fixed, duration, { down: 0, hang: 0 });
    report(`\n[hub] every device polled at intervalS ${interval} (${hub.online}/${CAMERAS + APS} online before the window)`, hub);
    imageLine(hub.image);
    const bare = await bareRun(sims, fixed, duration);
    report(`\n[bare loop] the same driver checks on the same schedule, no MQTT/hub`, bare);
    console.log(`\n  hub/bare CPU ratio: ${(hub.cpuCores / Math.max(bare.cpuCores, 1e-6)).toFixed(2)}`);

    const kills = { down: Number(values.kills), hang: Number(values['hang-kills']) };
    const def = await hubRun(sims, {}, Number(values['default-window']), kills);
    report(`\n[hub] default poll settings (intervalS 3, timeoutS 2, retries 1, fullEveryS 30; ${def.online} online)`, def);
    imageLine(def.image);
    for (const [name, xs] of [
      ['killed (fault down: connection refused)', def.detection.down],
      ['silenced (fault hang: no answer at all)', def.detection.hang],
    ] as const) {
      if (xs.length === 0) continue;
      console.log(`  detection, ${xs.length} cameras ${name}: median ${median(xs).toFixed(2)} s, worst ${Math.max(...xs).toFixed(2)} s  [${xs.map((x) => x.toFixed(1)).join(' ')}]`);
    }
  } finally {
    sims.stop();
  }
}

if (values.child) await runChild();
else await main();
