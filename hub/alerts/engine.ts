import type { ThresholdRule } from '../config/alerts.js';
import type { HubContext } from '../context.js';
import type { Alert, AlertChange, DeviceRef, Reading, ReasonFields, Transition, InternetState } from '../core/domain.js';
import { deviceKey } from '../core/domain.js';
import type { DeviceEntry } from '../registry/registry.js';
import { MeetingSchedule, type MeetingAlertSink } from './meetings.js';
import { AlertStore, type AckResult, type NewAlert } from './store.js';

const OWNER = 'alerts';
/** setTimeout holds at most ~24.8 days; longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/** The identity of each kind of alert: one open alert per key. */
export const alertKeys = {
  offline: (r: DeviceRef) => `offline:${deviceKey(r)}`,
  root: (r: DeviceRef) => `unreachable-root:${deviceKey(r)}`,
  flapping: (r: DeviceRef) => `flapping:${deviceKey(r)}`,
  threshold: (ruleId: string, r: DeviceRef) => `threshold:${ruleId}:${deviceKey(r)}`,
  internet: (village: string) => `internet-down:${village}`,
};

export function compare(v: number, op: ThresholdRule['op'], limit: number): boolean {
  switch (op) {
    case '>':
      return v > limit;
    case '>=':
      return v >= limit;
    case '<':
      return v < limit;
    case '<=':
      return v <= limit;
    case '==':
      return v === limit;
    case '!=':
      return v !== limit;
  }
}

/** A rule names a kind, devices, or both (then both must match); with neither it applies to every device. */
export function ruleMatches(rule: ThresholdRule, r: Pick<Reading, 'kind' | 'device'>): boolean {
  if (rule.kind !== undefined && rule.kind !== r.kind) return false;
  if (rule.devices !== undefined && !rule.devices.includes(r.device)) return false;
  return true;
}

/** A rule's label as alert detail: `label` in Vietnamese (or the one text given), `labelEn` when there is one. */
function labelDetail(label: ThresholdRule['label']): { label: string | null; labelEn?: string } {
  if (label === undefined) return { label: null };
  if (typeof label === 'string') return { label };
  return { label: label.vi, labelEn: label.en };
}

/** A threshold condition that holds: pending until its hold time has passed, then fired. */
interface Hold {
  timer: NodeJS.Timeout | null;
  fired: boolean;
  value: number;
}

/**
 * Decides and records alerts (DESIGN.md §6) from bus events: availability transitions, flapping, telemetry
 * thresholds with hold times, the village internet and meeting readiness. Every change goes on the bus as
 * `alert`; notifications listen there. Alerts live in SQLite: after a restart open ones are reloaded, not
 * fired again, and clear only once availability has re-confirmed the device.
 */
export class AlertEngine implements MeetingAlertSink {
  readonly store: AlertStore;
  readonly meetings: MeetingSchedule;
  private readonly holds = new Map<string, Hold>();
  private readonly escalations = new Map<number, NodeJS.Timeout>();
  private readonly flapping = new Set<string>();
  /** Devices with a flapping alert from before a restart: availability no longer knows they flapped. */
  private readonly staleFlapping = new Set<string>();
  private readonly internets = new Map<string, InternetState['state']>();
  /** Devices that went from unreachable to offline, given their timeout to show they are alive (see onTransition). */
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: HubContext) {
    this.store = new AlertStore(ctx.state);
    this.meetings = new MeetingSchedule(ctx, this);
  }

  /** Start before availability and the internet probe, so their first events are seen. */
  start(): void {
    const { bus } = this.ctx;
    const meetingKeys: string[] = [];
    for (const a of this.store.listOpen()) this.restore(a, meetingKeys);
    bus.on(OWNER, 'transition', (t) => this.onTransition(t));
    bus.on(OWNER, 'flapping', (e) => this.onFlapping(e));
    bus.on(OWNER, 'reading', (r) => this.onReading(r));
    bus.on(OWNER, 'internet', (u) => this.onInternet(u));
    this.meetings.start(meetingKeys);
  }

  stop(): void {
    const { clock } = this.ctx;
    this.ctx.bus.offOwner(OWNER);
    this.meetings.stop();
    for (const h of this.holds.values()) if (h.timer) clock.clearTimeout(h.timer);
    for (const t of this.escalations.values()) clock.clearTimeout(t);
    for (const t of this.graceTimers.values()) clock.clearTimeout(t);
    this.graceTimers.clear();
    this.holds.clear();
    this.escalations.clear();
    this.flapping.clear();
    this.staleFlapping.clear();
    this.internets.clear();
  }

  /** Opens the alert unless one is open for its key already (then nothing happens). */
  fire(a: NewAlert): Alert {
    const { alert, created } = this.store.open(a, this.ctx.clock.now());
    if (created) {
      this.emit('fired', alert);
      this.scheduleEscalation(alert);
    }
    return alert;
  }

  /** Resolves the open alert with this key, if any; `note` records why (a short reason code). */
  resolve(key: string, note: string): Alert | undefined {
    const alert = this.store.resolve(key, this.ctx.clock.now(), note);
    if (alert) {
      this.clearEscalation(alert.id);
      // Why it was resolved travels with the event so messages can say "removed" rather than "back online".
      this.emit('resolved', { ...alert, detail: { ...alert.detail, resolution: note } });
    }
    return alert;
  }

  /** `by` is the name the person typed: there are no user accounts yet. */
  acknowledge(id: number, by: string, note?: string): AckResult {
    const r = this.store.acknowledge(id, by, note ?? null, this.ctx.clock.now());
    if (r.result === 'acknowledged') {
      this.clearEscalation(id);
      this.emit('acknowledged', r.alert);
    }
    return r;
  }

  internetState(village: string): InternetState['state'] | undefined {
    return this.internets.get(village);
  }

  private restore(a: Alert, meetingKeys: string[]): void {
    const ref = a.device === null ? null : { village: a.village, device: a.device };
    // A device taken out of the config, or a rule removed, can never clear its alert: close it now.
    if (ref && !this.ctx.devices.get(ref)) {
      this.resolve(a.key, 'device-removed');
      return;
    }
    if (a.condition === 'threshold') {
      if (!ref || !this.ctx.config.alerts.rules.some((r) => alertKeys.threshold(r.id, ref) === a.key)) {
        this.resolve(a.key, 'rule-removed');
        return;
      }
      // Fired already: the next reading that no longer holds resolves it.
      this.holds.set(a.key, { timer: null, fired: true, value: Number.NaN });
    } else if (a.condition === 'flapping' && ref) {
      this.staleFlapping.add(deviceKey(ref));
    } else if (a.condition === 'meeting-not-ready') {
      meetingKeys.push(a.key);
    }
    this.scheduleEscalation(a);
  }

  private onTransition(t: Transition): void {
    const entry = this.ctx.devices.get(t);
    // Unregistered publishers are not watched until an admin adopts them.
    if (!entry?.registered) return;
    const key = deviceKey(t);
    const grace = this.graceTimers.get(key);
    if (grace) this.ctx.clock.clearTimeout(grace);
    this.graceTimers.delete(key);
    const confirmed = t.to === 'online' || t.to === 'offline';
    // A transition not marked flapping proves availability does not consider the device flapping (any more).
    if (!t.flapping && confirmed && this.staleFlapping.delete(key)) this.resolve(alertKeys.flapping(t), 'not-flapping');
    switch (t.to) {
      case 'offline':
        // While flapping the one flapping alert stands for every change.
        if (t.flapping || this.flapping.has(key)) break;
        // Behind a parent that was down, a device's heartbeat ran out (or its Last Will came): when the parent
        // is back it shows offline until its next message. Give it its timeout before calling that an outage.
        if (t.from === 'unreachable') this.graceTimers.set(key, this.ctx.clock.setTimeout(() => this.afterGrace(entry, t), entry.timeoutS * 1000));
        // Behind a parent, wait briefly: if the parent is down too, this becomes unreachable and stays silent.
        else if (entry.parent && this.ctx.config.alerts.dependencyGraceS > 0) {
          this.graceTimers.set(key, this.ctx.clock.setTimeout(() => this.afterGrace(entry, t), this.ctx.config.alerts.dependencyGraceS * 1000));
        } else this.fireOffline(entry, t, t.ts);
        break;
      case 'online':
        this.resolve(alertKeys.offline(t), 'online');
        this.resolve(alertKeys.root(t), 'online');
        break;
      case 'unreachable':
        // No alert of its own: the root cause's alert covers it. An offline alert it had stays open.
        if (t.cause) this.countUnreachable(t.village, t.cause);
        break;
      default:
        // maintenance: no new alerts; unknown: nothing is known (a restart is not a recovery).
        break;
    }
    if (this.meetings.watching(t.village)) this.meetings.evaluate();
  }

  private afterGrace(entry: DeviceEntry, t: Transition): void {
    this.graceTimers.delete(deviceKey(t));
    if (entry.state === 'offline' && !this.flapping.has(deviceKey(t))) this.fireOffline(entry, t, t.ts);
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
    const affected = this.descendants(entry).length;
    if (affected > 0) {
      this.fire({ key: alertKeys.root(ref), ...ref, condition: 'unreachable-root', severity: 'critical', detail: { ...detail, affected } });
    } else {
      this.fire({ key: alertKeys.offline(ref), ...ref, condition: 'offline', severity: 'critical', detail });
    }
  }

  /** Keeps the root cause's alert up to date with how many devices behind it are unreachable now. */
  private countUnreachable(village: string, cause: string): void {
    const root = this.ctx.devices.get({ village, device: cause });
    const alert = root && this.store.getOpen(alertKeys.root({ village, device: cause }));
    if (!root || !alert) return;
    const below = this.descendants(root);
    this.store.updateDetail(alert.id, { ...alert.detail, affected: below.length, unreachable: below.filter((e) => e.state === 'unreachable').length });
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

  private onFlapping(e: DeviceRef & { flapping: boolean; changes: number }): void {
    const entry = this.ctx.devices.get(e);
    if (!entry?.registered) return;
    const key = deviceKey(e);
    this.staleFlapping.delete(key);
    if (e.flapping) {
      this.flapping.add(key);
      this.fire({
        key: alertKeys.flapping(e),
        village: e.village,
        device: e.device,
        condition: 'flapping',
        severity: 'warning',
        detail: { name: entry.name, kind: entry.kind, changes: e.changes, windowS: this.ctx.config.alerts.flapping.windowS },
      });
      return;
    }
    this.flapping.delete(key);
    this.resolve(alertKeys.flapping(e), 'settled');
    // It settled down, and down it stays: now that is news.
    if (entry.state === 'offline') this.fireOffline(entry, entry, entry.since ?? this.ctx.clock.now());
  }

  private onReading(r: Reading): void {
    const entry = this.ctx.devices.get(r);
    if (!entry?.registered) return;
    const { clock } = this.ctx;
    // A meeting set that reports its own verdict: re-check the meetings of its village.
    if (r.fields.ready !== undefined && entry.kind === 'meeting-room' && this.meetings.watching(r.village)) this.meetings.evaluate();
    for (const rule of this.ctx.config.alerts.rules) {
      if (!ruleMatches(rule, r)) continue;
      const raw = r.fields[rule.metric];
      if (raw === undefined) continue;
      const value = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
      const key = alertKeys.threshold(rule.id, r);
      const hold = this.holds.get(key);
      if (!compare(rule.abs ? Math.abs(value) : value, rule.op, rule.value)) {
        if (!hold) continue;
        this.holds.delete(key);
        if (hold.timer) clock.clearTimeout(hold.timer);
        if (hold.fired) this.resolve(key, 'cleared');
        continue;
      }
      if (hold) {
        hold.value = value;
        continue;
      }
      const h: Hold = { timer: null, fired: false, value };
      this.holds.set(key, h);
      // The hold runs on a timer, not on the next reading, so it fires exactly forS after it began.
      if (rule.forS === 0) this.fireThreshold(rule, entry, key, h);
      else h.timer = clock.setTimeout(() => this.fireThreshold(rule, entry, key, h), rule.forS * 1000);
    }
  }

  private fireThreshold(rule: ThresholdRule, entry: DeviceEntry, key: string, h: Hold): void {
    h.timer = null;
    // A device that went down keeps its last value; the availability alert (or maintenance) covers it.
    if (entry.state === 'offline' || entry.state === 'unreachable' || entry.state === 'maintenance') {
      this.holds.delete(key);
      return;
    }
    h.fired = true;
    this.fire({
      key,
      village: entry.village,
      device: entry.id,
      condition: 'threshold',
      severity: rule.severity,
      detail: {
        name: entry.name,
        kind: entry.kind,
        rule: rule.id,
        metric: rule.metric,
        value: h.value,
        op: rule.op,
        threshold: rule.value,
        abs: rule.abs,
        forS: rule.forS,
        ...labelDetail(rule.label),
      },
    });
  }

  private onInternet(u: InternetState): void {
    this.internets.set(u.village, u.state);
    const key = alertKeys.internet(u.village);
    if (u.state === 'down') {
      const name = this.ctx.config.villages.find((v) => v.id === u.village)?.name ?? u.village;
      const coded = u.reasonCode ? { reasonCode: u.reasonCode, ...(u.reasonParams ? { reasonParams: u.reasonParams } : {}) } : {};
      this.fire({ key, village: u.village, device: null, condition: 'internet-down', severity: 'critical', detail: { name, reason: u.reason ?? null, ...coded, since: u.ts } });
    } else if (u.state === 'up') {
      this.resolve(key, 'up');
    }
    if (this.meetings.watching(u.village)) this.meetings.evaluate();
  }

  private scheduleEscalation(a: Alert): void {
    if (a.status !== 'firing' || a.escalatedAt !== null || this.escalations.has(a.id)) return;
    const { clock } = this.ctx;
    const due = a.startedAt + this.ctx.config.alerts.escalateAfterS * 1000;
    const wake = (): void => {
      const now = clock.now();
      if (now < due) {
        this.escalations.set(a.id, clock.setTimeout(wake, Math.min(due - now, MAX_TIMER_MS)));
        return;
      }
      this.escalations.delete(a.id);
      const escalated = this.store.markEscalated(a.id, now);
      if (escalated) this.emit('escalated', escalated);
    };
    this.escalations.set(a.id, clock.setTimeout(wake, Math.min(Math.max(0, due - clock.now()), MAX_TIMER_MS)));
  }

  private clearEscalation(id: number): void {
    const t = this.escalations.get(id);
    if (t) this.ctx.clock.clearTimeout(t);
    this.escalations.delete(id);
  }

  private emit(change: AlertChange, alert: Alert): void {
    this.ctx.bus.emit('alert', { change, alert, ts: this.ctx.clock.now() });
  }
}
