import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WriterConfig } from '../../hub/config/schema.js';
import { Counters } from '../../hub/core/counters.js';
import { createLogger } from '../../hub/core/log.js';
import type { AvailabilityPoint, DeviceAvailability, EventPoint, MetricPoint, MetricStore, SeriesPoint } from '../../hub/store/types.js';
import { MetricWriter, type WriterOptions } from '../../hub/store/writer.js';
import { avail, ev, tel } from './contract.js';

const log = createLogger('silent');
const T0 = 1_700_000_000_000;
const fast: WriterOptions = { retryMinMs: 10, retryMaxMs: 40 };

/** A store that records successful batches and fails while `down` (or when `failIf` says so). */
class FakeStore implements MetricStore {
  readonly name = 'sqlite' as const;
  down = false;
  failIf: ((attempt: number) => boolean) | null = null;
  permanentIf: ((batch: readonly MetricPoint[]) => boolean) | null = null;
  attempts = 0;
  batches: MetricPoint[][] = [];

  async open(): Promise<void> {}
  async write(points: readonly MetricPoint[]): Promise<void> {
    this.attempts++;
    await new Promise((r) => setImmediate(r));
    if (this.down || this.failIf?.(this.attempts)) throw new Error('connect ECONNREFUSED 127.0.0.1:9');
    if (this.permanentIf?.(points)) throw Object.assign(new Error('400 bad point'), { permanent: true });
    this.batches.push([...points]);
  }
  /** Timestamps of everything written, in write order. */
  get written(): number[] {
    return this.batches.flat().map((p) => p.ts - T0);
  }
  async querySeries(): Promise<SeriesPoint[]> {
    return [];
  }
  async queryAvailability(): Promise<AvailabilityPoint[]> {
    return [];
  }
  async availabilityHistory(): Promise<DeviceAvailability[]> {
    return [];
  }
  async lastAvailability(): Promise<AvailabilityPoint[]> {
    return [];
  }
  async events(): Promise<EventPoint[]> {
    return [];
  }
  async countTelemetry(): Promise<number> {
    return new Set(this.written).size;
  }
  async ping(): Promise<boolean> {
    return !this.down;
  }
  async close(): Promise<void> {}
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const point = (i: number) => tel(`ap-${i % 3}`, T0 + i, { clients: i });

const seq = (file: string) => Number(/^spool-(-?\d+)\.jsonl$/.exec(file)?.[1]);

function spoolFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
}

describe('MetricWriter', () => {
  let dir: string;
  let store: FakeStore;
  let counters: Counters;
  const writers: MetricWriter[] = [];

  function make(cfg: Partial<WriterConfig>, opts: WriterOptions = fast, s: MetricStore = store): MetricWriter {
    const w = new MetricWriter(s, { batchSize: 10, flushMs: 60_000, maxQueued: 1_000, ...cfg }, dir, log, counters, opts);
    writers.push(w);
    return w;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'langso-writer-'));
    store = new FakeStore();
    counters = new Counters();
  });
  afterEach(async () => {
    for (const w of writers.splice(0)) await w.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes full batches as soon as batchSize points are queued', async () => {
    const w = make({ batchSize: 10 });
    w.start();
    for (const i of range(25)) w.add(point(i));
    await expect.poll(() => store.batches.length).toBe(2);
    expect(store.batches.map((b) => b.length)).toEqual([10, 10]);
    await w.flush();
    expect(store.batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(store.written).toEqual(range(25));
    expect(w.stats()).toMatchObject({ queued: 0, spooled: 0, written: 25, lastError: null });
    expect(counters.get('store.written')).toBe(25);
  });

  it('writes a partial batch once flushMs has passed', async () => {
    const w = make({ batchSize: 1_000, flushMs: 30 });
    w.start();
    for (const i of range(3)) w.add(point(i));
    expect(store.batches).toHaveLength(0);
    await expect.poll(() => store.written, { timeout: 2_000, interval: 10 }).toEqual([0, 1, 2]);
    expect(store.batches).toHaveLength(1);
  });

  it('spools to disk while the store is down, with bounded memory, then writes everything in order', async () => {
    const cfg = { batchSize: 50, flushMs: 20, maxQueued: 200 };
    const w = make(cfg, { ...fast, spoolFilePoints: 120 });
    w.start();
    store.down = true;
    let maxQueued = 0;
    for (const i of range(2_000)) {
      w.add(point(i));
      maxQueued = Math.max(maxQueued, w.stats().queued);
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(maxQueued).toBeLessThanOrEqual(cfg.maxQueued + cfg.batchSize);
    expect(spoolFiles(dir).length).toBeGreaterThan(5);
    expect(w.stats().spooled).toBeGreaterThanOrEqual(2_000 - cfg.maxQueued - cfg.batchSize);
    expect(w.stats().lastError).toMatch(/ECONNREFUSED/);
    expect(counters.get('store.write_errors')).toBeGreaterThan(0);
    expect(counters.get('store.spooled')).toBeGreaterThan(0);
    expect(store.batches).toHaveLength(0);

    store.down = false;
    for (const i of range(500, 2_000)) w.add(point(i)); // newer points arrive during the replay
    await expect.poll(() => w.stats().written, { timeout: 10_000, interval: 20 }).toBe(2_500);
    expect(store.written).toEqual(range(2_500)); // in order, none lost, none twice
    expect(spoolFiles(dir)).toEqual([]);
    expect(w.stats()).toMatchObject({ queued: 0, spooled: 0, written: 2_500 });
    expect(counters.get('store.replayed')).toBeGreaterThan(0);
  });

  it('keeps order through a store that keeps failing now and then', async () => {
    const w = make({ batchSize: 25, flushMs: 5, maxQueued: 100 }, { ...fast, spoolFilePoints: 40 });
    store.failIf = (n) => n % 3 === 0 || (n > 20 && n < 30);
    w.start();
    for (const i of range(3_000)) {
      w.add(point(i));
      if (i % 37 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await expect.poll(() => w.stats().written, { timeout: 15_000, interval: 20 }).toBe(3_000);
    expect(store.written).toEqual(range(3_000));
    expect(spoolFiles(dir)).toEqual([]);
  });

  it('flush() resolves while the store is down, with everything on disk in order', async () => {
    const w = make({ batchSize: 50, maxQueued: 1_000 });
    w.start();
    store.down = true;
    for (const i of range(120)) w.add(point(i));
    await w.flush();
    expect(w.stats()).toMatchObject({ queued: 0, spooled: 120, written: 0 });
    const lines = spoolFiles(dir)
      .sort((a, b) => seq(a) - seq(b))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
      .map((l) => (JSON.parse(l) as MetricPoint).ts - T0);
    expect(lines).toEqual(range(120));
  });

  it('replays a spool left by a previous run before new points, and survives a torn last line', async () => {
    store.down = true;
    const first = make({ batchSize: 40, maxQueued: 100 });
    first.start();
    for (const i of range(300)) first.add(point(i));
    await first.stop();
    expect(first.stats()).toMatchObject({ queued: 0, spooled: 300 });
    const files = spoolFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    appendFileSync(join(dir, files[files.length - 1]!), '{"measurement":"telemetry","vill'); // crash mid-line

    const fresh = new FakeStore();
    const second = make({ batchSize: 40, flushMs: 20, maxQueued: 100 }, fast, fresh);
    second.start();
    for (const i of range(10, 300)) second.add(point(i));
    await second.flush();
    expect(fresh.written).toEqual(range(310));
    expect(spoolFiles(dir)).toEqual([]);
  });

  it('spools device events with the other points while the store is away, and replays them after a restart', async () => {
    store.down = true;
    const first = make({ batchSize: 10, maxQueued: 20 });
    first.start();
    const points: MetricPoint[] = [
      tel('cam-1', T0, { rttMs: 4 }, 'dong-cam', 'onvif-camera'),
      ev('cam-1', T0 + 1, 'tamper', 'critical', 'Vỏ camera bị mở'),
      avail('cam-1', T0 + 2, 'offline', 'dong-cam', 'onvif-camera'),
      ev('cam-1', T0 + 3, 'boot'),
    ];
    for (const p of points) first.add(p);
    await first.stop();
    expect(first.stats()).toMatchObject({ queued: 0, spooled: 4 });

    const fresh = new FakeStore();
    const second = make({ batchSize: 10, flushMs: 20 }, fast, fresh);
    second.start();
    const next = ev('cam-1', T0 + 4, 'info', 'info', '{"firmware":"V5.7"}');
    second.add(next);
    await second.flush();
    expect(fresh.batches.flat()).toEqual([...points, next]);
  });

  it('stop() writes what is queued when the store is up', async () => {
    const w = make({ batchSize: 1_000 });
    w.start();
    for (const i of range(123)) w.add(point(i));
    await w.stop();
    expect(store.written).toEqual(range(123));
    expect(spoolFiles(dir)).toEqual([]);
  });

  it('drops a batch the store rejects for good and goes on', async () => {
    store.permanentIf = (b) => b.some((p) => p.ts - T0 === 15);
    const w = make({ batchSize: 10 });
    w.start();
    for (const i of range(30)) w.add(point(i));
    await w.flush();
    expect(store.written).toEqual([...range(10), ...range(10, 20)]);
    expect(counters.get('store.dropped')).toBe(10);
    expect(w.stats().lastError).toMatch(/bad point/);
  });

  it('add() never throws and memory stays bounded even when the spool folder is unusable', async () => {
    const blocker = join(dir, 'file');
    appendFileSync(blocker, 'x');
    store.down = true;
    const w = new MetricWriter(store, { batchSize: 10, flushMs: 60_000, maxQueued: 50 }, join(blocker, 'spool'), log, counters, fast);
    writers.push(w);
    w.start();
    for (const i of range(500)) expect(() => w.add(point(i))).not.toThrow();
    expect(w.stats().queued).toBeLessThanOrEqual(60);
    expect(counters.get('store.dropped')).toBeGreaterThan(0);
  });
});
