import v8 from 'node:v8';
import vm from 'node:vm';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../devices/driver.js';
import { analyseJpeg, type ImageStats } from '../../../devices/onvif-camera/image.js';
import { BUSY, ImagePool } from '../../../devices/onvif-camera/image-pool.js';
import { Scene, startSimulatedCamera } from '../../../devices/onvif-camera/simulator/index.js';
import { waitFor } from '../../helpers/hub.js';
import { driverFor, PASS, timeoutSignal, USER } from './helpers.js';
import { cleanupsAfter } from '../../helpers/cleanups.js';

const cleanups = cleanupsAfter('each');

function pool(opts: ConstructorParameters<typeof ImagePool>[0] = {}): ImagePool {
  const p = new ImagePool(opts);
  cleanups.push(() => p.close());
  return p;
}

/** A noisy picture the size of a real camera snapshot (noise keeps the JPEG as large as a real one). */
function hdJpeg(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 4);
  let seed = 1;
  for (let i = 0; i < data.length; i += 4) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const p = i / 4;
    data[i] = ((p % width) + (seed >>> 26)) & 255;
    data[i + 1] = (Math.floor(p / width) + (seed >>> 27)) & 255;
    data[i + 2] = (seed >>> 24) & 255;
    data[i + 3] = 255;
  }
  return jpeg.encode({ data, width, height }, 80).data;
}

/** Runs `fn` while sampling the event loop every 5 ms; returns the worst delay seen. */
async function worstLoopLag(fn: () => Promise<unknown>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    clearInterval(timer);
  }
  return worst;
}

describe('image analysis pool', () => {
  it('gives exactly what analyseJpeg gives, in a worker thread', async () => {
    const p = pool();
    const scene = new Scene({ seed: 3 });
    for (const black of [false, true]) {
      const frame = scene.next(black);
      expect(await p.analyse(frame)).toEqual(analyseJpeg(frame));
    }
    await expect(p.analyse(Buffer.from('not a jpeg'))).rejects.toThrow(/^Snapshot: not a JPEG image/);
    const tiny = pool({ limits: { maxResolutionInMP: 0.001 } });
    await expect(tiny.analyse(scene.next())).rejects.toThrow(/maxResolutionInMP/);
    expect(p.stats()).toMatchObject({ analysed: 2, failed: 1, busy: 0, queued: 0 });
  });

  it('keeps the event loop free while decoding an HD snapshot', async () => {
    const frame = hdJpeg(1280, 720);
    const inWorker = pool();
    await inWorker.analyse(frame); // the worker's start-up is not what is measured
    const onThread = pool({ workers: 0 });
    const lagWorker = await worstLoopLag(() => Promise.all([inWorker.analyse(frame), inWorker.analyse(frame)]));
    const lagThread = await worstLoopLag(() => onThread.analyse(frame));
    console.log(`[image pool] 1280×720 JPEG (${(frame.length / 1024).toFixed(0)} KiB): worst event-loop delay ${lagWorker.toFixed(0)} ms in the worker, ${lagThread.toFixed(0)} ms on the main thread`);
    expect(lagThread).toBeGreaterThan(60);
    expect(lagWorker).toBeLessThan(lagThread / 2);
  });

  it('refuses work beyond its queue instead of piling it up, and stops cleanly', async () => {
    const p = pool({ workers: 1, maxQueue: 1 });
    const frame = new Scene({ seed: 5 }).next();
    const results = await Promise.allSettled([p.analyse(frame), p.analyse(frame), p.analyse(frame), p.analyse(frame)]);
    const busy = results.filter((r) => r.status === 'rejected' && (r.reason as Error).message === BUSY);
    expect(busy.length).toBeGreaterThanOrEqual(2);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    expect(p.stats().busy).toBe(busy.length);
    // A CPU budget too: beyond its share of a core (over the last 10 s), new work is refused too.
    const frugal = pool({ maxCpuShare: 0.0001 });
    await frugal.analyse(frame);
    await expect(frugal.analyse(frame)).rejects.toThrow(BUSY);
    expect(frugal.stats()).toMatchObject({ analysed: 1, busy: 1 });

    const pending = expect(p.analyse(frame)).rejects.toThrow(/stopped/);
    await p.close();
    await pending;
    await expect(p.analyse(frame)).rejects.toThrow(/stopped/);
  });
});

/**
 * The image pool with every analysis held back until `release()`: a stand-in for a pool far slower than
 * any check's timeout, whatever the machine's load (a real slow decode is only slower than a check on
 * an idle machine; under load the check's own ONVIF calls slow down with it).
 */
class HeldPool extends ImagePool {
  started = 0;
  finished = 0;
  readonly release: () => void;
  private readonly gate: Promise<void>;

  constructor() {
    super();
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    this.release = open;
  }

  override analyse(jpeg: Uint8Array): Promise<ImageStats> {
    this.started++;
    return this.gate.then(() => super.analyse(jpeg)).finally(() => this.finished++);
  }
}

/** The garbage collector, run on demand: a loaded machine collects more often, at moments no test picks. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

describe('camera checks with slow image analysis', () => {
  /** The checks' timeout (timeoutS): room for their ONVIF calls, RTSP probe and snapshot on a loaded machine. */
  const CHECK_S = 2;
  /**
   * The runner's signal, later than the check's own timeout: a check that fetched the picture must end by
   * its own budget (100 ms before timeoutS), not be cut off by the runner, which would throw instead of
   * returning a result; and a loaded machine's late timers cannot turn that small margin into a failure.
   */
  const RUNNER_MS = 3 * CHECK_S * 1000;

  it('a check never waits past its timeout for an analysis: its fields come with the next result', async () => {
    const cam = await startSimulatedCamera({ name: 'HD', username: USER, password: PASS, scene: new Scene({ frames: 2 }) });
    cleanups.push(() => cam.close());
    const held = new HeldPool();
    cleanups.push(() => held.close());
    const c = await driverFor(cam, { timeoutS: CHECK_S, fullEveryS: 0 }, held);
    cleanups.push(() => c.dispose());
    const results: Array<CheckResult['fields']> = [];
    const gc = collector();
    const check = async (): Promise<void> => {
      const t0 = performance.now();
      // Collections while the check waits: its own deadline must still come (nothing may hold it weakly).
      const collecting = setInterval(gc, 200);
      const r = await c.instance.check(timeoutSignal(RUNNER_MS)).finally(() => clearInterval(collecting));
      // Generous, next to an analysis that never ends before release().
      expect(performance.now() - t0).toBeLessThan(RUNNER_MS);
      expect(r.down).toBeUndefined();
      results.push(r.fields);
    };
    // Until a check has fetched the picture (a first one under load may leave the full part for the next).
    for (let i = 0; i < 8 && held.started === 0; i++) await check();
    // That check and one more returned while its analysis was still held: neither waited for it.
    await check();
    expect(held.started).toBe(1);
    expect(held.finished).toBe(0);
    held.release();
    await waitFor(() => held.finished === 1, 10_000, 'the analysis');
    for (let i = 0; i < 8 && !results.some((f) => f.imageLuma !== undefined); i++) {
      await check();
      await new Promise((res) => setTimeout(res, 150));
    }
    const firstLuma = results.findIndex((f) => f.imageLuma !== undefined);
    expect(firstLuma).toBeGreaterThan(0);
    // An earlier full check fetched the picture and went on without its analysis.
    expect(results.slice(0, firstLuma).some((f) => f.snapshotOk === true && f.imageLuma === undefined)).toBe(true);
    expect(results[firstLuma]).toMatchObject({ snapshotOk: true, frozen: false, imageLuma: expect.any(Number) });
  }, 60_000);
});
