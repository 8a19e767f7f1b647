/**
 * The simulator's randomness and day-shape helpers. Each device kind's telemetry model (what it reports
 * over a village day, in wall-clock hours, with noise) lives in the kind's folder (sim-model.ts) and is
 * named by its descriptor, so the demo and benchmarks look like the real thing.
 */

/** What a simulated device publishes in one telemetry message. */
export type Fields = Record<string, number | boolean>;

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
