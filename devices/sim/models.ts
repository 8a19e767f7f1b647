import type { DeviceConfig, DeviceKind } from '../../hub/config/schema.js';
import type { Fields } from './device.js';

/**
 * Telemetry models of the simulated fleet: what each kind reports over a village day (Asia/Ho_Chi_Minh
 * wall-clock hours), with noise, so the demo and benchmarks look like the real thing.
 */

/** Small deterministic PRNG (mulberry32) for reproducible runs and tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type Rng = ReturnType<typeof rng>;
export function rng(r: () => number) {
  return {
    r,
    uniform: (a: number, b: number): number => a + (b - a) * r(),
    /** Roughly normal noise with standard deviation `sd`. */
    noise: (sd: number): number => (r() + r() + r() - 1.5) * 2 * sd,
    pick: <T>(items: readonly T[]): T => items[Math.min(items.length - 1, Math.floor(r() * items.length))] as T,
  };
}

export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
export const round = (v: number, digits = 0): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** A bell around `center` o'clock, wrapping over midnight. */
export function bump(hour: number, center: number, width: number): number {
  const d = Math.min(Math.abs(hour - center), 24 - Math.abs(hour - center));
  return Math.exp(-((d / width) ** 2) / 2);
}

/** 0 at night, 1 in full daylight, ramps at dawn (5:30–7:00) and dusk (17:30–19:00). */
export function daylight(hour: number): number {
  return clamp(Math.min((hour - 5.5) / 1.5, (19 - hour) / 1.5), 0, 1);
}

export type Model = (ctx: { hour: number; uptimeS: number; everyS: number }) => Fields;

/** Where an AP stands decides when people gather around it. */
export function apDemand(device: DeviceConfig): (hour: number) => number {
  const text = `${device.id} ${device.name} ${device.location ?? ''}`.toLowerCase();
  if (text.includes('van-hoa') || text.includes('văn hóa') || text.includes('văn hoá')) {
    // A few staff and visitors in office hours; evenings 18–22 people come to do online administrative procedures.
    return (h) => 1.5 + 5 * clamp(Math.min(h - 7.5, 17.5 - h), 0, 1) + 28 * bump(h, 20, 1.6);
  }
  if (text.includes('the-thao') || text.includes('thể thao')) return (h) => 1 + 4 * bump(h, 6.5, 1) + 14 * bump(h, 17.5, 1.3);
  return (h) => 1 + 5 * bump(h, 7, 1.2) + 6 * bump(h, 18.5, 1.5);
}

export function wifiAp(g: Rng, device: DeviceConfig): Model {
  const demand = apDemand(device);
  let clients = demand(12);
  let primed = false;
  return ({ hour, uptimeS }) => {
    const target = demand(hour);
    // Phones come and go gradually; jump straight to the target on the first sample.
    clients = primed ? clamp(clients + (target - clients) * 0.3 + g.noise(0.5 + target * 0.08), 0, 80) : target;
    primed = true;
    const n = Math.round(clients);
    const txBps = Math.round(n * g.uniform(120_000, 600_000) + g.uniform(2_000, 20_000));
    const rxBps = Math.round(txBps * g.uniform(0.08, 0.25) + g.uniform(1_000, 5_000));
    return { clients: n, rxBps, txBps, uptimeS: Math.round(uptimeS) };
  };
}

export function camera(g: Rng): Model {
  const driftPerSample = g.uniform(-0.01, 0.01);
  let drift = g.uniform(-2, 2);
  let frozenLeft = 0;
  let luma = 128;
  let snapshotAgeS = 0;
  return ({ hour, everyS }) => {
    drift += driftPerSample + g.noise(0.01);
    if (frozenLeft > 0) frozenLeft--;
    else if (g.r() < 0.004) frozenLeft = 3 + Math.floor(g.r() * 8);
    const frozen = frozenLeft > 0;
    // Night means the IR mode's dark grey picture; a frozen stream keeps repeating its last frame.
    if (!frozen) luma = clamp(Math.round(25 + 115 * daylight(hour) + g.noise(8)), 0, 255);
    const streamOk = g.r() > 0.01;
    const snapshotOk = g.r() > 0.01;
    snapshotAgeS = snapshotOk ? g.uniform(0.2, 1) * everyS : snapshotAgeS + everyS;
    const spike = g.r() < 0.03 ? g.uniform(20, 150) : 0;
    const rttMs = round(g.uniform(2, 9) + spike, 1);
    return { rttMs, streamOk, snapshotOk, snapshotAgeS: round(snapshotAgeS, 1), clockDriftS: round(drift, 2), imageLuma: luma, frozen };
  };
}

export function meetingRoom(g: Rng): Model {
  let displayOffLeft = 0;
  return () => {
    // Someone switching the TV to another input lasts a while, not a single sample.
    if (displayOffLeft > 0) displayOffLeft--;
    else if (g.r() < 0.005) displayOffLeft = 2 + Math.floor(g.r() * 6);
    return { rttMs: round(g.uniform(1, 6), 1), codecOk: g.r() > 0.005, displayOk: displayOffLeft === 0, cameraOk: g.r() > 0.005 };
  };
}

export function pc(g: Rng): Model {
  let mem = g.uniform(40, 60);
  let diskFree = g.uniform(45, 70);
  return ({ hour, uptimeS }) => {
    const office = Math.max(bump(hour, 9.5, 1.5), bump(hour, 15, 1.5), 0.8 * bump(hour, 20, 1.5));
    const spike = g.r() < 0.05 ? g.uniform(0.2, 0.5) : 0;
    mem = clamp(mem + g.noise(1.5) + (45 + 25 * office - mem) * 0.1, 20, 95);
    diskFree = clamp(diskFree - g.r() * 0.002, 5, 100);
    const cpuLoad = round(clamp(0.04 + 0.35 * office + spike + g.noise(0.04), 0, 1), 2);
    return { cpuLoad, memUsedPct: round(mem, 1), diskFreePct: round(diskFree, 1), uptimeS: Math.round(uptimeS) };
  };
}

export function network(g: Rng, lo: number, hi: number): Model {
  return ({ uptimeS }) => ({ rttMs: round(g.uniform(lo, hi) + (g.r() < 0.02 ? g.uniform(10, 80) : 0), 1), uptimeS: Math.round(uptimeS) });
}

export const models: Record<DeviceKind, (g: Rng, device: DeviceConfig) => Model> = {
  'wifi-ap': wifiAp,
  'onvif-camera': camera,
  'meeting-room': meetingRoom,
  pc,
  router: (g) => network(g, 0.8, 4),
  switch: (g) => network(g, 0.3, 1.5),
  generic: (g) => network(g, 1, 10),
};

