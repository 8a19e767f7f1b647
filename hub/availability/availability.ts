import type { HubContext } from '../context.js';
import type { AvailabilityState, DeviceRef, StatusReport } from '../domain.js';
import { deviceKey } from '../domain.js';
import type { DeviceEntry } from '../registry.js';

const OWNER = 'availability';

/** Reason codes for transitions the hub decides itself; device-given reasons pass through as text. */
export const REASON_TIMEOUT = 'timeout';

interface Track {
  timer: NodeJS.Timeout | null;
  /** Set once a device has sent a status message: from then on status, not telemetry, brings it back online. */
  statusDriven: boolean;
  /** Why it is offline: an explicit status holds until the device says online; a timeout clears on any message. */
  offlineBy: 'status' | 'timeout' | null;
}

/**
 * Per-device availability, first cut (DESIGN.md §4): online/offline from status messages and Last Wills,
 * offline after `timeoutS` without any valid message. Every transition goes on the bus.
 *
 * Heartbeat timers are not reset per message (that would cost a timer per message at high rates): each device
 * has one timer that, when it fires, re-arms itself for the remaining time if the device was seen meanwhile.
 */
export class Availability {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly ctx: HubContext) {}

  start(): void {
    const { bus, devices } = this.ctx;
    bus.on(OWNER, 'seen', (e) => this.onSeen(e, e.ts));
    bus.on(OWNER, 'status', (e) => this.onStatus(e));
    // Every configured device must say something within its timeout after the hub starts.
    for (const entry of devices.all()) this.arm(entry, this.track(entry));
  }

  stop(): void {
    this.ctx.bus.offOwner(OWNER);
    for (const t of this.tracks.values()) if (t.timer) this.ctx.clock.clearTimeout(t.timer);
    this.tracks.clear();
  }

  private track(entry: DeviceEntry): Track {
    const key = deviceKey({ village: entry.village, device: entry.id });
    let t = this.tracks.get(key);
    if (!t) {
      t = { timer: null, statusDriven: false, offlineBy: null };
      this.tracks.set(key, t);
    }
    return t;
  }

  private onSeen(ref: DeviceRef, ts: number): void {
    const entry = this.ctx.devices.get(ref);
    if (!entry) return;
    entry.lastSeen = ts;
    const t = this.track(entry);
    if (!t.timer) this.arm(entry, t);
    // Any message proves a silent device alive; it does not overrule the device's own "offline".
    if (entry.state === 'unknown' && !t.statusDriven) this.transition(entry, t, 'online');
    else if (entry.state === 'offline' && t.offlineBy === 'timeout') this.transition(entry, t, 'online');
  }

  private onStatus(report: StatusReport): void {
    const entry = this.ctx.devices.get(report);
    if (!entry) return;
    const t = this.track(entry);
    t.statusDriven = true;
    if (report.state === 'online') {
      if (entry.state !== 'online') this.transition(entry, t, 'online', undefined, report.ts);
    } else {
      t.offlineBy = 'status';
      if (entry.state !== 'offline') this.transition(entry, t, 'offline', report.reason, report.ts);
      else if (report.reason && entry.reason !== report.reason) entry.reason = report.reason;
    }
  }

  private arm(entry: DeviceEntry, t: Track): void {
    const { clock } = this.ctx;
    const timeoutMs = entry.timeoutS * 1000;
    const base = entry.lastSeen ?? clock.now();
    const wait = Math.max(0, base + timeoutMs - clock.now());
    t.timer = clock.setTimeout(() => this.expire(entry, t), wait);
  }

  private expire(entry: DeviceEntry, t: Track): void {
    const { clock } = this.ctx;
    t.timer = null;
    const timeoutMs = entry.timeoutS * 1000;
    const now = clock.now();
    const silentFor = entry.lastSeen === null ? null : now - entry.lastSeen;
    if (silentFor !== null && silentFor < timeoutMs) {
      this.arm(entry, t);
      return;
    }
    if (entry.state !== 'offline') {
      t.offlineBy = 'timeout';
      this.transition(entry, t, 'offline', REASON_TIMEOUT, now);
    }
    // Stay disarmed until the next message: nothing more can happen to a silent device.
  }

  private transition(entry: DeviceEntry, t: Track, to: AvailabilityState, reason?: string, at?: number): void {
    const from = entry.state;
    if (to === 'online') t.offlineBy = null;
    // A device clock may be off: never date a transition before the previous one or in the future.
    const now = this.ctx.clock.now();
    let ts = at === undefined || at > now ? now : at;
    if (entry.since !== null && ts < entry.since) ts = entry.since;
    entry.state = to;
    entry.since = ts;
    if (reason) entry.reason = reason;
    else delete entry.reason;
    this.ctx.bus.emit('transition', {
      village: entry.village,
      device: entry.id,
      kind: entry.kind,
      ts,
      from,
      to,
      ...(reason ? { reason } : {}),
    });
  }
}
