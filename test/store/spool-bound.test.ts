import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Counters } from '../../hub/core/counters.js';
import { createLogger } from '../../hub/core/log.js';
import type { MetricPoint } from '../../hub/store/types.js';
import { MetricWriter, type WriterOptions } from '../../hub/store/writer.js';
import { avail, ev, tel } from './contract.js';
import { FakeStore, T0 } from './fake-store.js';

const log = createLogger('silent');
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Point i of a village's stream: mostly telemetry, every 7th an availability transition, every 11th a device event. */
function mixed(i: number): MetricPoint {
  if (i % 7 === 3) return avail(`ap-${i % 3}`, T0 + i, i % 2 === 0 ? 'online' : 'offline');
  if (i % 11 === 5) return ev(`cam-${i % 2}`, T0 + i, 'motion');
  return tel(`ap-${i % 3}`, T0 + i, { clients: i });
}

const isTelemetry = (i: number) => mixed(i).measurement === 'telemetry';

/** Adds point(i) for each i, flushing every 20 (the spool grows a batch at a time) and after the last. */
async function addFlushing(w: MetricWriter, indexes: number[], point: (i: number) => MetricPoint = mixed): Promise<void> {
  for (const i of indexes) {
    w.add(point(i));
    if (i % 20 === 19) await w.flush();
  }
  await w.flush();
}

/** `ts - T0` of what the store got, by measurement. */
function writtenBy(store: FakeStore, telemetry: boolean): number[] {
  const ts = store.batches.flat().filter((p) => (p.measurement === 'telemetry') === telemetry).map((p) => p.ts - T0);
  return [...new Set(ts)].sort((a, b) => a - b);
}

/**
 * The spool's bounds (docs/durability.md): over `maxBytes` or past `maxAgeS`, the oldest telemetry is
 * dropped and counted; availability transitions and device events stay as long as any telemetry can go.
 */
describe('spool bound', () => {
  let dir: string;
  let store: FakeStore;
  let counters: Counters;
  const writers: MetricWriter[] = [];

  function make(opts: WriterOptions): MetricWriter {
    const w = new MetricWriter(store, { batchSize: 20, flushMs: 20, maxQueued: 100 }, dir, log, counters, { retryMinMs: 10, retryMaxMs: 40, ...opts });
    writers.push(w);
    return w;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'langso-spool-bound-'));
    store = new FakeStore();
    counters = new Counters();
  });
  afterEach(async () => {
    for (const w of writers.splice(0)) await w.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('over maxBytes, the oldest telemetry goes first and is counted; every transition and event is kept', async () => {
    const maxBytes = 40_000;
    const segmentBytes = 2_000;
    const w = make({ spool: { maxBytes }, segmentBytes });
    w.start();
    store.down = true;
    const n = 600;
    await addFlushing(w, range(n));
    // The bound is kept: at most one segment over it (the one being written is never cut short).
    await expect.poll(() => w.stats().spool.bytes, { timeout: 5_000 }).toBeLessThanOrEqual(maxBytes + segmentBytes);
    await w.trimmed();
    const s = w.stats().spool;
    expect(s.droppedTelemetry).toBeGreaterThan(0);
    expect(s.droppedEvents).toBe(0);
    expect(counters.get('store.spool_dropped.telemetry')).toBe(s.droppedTelemetry);
    expect(counters.get('store.spool_dropped.events')).toBe(0);

    store.down = false;
    await expect.poll(() => w.stats(), { timeout: 10_000 }).toMatchObject({ queued: 0, spooled: 0, failing: false });
    // Every transition and event reached the store.
    expect(writtenBy(store, false)).toEqual(range(n).filter((i) => !isTelemetry(i)));
    // The telemetry missing is exactly what was counted, and it is the oldest.
    const kept = writtenBy(store, true);
    const lost = range(n).filter((i) => isTelemetry(i) && !kept.includes(i));
    expect(lost.length).toBe(s.droppedTelemetry);
    expect(Math.max(...lost)).toBeLessThan(Math.min(...kept));
  });

  it('with no telemetry left to drop, the oldest transitions go, counted apart', async () => {
    const maxBytes = 6_000;
    const w = make({ spool: { maxBytes }, segmentBytes: 1_500 });
    w.start();
    store.down = true;
    const n = 300;
    await addFlushing(w, range(n), (i) => avail(`ap-${i % 3}`, T0 + i, i % 2 === 0 ? 'online' : 'offline'));
    await expect.poll(() => w.stats().spool.droppedEvents, { timeout: 5_000 }).toBeGreaterThan(0);
    await expect.poll(() => w.stats().spool.bytes, { timeout: 5_000 }).toBeLessThanOrEqual(maxBytes + 1_500);
    await w.trimmed();
    const s = w.stats().spool;
    expect(s.droppedTelemetry).toBe(0);
    expect(counters.get('store.spool_dropped.events')).toBe(s.droppedEvents);

    store.down = false;
    await expect.poll(() => w.stats(), { timeout: 10_000 }).toMatchObject({ queued: 0, spooled: 0 });
    const kept = writtenBy(store, false);
    // The newest are kept, the oldest went: what is left is the tail of the stream.
    expect(kept).toEqual(range(n - s.droppedEvents, s.droppedEvents));
  });

  it('telemetry older than maxAgeS leaves the backlog; transitions and events of that age stay', async () => {
    let now = T0;
    const maxAgeS = 3_600;
    const w = make({ spool: { maxBytes: 1 << 30, maxAgeS }, segmentBytes: 2_000, now: () => now });
    w.start();
    store.down = true;
    const old = 200;
    await addFlushing(w, range(old));
    expect(w.stats().spool.droppedTelemetry).toBe(0);

    // An hour and a bit later the outage goes on: the next commit finds the old segments past their age.
    now += maxAgeS * 1000 + 1_000;
    await addFlushing(w, range(40, old));
    await expect.poll(() => w.stats().spool.droppedTelemetry, { timeout: 5_000 }).toBeGreaterThan(0);
    await w.trimmed();
    const dropped = w.stats().spool.droppedTelemetry;
    expect(w.stats().spool.droppedEvents).toBe(0);

    store.down = false;
    await expect.poll(() => w.stats(), { timeout: 10_000 }).toMatchObject({ queued: 0, spooled: 0 });
    expect(writtenBy(store, false)).toEqual(range(old + 40).filter((i) => !isTelemetry(i)));
    const kept = writtenBy(store, true);
    const lost = range(old).filter((i) => isTelemetry(i) && !kept.includes(i));
    expect(lost.length).toBe(dropped);
    // Only old telemetry went: everything appended after the clock moved on is there.
    for (const i of range(40, old)) if (isTelemetry(i)) expect(kept).toContain(i);
    expect(counters.get('store.spool_dropped.telemetry')).toBe(dropped);
  });
});
