import type { HubContext } from '../context.js';

const OWNER = 'recorder';

/**
 * The fields as the store keeps them (a boolean as 1 or 0). Most readings have no boolean: their fields
 * are used as they are (nothing changes a reading once it is on the bus), not copied for every message.
 */
function numeric(fields: Readonly<Record<string, number | boolean>>): Record<string, number> {
  let flags = false;
  for (const k in fields) if (typeof fields[k] === 'boolean') flags = true;
  if (!flags) return fields as Record<string, number>;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  return out;
}

/**
 * Feeds the metric writer from the bus: every reading, availability transition and device event is stored.
 * Readings and events of unregistered devices are not: they are listed for an admin to adopt, and made-up
 * device ids must not cost store writes or series (hub/ingest/metric-names.ts counts stored series only).
 */
export class Recorder {
  constructor(private readonly ctx: HubContext) {}

  start(): void {
    const { bus, writer } = this.ctx;
    const stored = (ref: { village: string; device: string }): boolean => this.ctx.devices.get(ref)?.registered === true;
    bus.on(OWNER, 'reading', (r) => {
      if (!stored(r)) return;
      writer.add({ measurement: 'telemetry', village: r.village, device: r.device, kind: r.kind, ts: r.ts, fields: numeric(r.fields) });
    });
    bus.on(OWNER, 'transition', (t) => {
      writer.add({ measurement: 'availability', village: t.village, device: t.device, kind: t.kind, ts: t.ts, state: t.to });
    });
    bus.on(OWNER, 'device-event', (e) => {
      if (!stored(e)) return;
      const kind = this.ctx.devices.get(e)?.kind ?? 'generic';
      writer.add({ measurement: 'event', village: e.village, device: e.device, kind, ts: e.ts, type: e.type, severity: e.severity, ...(e.message ? { message: e.message } : {}) });
    });
  }

  stop(): void {
    this.ctx.bus.offOwner(OWNER);
  }
}
