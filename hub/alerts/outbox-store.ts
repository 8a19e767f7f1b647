import type { Statement } from 'better-sqlite3';
import type { HubContext } from '../context.js';
import type { AlertChange } from '../core/domain.js';
import type { ChannelType } from './notifiers/types.js';

/** The outbox table of the notification queue: its rows, schema and prepared statements. */

export const outboxStatuses = ['pending', 'delivered', 'expired', 'failed'] as const;
export type OutboxStatus = (typeof outboxStatuses)[number];

export interface OutboxEntry {
  id: number;
  key: string;
  /** The alert told; null for a scheduled report. */
  alertId: number | null;
  /** The alert change told, or `report`. */
  change: AlertChange | 'report';
  channelId: string;
  status: OutboxStatus;
  createdAt: number;
  nextAttemptAt: number;
  attempts: number;
  lastError: string | null;
  deliveredAt: number | null;
  title: string;
  text: string;
}

export interface ChannelStats {
  id: string;
  type: ChannelType;
  pending: number;
  /** Why the oldest pending message has not gone out yet. */
  lastError: string | null;
  nextAttemptAt: number | null;
  lastDeliveredAt: number | null;
}

export interface OutboxStats {
  pending: number;
  delivered: number;
  expired: number;
  failed: number;
  oldestPendingAt: number | null;
  channels: ChannelStats[];
}

export interface Row {
  id: number;
  idem_key: string;
  alert_id: number | null;
  report_id: number | null;
  change: AlertChange | 'report';
  channel_id: string;
  created_at: number;
  next_attempt_at: number;
  attempts: number;
  last_error: string | null;
  status: OutboxStatus;
  delivered_at: number | null;
  payload: string;
}


export function prepare(db: HubContext['state']) {
  const s = <T extends unknown[] = unknown[]>(sql: string): Statement<T> => db.prepare<T>(sql);
  return {
    insert: s<[string, number, string, string, number, number, string]>(
      `INSERT OR IGNORE INTO outbox (idem_key, alert_id, change, channel_id, created_at, next_attempt_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertReport: s<[string, number, string, number, number, string]>(
      `INSERT OR IGNORE INTO outbox (idem_key, report_id, change, channel_id, created_at, next_attempt_at, payload) VALUES (?, ?, 'report', ?, ?, ?, ?)`,
    ),
    head: s<[string]>(`SELECT * FROM outbox WHERE channel_id = ? AND status = 'pending' ORDER BY id LIMIT 1`),
    delivered: s<[number, number]>(`UPDATE outbox SET status = 'delivered', delivered_at = ?, attempts = attempts + 1 WHERE id = ?`),
    retry: s<[string, number, number]>(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`),
    giveUp: s<[string, number]>(`UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`),
    dueNow: s<[number, number]>(`UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ?`),
    dueNowChannel: s<[number, string, number]>(`UPDATE outbox SET next_attempt_at = ? WHERE channel_id = ? AND status = 'pending' AND next_attempt_at > ?`),
    expiring: s<[number]>(`SELECT id, channel_id, alert_id, change, attempts, last_error FROM outbox WHERE status = 'pending' AND created_at <= ? ORDER BY id`),
    expire: s<[number]>(`UPDATE outbox SET status = 'expired' WHERE id = ?`),
    purge: s<[number]>(`DELETE FROM outbox WHERE status <> 'pending' AND created_at < ?`),
    prior: s<[number]>(`SELECT channel_id, MAX(status IN ('pending', 'delivered')) AS live FROM outbox WHERE alert_id = ? AND change IN ('fired', 'escalated') GROUP BY channel_id ORDER BY MIN(id)`),
    counts: s(`SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox GROUP BY status`),
    pendingByChannel: s(`SELECT channel_id, COUNT(*) AS n FROM outbox WHERE status = 'pending' GROUP BY channel_id`),
    lastDelivered: s(`SELECT channel_id, MAX(delivered_at) AS at FROM outbox WHERE status = 'delivered' GROUP BY channel_id`),
    list: s<[number]>(`SELECT * FROM outbox ORDER BY id DESC LIMIT ?`),
    listStatus: s<[string, number]>(`SELECT * FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?`),
  };
}
