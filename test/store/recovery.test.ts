import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Counters } from '../../hub/core/counters.js';
import { createLogger } from '../../hub/core/log.js';
import type { MetricPoint } from '../../hub/store/types.js';
import { MetricWriter } from '../../hub/store/writer.js';
import { tel } from './contract.js';
import { FakeStore, T0 } from './fake-store.js';

const LIVE = T0 + 10_000_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A store that notes when each point reached it (by `ts`). */
class TimedStore extends FakeStore {
  readonly at = new Map<number, number>();
  override async write(points: readonly MetricPoint[]): Promise<void> {
    await super.write(points);
    const now = Date.now();
    for (const p of points) if (!this.at.has(p.ts)) this.at.set(p.ts, now);
  }
}

let dir = '';
let writer: MetricWriter | null = null;
let timer: NodeJS.Timeout | null = null;
afterEach(async () => {
  if (timer) clearInterval(timer);
  await writer?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Fast recovery (docs/durability.md): after a long outage the retry backoff may be far off, but the store
 * is probed meanwhile, so the backlog starts within seconds of its return; live points and backlog batches
 * take turns, live first, so what happens now is not held behind the backlog. Bounds are loose on purpose:
 * the precise figures are the benchmark's.
 */
it('the backlog starts soon after the store returns, drains several times faster than live, live first', { timeout: 60_000 }, async () => {
  dir = mkdtempSync(join(tmpdir(), 'langso-recovery-'));
  const store = new TimedStore();
  store.delayMs = 5;
  // A retry delay of 60 s: what a long outage's doubling backoff reaches. Only the probe can start it early.
  const w = (writer = new MetricWriter(store, { batchSize: 1_000, flushMs: 200, maxQueued: 20_000 }, dir, createLogger('silent'), new Counters(), {
    retryMinMs: 60_000,
    retryMaxMs: 60_000,
    spool: { maxBytes: 1 << 30 },
  }));
  w.start();
  store.down = true;
  const backlog = 40_000;
  for (let i = 0; i < backlog; i++) {
    w.add(tel(`ap-${i % 5}`, T0 + i, { clients: i }));
    if (i % 2_000 === 1_999) await w.flush();
  }
  await w.flush();
  expect(w.stats().spooled).toBe(backlog);

  // Live traffic at 500 points a second, before and after the store returns.
  const added = new Map<number, number>();
  let k = 0;
  timer = setInterval(() => {
    for (let j = 0; j < 5; j++) {
      const ts = LIVE + k++;
      added.set(ts, Date.now());
      w.add(tel('ap-live', ts, { clients: k }));
    }
  }, 10);
  await sleep(1_500);
  const upAt = Date.now();
  store.down = false;

  await expect.poll(() => w.stats().spooled, { timeout: 30_000, interval: 50 }).toBe(0);
  await sleep(500);
  if (timer) clearInterval(timer);
  timer = null;
  const liveEnd = Date.now();

  const backlogTimes = [...store.at].filter(([ts]) => ts < LIVE).map(([, t]) => t);
  expect(backlogTimes.length).toBe(backlog);
  const firstBacklog = Math.min(...backlogTimes);
  const lastBacklog = Math.max(...backlogTimes);
  const startS = (firstBacklog - upAt) / 1000;
  // Live points that arrived once the store was back: how long each waited.
  const waits = [...added].filter(([, t]) => t >= firstBacklog && t <= liveEnd - 300).map(([ts, t]) => (store.at.get(ts) ?? Number.POSITIVE_INFINITY) - t);
  const liveRate = waits.length / ((liveEnd - 300 - firstBacklog) / 1000);
  const drainRate = backlog / Math.max(0.001, (lastBacklog - firstBacklog) / 1000);
  console.log(
    `backlog of ${backlog}: started ${startS.toFixed(2)} s after the store returned, drained at ${Math.round(drainRate)}/s against ${Math.round(liveRate)}/s live; ` +
      `longest live wait ${Math.max(...waits)} ms`,
  );
  expect(startS).toBeLessThan(5);
  expect(drainRate).toBeGreaterThan(5 * 500);
  expect(waits.length).toBeGreaterThan(0);
  expect(Math.max(...waits)).toBeLessThan(2_000);
});
