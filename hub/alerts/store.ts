import type { Alert, AlertCondition, AlertStatus, Severity } from '../core/domain.js';
import type { StateDb } from '../state/db.js';
import { HUB_WIDE } from '../../shared/events.js';

export type AlertAction = 'fired' | 'acknowledged' | 'escalated' | 'resolved' | 'note';

export interface AlertHistoryEntry {
  ts: number;
  action: AlertAction;
  /** Who did it; null when the hub itself did (fired, escalated, resolved by a rule). */
  who: string | null;
  note: string | null;
}

export interface NewAlert {
  key: string;
  village: string;
  device: string | null;
  condition: AlertCondition;
  severity: Severity;
  detail: Alert['detail'];
}

/** `open` = firing or acknowledged. */
export type AlertStatusFilter = 'open' | AlertStatus | 'all';

export interface AlertQuery {
  status?: AlertStatusFilter;
  village?: string;
  /** Only these villages (and hub-wide alerts): what a leader or a limited viewer may read. */
  villages?: readonly string[];
  /** Alerts still open at or after this instant (ms): open ones, and ones resolved since. */
  since?: number;
  /** Only this device's alerts (of `village`). */
  device?: string;
  condition?: AlertCondition;
  /** Alerts that were open at some time in [from, to): started before `to`, not resolved before `from`. */
  from?: number;
  to?: number;
  limit: number;
  /** Cursor: only alerts with a smaller id (the `next` of the previous page). */
  before?: number;
}

export type AckResult =
  | { result: 'acknowledged' | 'unchanged' | 'resolved'; alert: Alert }
  | { result: 'missing' };

interface Row {
  id: number;
  key: string;
  village: string;
  device: string | null;
  condition: AlertCondition;
  severity: Severity;
  status: AlertStatus;
  started_at: number;
  acked_at: number | null;
  acked_by: string | null;
  ack_note: string | null;
  resolved_at: number | null;
  escalated_at: number | null;
  detail: string;
}

function toAlert(r: Row): Alert {
  return {
    id: r.id,
    key: r.key,
    village: r.village,
    device: r.device,
    condition: r.condition,
    severity: r.severity,
    status: r.status,
    startedAt: r.started_at,
    ackedAt: r.acked_at,
    ackedBy: r.acked_by,
    ackNote: r.ack_note,
    resolvedAt: r.resolved_at,
    escalatedAt: r.escalated_at,
    detail: JSON.parse(r.detail) as Alert['detail'],
  };
}

/**
 * Alerts and their history in the hub's SQLite state (DESIGN.md §6), so a restart keeps them.
 * One open (firing or acknowledged) alert per key, enforced by a partial unique index.
 */
export class AlertStore {
  constructor(private readonly db: StateDb) {}

  get(id: number): Alert | undefined {
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as Row | undefined;
    return row ? toAlert(row) : undefined;
  }

  getOpen(key: string): Alert | undefined {
    const row = this.db.prepare("SELECT * FROM alerts WHERE key = ? AND status != 'resolved'").get(key) as Row | undefined;
    return row ? toAlert(row) : undefined;
  }

  /** Opens an alert for `a.key`, or returns the one already open (`created: false`). */
  open(a: NewAlert, ts: number): { alert: Alert; created: boolean } {
    return this.db.transaction(() => {
      const existing = this.getOpen(a.key);
      if (existing) return { alert: existing, created: false };
      const r = this.db
        .prepare(
          `INSERT INTO alerts (key, village, device, condition, severity, status, started_at, detail)
           VALUES (?, ?, ?, ?, ?, 'firing', ?, ?)`,
        )
        .run(a.key, a.village, a.device, a.condition, a.severity, ts, JSON.stringify(a.detail));
      const id = Number(r.lastInsertRowid);
      this.addHistory(id, ts, 'fired', null, null);
      return { alert: this.get(id) as Alert, created: true };
    })();
  }

  /** Acknowledging twice leaves the first acknowledgement (who, when, note) as it was. */
  acknowledge(id: number, who: string, note: string | null, ts: number): AckResult {
    return this.db.transaction((): AckResult => {
      const alert = this.get(id);
      if (!alert) return { result: 'missing' };
      if (alert.status === 'resolved') return { result: 'resolved', alert };
      if (alert.status === 'acknowledged') return { result: 'unchanged', alert };
      this.db
        .prepare("UPDATE alerts SET status = 'acknowledged', acked_at = ?, acked_by = ?, ack_note = ? WHERE id = ?")
        .run(ts, who, note, id);
      this.addHistory(id, ts, 'acknowledged', who, note);
      return { result: 'acknowledged', alert: this.get(id) as Alert };
    })();
  }

  /** Marks a still-firing alert escalated, once; undefined when it was acknowledged, resolved or escalated already. */
  markEscalated(id: number, ts: number): Alert | undefined {
    return this.db.transaction(() => {
      const r = this.db
        .prepare("UPDATE alerts SET escalated_at = ? WHERE id = ? AND status = 'firing' AND escalated_at IS NULL")
        .run(ts, id);
      if (r.changes === 0) return undefined;
      this.addHistory(id, ts, 'escalated', null, null);
      return this.get(id);
    })();
  }

  /** Resolves the open alert with this key (string) or id (number); undefined when there is none. */
  resolve(target: string | number, ts: number, note: string | null = null, who: string | null = null): Alert | undefined {
    return this.db.transaction(() => {
      const alert = typeof target === 'number' ? this.get(target) : this.getOpen(target);
      if (!alert || alert.status === 'resolved') return undefined;
      this.db.prepare("UPDATE alerts SET status = 'resolved', resolved_at = ? WHERE id = ?").run(ts, alert.id);
      this.addHistory(alert.id, ts, 'resolved', who, note);
      return this.get(alert.id);
    })();
  }

  /** Replaces the facts of an open alert (e.g. how many devices a root cause took down). */
  updateDetail(id: number, detail: Alert['detail']): void {
    this.db.prepare("UPDATE alerts SET detail = ? WHERE id = ? AND status != 'resolved'").run(JSON.stringify(detail), id);
  }

  addNote(id: number, who: string | null, note: string, ts: number): void {
    this.addHistory(id, ts, 'note', who, note);
  }

  listOpen(): Alert[] {
    return (this.db.prepare("SELECT * FROM alerts WHERE status != 'resolved' ORDER BY id").all() as Row[]).map(toAlert);
  }

  /** Newest first. */
  list(q: AlertQuery): Alert[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const status = q.status ?? 'open';
    if (status === 'open') where.push("status != 'resolved'");
    else if (status !== 'all') {
      where.push('status = ?');
      args.push(status);
    }
    if (q.village !== undefined) {
      // Hub-wide alerts (the hub's Internet link) belong to every village.
      where.push('(village = ? OR village = ?)');
      args.push(q.village, HUB_WIDE);
    }
    if (q.villages !== undefined) {
      where.push(`village IN (${[HUB_WIDE, ...q.villages].map(() => '?').join(', ')})`);
      args.push(HUB_WIDE, ...q.villages);
    }
    if (q.since !== undefined) {
      where.push('(resolved_at IS NULL OR resolved_at >= ?)');
      args.push(q.since);
    }
    if (q.device !== undefined) {
      where.push('device = ?');
      args.push(q.device);
    }
    if (q.condition !== undefined) {
      where.push('condition = ?');
      args.push(q.condition);
    }
    if (q.from !== undefined) {
      where.push('(resolved_at IS NULL OR resolved_at >= ?)');
      args.push(q.from);
    }
    if (q.to !== undefined) {
      where.push('started_at < ?');
      args.push(q.to);
    }
    if (q.before !== undefined) {
      where.push('id < ?');
      args.push(q.before);
    }
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as Row[]).map(toAlert);
  }

  history(id: number): AlertHistoryEntry[] {
    return this.db
      .prepare('SELECT ts, action, who, note FROM alert_history WHERE alert_id = ? ORDER BY id')
      .all(id) as AlertHistoryEntry[];
  }

  private addHistory(id: number, ts: number, action: AlertAction, who: string | null, note: string | null): void {
    this.db.prepare('INSERT INTO alert_history (alert_id, ts, action, who, note) VALUES (?, ?, ?, ?, ?)').run(id, ts, action, who, note);
  }
}
