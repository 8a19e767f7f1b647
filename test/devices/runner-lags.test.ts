import { describe, expect, it } from 'vitest';
import { LAG_SAMPLES, PollRunner } from '../../devices/runner.js';
import { percentile } from '../../hub/pollers/pollers.js';

describe('poll lag samples', () => {
  it('keeps the lags of the recent scheduled runs, filtered by when they were due', async () => {
    const runner = new PollRunner({ settings: { intervalS: 0.02, timeoutS: 1, retries: 0 }, check: async () => ({ fields: {} }), onResult: () => undefined, random: () => 0 });
    const t0 = Date.now();
    runner.start();
    await new Promise((r) => setTimeout(r, 300));
    const mid = Date.now();
    await new Promise((r) => setTimeout(r, 200));
    runner.stop();
    const all = runner.recentLags();
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.length).toBeLessThanOrEqual(LAG_SAMPLES);
    expect(all.every((l) => l >= 0)).toBe(true);
    expect(runner.recentLags(mid).length).toBeLessThan(all.length);
    expect(runner.recentLags(mid).length).toBeGreaterThan(0);
    expect(runner.recentLags(t0 + 60_000)).toEqual([]);
  });

  it('percentile: nearest rank, 0 when empty', () => {
    expect(percentile([], 99)).toBe(0);
    expect(percentile([5], 99)).toBe(5);
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 100)).toBe(100);
  });
});
