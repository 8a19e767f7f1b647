import v8 from 'node:v8';
import type { Clock } from './clock.js';

/**
 * V8's heap sizing for a hub that is quiet most of the time (docs/benchmarks.md, "Memory").
 *
 * Left to its defaults, V8 grows the young generation to 32 MiB (two 16 MiB semi-spaces) once a steady
 * allocation rate lets objects survive scavenges (500 polled devices allocate ~6 MB/s), and lets the old
 * generation run to about twice its live objects between mark-compacts. A village hub never needs that
 * room: in `compact` mode the young generation is not grown (semi-space growth factor 1: scavenges stay
 * on the first 1 MiB semi-space), the old generation is collected at 15 % over its live size, and each
 * of those collections compacts it (the pages left a quarter full are given back). While
 * the hub takes more than `busyPerS` MQTT messages a second (a burst, devices catching up after an
 * outage), V8's own sizing is back, so throughput is not traded for memory when it is needed; past
 * LARGE_HEAP_BYTES in use the old generation is left to V8 (below).
 *
 * Both are V8 flags that V8 reads each time it resizes the heap, so they can be changed while the hub
 * runs. Creating an isolate (a worker thread) puts the growth factor back to V8's minimum of 2, so the
 * flags are applied on every tick, not once.
 */
export const COMPACT_FLAGS = '--semi-space-growth-factor=1 --heap-growing-percent=15 --compact-on-every-full-gc';
/** A large heap: the young generation still not grown, the old one sized and compacted by V8. */
export const LARGE_FLAGS = '--semi-space-growth-factor=1 --heap-growing-percent=0 --no-compact-on-every-full-gc';
/** V8's defaults: semi-spaces double when objects survive; the old generation's growth chosen by V8; compaction where V8 sees fragmentation. */
export const DEFAULT_FLAGS = '--semi-space-growth-factor=2 --heap-growing-percent=0 --no-compact-on-every-full-gc';

export interface HeapTuningOptions {
  clock: Clock;
  /** MQTT messages taken so far (a monotonic count); its rate decides busy or quiet. */
  messages: () => number;
  /** Messages a second above which V8's defaults are used. */
  busyPerS: number;
  everyMs?: number;
  /** Where the flags go (v8.setFlagsFromString; replaced in tests). */
  setFlags?: (flags: string) => void;
  /** Bytes of the JavaScript heap in use (v8.getHeapStatistics; replaced in tests). */
  heapUsed?: () => number;
}

/**
 * Past this much heap in use (10 000 devices, not a village) collecting and compacting the old
 * generation at 15 % over live costs more CPU than the memory it keeps: 10 000 devices connecting took
 * 157 s of CPU with it, 60 s with the old generation left to V8 (the young one still small), 83 s with
 * V8's defaults throughout; 271, 466 and 587 MiB (docs/benchmarks.md).
 */
export const LARGE_HEAP_BYTES = 128 * 1024 * 1024;

export type HeapMode = 'compact' | 'large' | 'default';

/**
 * How often the message rate is looked at (and the flags applied): a burst gets V8's own sizing within
 * a quarter of a second (measured: a 200 000-message burst took ~8 % more CPU when it waited 2 s for it).
 */
export const CHECK_EVERY_MS = 250;

export class HeapTuning {
  private timer: ReturnType<Clock['setInterval']> | null = null;
  private last = 0;
  private lastAt = 0;
  private current: HeapMode = 'compact';
  private readonly everyMs: number;
  private readonly setFlags: (flags: string) => void;
  private readonly heapUsed: () => number;

  constructor(private readonly o: HeapTuningOptions) {
    this.everyMs = o.everyMs ?? CHECK_EVERY_MS;
    this.setFlags = o.setFlags ?? ((flags) => v8.setFlagsFromString(flags));
    this.heapUsed = o.heapUsed ?? (() => v8.getHeapStatistics().used_heap_size);
  }

  get mode(): HeapMode {
    return this.current;
  }

  start(): void {
    if (this.timer) return;
    this.last = this.o.messages();
    this.lastAt = this.o.clock.now();
    this.apply('compact');
    this.timer = this.o.clock.setInterval(() => this.tick(), this.everyMs);
  }

  /** V8's defaults throughout (`memory.compactHeap: false`; the command line set the compact flags first). */
  useDefaults(): void {
    this.stop();
    this.apply('default');
  }

  /** V8's defaults again: the hub stops. */
  stop(): void {
    if (!this.timer) return;
    this.o.clock.clearInterval(this.timer);
    this.timer = null;
    this.apply('default');
  }

  private tick(): void {
    const now = this.o.clock.now();
    const count = this.o.messages();
    const perS = now > this.lastAt ? ((count - this.last) * 1000) / (now - this.lastAt) : 0;
    this.last = count;
    this.lastAt = now;
    this.apply(perS > this.o.busyPerS ? 'default' : this.heapUsed() > LARGE_HEAP_BYTES ? 'large' : 'compact');
  }

  private apply(mode: HeapMode): void {
    this.current = mode;
    this.setFlags(mode === 'compact' ? COMPACT_FLAGS : mode === 'large' ? LARGE_FLAGS : DEFAULT_FLAGS);
  }
}
