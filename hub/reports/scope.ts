import type { Config } from '../config/schema.js';
import type { DeviceRegistry } from '../registry/registry.js';

/**
 * The villages and devices a report covers: the configuration's on a village hub; in central mode
 * (hub/central/) the ones the village hubs announced in their inventories, plus any configured.
 */
export function reportScope(ctx: { config: Config; devices: Pick<DeviceRegistry, 'villageList' | 'all'> }): Pick<Config, 'villages' | 'devices'> {
  if (ctx.config.mode !== 'central') return ctx.config;
  const villages = ctx.devices.villageList().map((v) => ({
    id: v.id,
    name: v.name,
    timezone: v.timezone,
    ...(v.commune ? { commune: v.commune } : {}),
    ...(v.province ? { province: v.province } : {}),
  }));
  const devices = ctx.devices
    .all()
    .filter((e) => e.registered)
    .map((e) => ({ id: e.id, village: e.village, name: e.name, kind: e.kind, ...(e.parent ? { parent: e.parent } : {}), ...(e.location ? { location: e.location } : {}) }));
  return { villages, devices };
}
