import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Reason } from '../../shared/reasons.js';
import { reasonOf, type CheckResult, type DeviceDriver, type DriverContext, type DriverInstance } from '../driver.js';
import type { ImageStats } from './image.js';
import { BUSY, ImagePool, type ImagePoolStats } from './image-pool.js';
import { abortable, OnvifClient, timeoutError, type DeviceInformation } from './onvif.js';
import { probeRtsp } from './rtsp.js';

export const onvifCameraSettingsSchema = z
  .strictObject({
    // A dead camera must be seen offline within 10 s (median under 7 s): at most 3 s until the next
    // check, then two attempts of at most 2 s each; a refused connection fails at once.
    intervalS: z.number().positive().max(86_400).default(3),
    timeoutS: z.number().positive().max(300).default(2),
    retries: z.number().int().min(0).max(10).default(1),
    /**
     * Seconds between full checks. Every check is a light one (ONVIF GetSystemDateAndTime: rttMs,
     * clockDriftS); a full check adds GetDeviceInformation (which proves the credentials), the RTSP
     * probe and the snapshot with its image analysis. 0: every check is full.
     */
    fullEveryS: z.number().min(0).max(86_400).default(30),
    /** The device service, e.g. http://192.168.1.64/onvif/device_service (node-onvif speaks plain HTTP only). */
    xaddr: z.url({
      protocol: /^http$/,
      error: 'expected the camera\'s ONVIF device service URL, e.g. "http://192.168.1.64/onvif/device_service"',
    }),
    // node-onvif refuses other characters (and writes the user name into the XML unescaped).
    username: z
      .string()
      .regex(/^[\x20-\x7e]+$/, 'expected printable ASCII characters (the ONVIF library accepts no others)')
      .regex(/^[^<>&]*$/, 'must not contain <, > or &')
      .optional(),
    password: z
      .string()
      .regex(/^[\x20-\x7e]*$/, 'expected printable ASCII characters (the ONVIF library accepts no others)')
      .regex(/^[^<>]*$/, 'must not contain < or >')
      .optional(),
    /** Probe the RTSP stream (OPTIONS + DESCRIBE) in full checks; a dead stream marks the camera offline. */
    rtsp: z.boolean().default(true),
    /** Fetch a snapshot in full checks for image health (luma, frozen) and the dashboard. */
    snapshot: z.boolean().default(true),
    /** This many identical snapshots in a row (one per full check), while the stream is up, means the picture is frozen. */
    frozenAfter: z.number().int().min(2).max(1_000).default(3),
    /** Mean luma (0-255) below which the picture counts as dark (adds a `dark` field). */
    darkBelow: z.number().min(0).max(255).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.password !== undefined && s.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'a password is set but no username' });
    }
  });

export type OnvifCameraSettings = z.infer<typeof onvifCameraSettingsSchema>;

/** The file the dashboard shows: the latest good snapshot of the camera. */
export const SNAPSHOT_FILE = 'snapshot.jpg';

/** Writes via a temporary file and rename, so a reader never sees half a JPEG. */
export async function writeFileAtomic(file: string, data: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

type Fields = Record<string, number | boolean>;

interface SnapshotOutcome {
  /** The camera sent a picture that decodes (or one whose analysis is still running or was skipped). */
  ok: boolean;
  /** Analysed in time for this check: the image fields describe this picture. */
  analysed: boolean;
  error?: string;
}

/**
 * Below this share of the timeout left after the light part (a first run spends much of it on ONVIF
 * init), the full part waits for the next run: squeezed into what is left, a healthy stream would
 * read as timed out.
 */
const MIN_FULL_BUDGET = 0.5;
/** The full part ends this long before the runner's timeout, so its failures are reported as such. */
const FULL_MARGIN_MS = 100;

/**
 * One camera's checks. Every run is a light check: one ONVIF round trip (GetSystemDateAndTime, which
 * gives rttMs and clockDriftS; the session from node-onvif's init, with its profiles and stream URI, is
 * kept and only rebuilt after a failure). Every `fullEveryS`, and on the first run after a (re)connect,
 * the run is full: GetDeviceInformation, the RTSP probe and the snapshot side by side.
 *
 * Published fields: a light result carries only what it measured (rttMs, clockDriftS); a full result
 * adds streamOk, snapshotOk, snapshotAgeS, imageLuma, dark, frozen. An image analysis that finishes
 * after its check returned (a busy image pool) is published with the next result. What a full check
 * found wrong stays true until the next full check: a dead stream keeps the camera offline (`down`)
 * through the light checks in between. ONVIF failing throws (offline with that reason).
 */
export class OnvifCameraCheck implements DriverInstance {
  private readonly client: OnvifClient;
  private info: DeviceInformation | null = null;
  private lastFullAt: number | null = null;
  private everFull = false;
  /** The last full check's verdict (a dead stream), repeated by the light checks after it. */
  private down: Reason | undefined;
  private streamOk = true;
  private lastGoodSnapshotAt: number | null = null;
  private lastHash: string | null = null;
  /** Stats of the picture the frozen count refers to (set when an analysis completes). */
  private lastStats: ImageStats | null = null;
  private sameCount = 0;
  private writtenHash: string | null = null;
  private lastSnapshotError: string | null = null;
  /** Raw bytes hash and stats of the last analysed JPEG: an identical file is not decoded again. */
  private lastRaw: { hash: string; stats: ImageStats } | null = null;
  private analysing = false;
  /** Fields of an analysis that finished after its check had returned: sent with the next result. */
  private late: Fields | null = null;
  private released = false;

  constructor(
    private readonly ctx: DriverContext<OnvifCameraSettings>,
    private readonly pool: ImagePool,
    private readonly release: () => Promise<void> = async () => undefined,
  ) {
    const s = ctx.settings;
    this.client = new OnvifClient({
      xaddr: s.xaddr,
      ...(s.username ? { username: s.username, password: s.password ?? '' } : {}),
    });
  }

  readonly check = async (signal: AbortSignal): Promise<CheckResult> => {
    const s = this.ctx.settings;
    const t0 = performance.now();
    let time;
    let full = false;
    try {
      let fresh = false;
      if (!this.client.connected) {
        // init() already asked for the device information: no need to ask again this run.
        this.info = (await this.client.connect(signal)).info;
        fresh = true;
      }
      time = await this.client.systemDateAndTime(signal);
      full = fresh || this.fullDue();
      // GetSystemDateAndTime needs no credentials on most cameras; this call proves them.
      if (full && !fresh) this.info = await this.client.deviceInformation(signal);
    } catch (err) {
      // The camera may have rebooted with new settings: start over next time.
      this.client.reset();
      this.lastFullAt = null;
      throw err;
    }

    const fields: Fields = { rttMs: Math.round(time.rttMs * 10) / 10 };
    if (time.clockDriftS !== null) fields.clockDriftS = Math.round(time.clockDriftS) || 0;
    const budgetMs = s.timeoutS * 1000 - (performance.now() - t0) - FULL_MARGIN_MS;
    // A slow light part leaves too little time for the rest: do it next run rather than report a
    // healthy camera's stream as timed out.
    if (full && (s.rtsp || s.snapshot) && budgetMs < s.timeoutS * 1000 * MIN_FULL_BUDGET) full = false;
    if (full) await this.fullPart(fields, signal, Math.max(1, Math.floor(budgetMs)));
    if (signal.aborted) throw timeoutError('ONVIF', signal);
    if (this.late) {
      for (const [k, v] of Object.entries(this.late)) if (!(k in fields)) fields[k] = v;
      this.late = null;
    }
    const info = this.info;
    const result: CheckResult = {
      fields,
      ...(info ? { info: { manufacturer: info.manufacturer, model: info.model, firmware: info.firmware } } : {}),
    };
    if (this.down) result.down = this.down;
    return result;
  };

  async close(): Promise<void> {
    this.client.reset();
    if (this.released) return;
    this.released = true;
    await this.release();
  }

  private fullDue(): boolean {
    const { fullEveryS, intervalS } = this.ctx.settings;
    if (this.lastFullAt === null) return true;
    // Half an interval of slack: runs come at a fixed rate, and one a few ms early must not wait a whole interval.
    return this.ctx.clock.now() - this.lastFullAt >= (fullEveryS - intervalS / 2) * 1000;
  }

  private async fullPart(fields: Fields, signal: AbortSignal, budgetMs: number): Promise<void> {
    const s = this.ctx.settings;
    const now = this.ctx.clock.now();
    // The first full check comes with the first run, at the same moment for a whole fleet started
    // together: the second one comes up to half a period early, at random, so full checks (snapshot
    // analysis above all) spread out instead of arriving in bursts. (Never so early that the run
    // right after the first is full again.)
    const first = !this.everFull;
    this.everFull = true;
    this.lastFullAt = first ? now - Math.random() * (s.fullEveryS / 2) * 1000 : now;
    // The budget's timer is held here until the part ends: an AbortSignal.timeout inside AbortSignal.any
    // may be garbage-collected before it fires (Node 20), and the check would then wait for the runner's
    // timeout and fail instead of going on without a slow analysis.
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), budgetMs);
    const deadline = AbortSignal.any([signal, budget.signal]);
    // The previous picture still being analysed (a backlogged pool): no new one this time.
    const snapshot = s.snapshot && !this.analysing;
    const [stream, snap] = await Promise.all([s.rtsp ? this.probeStream(deadline) : null, snapshot ? this.takeSnapshot(deadline) : null]).finally(() =>
      clearTimeout(timer),
    );
    if (stream) {
      fields.streamOk = stream.ok;
      this.streamOk = stream.ok;
      this.down = stream.ok ? undefined : (stream.reason ?? { code: 'rtsp-no-stream', detail: 'RTSP: stream down' });
    } else {
      this.streamOk = true;
      this.down = undefined;
    }
    if (snap) {
      fields.snapshotOk = snap.ok;
      if (this.lastGoodSnapshotAt !== null) {
        fields.snapshotAgeS = Math.max(0, Math.round((this.ctx.clock.now() - this.lastGoodSnapshotAt) / 1000));
      }
      if (snap.analysed && this.lastStats) Object.assign(fields, this.imageFields(this.lastStats));
      else if (!snap.ok) fields.frozen = false;
    }
  }

  private imageFields(stats: ImageStats): Fields {
    const s = this.ctx.settings;
    const out: Fields = { imageLuma: Math.round(stats.luma * 10) / 10 };
    if (s.darkBelow !== undefined) out.dark = stats.luma < s.darkBelow;
    // Frozen only means something while the stream is up (or not probed): a dead stream is reported as such.
    out.frozen = this.streamOk && this.sameCount >= s.frozenAfter;
    return out;
  }

  private async probeStream(signal: AbortSignal): Promise<{ ok: boolean; reason?: Reason }> {
    const uri = this.client.streamUri();
    if (!uri) return { ok: false, reason: { code: 'rtsp-no-stream', detail: 'RTSP: the camera gave no stream URI' } };
    const s = this.ctx.settings;
    try {
      await probeRtsp(uri, { signal, ...(s.username ? { username: s.username, password: s.password ?? '' } : {}) });
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: reasonOf(err) };
    }
  }

  private snapshotFailed(error: string): SnapshotOutcome {
    if (error !== this.lastSnapshotError) this.ctx.log.warn({ device: this.ctx.device.id, error }, 'snapshot failed');
    this.lastSnapshotError = error;
    // A failed snapshot says nothing about the picture: the frozen run is broken, not extended.
    this.lastHash = null;
    this.sameCount = 0;
    this.lastStats = null;
    return { ok: false, analysed: false, error };
  }

  /**
   * Fetches the snapshot (within the check's deadline) and has it analysed in the image pool. The
   * analysis is waited for until the deadline; if it takes longer, the check goes on without it and
   * its fields come with the next result, so a busy hub never makes a healthy camera time out.
   */
  private async takeSnapshot(signal: AbortSignal): Promise<SnapshotOutcome> {
    let jpegBytes: Buffer;
    try {
      jpegBytes = await this.client.fetchSnapshot(signal);
    } catch (err) {
      return this.snapshotFailed(err instanceof Error ? err.message : String(err));
    }
    const fetchedAt = this.ctx.clock.now();
    const rawHash = createHash('sha1').update(jpegBytes).digest('hex');
    this.analysing = true;
    const analysis = (this.lastRaw?.hash === rawHash ? Promise.resolve(this.lastRaw.stats) : this.pool.analyse(jpegBytes)).then(
      async (stats): Promise<SnapshotOutcome> => {
        this.lastRaw = { hash: rawHash, stats };
        await this.accept(stats, jpegBytes, fetchedAt);
        return { ok: true, analysed: true };
      },
      (err: unknown): SnapshotOutcome => {
        const error = err instanceof Error ? err.message : String(err);
        // A full pool says nothing about the camera: the picture was fetched, only not looked at.
        if (error === BUSY) return { ok: true, analysed: false };
        return this.snapshotFailed(error);
      },
    );
    const settled = analysis.finally(() => {
      this.analysing = false;
    });
    const outcome = await untilAborted(settled, signal);
    if (outcome) return outcome;
    // Too late for this check: publish with the next one.
    settled.then(
      (o) => {
        if (o.analysed && this.lastStats) this.late = { snapshotOk: true, ...this.imageFields(this.lastStats) };
        else if (!o.ok) this.late = { snapshotOk: false };
      },
      () => undefined,
    );
    return { ok: true, analysed: false };
  }

  private async accept(stats: ImageStats, jpegBytes: Buffer, fetchedAt: number): Promise<void> {
    this.lastSnapshotError = null;
    this.lastGoodSnapshotAt = fetchedAt;
    this.sameCount = stats.hash === this.lastHash ? this.sameCount + 1 : 1;
    this.lastHash = stats.hash;
    this.lastStats = stats;
    if (stats.hash === this.writtenHash) return;
    try {
      await writeFileAtomic(path.join(this.ctx.dataDir, SNAPSHOT_FILE), jpegBytes);
      this.writtenHash = stats.hash;
    } catch (err) {
      this.ctx.log.warn({ device: this.ctx.device.id, err: (err as Error).message }, 'cannot store snapshot');
    }
  }
}

/** `p`'s value, or undefined as soon as `signal` aborts (p keeps running). */
async function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  try {
    return await abortable(p, signal);
  } catch (err) {
    if (signal.aborted) return undefined;
    throw err;
  }
}

export interface OnvifCameraDriverOptions {
  /** Worker threads for snapshot analysis, shared by every camera of the driver (default 1). */
  imageWorkers?: number;
}

export type OnvifCameraDriver = DeviceDriver<OnvifCameraSettings> & {
  /** The shared image pool's figures, null while no camera is checked. */
  imageStats(): ImagePoolStats | null;
};

/**
 * The driver with its image pool. The pool belongs to the cameras being checked: it is made when the
 * first instance is created and its workers end when the last one is closed, so an idle driver holds
 * no thread.
 */
export function createOnvifCameraDriver(opts: OnvifCameraDriverOptions = {}): OnvifCameraDriver {
  let pool: ImagePool | null = null;
  let users = 0;
  return {
    kind: 'onvif-camera',
    configSchema: onvifCameraSettingsSchema,
    create(ctx) {
      users++;
      const p = (pool ??= new ImagePool({ workers: opts.imageWorkers ?? 1 }));
      return new OnvifCameraCheck(ctx, p, async () => {
        users--;
        if (users > 0 || pool !== p) return;
        pool = null;
        await p.close();
      });
    },
    imageStats: () => pool?.stats() ?? null,
  };
}

export const onvifCameraDriver: OnvifCameraDriver = createOnvifCameraDriver();
