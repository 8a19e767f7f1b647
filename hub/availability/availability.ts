import type { HubContext } from '../context.js';
import type { AvailabilityState, DeviceRef, ReasonFields, StatusReport } from '../core/domain.js';
import { deviceKey } from '../core/domain.js';
import type { DeviceEntry } from '../registry/registry.js';
import { DeviceStateRepo, HEARTBEAT_MS, type SavedDeviceState } from '../state/device-states.js';
import { FlapDetector } from './flapping.js';
import { MaintenanceCalendar } from './maintenance.js';

const OWNER = 'availability';

/**
 * Reason codes for transitions the hub decides itself (the raw `reason` is the code too, as before codes
 * had their own field); device-given reasons pass through with their text, code and parameters.
 */
export const REASON_TIMEOUT = 'timeout';
export const REASON_PARENT = 'parent';
export const REASON_MAINTENANCE = 'maintenance';

const hubReason = (code: string): ReasonFields => ({ reason: code, reasonCode: code });

/** Only the reason fields that are set (entries and events carry no undefined keys). */
function reasonFields(r: ReasonFields | undefined): ReasonFields {
  if (!r) return {};
  return {
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.reasonCode ? { reasonCode: r.reasonCode } : {}),
    ...(r.reasonCode && r.reasonParams && Object.keys(r.reasonParams).length > 0 ? { reasonParams: r.reasonParams } : {}),
  };
}

const hasReason = (r: ReasonFields): boolean => Boolean(r.reason || r.reasonCode);

function sameReason(a: ReasonFields, b: ReasonFields): boolean {
  return a.reason === b.reason && a.reasonCode === b.reasonCode && JSON.stringify(a.reasonParams ?? {}) === JSON.stringify(b.reasonParams ?? {});
}

type Effective = { state: AvailabilityState; cause?: string } & ReasonFields;

/** How often maintenance windows and flapping settle times are re-evaluated. */
const TICK_MS = 5_000;

type Raw = 'online' | 'offline' | 'unknown';

interface Track {
  entry: DeviceEntry;
  timer: NodeJS.Timeout | null;
  /** What the device's own signals say, before dependencies and maintenance. */
  raw: Raw;
  rawReason?: ReasonFields;
  /** Set once a device has sent a status message: from then on status, not telemetry, brings it back online. */
  statusDriven: boolean;
  /** Why it is offline: an explicit status holds until the device says online; a timeout clears on any message. */
  offlineBy: 'status' | 'timeout' | null;
  flap: FlapDetector;
  /** Its current outage began while a device it depends on was down: not its own doing (not flapping). */
  parentOutage: boolean;
  /** When its own latest outage was counted (null once it is back). */
  lastDownAt: number | null;
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
    // The outbox reads it to tell why a message is late (it may have recorded it already: idempotent).
    this.repo.recordAway(clock.now());
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
      t = { entry, timer: null, raw: 'unknown', statusDriven: false, offlineBy: null, flap: new FlapDetector(this.ctx.config.alerts.flapping), parentOutage: false, lastDownAt: null, confirmed: true };
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
      setReason(t.entry, { ...(saved.reason ? { reason: saved.reason } : {}), ...(saved.reasonCode ? { reasonCode: saved.reasonCode } : {}), ...(saved.reasonParams ? { reasonParams: saved.reasonParams } : {}) });
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
      this.setRaw(t, 'offline', reasonFields(report), report.ts);
    }
  }

  private setRaw(t: Track, raw: Raw, reason?: ReasonFields, at?: number): void {
    const changed = t.raw !== raw;
    if (raw === 'online') t.offlineBy = null;
    const now = this.ctx.clock.now();
    if (changed && t.raw !== 'unknown') this.countChange(t, raw, now);
    t.raw = raw;
    if (reason && hasReason(reason)) t.rawReason = reason;
    else if (raw === 'online') delete t.rawReason;
    this.update(t, at);
  }

  /**
   * Counts a change of the device's own towards flapping. Not counted: changes inside a maintenance window,
   * and changes its parent caused — going down while an ancestor is down, and coming back from that.
   */
  private countChange(t: Track, raw: Raw, now: number): void {
    const { entry } = t;
    if (raw === 'online') t.lastDownAt = null;
    if (this.maintenance.active(entry.village, entry.id, now)) return;
    if (raw === 'offline' && this.rootCause(entry)) {
      t.parentOutage = true;
      return;
    }
    if (raw === 'online' && t.parentOutage) {
      t.parentOutage = false;
      return;
    }
    t.parentOutage = false;
    if (raw === 'offline') t.lastDownAt = now;
    if (t.flap.record(now, raw === 'offline')) {
      this.ctx.bus.emit('flapping', {
        village: entry.village,
        device: entry.id,
        ts: now,
        flapping: true,
        changes: t.flap.count(now),
        outages: t.flap.outages(now),
        since: t.flap.firstChange(now) ?? now,
      });
    }
  }

  /**
   * A device whose own "offline" came shortly before its parent was found down (its Last Will can beat
   * the parent's timeout): the parent took it down, so that change is taken back from its flapping count.
   */
  private parentTookDown(t: Track, now: number): void {
    if (t.parentOutage || t.lastDownAt === null) return;
    if (now - t.lastDownAt > this.ctx.config.alerts.dependencyGraceS * 1000) return;
    t.flap.withdraw(t.lastDownAt);
    t.parentOutage = true;
    t.lastDownAt = null;
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
      this.setRaw(t, 'offline', hubReason(REASON_TIMEOUT), now);
    } else if (!t.confirmed) this.update(t);
    // Stay disarmed until the next message: nothing more can happen to a silent device.
  }

  /** The effective state: maintenance, then dependencies, then the device's own signals. */
  private effective(t: Track, now: number): Effective {
    const { entry } = t;
    const window = this.maintenance.active(entry.village, entry.id, now);
    if (window) {
      // The window's note stays the raw reason (as before codes); people read "under maintenance: <note>".
      return window.note
        ? { state: 'maintenance', reason: window.note, reasonCode: REASON_MAINTENANCE, reasonParams: { note: window.note } }
        : { state: 'maintenance', ...hubReason(REASON_MAINTENANCE) };
    }
    if (t.raw === 'online') return { state: 'online' };
    const cause = this.rootCause(entry);
    if (cause) return { state: 'unreachable', ...hubReason(REASON_PARENT), cause };
    if (t.raw === 'offline') return { state: 'offline', ...reasonFields(t.rawReason) };
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
    if (next.state === 'unreachable' && t.raw === 'offline') this.parentTookDown(t, now);
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
      // Still offline, for another reason (a poller's error changed): the reason shown follows.
      if (hasReason(next) && next.state === 'offline' && !sameReason(next, entry)) {
        setReason(entry, next);
        bus.emit('reason', { village: entry.village, device: entry.id, state: entry.state, since: entry.since, ...reasonFields(entry) });
      }
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
    setReason(entry, next);
    t.cause = next.cause;
    if (next.cause) entry.cause = next.cause;
    else delete entry.cause;
    this.persist({
      village: entry.village,
      device: entry.id,
      state: entry.state,
      since: ts,
      reason: entry.reason ?? null,
      reasonCode: entry.reasonCode ?? null,
      reasonParams: entry.reasonParams ?? null,
    });
    bus.emit('transition', {
      village: entry.village,
      device: entry.id,
      kind: entry.kind,
      ts,
      from,
      to: next.state,
      ...reasonFields(next),
      ...(next.cause ? { cause: next.cause } : {}),
      ...(t.flap.flapping ? { flapping: true } : {}),
    });
    for (const childKey of this.children.get(deviceKey({ village: entry.village, device: entry.id })) ?? []) {
      const child = this.tracks.get(childKey);
      if (child) this.update(child);
    }
  }

  /** A state database gone read-only or full must not keep a transition from the dashboard and the alerts. */
  private persist(saved: SavedDeviceState): void {
    try {
      this.repo.save(saved);
    } catch (err) {
      this.ctx.faults.report('state-db', err);
    }
  }

  private onTick(): void {
    const now = this.ctx.clock.now();
    for (const t of this.tracks.values()) {
      if (t.flap.settle(now)) {
        this.ctx.bus.emit('flapping', { village: t.entry.village, device: t.entry.id, ts: now, flapping: false, changes: 0, outages: 0 });
      }
      this.update(t);
    }
  }
}

/** Replaces the entry's reason fields with `r`'s (absent ones are removed). */
function setReason(entry: DeviceEntry, r: ReasonFields): void {
  const f = reasonFields(r);
  if (f.reason) entry.reason = f.reason;
  else delete entry.reason;
  if (f.reasonCode) entry.reasonCode = f.reasonCode;
  else delete entry.reasonCode;
  if (f.reasonParams) entry.reasonParams = f.reasonParams;
  else delete entry.reasonParams;
}
