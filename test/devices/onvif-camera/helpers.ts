import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../../../hub/core/clock.js';
import type { DeviceConfig, VillageConfig } from '../../../hub/config/schema.js';
import { createLogger } from '../../../hub/core/log.js';
import { OnvifCameraCheck, onvifCameraDriver, onvifCameraSettingsSchema, type OnvifCameraSettings } from '../../../devices/onvif-camera/driver.js';
import type { ImagePool } from '../../../devices/onvif-camera/image-pool.js';
import type { DriverInstance } from '../../../devices/driver.js';
import type { SimulatedCamera } from '../../../devices/onvif-camera/simulator/index.js';

export const village: VillageConfig = { id: 'dong-cam', name: 'Đông Căm', timezone: 'Asia/Ho_Chi_Minh' };
export const log = createLogger('silent');

export const USER = 'admin';
export const PASS = 'Cam@2024 lang!';

export interface TestCheck {
  instance: DriverInstance;
  settings: OnvifCameraSettings;
  dataDir: string;
  dispose(): Promise<void>;
}

/**
 * A driver instance for `cam` with the given poll settings (credentials default to the test ones); with
 * `pool`, its snapshots are analysed there instead of in the driver's own pool (the caller closes it).
 */
export async function driverFor(cam: Pick<SimulatedCamera, 'xaddr' | 'name'>, poll: Record<string, unknown> = {}, pool?: ImagePool): Promise<TestCheck> {
  const settings = onvifCameraSettingsSchema.parse({ xaddr: cam.xaddr, username: USER, password: PASS, ...poll });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'langso-cam-'));
  const device: DeviceConfig = { id: 'cam-1', village: village.id, name: cam.name, kind: 'onvif-camera', poll };
  const ctx = { village, device, settings, log, clock: systemClock, dataDir };
  const instance = pool ? new OnvifCameraCheck(ctx, pool) : onvifCameraDriver.create(ctx);
  return {
    instance,
    settings,
    dataDir,
    async dispose() {
      await instance.close?.();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A signal that aborts after `ms`, like the runner's timeout. */
export function timeoutSignal(ms = 5_000): AbortSignal {
  return AbortSignal.timeout(ms);
}
