import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WriterConfig } from '../../hub/config/schema.js';
import { Counters } from '../../hub/core/counters.js';
import { createLogger } from '../../hub/core/log.js';
import type { MetricPoint, MetricStore } from '../../hub/store/types.js';
import { MetricWriter, type WriterOptions } from '../../hub/store/writer.js';
import { avail, ev, tel } from './contract.js';
import { FakeStore, T0 } from './fake-store.js';

const log = createLogger('silent');
const fast: WriterOptions = { retryMinMs: 10, retryMaxMs: 40 };

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const point = (i: number) => tel(`ap-${i % 3}`, T0 + i, { clients: i });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spoolFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^wal-\d+\.log$/.test(f));
}

/** Every point in the spool's files, in file order (`ts - T0`). */
function onDisk(dir: string): number[] {
  return spoolFiles(dir)
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l.slice(l.indexOf('\t') + 1)) as MetricPoint).ts - T0);
}

describe('MetricWriter', () => {
  let dir: string;
  let store: FakeStore;
  let counters: Counters;
  const writers: MetricWriter[] = [];

  function make(cfg: Partial<WriterConfig>, opts: WriterOptions = fast, s: MetricStore = store): MetricWriter {
    const w = new MetricWriter(s, { batchSize: 10, flushMs: 60_000, maxQueued: 1_000, ...cfg }, dir, log, counters, { spool: { maxBytes: 1 << 30 }, ...opts });
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

  it('writes full batches as soon as batchSize points are queued, and after a full batch what waits at once (flushMs is a minute here)', async () => {
    const w = make({ batchSize: 10 });
    w.start();
    for (const i of range(25)) w.add(point(i));
    await expect.poll(() => store.batches.length, { timeout: 5_000 }).toBe(3);
    expect(store.batches.map((b) => b.length)).toEqual([10, 10, 5]);
    await w.flush();
    expect(store.batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(store.written).toEqual(range(25));
    expect(w.stats()).toMatchObject({ queued: 0, spooled: 0, written: 25, lastError: null });
    expect(counters.get('store.written')).toBe(25);
    // The burst is over: a few points wait for flushMs again.
    for (const i of range(3)) w.add(point(100 + i));
    await new Promise((r) => setTimeout(r, 300));
    expect(store.batches).toHaveLength(3);
    expect(w.stats().queued).toBe(3);
  });

  it('writes a partial batch once flushMs has passed', async () => {
    const w = make({ batchSize: 1_000, flushMs: 30 });
    w.start();
    for (const i of range(3)) w.add(point(i));
    expect(store.batches).toHaveLength(0);
    await expect.poll(() => store.written, { timeout: 2_000, interval: 10 }).toEqual([0, 1, 2]);
    expect(store.batches).toHaveLength(1);
  });

  it('keeps only moments of points in memory while the store is down, then writes every point', async () => {
    const cfg = { batchSize: 50, flushMs: 20, maxQueued: 200 };
    const w = make(cfg, { ...fast, segmentBytes: 120 * 80 });
    w.start();
    store.down = true;
    let maxQueued = 0;
    for (const i of range(2_000)) {
      w.add(point(i));
      if (i % 100 === 99) {
        await sleep(25);
        maxQueued = Math.max(maxQueued, w.stats().queued);
      }
    }
    // Points leave memory as soon as they are on disk: what is left is the last commit's worth.
    expect(maxQueued).toBeLessThanOrEqual(cfg.maxQueued);
    expect(spoolFiles(dir).length).toBeGreaterThan(5);
    await w.flush();
    expect(w.stats().spooled).toBe(2_000);
    expect(w.stats().lastError).toMatch(/ECONNREFUSED/);
    expect(counters.get('store.write_errors')).toBeGreaterThan(0);
    expect(counters.get('store.spooled')).toBeGreaterThan(0);
    expect(store.batches).toHaveLength(0);

    store.down = false;
    for (const i of range(500, 2_000)) w.add(point(i)); // newer points arrive during the replay
    await expect.poll(() => store.distinct.length, { timeout: 10_000, interval: 20 }).toBe(2_500);
    expect(store.distinct).toEqual(range(2_500)); // none lost
    await expect.poll(() => w.stats(), { timeout: 5_000 }).toMatchObject({ queued: 0, spooled: 0 });
    expect(counters.get('store.replayed')).toBeGreaterThan(0);
    await w.stop();
    expect(spoolFiles(dir)).toEqual([]);
  });

  it('loses nothing through a store that keeps failing now and then', async () => {
    const w = make({ batchSize: 25, flushMs: 5, maxQueued: 100 }, { ...fast, segmentBytes: 40 * 80 });
    store.failIf = (n) => n % 3 === 0 || (n > 20 && n < 30);
    w.start();
    for (const i of range(3_000)) {
      w.add(point(i));
      if (i % 37 === 0) await sleep(1);
    }
    await expect.poll(() => store.distinct.length, { timeout: 15_000, interval: 20 }).toBe(3_000);
    expect(store.distinct).toEqual(range(3_000));
    await w.stop();
    expect(spoolFiles(dir)).toEqual([]);
  });

  it('flush() resolves while the store is down, with everything on disk in order', async () => {
    const w = make({ batchSize: 50, maxQueued: 1_000 });
    w.start();
    store.down = true;
    for (const i of range(120)) w.add(point(i));
    await w.flush();
    expect(w.stats()).toMatchObject({ queued: 0, spooled: 120, written: 0 });
    expect(onDisk(dir)).toEqual(range(120));
  });

  it('a point is on disk before its message is answered, and a new run after a crash writes it', async () => {
    store.down = true;
    const first = make({ batchSize: 1_000, maxQueued: 1_000 }, { ...fast, spool: { syncEveryMs: 20 } });
    first.start();
    const seen: number[][] = [];
    for (const i of range(50)) {
      const from = first.nextSeq;
      first.add(point(i));
      first.whenStored(from, first.nextSeq - 1, (err) => {
        expect(err).toBeUndefined();
        seen.push(onDisk(dir)); // read the moment the answer goes out
      });
    }
    expect(seen).toHaveLength(0); // nothing is answered before the sync
    await expect.poll(() => seen.length, { timeout: 2_000 }).toBe(50);
    for (const [k, disk] of seen.entries()) expect(disk).toContain(k);
    // The process dies here: no stop(), nothing flushed. A new run on the same folder writes it all.
    writers.splice(writers.indexOf(first), 1);
    const fresh = new FakeStore();
    const second = make({ batchSize: 40, flushMs: 20 }, fast, fresh);
    second.start();
    await expect.poll(() => fresh.distinct, { timeout: 5_000 }).toEqual(range(50));
  });

  it('replays a spool left by a previous run, and survives a torn last line', async () => {
    store.down = true;
    const first = make({ batchSize: 40, maxQueued: 100 });
    first.start();
    for (const i of range(300)) first.add(point(i));
    await first.stop();
    expect(first.stats()).toMatchObject({ queued: 0, spooled: 300 });
    const files = spoolFiles(dir).sort();
    expect(files.length).toBeGreaterThan(0);
    appendFileSync(join(dir, files[files.length - 1]!), '300\t{"measurement":"telemetry","vill'); // crash mid-line

    const fresh = new FakeStore();
    const second = make({ batchSize: 40, flushMs: 20, maxQueued: 100 }, fast, fresh);
    second.start();
    for (const i of range(10, 300)) second.add(point(i));
    await second.flush();
    expect(fresh.distinct).toEqual(range(310));
    await second.stop();
    expect(spoolFiles(dir)).toEqual([]);
  });

  it('writes a spool an older version left (JSON lines) and removes it', async () => {
    const old = [tel('ap-1', T0, { clients: 1 }), ev('ap-1', T0 + 1, 'boot'), avail('ap-1', T0 + 2, 'offline')];
    writeFileSync(join(dir, 'spool-0.jsonl'), old.map((p) => JSON.stringify(p)).join('\n') + '\n');
    const w = make({ batchSize: 10, flushMs: 20 });
    w.start();
    await expect.poll(() => store.batches.flat(), { timeout: 5_000 }).toEqual(old);
    await expect.poll(() => readdirSync(dir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
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
    expect(new Set(fresh.batches.flat())).toEqual(new Set([...points, next]));
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
    for (const i of range(500)) {
      expect(() => w.add(point(i))).not.toThrow();
      if (i % 50 === 49) await sleep(15);
    }
    await w.flush();
    expect(w.stats().queued).toBeLessThanOrEqual(50);
    expect(counters.get('store.dropped')).toBeGreaterThan(0);
    expect(w.stats().spool.diskError).toMatch(/ENOTDIR|EEXIST|not a directory/i);
  });
});
