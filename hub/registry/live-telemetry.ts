import type { HubContext } from '../context.js';

const OWNER = 'live';

/** Keeps each registry entry's last telemetry current (what /api/devices and new dashboards see first). */
export class LiveTelemetry {
  constructor(private readonly ctx: HubContext) {}

  start(): void {
    this.ctx.bus.on(OWNER, 'reading', (r) => {
      const entry = this.ctx.devices.get(r);
      if (!entry) return;
      // Readings can arrive out of order (device-stamped ts); keep the newest, merged so sparse messages don't hide fields.
      if (entry.telemetry && entry.telemetry.ts > r.ts) return;
      entry.telemetry = { ts: r.ts, fields: { ...(entry.telemetry?.fields ?? {}), ...r.fields } };
    });
  }

  stop(): void {
    this.ctx.bus.offOwner(OWNER);
  }
}
