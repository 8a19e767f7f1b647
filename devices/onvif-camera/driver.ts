import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { CheckResult, DeviceDriver, DriverContext, DriverInstance } from '../driver.js';
import { analyseJpeg, type ImageStats } from './image.js';
import { OnvifClient, type DeviceInformation } from './onvif.js';
import { probeRtsp } from './rtsp.js';

export const onvifCameraSettingsSchema = z
  .strictObject({
    intervalS: z.number().positive().max(86_400).default(10),
    timeoutS: z.number().positive().max(300).default(5),
    retries: z.number().int().min(0).max(10).default(1),
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
    /** Probe the RTSP stream (OPTIONS + DESCRIBE) each check; a dead stream marks the camera offline. */
    rtsp: z.boolean().default(true),
    /** Fetch a snapshot each check for image health (luma, frozen) and the dashboard. */
    snapshot: z.boolean().default(true),
    /** This many identical snapshots in a row, while the stream is up, means the picture is frozen. */
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

interface SnapshotOutcome {
  ok: boolean;
  error?: string;
  stats?: ImageStats;
}

/**
 * One camera's check: ONVIF (time + device information, which also proves the credentials), then the
 * RTSP probe and the snapshot side by side. ONVIF failing throws (offline with that reason); a dead
 * stream returns the fields with `down`.
 */
export class OnvifCameraCheck implements DriverInstance {
  private readonly client: OnvifClient;
  private info: DeviceInformation | null = null;
  private lastGoodSnapshotAt: number | null = null;
  private lastHash: string | null = null;
  private sameCount = 0;
  private writtenHash: string | null = null;
  private lastSnapshotError: string | null = null;

  constructor(private readonly ctx: DriverContext<OnvifCameraSettings>) {
    const s = ctx.settings;
    this.client = new OnvifClient({
      xaddr: s.xaddr,
      ...(s.username ? { username: s.username, password: s.password ?? '' } : {}),
    });
  }

  readonly check = async (signal: AbortSignal): Promise<CheckResult> => {
    const s = this.ctx.settings;
    let time;
    try {
      if (!this.client.connected) this.info = (await this.client.connect(signal)).info;
      time = await this.client.systemDateAndTime(signal);
      // GetSystemDateAndTime needs no credentials on most cameras; this call proves them.
      this.info = await this.client.deviceInformation(signal);
    } catch (err) {
      // The camera may have rebooted with new settings: start over next time.
      this.client.reset();
      throw err;
    }

    const [stream, snap] = await Promise.all([s.rtsp ? this.probeStream(signal) : null, s.snapshot ? this.takeSnapshot(signal) : null]);
    if (signal.aborted) throw new Error('ONVIF: timeout');

    const fields: Record<string, number | boolean> = { rttMs: Math.round(time.rttMs * 10) / 10 };
    if (stream) fields.streamOk = stream.ok;
    if (time.clockDriftS !== null) fields.clockDriftS = Math.round(time.clockDriftS) || 0;
    if (snap) {
      fields.snapshotOk = snap.ok;
      if (this.lastGoodSnapshotAt !== null) {
        fields.snapshotAgeS = Math.max(0, Math.round((this.ctx.clock.now() - this.lastGoodSnapshotAt) / 1000));
      }
      if (snap.stats) {
        fields.imageLuma = Math.round(snap.stats.luma * 10) / 10;
        if (s.darkBelow !== undefined) fields.dark = snap.stats.luma < s.darkBelow;
      }
      // Frozen only means something while the stream is up (or not probed): a dead stream is reported as such.
      fields.frozen = (stream?.ok ?? true) && this.sameCount >= s.frozenAfter;
    }
    const info = this.info;
    const result: CheckResult = {
      fields,
      ...(info ? { info: { manufacturer: info.manufacturer, model: info.model, firmware: info.firmware } } : {}),
    };
    if (stream && !stream.ok) result.down = stream.error ?? 'RTSP: stream down';
    return result;
  };

  close(): void {
    this.client.reset();
  }

  private async probeStream(signal: AbortSignal): Promise<{ ok: boolean; error?: string }> {
    const uri = this.client.streamUri();
    if (!uri) return { ok: false, error: 'RTSP: the camera gave no stream URI' };
    const s = this.ctx.settings;
    try {
      await probeRtsp(uri, { signal, ...(s.username ? { username: s.username, password: s.password ?? '' } : {}) });
      return { ok: true };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async takeSnapshot(signal: AbortSignal): Promise<SnapshotOutcome> {
    let jpegBytes: Buffer;
    let stats: ImageStats;
    try {
      jpegBytes = await this.client.fetchSnapshot(signal);
      stats = analyseJpeg(jpegBytes);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      if (error !== this.lastSnapshotError) this.ctx.log.warn({ device: this.ctx.device.id, error }, 'snapshot failed');
      this.lastSnapshotError = error;
      // A failed snapshot says nothing about the picture: the frozen run is broken, not extended.
      this.lastHash = null;
      this.sameCount = 0;
      return { ok: false, error };
    }
    this.lastSnapshotError = null;
    this.lastGoodSnapshotAt = this.ctx.clock.now();
    this.sameCount = stats.hash === this.lastHash ? this.sameCount + 1 : 1;
    this.lastHash = stats.hash;
    if (stats.hash !== this.writtenHash) {
      try {
        await writeFileAtomic(path.join(this.ctx.dataDir, SNAPSHOT_FILE), jpegBytes);
        this.writtenHash = stats.hash;
      } catch (err) {
        this.ctx.log.warn({ device: this.ctx.device.id, err: (err as Error).message }, 'cannot store snapshot');
      }
    }
    return { ok: true, stats };
  }
}

export const onvifCameraDriver: DeviceDriver<OnvifCameraSettings> = {
  kind: 'onvif-camera',
  configSchema: onvifCameraSettingsSchema,
  create: (ctx) => new OnvifCameraCheck(ctx),
};
