import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../hub/core/clock.js';
import { repoModule, runScriptForJson } from '../helpers/cli.js';
import { COMPACT_FLAGS, DEFAULT_FLAGS, HeapTuning, LARGE_FLAGS, LARGE_HEAP_BYTES } from '../../hub/core/heap.js';

describe('HeapTuning (busy or quiet)', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('keeps the compact flags while quiet, gives V8 its defaults while busy, and again after a worker would reset them', () => {
    let messages = 0;
    const set: string[] = [];
    const heap = new HeapTuning({ clock: systemClock, messages: () => messages, busyPerS: 1_000, everyMs: 2_000, setFlags: (f) => set.push(f) });
    heap.start();
    expect(set).toEqual([COMPACT_FLAGS]);
    // 33 messages a second (1 000 devices every 30 s): quiet, the flags applied again on each tick.
    for (let i = 0; i < 3; i++) {
      messages += 66;
      vi.advanceTimersByTime(2_000);
    }
    expect(set).toEqual([COMPACT_FLAGS, COMPACT_FLAGS, COMPACT_FLAGS, COMPACT_FLAGS]);
    expect(heap.mode).toBe('compact');
    // A burst of 20 000 messages a second.
    messages += 40_000;
    vi.advanceTimersByTime(2_000);
    expect(set.at(-1)).toBe(DEFAULT_FLAGS);
    expect(heap.mode).toBe('default');
    // Quiet again.
    messages += 100;
    vi.advanceTimersByTime(2_000);
    expect(set.at(-1)).toBe(COMPACT_FLAGS);
    heap.stop();
    expect(set.at(-1)).toBe(DEFAULT_FLAGS);
    const n = set.length;
    vi.advanceTimersByTime(10_000);
    expect(set.length).toBe(n);
  });

  it('lets V8 size the old generation while the heap is large (10 000 devices), the young one still small', () => {
    let used = 40 * 1024 * 1024;
    const set: string[] = [];
    const heap = new HeapTuning({ clock: systemClock, messages: () => 0, busyPerS: 1_000, everyMs: 2_000, setFlags: (f) => set.push(f), heapUsed: () => used });
    heap.start();
    vi.advanceTimersByTime(2_000);
    expect(heap.mode).toBe('compact');
    used = LARGE_HEAP_BYTES + 1;
    vi.advanceTimersByTime(2_000);
    expect(heap.mode).toBe('large');
    expect(set.at(-1)).toBe(LARGE_FLAGS);
    expect(LARGE_FLAGS).toContain('--semi-space-growth-factor=1');
    used = 60 * 1024 * 1024;
    vi.advanceTimersByTime(2_000);
    expect(heap.mode).toBe('compact');
    heap.stop();
  });

  it('gives V8 its defaults with compactHeap: false (the command line set the compact flags first), and no timer', () => {
    const set: string[] = [];
    const heap = new HeapTuning({ clock: systemClock, messages: () => 0, busyPerS: 1_000, setFlags: (f) => set.push(f) });
    heap.stop();
    expect(set).toEqual([]);
    heap.useDefaults();
    expect(set).toEqual([DEFAULT_FLAGS]);
    expect(heap.mode).toBe('default');
    vi.advanceTimersByTime(10_000);
    expect(set).toEqual([DEFAULT_FLAGS]);
  });
});

describe('HeapTuning in a real Node process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'langso-heap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A process allocating steadily with survivors (as pollers do) and starting a worker thread (which
   * resets V8's semi-space growth factor): the young generation's size when it is done (MiB).
   */
  const youngGenerationMiB = async (compact: boolean): Promise<number> => {
    const { young } = await runScriptForJson<{ young: number }>(join(dir, `young-${compact}.mts`), [
      `import v8 from 'node:v8';`,
      `import { Worker } from 'node:worker_threads';`,
      `import { systemClock } from ${repoModule('hub/core/clock.ts')};`,
      `import { HeapTuning } from ${repoModule('hub/core/heap.ts')};`,
      `const heap = new HeapTuning({ clock: systemClock, messages: () => 0, busyPerS: 1000, everyMs: 100 });`,
      compact ? 'heap.start();' : '',
      `const w = new Worker('setTimeout(() => {}, 50)', { eval: true });`,
      `await new Promise((r) => w.once('exit', r));`,
      `let keep = [];`,
      `for (let round = 0; round < 400; round++) {`,
      `  for (let i = 0; i < 20000; i++) keep.push({ i, s: 'x' + i, a: [round, i] });`,
      `  if (keep.length > 400000) keep = [];`,
      `  await new Promise((r) => setTimeout(r, 2));`,
      `}`,
      `const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');`,
      `heap.stop();`,
      `console.log(JSON.stringify({ young: young.space_size / 1048576 }));`,
    ]);
    return young;
  };

  it('holds the young generation at a few MiB where V8 alone grows it to its 32 MiB maximum', async () => {
    const [compact, plain] = await Promise.all([youngGenerationMiB(true), youngGenerationMiB(false)]);
    expect(plain).toBeGreaterThanOrEqual(16);
    expect(compact).toBeLessThanOrEqual(4);
  }, 90_000);
});
