import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Counters } from '../../hub/core/counters.js';
import { createLogger } from '../../hub/core/log.js';
import { MetricWriter } from '../../hub/store/writer.js';
import { tel } from './contract.js';
import { FakeStore, T0 } from './fake-store.js';

let dir = '';
let writer: MetricWriter | null = null;
afterEach(async () => {
  await writer?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * A burst larger than `maxQueued` while the spool's group commit has not run yet: nothing in memory can go
 * to the backlog (it is not on disk) and nothing may be dropped (it will be). Each add used to scan and
 * copy the whole queue looking for something to move — 40 000 adds over a 20 000-point queue took
 * minutes and starved the event loop (a central instance stopped storing under a large queued backlog).
 * The bound is loose on purpose: the fixed writer takes well under a second here.
 */
it('a burst past maxQueued before the spool commits costs little per point, and every point is stored', { timeout: 120_000 }, async () => {
  dir = mkdtempSync(join(tmpdir(), 'langso-overflow-'));
  const store = new FakeStore();
  const w = (writer = new MetricWriter(store, { batchSize: 5_000, flushMs: 60_000, maxQueued: 20_000 }, dir, createLogger('silent'), new Counters(), {
    // No commit while the burst is added: the case of an event loop too busy to run the commit timer.
    spool: { maxBytes: 1 << 30, syncEveryMs: 60_000 },
  }));
  w.start();
  store.down = true; // the first batches fail: the queue only grows
  const n = 60_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) w.add(tel(`ap-${i % 40}`, T0 + i, { clients: i }));
  const addMs = performance.now() - t0;
  expect(addMs).toBeLessThan(10_000);
  store.down = false;
  await w.flush();
  await expect.poll(() => new Set(store.written).size, { timeout: 60_000, interval: 100 }).toBe(n);
});

/**
 * The same burst with the spool folder unusable and the store down: memory only holds maxQueued, the
 * oldest points go (counted) — in chunks, not by a scan of the whole queue for every point added.
 */
it('with neither the store nor the spool taking points, a burst stays bounded in memory at little cost per point', { timeout: 120_000 }, async () => {
  dir = mkdtempSync(join(tmpdir(), 'langso-overflow-'));
  const blocker = join(dir, 'file');
  writeFileSync(blocker, 'x');
  const store = new FakeStore();
  store.down = true;
  const counters = new Counters();
  const w = (writer = new MetricWriter(store, { batchSize: 5_000, flushMs: 60_000, maxQueued: 20_000 }, join(blocker, 'spool'), createLogger('silent'), counters, {
    retryMinMs: 60_000,
    retryMaxMs: 60_000,
  }));
  w.start();
  const n = 60_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    w.add(tel(`ap-${i % 40}`, T0 + i, { clients: i }));
    // Let the failing commits run now and then, as they would between MQTT packets.
    if (i % 1_000 === 999) await new Promise((r) => setTimeout(r, 0));
  }
  const addMs = performance.now() - t0;
  expect(addMs).toBeLessThan(10_000);
  expect(w.stats().queued).toBeLessThanOrEqual(20_000);
  expect(counters.get('store.dropped')).toBeGreaterThan(0);
});
