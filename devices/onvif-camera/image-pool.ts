import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { analyseJpeg, DEFAULT_LIMITS, type DecodeLimits, type ImageStats } from './image.js';

/**
 * Snapshot analysis off the event loop. Decoding a JPEG with jpeg-js is plain synchronous JavaScript:
 * a 1280×720 snapshot costs about 150–250 ms of CPU, during which a hub on the main thread would not
 * answer MQTT, HTTP or other checks. So decodes run in a small pool of worker threads (one by default:
 * at most one core for image work, whatever the number of cameras), with a bounded queue and a CPU
 * budget: when cameras send pictures faster than the pool may decode them, analyses are skipped (the
 * camera's image fields come from a later full check), not piled up. With the default half core,
 * 200 HD cameras with a full check every 30 s still leave the hub within one core.
 *
 * The worker is an inline CommonJS script, so it runs the same from the TypeScript sources (tests,
 * tsx) and from the build; it repeats analyseJpeg's two loops (mean luma, pixel hash), and a test
 * checks that both give identical results.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { decode } = require(workerData.jpegJs);
parentPort.on('message', (job) => {
  try {
    let img;
    try {
      img = decode(job.data, {
        useTArray: true, formatAsRGBA: false, tolerantDecoding: true,
        maxResolutionInMP: job.limits.maxResolutionInMP, maxMemoryUsageInMB: job.limits.maxMemoryUsageInMB,
      });
    } catch (err) {
      throw new Error('Snapshot: not a JPEG image (' + (err && err.message ? err.message : String(err)) + ')');
    }
    if (img.width === 0 || img.height === 0) throw new Error('Snapshot: empty image');
    const d = img.data;
    const n = Math.floor(d.length / 3);
    let sum = 0;
    for (let i = 0; i + 2 < d.length; i += 3) sum += 77 * d[i] + 150 * d[i + 1] + 29 * d[i + 2];
    const luma = n === 0 ? 0 : sum / 256 / n;
    const hash = createHash('sha1').update(d).digest('hex');
    parentPort.postMessage({ id: job.id, stats: { width: img.width, height: img.height, luma, hash } });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: err && err.message ? err.message : String(err) });
  }
});
`;

export interface ImagePoolOptions {
  /** Worker threads (default 1). 0 analyses on the calling thread (blocking; for tiny images and tests). */
  workers?: number;
  /** Analyses waiting for a worker beyond which new ones are refused as busy (default 32 per worker). */
  maxQueue?: number;
  /**
   * Share of one core each worker may spend decoding, averaged over the last 10 s (default 0.5);
   * beyond it new analyses are refused as busy.
   */
  maxCpuShare?: number;
  limits?: DecodeLimits;
}

export interface ImagePoolStats {
  analysed: number;
  failed: number;
  /** Refused because the queue was full. */
  busy: number;
  queued: number;
  /** CPU-bound time spent decoding, as seen from the main thread (ms, from dispatch to answer). */
  workMs: number;
}

interface Job {
  id: number;
  data: Uint8Array;
  resolve: (s: ImageStats) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  startedAt: number;
}

export const BUSY = 'Snapshot: image analysis busy';
const BUDGET_WINDOW_MS = 10_000;

export class ImagePool {
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly budgetMs: number;
  /** Decodes finished within the budget window: when, and how long each took. */
  private readonly recent: Array<{ end: number; ms: number }> = [];
  private readonly limits: Required<DecodeLimits>;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly s = { analysed: 0, failed: 0, busy: 0, workMs: 0 };

  constructor(opts: ImagePoolOptions = {}) {
    this.size = Math.max(0, Math.floor(opts.workers ?? 1));
    this.maxQueue = opts.maxQueue ?? Math.max(1, this.size) * 32;
    this.budgetMs = (opts.maxCpuShare ?? 0.5) * BUDGET_WINDOW_MS * Math.max(1, this.size);
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  /** Decodes and measures a JPEG; rejects with "Snapshot: …" (not a JPEG, or the pool is busy). */
  analyse(jpeg: Uint8Array): Promise<ImageStats> {
    if (this.closed) return Promise.reject(new Error('Snapshot: image analysis stopped'));
    if (this.size === 0) {
      try {
        const stats = analyseJpeg(jpeg, this.limits);
        this.s.analysed++;
        return Promise.resolve(stats);
      } catch (err) {
        this.s.failed++;
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    if (this.queue.length >= this.maxQueue || this.overBudget()) {
      this.s.busy++;
      return Promise.reject(new Error(BUSY));
    }
    // A copy the worker can own: the caller keeps its buffer (it writes it to disk), and a Buffer may
    // be a slice of Node's shared pool, which must never be transferred.
    const data = new Uint8Array(jpeg);
    return new Promise<ImageStats>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, data, resolve, reject });
      this.pump();
    });
  }

  stats(): ImagePoolStats {
    return { ...this.s, queued: this.queue.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('Snapshot: image analysis stopped'));
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      slot.job?.reject(new Error('Snapshot: image analysis stopped'));
      slot.job = null;
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** Decoding time spent in the budget window, the decodes under way included. */
  private overBudget(): boolean {
    const now = performance.now();
    while (this.recent.length > 0 && (this.recent[0]?.end ?? now) < now - BUDGET_WINDOW_MS) this.recent.shift();
    let spent = this.recent.reduce((a, r) => a + r.ms, 0);
    for (const slot of this.slots) if (slot.job) spent += now - slot.startedAt;
    return spent >= this.budgetMs;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.startedAt = performance.now();
      slot.worker.postMessage({ id: job.id, data: job.data, limits: this.limits }, [job.data.buffer as ArrayBuffer]);
    }
  }

  private spawn(): Slot {
    const jpegJs = createRequire(import.meta.url).resolve('jpeg-js');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { jpegJs } });
    // An idle pool must not keep the process alive (a CLI run, a test file ending).
    worker.unref();
    const slot: Slot = { worker, job: null, startedAt: 0 };
    worker.on('message', (m: { id: number; stats?: ImageStats; error?: string }) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      slot.job = null;
      const end = performance.now();
      this.s.workMs += end - slot.startedAt;
      this.recent.push({ end, ms: end - slot.startedAt });
      if (m.stats) {
        this.s.analysed++;
        job.resolve(m.stats);
      } else {
        this.s.failed++;
        job.reject(new Error(m.error ?? 'Snapshot: analysis failed'));
      }
      this.pump();
    });
    const lost = (why: string) => {
      // The worker died (out of memory on a hostile image, …): fail its job, replace it on demand.
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const job = slot.job;
      slot.job = null;
      if (job) {
        this.s.failed++;
        job.reject(new Error(`Snapshot: image analysis failed (${why})`));
      }
      if (!this.closed) this.pump();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`worker exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }
}
