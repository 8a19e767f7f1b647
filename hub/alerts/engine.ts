import type { HubContext } from '../context.js';
import type { Alert, AlertChange, DeviceEvent, InternetState, Reading, Transition } from '../core/domain.js';
import { HUB_WIDE } from '../../shared/events.js';
import { EventAlerts } from './event-alerts.js';
import { MeetingSchedule, type MeetingAlertSink } from './meetings.js';
import { OutageAlerts } from './outages.js';
import { alertKeys, type AlertSink } from './sink.js';
import { AlertStore, type AckResult, type NewAlert } from './store.js';
import { ThresholdAlerts } from './thresholds.js';

export { alertKeys } from './sink.js';
export { compare, ruleMatches } from './thresholds.js';

const OWNER = 'alerts';
/** setTimeout holds at most ~24.8 days; longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Decides and records alerts (DESIGN.md §6) from bus events: availability transitions and flapping
 * (outages.ts), telemetry thresholds with hold times (thresholds.ts), critical device events
 * (event-alerts.ts), the hub's Internet link and meeting readiness. Every change goes on the bus as
 * `alert`; notifications listen there. Alerts live in SQLite: after a restart open ones are reloaded, not
 * fired again, and clear only once availability has re-confirmed the device.
 */
export class AlertEngine implements MeetingAlertSink, AlertSink {
  readonly store: AlertStore;
  readonly meetings: MeetingSchedule;
  private readonly outages: OutageAlerts;
  private readonly thresholds: ThresholdAlerts;
  private readonly events: EventAlerts;
  private readonly escalations = new Map<number, NodeJS.Timeout>();
  private internet: InternetState['state'] | undefined;

  /**
   * `devices: false` (central mode): the village hubs judge their own devices and forward their alerts;
   * this engine keeps the lifecycle, escalation and the `alert` events only.
   */
  constructor(
    private readonly ctx: HubContext,
    private readonly opts: { devices?: boolean } = {},
  ) {
    this.store = new AlertStore(ctx.state);
    this.meetings = new MeetingSchedule(ctx, this);
    this.outages = new OutageAlerts(ctx, this);
    this.thresholds = new ThresholdAlerts(ctx, this);
    this.events = new EventAlerts(this);
  }

  /** Start before availability and the internet probe, so their first events are seen. */
  start(): void {
    const { bus } = this.ctx;
    const meetingKeys: string[] = [];
    for (const a of this.store.listOpen()) this.restore(a, meetingKeys);
    if (this.opts.devices === false) {
      for (const a of this.store.listOpen()) this.scheduleEscalation(a);
      return;
    }
    bus.on(OWNER, 'transition', (t) => this.onTransition(t));
    bus.on(OWNER, 'flapping', (e) => {
      const entry = this.ctx.devices.get(e);
      if (entry?.registered) this.outages.onFlapping(e, entry);
    });
    bus.on(OWNER, 'reading', (r) => this.onReading(r));
    bus.on(OWNER, 'device-event', (e) => this.onDeviceEvent(e));
    bus.on(OWNER, 'internet', (u) => this.onInternet(u));
    this.meetings.start(meetingKeys);
  }

  stop(): void {
    const { clock } = this.ctx;
    this.ctx.bus.offOwner(OWNER);
    this.meetings.stop();
    this.outages.stop();
    this.thresholds.stop();
    for (const t of this.escalations.values()) clock.clearTimeout(t);
    this.escalations.clear();
    this.internet = undefined;
  }

  /** `quiet`: recorded and shown, nobody notified (history replayed by a village hub after an outage). */
  fire(a: NewAlert, opts: { quiet?: boolean; at?: number } = {}): Alert {
    const { alert, created } = this.store.open(a, opts.at ?? this.ctx.clock.now());
    if (created) {
      this.emit('fired', alert, opts.quiet);
      this.scheduleEscalation(alert);
    }
    return alert;
  }

  /** Resolves the open alert with this key, if any; `note` records why (a short reason code). */
  resolve(key: string, note: string, opts: { quiet?: boolean; at?: number } = {}): Alert | undefined {
    const alert = this.store.resolve(key, opts.at ?? this.ctx.clock.now(), note);
    if (alert) {
      this.clearEscalation(alert.id);
      // Why it was resolved travels with the event so messages can say "removed" rather than "back online".
      this.emit('resolved', { ...alert, detail: { ...alert.detail, resolution: note } }, opts.quiet);
    }
    return alert;
  }

  /**
   * `by` is the name the person typed: there are no user accounts yet. A device event's alert is over once
   * someone has seen it: acknowledging resolves it (quietly: the acknowledgement's message says so).
   */
  acknowledge(id: number, by: string, note?: string): AckResult {
    const r = this.store.acknowledge(id, by, note ?? null, this.ctx.clock.now());
    if (r.result === 'acknowledged') {
      this.clearEscalation(id);
      this.emit('acknowledged', r.alert);
      if (r.alert.condition === 'event') return { result: 'acknowledged', alert: this.resolve(r.alert.key, 'acknowledged', { quiet: true }) ?? r.alert };
    }
    return r;
  }

  /** The hub's Internet link serves every village: the same state whatever the village. */
  internetState(_village: string): InternetState['state'] | undefined {
    return this.internet;
  }

  private restore(a: Alert, meetingKeys: string[]): void {
    // Central mode learns its devices from the villages after starting: nothing to check against yet.
    if (this.opts.devices === false) return;
    const ref = a.device === null ? null : { village: a.village, device: a.device };
    // A device taken out of the config, or a rule removed, can never clear its alert: close it now.
    if (ref && !this.ctx.devices.get(ref)) {
      this.resolve(a.key, 'device-removed');
      return;
    }
    if (a.condition === 'threshold' && !this.thresholds.restore(a)) {
      this.resolve(a.key, 'rule-removed');
      return;
    }
    // An Internet alert per village, from before the link had one hub-wide alert: the hub-wide one takes over.
    if (a.condition === 'internet-down' && a.village !== HUB_WIDE) {
      this.resolve(a.key, 'hub-wide', { quiet: true });
      return;
    }
    if (a.condition === 'flapping' && ref) this.outages.restoreFlapping(ref);
    else if (a.condition === 'meeting-not-ready') meetingKeys.push(a.key);
    this.scheduleEscalation(a);
  }

  private onTransition(t: Transition): void {
    const entry = this.ctx.devices.get(t);
    // Unregistered publishers are not watched until an admin adopts them.
    if (!entry?.registered) return;
    this.outages.onTransition(t, entry);
    this.thresholds.onTransition(t);
    if (this.meetings.watching(t.village)) this.meetings.evaluate();
  }

  private onReading(r: Reading): void {
    const entry = this.ctx.devices.get(r);
    if (!entry?.registered) return;
    // A meeting set that reports its own verdict: re-check the meetings of its village.
    if (r.fields.ready !== undefined && entry.kind === 'meeting-room' && this.meetings.watching(r.village)) this.meetings.evaluate();
    this.thresholds.onReading(r, entry);
  }

  private onDeviceEvent(e: DeviceEvent): void {
    const entry = this.ctx.devices.get(e);
    if (entry?.registered) this.events.onEvent(e, entry);
  }

  /** One link, one alert: the hub's Internet link is down for all its villages at once (HUB_WIDE). */
  private onInternet(u: InternetState): void {
    this.internet = u.state;
    const key = alertKeys.internet();
    if (u.state === 'down') {
      const coded = u.reasonCode ? { reasonCode: u.reasonCode, ...(u.reasonParams ? { reasonParams: u.reasonParams } : {}) } : {};
      this.fire({ key, village: HUB_WIDE, device: null, condition: 'internet-down', severity: 'critical', detail: { reason: u.reason ?? null, ...coded, since: u.ts } });
    } else if (u.state === 'up') {
      this.resolve(key, 'up');
    }
    if (this.ctx.config.villages.some((v) => this.meetings.watching(v.id))) this.meetings.evaluate();
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

  private emit(change: AlertChange, alert: Alert, quiet = false): void {
    this.ctx.bus.emit('alert', { change, alert, ts: this.ctx.clock.now(), ...(quiet ? { quiet: true } : {}) });
  }
}
