import { afterAll, describe, expect, it } from 'vitest';
import { startSimulatedCamera, type SimulatedCamera } from '../../../devices/onvif-camera/simulator/index.js';
import { driverFor, PASS, USER, type TestCheck } from './helpers.js';

/**
 * Many simulated cameras in one process, each checked by its own driver instance, all at once: what a
 * village hub does every interval. Prints the figures (wall time, per-check latency, CPU) so a slow
 * change shows up; bounds are on CPU, not wall time, because the machine is shared.
 * LANGSO_CAM_SCALE=200 for the benchmark figure; the suite runs 50.
 */
const N = Number(process.env.LANGSO_CAM_SCALE ?? 50);

const cams: SimulatedCamera[] = [];
const checks: TestCheck[] = [];
afterAll(async () => {
  await Promise.all(checks.map((c) => c.dispose()));
  await Promise.all(cams.map((c) => c.close()));
});

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function round(label: string, full: boolean): Promise<{ wallMs: number; cpuMs: number; p50: number; p95: number; max: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const latencies = await Promise.all(
    checks.map(async (c) => {
      const s = performance.now();
      const r = await c.instance.check(AbortSignal.timeout(120_000));
      expect(r.down).toBeUndefined();
      // A light check reports no stream (an analysis still running in the first round may add its snapshot fields).
      expect(r.fields.streamOk).toBe(full ? true : undefined);
      return performance.now() - s;
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  latencies.sort((a, b) => a - b);
  const out = { wallMs, cpuMs, p50: pct(latencies, 50), p95: pct(latencies, 95), max: latencies.at(-1) ?? 0 };
  console.log(
    `[onvif-camera scale] ${label}: ${N} checks in ${wallMs.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU ` +
      `(${(cpuMs / N).toFixed(2)} ms CPU per check, simulator included); latency p50 ${out.p50.toFixed(0)} ms, ` +
      `p95 ${out.p95.toFixed(0)} ms, max ${out.max.toFixed(0)} ms`,
  );
  return out;
}

describe(`${N} simulated cameras in one process`, () => {
  it('start cheaply, idle without CPU, and all pass one check each', async () => {
    const m0 = process.memoryUsage().rss;
    const t0 = performance.now();
    // No scene given: the cameras share one, so its 12 JPEGs are encoded once for the whole fleet.
    for (let i = 0; i < N; i++) cams.push(await startSimulatedCamera({ name: `Camera ${i}`, username: USER, password: PASS }));
    const startMs = performance.now() - t0;
    const idle0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 500));
    const idle = process.cpuUsage(idle0);
    const idleMs = (idle.user + idle.system) / 1000;
    console.log(
      `[onvif-camera scale] started ${N} simulators in ${startMs.toFixed(0)} ms, ` +
        `+${((process.memoryUsage().rss - m0) / 1e6).toFixed(0)} MB RSS; idle CPU ${idleMs.toFixed(1)} ms over 500 ms`,
    );
    expect(idleMs).toBeLessThan(100);

    // Full checks every 12 s here (the second one up to 6 s early, at random), so that the second
    // round is a light one and the third, 12 s after the first, a full one.
    for (const cam of cams) checks.push(await driverFor(cam, { intervalS: 1, fullEveryS: 12, timeoutS: 60 }));
    const first = await round('first check (ONVIF init: 12 SOAP requests, then RTSP + snapshot)', true);
    const t1 = performance.now();
    const light = await round('light check (1 SOAP request)', false);
    await new Promise((r) => setTimeout(r, Math.max(0, 12_000 - (performance.now() - t1))));
    const full = await round('steady full check (2 SOAP + RTSP + snapshot)', true);
    // Measured about 37, 3 and 10 ms of CPU per check (client and simulator together).
    expect(first.cpuMs / N).toBeLessThan(150);
    expect(light.cpuMs / N).toBeLessThan(30);
    expect(full.cpuMs / N).toBeLessThan(60);

    // One camera alone, steady state: the latency a single check adds.
    const one = checks[0];
    if (!one) throw new Error('no camera');
    const solo: number[] = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      await one.instance.check(AbortSignal.timeout(5_000));
      solo.push(performance.now() - s);
    }
    solo.sort((a, b) => a - b);
    console.log(`[onvif-camera scale] one camera alone: check latency p50 ${pct(solo, 50).toFixed(1)} ms, max ${solo.at(-1)?.toFixed(1)} ms`);
  }, 300_000);
});
