import type { ThresholdRule } from '../config/alerts.js';
import type { HubContext } from '../context.js';
import type { Alert, Reading, Transition } from '../core/domain.js';
import { deviceKey } from '../core/domain.js';
import type { DeviceEntry } from '../registry/registry.js';
import { alertKeys, type AlertSink } from './sink.js';

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
  /** deviceKey of the device it is about. */
  device: string;
  timer: NodeJS.Timeout | null;
  fired: boolean;
  value: number;
}

/**
 * Threshold rules on telemetry with hold times (DESIGN.md §6). Nothing is held for a device in maintenance:
 * a hold that began before a window is dropped when it opens, readings inside it start none, so leaving the
 * window never fires for what happened inside it (the hold starts again from the next reading).
 */
export class ThresholdAlerts {
  private readonly holds = new Map<string, Hold>();

  constructor(
    private readonly ctx: HubContext,
    private readonly sink: AlertSink,
  ) {}

  stop(): void {
    for (const h of this.holds.values()) if (h.timer) this.ctx.clock.clearTimeout(h.timer);
    this.holds.clear();
  }

  /** An alert fired before a restart; false when its rule is gone (the caller closes it). */
  restore(a: Alert): boolean {
    const ref = a.device === null ? null : { village: a.village, device: a.device };
    if (!ref || !this.ctx.config.alerts.rules.some((r) => alertKeys.threshold(r.id, ref) === a.key)) return false;
    // Fired already: the next reading that no longer holds resolves it.
    this.holds.set(a.key, { device: deviceKey(ref), timer: null, fired: true, value: Number.NaN });
    return true;
  }

  onTransition(t: Transition): void {
    if (t.to === 'maintenance') this.dropPending(deviceKey(t));
  }

  onReading(r: Reading, entry: DeviceEntry): void {
    const { clock } = this.ctx;
    if (entry.state === 'maintenance') {
      this.dropPending(deviceKey(r));
      return;
    }
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
        if (hold.fired) this.sink.resolve(key, 'cleared');
        continue;
      }
      if (hold) {
        hold.value = value;
        continue;
      }
      const h: Hold = { device: deviceKey(r), timer: null, fired: false, value };
      this.holds.set(key, h);
      // The hold runs on a timer, not on the next reading, so it fires exactly forS after it began.
      if (rule.forS === 0) this.fire(rule, entry, key, h);
      else h.timer = clock.setTimeout(() => this.fire(rule, entry, key, h), rule.forS * 1000);
    }
  }

  /** Holds of a device that have not fired yet (fired ones keep their alert until the value is normal). */
  private dropPending(device: string): void {
    for (const [key, h] of this.holds) {
      if (h.device !== device || h.fired) continue;
      if (h.timer) this.ctx.clock.clearTimeout(h.timer);
      this.holds.delete(key);
    }
  }

  private fire(rule: ThresholdRule, entry: DeviceEntry, key: string, h: Hold): void {
    h.timer = null;
    // A device that went down keeps its last value; the availability alert (or maintenance) covers it.
    if (entry.state === 'offline' || entry.state === 'unreachable' || entry.state === 'maintenance') {
      this.holds.delete(key);
      return;
    }
    h.fired = true;
    this.sink.fire({
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
}
