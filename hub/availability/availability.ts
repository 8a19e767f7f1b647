import type { HubContext } from '../context.js';
import type { AvailabilityState, DeviceRef, StatusReport } from '../core/domain.js';
import { deviceKey } from '../core/domain.js';
import type { DeviceEntry } from '../registry/registry.js';
import { DeviceStateRepo } from '../state/device-states.js';
import { FlapDetector } from './flapping.js';
import { MaintenanceCalendar } from './maintenance.js';

const OWNER = 'availability';

/** Reason codes for transitions the hub decides itself; device-given reasons pass through as text. */
export const REASON_TIMEOUT = 'timeout';
export const REASON_PARENT = 'parent';
export const REASON_MAINTENANCE = 'maintenance';

/** How often maintenance windows and flapping settle times are re-evaluated. */
const TICK_MS = 5_000;
/** How often the hub records that it is alive (the restart gap is measured from the last one). */
const HEARTBEAT_MS = 10_000;

type Raw = 'online' | 'offline' | 'unknown';

interface Track {
  entry: DeviceEntry;
  timer: NodeJS.Timeout | null;
  /** What the device's own signals say, before dependencies and maintenance. */
  raw: Raw;
  rawReason?: string;
  /** Set once a device has sent a status message: from then on status, not telemetry, brings it back online. */
  statusDriven: boolean;
  /** Why it is offline: an explicit status holds until the device says online; a timeout clears on any message. */
  offlineBy: 'status' | 'timeout' | null;
  flap: FlapDetector;
  /** After a restart the state shown is the one restored from storage until the device re-confirms it. */
  confirmed: boolean;
  cause?: string;
}

/**
 * Per-device availability (DESIGN.md §4). Raw state from status messages, Last Wills and heartbeat
 * timeouts; effective state adds maintenance windows and dependencies (a device behind an offline
 * parent is `unreachable`, with the root cause named). Flapping devices are marked so that alerts
 * do not follow every change. The last states survive a restart; the time the hub was away is stored
 * as `unknown`, never as downtime.
 *
 * Heartbeat timers are not reset per message (that would cost a timer per message at high rates): each
 * device has one timer that, when it fires, re-arms itself for the remaining time if it was seen meanwhile.
 */
export class Availability {
  private readonly tracks = new Map<string, Track>();
  private readonly children = new Map<string, string[]>();
  private tick: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  readonly maintenance: MaintenanceCalendar;
  private readonly repo: DeviceStateRepo;

  constructor(private readonly ctx: HubContext) {
    this.maintenance = new MaintenanceCalendar(ctx);
    this.repo = new DeviceStateRepo(ctx.state);
  }

  start(): void {
    const { bus, devices, clock } = this.ctx;
    this.maintenance.load();
    for (const entry of devices.all()) {
      const t = this.track(entry);
      if (entry.parent) {
        const parentKey = deviceKey({ village: entry.village, device: entry.parent });
        this.children.set(parentKey, [...(this.children.get(parentKey) ?? []), deviceKey({ village: entry.village, device: entry.id })]);
      }
      // Every configured device must say something within its timeout after the hub starts.
      this.arm(t);
    }
    this.restore();
    bus.on(OWNER, 'seen', (e) => this.onSeen(e, e.ts));
    bus.on(OWNER, 'status', (e) => this.onStatus(e));
    bus.on(OWNER, 'device-dismissed', (e) => this.forget(e));
    // Maintenance windows may already be open at start.
    for (const t of this.tracks.values()) this.update(t);
    this.tick = clock.setInterval(() => this.onTick(), TICK_MS);
    this.heartbeat = clock.setInterval(() => this.repo.heartbeat(clock.now()), HEARTBEAT_MS);
    this.repo.heartbeat(clock.now());
  }

  stop(): void {
    const { clock } = this.ctx;
    this.ctx.bus.offOwner(OWNER);
    for (const t of this.tracks.values()) if (t.timer) clock.clearTimeout(t.timer);
    if (this.tick) clock.clearInterval(this.tick);
    if (this.heartbeat) clock.clearInterval(this.heartbeat);
    this.tick = this.heartbeat = null;
    if (this.ctx.state.isOpen) this.repo.heartbeat(clock.now());
    this.tracks.clear();
    this.children.clear();
  }

  /** Re-evaluates every device now (after a maintenance window was added or removed). */
  refresh(): void {
    for (const t of this.tracks.values()) this.update(t);
  }

  isFlapping(ref: DeviceRef): boolean {
    return this.tracks.get(deviceKey(ref))?.flap.flapping ?? false;
  }

  /** A dismissed unregistered device: no timer, no state, until it publishes again (as a new entry). */
  private forget(ref: DeviceRef): void {
    const t = this.tracks.get(deviceKey(ref));
    if (t?.timer) this.ctx.clock.clearTimeout(t.timer);
    this.tracks.delete(deviceKey(ref));
  }

  private track(entry: DeviceEntry): Track {
    const key = deviceKey({ village: entry.village, device: entry.id });
    let t = this.tracks.get(key);
    if (!t) {
      t = { entry, timer: null, raw: 'unknown', statusDriven: false, offlineBy: null, flap: new FlapDetector(this.ctx.config.alerts.flapping), confirmed: true };
      this.tracks.set(key, t);
    }
    return t;
  }

  /** Restores last states after a restart and records the hub's absence as `unknown`. */
  private restore(): void {
    const { writer, clock } = this.ctx;
    const lastBeat = this.repo.lastHeartbeat();
    for (const saved of this.repo.all()) {
      const t = this.tracks.get(deviceKey(saved));
      if (!t) continue;
      t.entry.state = saved.state;
      t.entry.since = saved.since;
      if (saved.reason) t.entry.reason = saved.reason;
      t.confirmed = false;
      if (lastBeat !== null && lastBeat < clock.now()) {
        // The hub saw nothing between its last heartbeat and now: that time is unknown, not downtime.
        writer.add({ measurement: 'availability', village: t.entry.village, device: t.entry.id, kind: t.entry.kind, ts: lastBeat, state: 'unknown' });
      }
    }
  }

  private onSeen(ref: DeviceRef, ts: number): void {
    const entry = this.ctx.devices.get(ref);
    if (!entry) return;
    entry.lastSeen = ts;
    const t = this.track(entry);
    if (!t.timer) this.arm(t);
    // Any message proves a silent device alive; it does not overrule the device's own "offline".
    if (t.raw === 'unknown' && !t.statusDriven) this.setRaw(t, 'online');
    else if (t.raw === 'offline' && t.offlineBy === 'timeout') this.setRaw(t, 'online');
    else if (!t.confirmed) this.update(t);
  }

  private onStatus(report: StatusReport): void {
    const entry = this.ctx.devices.get(report);
    if (!entry) return;
    const t = this.track(entry);
    t.statusDriven = true;
    if (report.state === 'online') this.setRaw(t, 'online', undefined, report.ts);
    else {
      t.offlineBy = 'status';
      this.setRaw(t, 'offline', report.reason, report.ts);
    }
  }

  private setRaw(t: Track, raw: Raw, reason?: string, at?: number): void {
    const changed = t.raw !== raw;
    if (raw === 'online') t.offlineBy = null;
    const now = this.ctx.clock.now();
    if (changed && t.raw !== 'unknown') {
      if (t.flap.record(now)) {
        this.ctx.bus.emit('flapping', { village: t.entry.village, device: t.entry.id, ts: now, flapping: true, changes: t.flap.count(now) });
      }
    }
    t.raw = raw;
    if (reason) t.rawReason = reason;
    else if (raw === 'online') delete t.rawReason;
    this.update(t, at);
  }

  private arm(t: Track): void {
    const { clock } = this.ctx;
    const timeoutMs = t.entry.timeoutS * 1000;
    const base = t.entry.lastSeen ?? clock.now();
    const wait = Math.max(0, base + timeoutMs - clock.now());
    t.timer = clock.setTimeout(() => this.expire(t), wait);
  }

  private expire(t: Track): void {
    const now = this.ctx.clock.now();
    t.timer = null;
    const silentFor = t.entry.lastSeen === null ? null : now - t.entry.lastSeen;
    if (silentFor !== null && silentFor < t.entry.timeoutS * 1000) {
      this.arm(t);
      return;
    }
    if (t.raw !== 'offline') {
      t.offlineBy = 'timeout';
      this.setRaw(t, 'offline', REASON_TIMEOUT, now);
    } else if (!t.confirmed) this.update(t);
    // Stay disarmed until the next message: nothing more can happen to a silent device.
  }

  /** The effective state: maintenance, then dependencies, then the device's own signals. */
  private effective(t: Track, now: number): { state: AvailabilityState; reason?: string; cause?: string } {
    const { entry } = t;
    const window = this.maintenance.active(entry.village, entry.id, now);
    if (window) return { state: 'maintenance', reason: window.note ?? REASON_MAINTENANCE };
    if (t.raw === 'online') return { state: 'online' };
    const cause = this.rootCause(entry);
    if (cause) return { state: 'unreachable', reason: REASON_PARENT, cause };
    if (t.raw === 'offline') return { state: 'offline', ...(t.rawReason ? { reason: t.rawReason } : {}) };
    return { state: 'unknown' };
  }

  /** The topmost ancestor that is down (offline, or itself in maintenance), if any. */
  private rootCause(entry: DeviceEntry): string | undefined {
    let cause: string | undefined;
    let parentId = entry.parent;
    const seen = new Set<string>();
    while (parentId && !seen.has(parentId)) {
      seen.add(parentId);
      const p = this.tracks.get(deviceKey({ village: entry.village, device: parentId }));
      if (!p) break;
      if (p.entry.state === 'offline' || p.entry.state === 'maintenance') cause = parentId;
      else if (p.entry.state === 'unreachable' && p.cause) return p.cause;
      parentId = p.entry.parent;
    }
    return cause;
  }

  private update(t: Track, at?: number): void {
    const { clock, bus } = this.ctx;
    const now = clock.now();
    const next = this.effective(t, now);
    const { entry } = t;
    const wasConfirmed = t.confirmed;
    const rawKnown = t.raw !== 'unknown' || next.state === 'maintenance';
    if (rawKnown) t.confirmed = true;
    if (next.state === 'unknown' && !wasConfirmed) return; // keep showing the restored state until the device speaks
    const same = next.state === entry.state && next.cause === t.cause;
    // Re-confirmed after a restart: the hub did not know (its absence is stored as unknown), so this is a
    // transition from unknown — stored, pushed, and seen by the alert engine (which opens alerts
    // idempotently: one already open is not fired again, one missed while the hub was away is).
    const reconfirmed = !wasConfirmed && t.confirmed;
    if (same && !reconfirmed) {
      if (next.reason && next.reason !== entry.reason && next.state === 'offline') entry.reason = next.reason;
      return;
    }
    const from = reconfirmed && same ? 'unknown' : entry.state;
    // The restored `since` predates the restart; a re-confirmed state begins now.
    if (reconfirmed && same) entry.since = null;
    // A device clock may be off: never date a transition before the previous one or in the future.
    let ts = at === undefined || at > now ? now : at;
    if (entry.since !== null && ts < entry.since) ts = entry.since;
    entry.state = next.state;
    entry.since = ts;
    if (next.reason) entry.reason = next.reason;
    else delete entry.reason;
    t.cause = next.cause;
    if (next.cause) entry.cause = next.cause;
    else delete entry.cause;
    this.repo.save({ village: entry.village, device: entry.id, state: entry.state, since: ts, reason: entry.reason ?? null });
    bus.emit('transition', {
      village: entry.village,
      device: entry.id,
      kind: entry.kind,
      ts,
      from,
      to: next.state,
      ...(next.reason ? { reason: next.reason } : {}),
      ...(next.cause ? { cause: next.cause } : {}),
      ...(t.flap.flapping ? { flapping: true } : {}),
    });
    for (const childKey of this.children.get(deviceKey({ village: entry.village, device: entry.id })) ?? []) {
      const child = this.tracks.get(childKey);
      if (child) this.update(child);
    }
  }

  private onTick(): void {
    const now = this.ctx.clock.now();
    for (const t of this.tracks.values()) {
      if (t.flap.settle(now)) {
        this.ctx.bus.emit('flapping', { village: t.entry.village, device: t.entry.id, ts: now, flapping: false, changes: 0 });
      }
      this.update(t);
    }
  }
}
