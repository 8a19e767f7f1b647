import type { HubContext } from '../context.js';
import { deviceKinds, type DeviceKind } from '../config/schema.js';
import type { CentralConfig } from '../config/central.js';
import type { AvailabilityState } from '../core/domain.js';
import { eventPayloadSchema, telemetryPayloadSchema } from '../ingest/payloads.js';
import type { MetricPoint } from '../store/types.js';
import { deviceStateSchema, firstIssue, inventorySchema, type UpstreamTopic } from './contract.js';
import type { Journal } from './journal.js';
import type { VillageWatch } from './villages.js';

const KINDS: ReadonlySet<string> = new Set(deviceKinds);

/** A transition recorded late (a village hub's backlog), as the dashboard and tests read them. */
export interface LateTransition {
  village: string;
  device: string;
  state: AvailabilityState;
  since: number;
  receivedAt: number;
}

const LATE_KEPT = 200;

/**
 * Turns upstream messages into what a village hub would have produced locally: points for the writer
 * (journaled first, see journal.ts), entries in the device registry, bus events for the dashboard. Bad
 * payloads are counted by reason (`central.refused.<kind>`), logged at debug, and dropped.
 */
export class CentralReceiver {
  /** Recent late transitions, newest last. */
  readonly late: LateTransition[] = [];

  constructor(
    private readonly ctx: HubContext,
    private readonly cfg: CentralConfig,
    private readonly journal: Journal,
    private readonly villages: VillageWatch,
  ) {}

  handle(t: UpstreamTopic, payload: Buffer): void {
    switch (t.kind) {
      case 'telemetry':
        return this.telemetry(t.village, t.device, payload);
      case 'event':
        return this.event(t.village, t.device, payload);
      case 'device-state':
        return this.deviceState(t.village, t.device, payload);
      case 'inventory':
        return this.inventory(t.village, payload);
      case 'hub-status':
        return this.villages.onStatus(t.village, this.json(payload, 'hub-status'));
      case 'alerts':
        return this.villages.onAlert(t.village, this.json(payload, 'alerts'));
      case 'instance':
        return; // the election reads these
    }
  }

  private json(payload: Buffer, what: string): unknown {
    if (payload.length === 0) return null;
    try {
      return JSON.parse(payload.toString('utf8')) as unknown;
    } catch {
      this.refuse(what, 'not JSON');
      return undefined;
    }
  }

  private refuse(what: string, why: string): void {
    this.ctx.counters.inc(`central.refused.${what}`);
    this.ctx.log.debug({ what, why }, 'central: upstream message refused');
  }

  private kindOf(village: string, device: string): DeviceKind {
    const entry = this.ctx.devices.get({ village, device });
    if (entry) return entry.kind;
    // Not announced yet (its inventory comes first in practice): stored under the generic kind, counted.
    this.ctx.counters.inc('central.unknown-device');
    return 'generic';
  }

  private store(p: MetricPoint): void {
    this.journal.append(p);
    this.ctx.writer.add(p);
  }

  private telemetry(village: string, device: string, payload: Buffer): void {
    const parsed = telemetryPayloadSchema.safeParse(this.json(payload, 'telemetry'));
    if (!parsed.success) return this.refuse('telemetry', firstIssue(parsed.error));
    const { fields } = parsed.data;
    // The contract says ts is always there; a hub that left it out is counted and stamped now.
    if (parsed.data.ts === undefined) this.ctx.counters.inc('central.telemetry-without-ts');
    const ts = parsed.data.ts ?? this.ctx.clock.now();
    const kind = this.kindOf(village, device);
    const numeric: Record<string, number> = {};
    for (const [k, v] of Object.entries(fields)) numeric[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    this.store({ measurement: 'telemetry', village, device, kind, ts, fields: numeric });
    this.ctx.counters.inc('central.telemetry');
    const entry = this.ctx.devices.get({ village, device });
    if (entry && (entry.telemetry === null || entry.telemetry.ts <= ts)) {
      entry.telemetry = { ts, fields };
      entry.lastSeen = Math.max(entry.lastSeen ?? 0, ts);
    }
  }

  private event(village: string, device: string, payload: Buffer): void {
    const parsed = eventPayloadSchema.safeParse(this.json(payload, 'event'));
    if (!parsed.success) return this.refuse('event', firstIssue(parsed.error));
    const e = parsed.data;
    const ts = e.ts ?? this.ctx.clock.now();
    const kind = this.kindOf(village, device);
    this.store({ measurement: 'event', village, device, kind, ts, type: e.type, severity: e.severity, ...(e.message ? { message: e.message } : {}) });
    this.ctx.counters.inc('central.event');
  }

  /**
   * The village hub's verdict on a device, with its own `since`: recorded at that time (idempotent: the
   * same state at the same time is the same point). Received more than `lateAfterS` after it happened,
   * it is history (a backlog after an outage): flagged late, never news.
   */
  private deviceState(village: string, device: string, payload: Buffer): void {
    const raw = this.json(payload, 'device-state');
    if (raw === null) return; // a retained state cleared: the device left the village's config
    const parsed = deviceStateSchema.safeParse(raw);
    if (!parsed.success) return this.refuse('device-state', firstIssue(parsed.error));
    const s = parsed.data;
    const now = this.ctx.clock.now();
    const since = s.since ?? s.ts ?? now;
    const kind = this.kindOf(village, device);
    const entry = this.ctx.devices.get({ village, device });
    const from = entry?.state ?? 'unknown';
    const newer = !entry || entry.since === null || since >= entry.since;
    const late = now - since > this.cfg.lateAfterS * 1000;
    this.store({ measurement: 'availability', village, device, kind, ts: since, state: s.state });
    if (late) {
      this.ctx.counters.inc('central.late-transitions');
      this.ctx.log.info({ village, device, state: s.state, since, lateS: Math.round((now - since) / 1000) }, 'central: late device state recorded as history');
      this.late.push({ village, device, state: s.state, since, receivedAt: now });
      if (this.late.length > LATE_KEPT) this.late.shift();
    }
    if (!entry || !newer) return;
    const reasonCode = s.reasonCode ?? s.code;
    const reasonParams = s.reasonParams ?? s.params;
    const changed = entry.state !== s.state || entry.since !== since;
    entry.state = s.state;
    entry.since = since;
    if (s.reason) entry.reason = s.reason;
    else delete entry.reason;
    if (reasonCode) entry.reasonCode = reasonCode;
    else delete entry.reasonCode;
    if (reasonParams) entry.reasonParams = reasonParams;
    else delete entry.reasonParams;
    if (s.cause) entry.cause = s.cause;
    else delete entry.cause;
    if (changed) {
      this.ctx.bus.emit('transition', {
        village,
        device,
        kind,
        ts: since,
        from,
        to: s.state,
        ...(s.reason ? { reason: s.reason } : {}),
        ...(reasonCode ? { reasonCode } : {}),
        ...(reasonParams ? { reasonParams } : {}),
        ...(s.cause ? { cause: s.cause } : {}),
        ...(late ? { late: true } : {}),
      });
    }
  }

  private inventory(village: string, payload: Buffer): void {
    const parsed = inventorySchema.safeParse(this.json(payload, 'inventory'));
    if (!parsed.success) return this.refuse('inventory', firstIssue(parsed.error));
    const inv = parsed.data;
    if (inv.village.id !== village) return this.refuse('inventory', `village.id "${inv.village.id}" is not the topic's village "${village}"`);
    const configured = this.ctx.config.villages.some((v) => v.id === village);
    this.ctx.devices.learnVillage(
      {
        id: village,
        name: inv.village.name ?? village,
        timezone: inv.village.timezone ?? 'Asia/Ho_Chi_Minh',
        ...(inv.village.commune ? { commune: inv.village.commune } : {}),
        ...(inv.village.province ? { province: inv.village.province } : {}),
      },
      configured,
    );
    for (const d of inv.devices) {
      const kind: DeviceKind = KINDS.has(d.kind) ? (d.kind as DeviceKind) : 'generic';
      this.ctx.devices.learnDevice({ village, id: d.id, name: d.name, kind, ...(d.parent ? { parent: d.parent } : {}), ...(d.location ? { location: d.location } : {}) });
    }
    this.ctx.counters.inc('central.inventory');
  }
}
