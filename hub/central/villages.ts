import type { HubContext } from '../context.js';
import type { CentralConfig } from '../config/central.js';
import type { AlertEngine } from '../alerts/engine.js';
import { firstIssue, forwardedAlertSchema, hubStatusSchema, type HubStatus } from './contract.js';

/** What central mode knows of one village hub, from its `$hub/status`. */
export interface VillageHubView {
  village: string;
  state: 'online' | 'offline' | 'unknown';
  /** When the last status arrived here (the hub's own `ts` is in `reportedAt`). */
  receivedAt: number | null;
  reportedAt: number | null;
  version: string | null;
  backlog: HubStatus['backlog'] | null;
}

export const alertKeysCentral = {
  hubOffline: (village: string) => `hub-offline:${village}`,
  backlog: (village: string) => `hub-backlog:${village}`,
  /** A village hub's own alert, mirrored: its key is only unique within that hub. */
  forwarded: (village: string, key: string) => `village:${village}:${key}`,
};

/**
 * Village-level alerts in central mode: a village hub gone dark (its Last Will on `$hub/status`), a
 * village hub whose upstream queue keeps growing, and the alerts the village hubs forward (mirrored,
 * so the dashboard shows them and the central routes notify). Anything that happened more than
 * `lateAfterS` before it arrived is recorded at its own time and told to nobody: it is history.
 */
export class VillageWatch {
  private readonly hubs = new Map<string, VillageHubView>();

  constructor(
    private readonly ctx: HubContext,
    private readonly cfg: CentralConfig,
    private readonly alerts: AlertEngine,
  ) {}

  list(): VillageHubView[] {
    return [...this.hubs.values()].sort((a, b) => a.village.localeCompare(b.village));
  }

  onStatus(village: string, raw: unknown): void {
    if (raw === undefined) return;
    if (raw === null) return; // a cleared retained status: the village left the broker
    const parsed = hubStatusSchema.safeParse(raw);
    if (!parsed.success) {
      this.ctx.counters.inc('central.refused.hub-status');
      this.ctx.log.debug({ village, why: firstIssue(parsed.error) }, 'central: hub status refused');
      return;
    }
    const s = parsed.data;
    const now = this.ctx.clock.now();
    const prev = this.hubs.get(village);
    this.hubs.set(village, {
      village,
      state: s.state,
      receivedAt: now,
      reportedAt: s.ts ?? null,
      version: s.version ?? prev?.version ?? null,
      backlog: s.backlog ?? (s.state === 'offline' ? (prev?.backlog ?? null) : null),
    });
    const offlineKey = alertKeysCentral.hubOffline(village);
    if (s.state === 'offline') {
      this.alerts.fire({ key: offlineKey, village, device: null, condition: 'hub-offline', severity: 'critical', detail: { since: now } });
      return;
    }
    this.alerts.resolve(offlineKey, 'online');
    this.judgeBacklog(village, s.backlog, prev?.backlog ?? null, now);
  }

  /** Fires when over a threshold and still growing; clears once under both. */
  private judgeBacklog(village: string, b: HubStatus['backlog'], prev: HubStatus['backlog'] | null, now: number): void {
    const key = alertKeysCentral.backlog(village);
    if (!b) return;
    const ageS = b.oldestTs === null ? 0 : Math.max(0, (now - b.oldestTs) / 1000);
    const over = b.messages >= this.cfg.backlog.messages || ageS >= this.cfg.backlog.ageS;
    if (!over) {
      this.alerts.resolve(key, 'drained');
      return;
    }
    const growing = !prev || b.messages > prev.messages;
    if (growing) {
      this.alerts.fire({
        key,
        village,
        device: null,
        condition: 'hub-backlog',
        severity: 'warning',
        detail: { messages: b.messages, bytes: b.bytes, oldestAgeS: Math.round(ageS) },
      });
    }
  }

  onAlert(village: string, raw: unknown): void {
    if (raw === undefined || raw === null) return;
    const parsed = forwardedAlertSchema.safeParse(raw);
    if (!parsed.success) {
      this.ctx.counters.inc('central.refused.alerts');
      this.ctx.log.debug({ village, why: firstIssue(parsed.error) }, 'central: forwarded alert refused');
      return;
    }
    const { change, alert, ts } = parsed.data;
    const now = this.ctx.clock.now();
    const late = now - ts > this.cfg.lateAfterS * 1000;
    if (late) this.ctx.counters.inc('central.late-alerts');
    const key = alertKeysCentral.forwarded(village, alert.key);
    // Kept under the topic's village: a village hub's hub-wide alert (its Internet link, village "*") is that village's here.
    const at = village;
    if (change === 'fired') {
      this.alerts.fire(
        { key, village: at, device: alert.device, condition: alert.condition, severity: alert.severity, detail: { ...alert.detail, upstreamId: alert.id } },
        { quiet: late, at: alert.startedAt },
      );
    } else if (change === 'resolved') {
      this.alerts.resolve(key, 'village', { quiet: late, at: alert.resolvedAt ?? ts });
    } else if (change === 'acknowledged') {
      const open = this.alerts.store.getOpen(key);
      if (open && open.status === 'firing') this.alerts.acknowledge(open.id, alert.ackedBy ?? village, alert.ackNote ?? undefined);
    }
    // escalated: the centre escalates by its own `alerts.escalateAfterS`.
  }
}
