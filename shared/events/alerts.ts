/**
 * Alerts (GET /api/alerts, the `alert` socket event) and the outbox of their messages (GET /api/notifications).
 * Free of Node imports: the dashboard bundles it.
 */
import type { ReasonParams } from '../reasons.js';

export type AlertChange = 'fired' | 'acknowledged' | 'resolved' | 'escalated';

/** An alert's facts: flat values, plus `reasonParams`, the one nested object (string/number values). */
export type AlertDetail = Record<string, string | number | boolean | null | ReasonParams>;
/** What an alert is about (DESIGN.md §6); the hub's domain types use this list too. */
export const alertConditions = ['offline', 'unreachable-root', 'flapping', 'threshold', 'internet-down', 'meeting-not-ready', 'event', 'hub-offline', 'hub-backlog'] as const;
export type AlertCondition = (typeof alertConditions)[number];

/**
 * The `village` of an alert about the hub itself (its Internet link): it belongs to every village of the
 * hub. The API lists it under any village, notification routes naming villages receive it, and the
 * dashboard names the hub's villages.
 */
export const HUB_WIDE = '*';

/** An alert as the REST API and the `alert` socket event carry it (times in ms since 1970). */
export interface AlertView {
  id: number;
  /** One open alert per key, e.g. `offline:dong-cam/cam-1`, `threshold:ap-crowded:dong-cam/ap-1`. */
  key: string;
  village: string;
  /** null for village-wide alerts (internet, meeting). */
  device: string | null;
  condition: AlertCondition;
  severity: 'info' | 'warning' | 'critical';
  status: 'firing' | 'acknowledged' | 'resolved';
  startedAt: number;
  ackedAt: number | null;
  /** Who acknowledged: the logged-in user's name (older alerts: the name typed then). */
  ackedBy: string | null;
  ackNote: string | null;
  resolvedAt: number | null;
  escalatedAt: number | null;
  /**
   * Facts for the message: device name, reason, affected count, metric and value, meeting title… The
   * reason travels as `reason` (raw text) plus `reasonCode` and `reasonParams` (an object) when known.
   */
  detail: AlertDetail;
}

/** GET /api/alerts (newest first). */
export interface AlertsResponse {
  alerts: AlertView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next: number | null;
}

/** One step in an alert's life, oldest first in AlertDetailResponse.history. */
export interface AlertHistoryView {
  ts: number;
  action: 'fired' | 'acknowledged' | 'escalated' | 'resolved' | 'note';
  /** Who did it; null when the hub itself did (fired, escalated, resolved by a rule). */
  who: string | null;
  note: string | null;
}

/** GET /api/alerts/:id and POST /api/alerts/:id/ack (body `{ note? }`; who acknowledges is the logged-in user). */
export interface AlertDetailResponse {
  alert: AlertView;
  history: AlertHistoryView[];
}

/** GET /api/notifications: the outbox of alert messages. */
export interface NotificationsResponse {
  stats: {
    pending: number;
    delivered: number;
    expired: number;
    failed: number;
    /** When the oldest message still waiting was queued (ms), null if none waits. */
    oldestPendingAt: number | null;
    channels: Array<{ id: string; type: string; pending: number; lastError: string | null; nextAttemptAt: number | null; lastDeliveredAt: number | null }>;
  };
  /** `alertId` null and `change` `report` for a scheduled uptime report. */
  messages: Array<{ id: number; alertId: number | null; change: AlertChange | 'report'; channelId: string; status: 'pending' | 'delivered' | 'expired' | 'failed'; createdAt: number; title: string; text: string }>;
}
