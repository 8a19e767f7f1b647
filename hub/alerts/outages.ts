import type { HubContext } from '../context.js';
import type { Alert, DeviceRef, ReasonFields, Transition } from '../core/domain.js';
import { deviceKey } from '../core/domain.js';
import type { BusEvents } from '../core/bus.js';
import type { DeviceEntry } from '../registry/registry.js';
import { idList } from '../../shared/alert-text.js';
import { alertKeys, type AlertSink } from './sink.js';

/** A root cause that is back, waiting to be declared back (see startRecovery). */
interface Recovery {
  backAt: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Outage alerts (DESIGN.md §6): `offline`, `unreachable-root` and `flapping`, decided from availability
 * transitions. One problem, one alert:
 * - a device behind a down parent raises nothing; the parent's alert names the devices it took down;
 * - a parent is declared back once it has stayed up for `recoverS` and the devices behind it are back (or
 *   their heartbeat timeout ran out); down again before that is the same alert;
 * - a device that starts flapping gets one flapping alert, which takes over its open outage alert and
 *   stands for every change until it settles;
 * - nothing alerts in maintenance, and leaving a window gives a device its timeout before "offline" counts.
 */
export class OutageAlerts {
  private readonly flapping = new Set<string>();
  /** Devices with a flapping alert from before a restart: availability no longer knows they flapped. */
  private readonly staleFlapping = new Set<string>();
  /** Devices given time to show they are alive before their offline counts (see onTransition). */
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private readonly recoveries = new Map<string, Recovery>();

  constructor(
    private readonly ctx: HubContext,
    private readonly sink: AlertSink,
  ) {}

  stop(): void {
    const { clock } = this.ctx;
    for (const t of this.graceTimers.values()) clock.clearTimeout(t);
    for (const r of this.recoveries.values()) if (r.timer) clock.clearTimeout(r.timer);
    this.graceTimers.clear();
    this.recoveries.clear();
    this.flapping.clear();
    this.staleFlapping.clear();
  }

  restoreFlapping(ref: DeviceRef): void {
    this.staleFlapping.add(deviceKey(ref));
  }

  onTransition(t: Transition, entry: DeviceEntry): void {
    const key = deviceKey(t);
    this.clearGrace(key);
    const confirmed = t.to === 'online' || t.to === 'offline';
    // A transition not marked flapping proves availability does not consider the device flapping (any more).
    if (!t.flapping && confirmed && this.staleFlapping.delete(key)) this.sink.resolve(alertKeys.flapping(t), 'not-flapping');
    // While flapping, the one flapping alert stands for every change.
    const flapping = t.flapping === true || this.flapping.has(key);
    switch (t.to) {
      case 'offline':
        if (flapping || this.downAgain(entry)) break;
        // Behind a parent that was down, or just out of maintenance, a device's heartbeat may have run out
        // (or its Last Will come) for reasons that are over: give it its timeout before calling it an outage.
        if (t.from === 'unreachable' || t.from === 'maintenance') this.grace(entry, t, entry.timeoutS);
        // Behind a parent, wait briefly: if the parent is down too, this becomes unreachable and stays silent.
        else if (entry.parent && this.ctx.config.alerts.dependencyGraceS > 0) this.grace(entry, t, this.ctx.config.alerts.dependencyGraceS);
        else this.fireOffline(entry, t, t.ts);
        break;
      case 'online':
        if (flapping) break;
        this.sink.resolve(alertKeys.offline(t), 'online');
        if (this.sink.store.getOpen(alertKeys.root(t))) this.startRecovery(entry, t.ts);
        break;
      case 'unreachable':
        // No alert of its own: the root cause's alert covers it, and names it.
        if (t.cause && t.from === 'online') this.addTakenDown(t.village, t.cause, t.device);
        break;
      default:
        // maintenance: no new alerts; unknown: nothing is known (a restart is not a recovery).
        break;
    }
    // A device behind a root cause that is coming back may complete that recovery.
    for (const [rootKey, r] of this.recoveries) if (rootKey.startsWith(`${t.village}/`) && rootKey !== key) this.checkRecovery(rootKey, r);
  }

  onFlapping(e: BusEvents['flapping'], entry: DeviceEntry): void {
    const key = deviceKey(e);
    // Changes inside a maintenance window are not counted; one more guard for a window that just opened.
    if (e.flapping && entry.state === 'maintenance') return;
    this.staleFlapping.delete(key);
    if (e.flapping) {
      this.flapping.add(key);
      this.clearGrace(key);
      this.cancelRecovery(key);
      // The flapping alert takes over the open outage alert: its message tells the story from there.
      const open = this.sink.store.getOpen(alertKeys.root(e)) ?? this.sink.store.getOpen(alertKeys.offline(e));
      if (open) this.sink.resolve(open.key, 'flapping', { quiet: true });
      const openSince = open && typeof open.detail.since === 'number' ? open.detail.since : null;
      this.sink.fire({
        key: alertKeys.flapping(e),
        village: e.village,
        device: e.device,
        condition: 'flapping',
        severity: 'warning',
        detail: {
          name: entry.name,
          kind: entry.kind,
          changes: e.changes,
          outages: e.outages,
          windowS: this.ctx.config.alerts.flapping.windowS,
          since: Math.min(openSince ?? Infinity, e.since ?? e.ts),
        },
      });
      return;
    }
    this.flapping.delete(key);
    this.sink.resolve(alertKeys.flapping(e), 'settled');
    // It settled down, and down it stays: now that is news.
    if (entry.state === 'offline') this.fireOffline(entry, entry, entry.since ?? this.ctx.clock.now());
  }

  private grace(entry: DeviceEntry, t: Transition, seconds: number): void {
    const key = deviceKey(t);
    this.graceTimers.set(
      key,
      this.ctx.clock.setTimeout(() => {
        this.graceTimers.delete(key);
        if (entry.state === 'offline' && !this.flapping.has(key)) this.fireOffline(entry, t, t.ts);
      }, seconds * 1000),
    );
  }

  private clearGrace(key: string): void {
    const grace = this.graceTimers.get(key);
    if (grace) this.ctx.clock.clearTimeout(grace);
    this.graceTimers.delete(key);
  }

  private fireOffline(entry: DeviceEntry, why: ReasonFields, since: number): void {
    const ref = { village: entry.village, device: entry.id };
    const detail = {
      name: entry.name,
      kind: entry.kind,
      reason: why.reason ?? null,
      // What people read, translated (shared/reasons.ts); `reason` stays the raw text.
      ...(why.reasonCode ? { reasonCode: why.reasonCode } : {}),
      ...(why.reasonCode && why.reasonParams ? { reasonParams: why.reasonParams } : {}),
      since,
    };
    const taken = this.takenDown(entry, since);
    if (taken.length > 0) {
      this.sink.fire({
        key: alertKeys.root(ref),
        ...ref,
        condition: 'unreachable-root',
        severity: 'critical',
        detail: { ...detail, affected: taken.length, affectedIds: taken.join(','), outages: 1 },
      });
    } else {
      this.sink.fire({ key: alertKeys.offline(ref), ...ref, condition: 'offline', severity: 'critical', detail });
    }
  }

  /**
   * The devices behind `root` that its outage takes down: those up when it went down, or that went down
   * with it (within the dependency grace, without an alert of their own). Not those in maintenance,
   * unknown, or already down before.
   */
  private takenDown(root: DeviceEntry, since: number): string[] {
    const graceMs = this.ctx.config.alerts.dependencyGraceS * 1000;
    const withIt = (e: DeviceEntry): boolean =>
      e.since !== null && e.since >= since - graceMs && !this.sink.store.getOpen(alertKeys.offline({ village: e.village, device: e.id }));
    return this.descendants(root)
      .filter((e) => e.registered && (e.state === 'online' || (e.state === 'unreachable' && e.cause === root.id) || (e.state === 'offline' && withIt(e))))
      .map((e) => e.id);
  }

  /** A device went unreachable because of `cause` after the alert fired: it was taken down too. */
  private addTakenDown(village: string, cause: string, device: string): void {
    const alert = this.sink.store.getOpen(alertKeys.root({ village, device: cause }));
    if (!alert) return;
    const ids = idList(alert.detail.affectedIds);
    if (ids.includes(device)) return;
    ids.push(device);
    this.sink.store.updateDetail(alert.id, { ...alert.detail, affected: ids.length, affectedIds: ids.join(',') });
  }

  /** Down again while its recovery was pending: the same outage goes on, one more time. */
  private downAgain(entry: DeviceEntry): boolean {
    const key = deviceKey({ village: entry.village, device: entry.id });
    if (!this.recoveries.has(key)) return false;
    this.cancelRecovery(key);
    const alert = this.sink.store.getOpen(alertKeys.root({ village: entry.village, device: entry.id }));
    if (!alert) return false;
    const ids = new Set(idList(alert.detail.affectedIds));
    for (const id of this.takenDown(entry, this.ctx.clock.now())) ids.add(id);
    const outages = (typeof alert.detail.outages === 'number' ? alert.detail.outages : 1) + 1;
    this.sink.store.updateDetail(alert.id, { ...alert.detail, outages, affected: ids.size, affectedIds: [...ids].join(',') });
    return true;
  }

  /** The root is back: declared back after recoverS, once the devices it took down are back or given up on. */
  private startRecovery(entry: DeviceEntry, backAt: number): void {
    const key = deviceKey({ village: entry.village, device: entry.id });
    this.cancelRecovery(key);
    const r: Recovery = { backAt, timer: null };
    this.recoveries.set(key, r);
    this.checkRecovery(key, r);
  }

  private checkRecovery(key: string, r: Recovery): void {
    const { clock, devices, config } = this.ctx;
    if (r.timer) clock.clearTimeout(r.timer);
    r.timer = null;
    const [village, device] = key.split('/') as [string, string];
    const ref = { village, device };
    const alert: Alert | undefined = this.sink.store.getOpen(alertKeys.root(ref));
    if (devices.get(ref)?.state !== 'online' || !alert) {
      this.recoveries.delete(key);
      return;
    }
    const now = clock.now();
    const due = r.backAt + config.alerts.recoverS * 1000;
    const still = idList(alert.detail.affectedIds).filter((id) => devices.get({ village, device: id })?.state !== 'online');
    // Each device behind it gets its heartbeat timeout from the root's return to show it is back.
    const waiting = still.map((id) => r.backAt + (devices.get({ village, device: id })?.timeoutS ?? 0) * 1000).filter((at) => at > now);
    if (now < due || waiting.length > 0) {
      const wake = Math.min(...[due, ...waiting].filter((at) => at > now));
      r.timer = clock.setTimeout(() => this.checkRecovery(key, r), wake - now);
      return;
    }
    this.recoveries.delete(key);
    // The recovery message says when it came back and which of the devices behind it are not back yet.
    this.sink.store.updateDetail(alert.id, { ...alert.detail, backAt: r.backAt, stillDownIds: still.join(',') });
    this.sink.resolve(alert.key, 'online');
  }

  private cancelRecovery(key: string): void {
    const r = this.recoveries.get(key);
    if (r?.timer) this.ctx.clock.clearTimeout(r.timer);
    this.recoveries.delete(key);
  }

  /** Every device whose parent chain leads to `root` (same village). */
  private descendants(root: DeviceEntry): DeviceEntry[] {
    const candidates = this.ctx.devices.all().filter((e) => e.village === root.village && e.parent !== undefined);
    const out: DeviceEntry[] = [];
    const seen = new Set([root.id]);
    let frontier = new Set([root.id]);
    while (frontier.size > 0) {
      const next = new Set<string>();
      for (const e of candidates) {
        if (e.parent !== undefined && frontier.has(e.parent) && !seen.has(e.id)) {
          seen.add(e.id);
          next.add(e.id);
          out.push(e);
        }
      }
      frontier = next;
    }
    return out;
  }
}
