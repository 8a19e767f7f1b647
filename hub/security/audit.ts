import type { StateDb } from '../state/db.js';

/** What the audit log records: every change people make through the dashboard, the API or the CLI. */
export type AuditAction =
  | 'login'
  | 'login-failed'
  | 'logout'
  | 'alert-ack'
  | 'alert-note'
  | 'maintenance-add'
  | 'maintenance-remove'
  | 'meeting-add'
  | 'meeting-remove'
  | 'discovery'
  | 'device-dismiss'
  | 'user-add'
  | 'user-passwd'
  | 'user-role'
  | 'user-remove'
  | 'mqtt-credentials'
  | 'mqtt-reader';

export interface AuditEntry {
  id: number;
  ts: number;
  who: string;
  action: AuditAction;
  target: string | null;
  village: string | null;
  detail: Record<string, string | number | boolean | null>;
  ip: string | null;
}

interface Row {
  id: number;
  ts: number;
  who: string;
  action: AuditAction;
  target: string | null;
  village: string | null;
  detail: string;
  ip: string | null;
}

/** Who did what, when (state database, table `audit_log`); visible to admins. Never holds a secret. */
export class AuditLog {
  constructor(private readonly db: StateDb) {}

  record(e: Omit<AuditEntry, 'id'>): void {
    this.db
      .prepare('INSERT INTO audit_log (ts, who, action, target, village, detail, ip) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(e.ts, e.who, e.action, e.target, e.village, JSON.stringify(e.detail), e.ip);
  }

  /** Newest first; `before` is the id cursor of the previous page. */
  list(opts: { limit: number; before?: number; village?: string }): AuditEntry[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (opts.before !== undefined) {
      where.push('id < ?');
      args.push(opts.before);
    }
    if (opts.village !== undefined) {
      where.push('village = ?');
      args.push(opts.village);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, opts.limit) as Row[]).map((r) => ({ ...r, detail: JSON.parse(r.detail) as AuditEntry['detail'] }));
  }
}
