import { randomUUID } from 'node:crypto';
import type { HubContext } from '../context.js';
import type { Alert, AlertChange, Severity } from '../core/domain.js';
import { severities } from '../core/domain.js';
import type { Logger } from '../core/log.js';
import { DeviceStateRepo } from '../state/device-states.js';
import { delayCauses } from './delay-causes.js';
import { renderInputFor, renderMessage, type RenderInput } from './messages.js';
import { createNotifier } from './notifiers/index.js';
import { NotifyError, type Attachment, type Notifier, type OutgoingMessage } from './notifiers/types.js';
import { HUB_WIDE } from '../../shared/events.js';
import { prepare, type ChannelStats, type OutboxEntry, type OutboxStats, type OutboxStatus, type Row } from './outbox-store.js';

export { outboxStatuses, type ChannelStats, type OutboxEntry, type OutboxStats, type OutboxStatus } from './outbox-store.js';

const OWNER = 'notifications';
/** The runner owns the per-attempt timeout (DESIGN.md §9), the same for every channel. */
export const SEND_TIMEOUT_MS = 20_000;
const SWEEP_MS = 60_000;
/** Delivered and given-up rows are kept this long for the API and for routing late acks/resolutions. */
const RETAIN_MS = 90 * 86_400_000;

interface Channel {
  id: string;
  notifier: Notifier;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  again: boolean;
  /** The channel's last failed attempt: the rows queued behind a failing one waited for it too. */
  lastFailure: { error: string; at: number } | null;
}


/** A scheduled report as queued (the outbox row's payload): everything a channel sends, made when the report was. */
export interface QueuedReport {
  /** `month:2026-11`, `week:2026-11-23`. */
  period: string;
  title: string;
  text: string;
  /** When the report was made. */
  ts: number;
  /** The figures, for a webhook. */
  report: unknown;
  /** The CSV, for Telegram and e-mail. */
  attachment: Attachment;
}

const rank = (s: Severity): number => severities.indexOf(s);
const errorText = (err: unknown): string => (err instanceof Error ? err.message || err.name : String(err));

/**
 * Turns bus `alert` events into delivered messages (DESIGN.md §6): one outbox row per routed channel in
 * ctx.state, delivered per channel one at a time in the order queued, retried with exponential backoff
 * until delivered or expired. Rows survive restarts; pending rows are picked up on start.
 *
 * Exactly once, as far as the hub can tell: a row is marked delivered in the same synchronous step in which
 * the send resolves (better-sqlite3 is synchronous; nothing else runs in between). If the hub dies after the
 * receiver accepted a message but before that UPDATE, the row is still pending and is sent again after the
 * restart with the same Idempotency-Key (webhook) / Message-ID (e-mail), so a receiver that honours the key
 * drops it. Telegram has no such key: that window is the one place a duplicate can appear.
 */
export class Notifications {
  private readonly log: Logger;
  private prepared: ReturnType<typeof prepare> | null = null;
  private readonly channels = new Map<string, Channel>();
  private abort = new AbortController();
  private sweepTimer: NodeJS.Timeout | null = null;
  private stopped = true;
  private readonly hubStates: DeviceStateRepo;

  constructor(
    private readonly ctx: HubContext,
    /** How long one send may take (tests shorten it). */
    private readonly sendTimeoutMs = SEND_TIMEOUT_MS,
  ) {
    this.log = ctx.log.child({ module: 'notify' });
    this.hubStates = new DeviceStateRepo(ctx.state);
  }

  /** Statements are prepared on first use: the state database opens when the hub starts. */
  private get sql(): ReturnType<typeof prepare> {
    this.prepared ??= prepare(this.ctx.state);
    return this.prepared;
  }

  start(): void {
    const { bus, clock, config } = this.ctx;
    this.stopped = false;
    this.abort = new AbortController();
    // Before the first delivery: a message that waited while the hub was off says so.
    this.hubStates.recordAway(clock.now());
    for (const c of config.notify.channels) this.channels.set(c.id, { id: c.id, notifier: createNotifier(c), timer: null, running: null, again: false, lastFailure: null });
    const named = [...config.notify.routes.flatMap((r) => r.channels), ...(config.notify.escalation?.channels ?? [])];
    for (const id of new Set(named)) if (!this.channels.has(id)) this.log.warn({ channel: id }, 'notify: a route names a channel that is not configured; ignored');
    // A quiet change is told by another message (an outage taken over by its flapping alert).
    bus.on(OWNER, 'alert', (e) => {
      if (!e.quiet) this.enqueue(e.change, e.alert, e.ts);
    });
    // The hub's Internet link is back: what waited for it goes now, not at its backoff time.
    bus.on(OWNER, 'internet', (u) => {
      if (u.state === 'up') this.retryNow();
    });
    this.sweep();
    this.sweepTimer = clock.setInterval(() => this.sweep(), SWEEP_MS);
    for (const ch of this.channels.values()) this.kick(ch);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ctx.bus.offOwner(OWNER);
    if (this.sweepTimer) this.ctx.clock.clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    // In-flight sends are cancelled; their rows stay pending for the next start.
    this.abort.abort();
    const running: Promise<void>[] = [];
    for (const ch of this.channels.values()) {
      if (ch.timer) this.ctx.clock.clearTimeout(ch.timer);
      ch.timer = null;
      if (ch.running) running.push(ch.running);
    }
    await Promise.all(running);
    for (const ch of this.channels.values()) ch.notifier.close?.();
    this.channels.clear();
  }

  /** Queues one row per channel the change goes to; returns the channel ids. */
  enqueue(change: AlertChange, alert: Alert, ts: number): string[] {
    const channels = this.route(change, alert);
    if (channels.length === 0) {
      this.log.debug({ alert: alert.key, change }, 'notify: no channel for this alert');
      return [];
    }
    const payload = JSON.stringify(renderInputFor(this.ctx.config, this.ctx.devices, change, alert, ts));
    const now = this.ctx.clock.now();
    const queued = this.ctx.state.transaction(() =>
      channels.filter((id) => this.sql.insert.run(randomUUID(), alert.id, change, id, now, now, payload).changes > 0),
    )();
    for (const id of queued) {
      const ch = this.channels.get(id);
      if (ch) this.kick(ch);
    }
    return queued;
  }

  /**
   * Queues a scheduled report (hub/reports/schedule.ts) for each of `channels` (absent: every configured
   * channel), as part of the report run `reportId`: a run's rows are queued once, in the same transaction
   * that records the run, so a restart neither loses nor repeats them. Returns the channel ids queued.
   */
  enqueueReport(reportId: number, report: QueuedReport, channels?: readonly string[]): string[] {
    const ids = (channels ?? this.ctx.config.notify.channels.map((c) => c.id)).filter((id) => this.ctx.config.notify.channels.some((c) => c.id === id));
    const now = this.ctx.clock.now();
    const payload = JSON.stringify(report);
    return ids.filter((id) => this.sql.insertReport.run(randomUUID(), reportId, id, now, now, payload).changes > 0);
  }

  /** Starts delivery of whatever is queued now (after enqueueReport's transaction committed). */
  flush(): void {
    for (const ch of this.channels.values()) this.kick(ch);
  }

  /**
   * fired: every route covering the village at or below the alert's severity; escalated: the escalation
   * channels; acknowledged/resolved: whoever was told it fired or was escalated (and not given up on),
   * so nobody hears "resolved" about an alert they never heard of.
   */
  private route(change: AlertChange, alert: Alert): string[] {
    const { notify } = this.ctx.config;
    let ids: string[];
    if (change === 'escalated') ids = notify.escalation?.channels ?? [];
    else {
      const prior = change === 'fired' ? [] : (this.sql.prior.all(alert.id) as Array<{ channel_id: string; live: number }>);
      if (prior.length > 0) ids = prior.filter((p) => p.live === 1).map((p) => p.channel_id);
      else {
        // A hub-wide alert (the hub's Internet link) belongs to every village of the hub.
        ids = notify.routes
          .filter((r) => (!r.villages || alert.village === HUB_WIDE || r.villages.includes(alert.village)) && rank(alert.severity) >= rank(r.minSeverity))
          .flatMap((r) => r.channels);
      }
    }
    return [...new Set(ids)].filter((id) => this.ctx.config.notify.channels.some((c) => c.id === id));
  }

  /** All pending rows become due now (internet back). */
  retryNow(): void {
    const now = this.ctx.clock.now();
    this.sql.dueNow.run(now, now);
    for (const ch of this.channels.values()) this.kick(ch);
  }

  private kick(ch: Channel): void {
    if (this.stopped) return;
    if (ch.timer) this.ctx.clock.clearTimeout(ch.timer);
    ch.timer = null;
    if (ch.running) {
      ch.again = true;
      return;
    }
    ch.running = this.pump(ch)
      .catch((err: unknown) => this.log.error({ channel: ch.id, err: errorText(err) }, 'notify: channel worker failed'))
      .finally(() => {
        ch.running = null;
        if (ch.again) this.kick(ch);
      });
  }

  /** Sends the channel's due rows oldest first; a row that fails holds back the ones behind it (order). */
  private async pump(ch: Channel): Promise<void> {
    const { clock } = this.ctx;
    while (!this.stopped) {
      ch.again = false;
      const now = clock.now();
      this.expireDue(now);
      const row = this.sql.head.get(ch.id) as Row | undefined;
      if (!row) return;
      if (row.next_attempt_at > now) {
        const wake = Math.min(row.next_attempt_at, row.created_at + this.expireMs()) - now;
        ch.timer = clock.setTimeout(() => {
          ch.timer = null;
          this.kick(ch);
        }, Math.max(0, wake));
        return;
      }
      await this.attempt(ch, row);
    }
  }

  private async attempt(ch: Channel, row: Row): Promise<void> {
    if (row.report_id !== null) return this.attemptReport(ch, row);
    const { clock } = this.ctx;
    const input = this.payload<RenderInput>(ch, row);
    if (input === undefined) return;
    const at = clock.now();
    const delayedS = Math.max(0, Math.round((at - row.created_at) / 1000));
    // The delay line is decided now, at delivery, not when the row was queued.
    const failure = row.last_error ?? (ch.lastFailure && ch.lastFailure.at >= row.created_at ? ch.lastFailure.error : null);
    const causes = delayedS > 60 ? delayCauses(this.ctx.state, this.hubStates, { from: row.created_at, to: at }, ch.notifier.type, failure) : [];
    const message = renderMessage(input, { now: at, delayedS, delayCauses: causes });
    await this.deliver(ch, row, { ...message, id: row.id, key: row.idem_key, alert: input.alert, change: input.change, ts: input.ts, delayedS }, at, { alert: input.alert.key });
  }

  /** A report row: its text was written when the report was made; the CSV goes as the attachment. */
  private async attemptReport(ch: Channel, row: Row): Promise<void> {
    const report = this.payload<QueuedReport>(ch, row);
    if (report === undefined) return;
    const at = this.ctx.clock.now();
    const delayedS = Math.max(0, Math.round((at - row.created_at) / 1000));
    const message: OutgoingMessage = { kind: 'report', id: row.id, key: row.idem_key, title: report.title, text: report.text, ts: report.ts, delayedS, period: report.period, report: report.report, attachment: report.attachment };
    await this.deliver(ch, row, message, at, { report: report.period });
  }

  /** The row's message as it was queued; undefined (the row given up) when it cannot be read. */
  private payload<T>(ch: Channel, row: Row): T | undefined {
    try {
      return JSON.parse(row.payload) as T;
    } catch {
      this.giveUp(ch, row, new NotifyError('unreadable outbox row', { permanent: true }));
      return undefined;
    }
  }

  /** One send of one row; delivered, retried later or given up. */
  private async deliver(ch: Channel, row: Row, message: OutgoingMessage, at: number, logFields: Record<string, unknown>): Promise<void> {
    const { clock, counters } = this.ctx;
    // The timeout is a timer held until the send ends, not AbortSignal.timeout inside AbortSignal.any:
    // on Node 20 that inner signal can be garbage-collected before it fires (nodejs/node#57736), and a
    // receiver that never answers then held its channel for good.
    const timeout = new AbortController();
    // A TimeoutError, as AbortSignal.timeout gives: the notifiers word it "no answer in time".
    const timer = setTimeout(() => timeout.abort(new DOMException('no answer in time', 'TimeoutError')), this.sendTimeoutMs);
    const signal = AbortSignal.any([this.abort.signal, timeout.signal]);
    try {
      await ch.notifier.send(message, signal);
    } catch (err) {
      // Cancelled by stop(): not the channel's fault; the row stays pending as it was.
      if (this.stopped && this.abort.signal.aborted) return;
      this.failed(ch, row, err instanceof NotifyError ? err : new NotifyError(`${ch.notifier.type}: ${errorText(err)}`));
      return;
    } finally {
      clearTimeout(timer);
    }
    // Same step as the successful send (see the class comment on exactly-once).
    const done = clock.now();
    this.sql.delivered.run(done, row.id);
    counters.inc('notify.sent');
    this.log.info({ channel: ch.id, id: row.id, ...logFields, change: row.change, attempts: row.attempts + 1, delayedS: message.delayedS, ms: done - at }, 'notification delivered');
    // A success proves the channel works: whatever waits behind goes now, not at its own backoff time.
    this.sql.dueNowChannel.run(done, ch.id, done);
  }

  private failed(ch: Channel, row: Row, err: NotifyError): void {
    const { clock, counters, config } = this.ctx;
    counters.inc('notify.failed_attempts');
    ch.lastFailure = { error: err.message, at: clock.now() };
    if (err.permanent) {
      this.giveUp(ch, row, err);
      return;
    }
    const { initialS, maxS } = config.notify.retry;
    const backoffS = Math.min(maxS, initialS * 2 ** Math.min(row.attempts, 30));
    // ±20 % jitter so channels (and hubs) that failed together do not retry in lockstep.
    const delayMs = err.retryAfterS !== undefined ? err.retryAfterS * 1000 : backoffS * 1000 * (0.8 + 0.4 * Math.random());
    const next = clock.now() + Math.round(delayMs);
    this.sql.retry.run(err.message, next, row.id);
    const level = row.attempts === 0 ? 'warn' : 'debug';
    this.log[level]({ channel: ch.id, id: row.id, attempts: row.attempts + 1, err: err.message, retryInS: Math.round(delayMs / 100) / 10 }, 'notification not delivered; will retry');
  }

  private giveUp(ch: Channel, row: Row, err: NotifyError): void {
    this.sql.giveUp.run(err.message, row.id);
    this.ctx.counters.inc('notify.failed');
    this.log.error({ channel: ch.id, id: row.id, change: row.change, err: err.message }, 'notification refused by the receiver; not retried (check the channel settings)');
  }

  private expireMs(): number {
    return this.ctx.config.notify.retry.expireAfterS * 1000;
  }

  /** Gives up rows older than retry.expireAfterS (also rows of channels no longer configured). */
  private expireDue(now: number): void {
    const rows = this.sql.expiring.all(now - this.expireMs()) as Array<Pick<Row, 'id' | 'channel_id' | 'alert_id' | 'change' | 'attempts' | 'last_error'>>;
    if (rows.length === 0) return;
    this.ctx.state.transaction(() => {
      for (const r of rows) this.sql.expire.run(r.id);
    })();
    this.ctx.counters.inc('notify.expired', rows.length);
    for (const r of rows) {
      this.log.warn({ channel: r.channel_id, id: r.id, alertId: r.alert_id, change: r.change, attempts: r.attempts, lastError: r.last_error }, 'notification expired undelivered');
    }
  }

  private sweep(): void {
    const now = this.ctx.clock.now();
    this.expireDue(now);
    this.sql.purge.run(now - Math.max(RETAIN_MS, this.expireMs()));
    this.hubStates.purgeAway(now - Math.max(RETAIN_MS, this.expireMs()));
  }

  stats(): OutboxStats {
    const counts = { pending: 0, delivered: 0, expired: 0, failed: 0 };
    let oldestPendingAt: number | null = null;
    for (const r of this.sql.counts.all() as Array<{ status: OutboxStatus; n: number; oldest: number }>) {
      counts[r.status] = r.n;
      if (r.status === 'pending') oldestPendingAt = r.oldest;
    }
    const pending = new Map((this.sql.pendingByChannel.all() as Array<{ channel_id: string; n: number }>).map((r) => [r.channel_id, r.n]));
    const delivered = new Map((this.sql.lastDelivered.all() as Array<{ channel_id: string; at: number }>).map((r) => [r.channel_id, r.at]));
    const channels = this.ctx.config.notify.channels.map((c): ChannelStats => {
      const head = this.sql.head.get(c.id) as Row | undefined;
      return {
        id: c.id,
        type: c.type,
        pending: pending.get(c.id) ?? 0,
        lastError: head?.last_error ?? null,
        nextAttemptAt: head?.next_attempt_at ?? null,
        lastDeliveredAt: delivered.get(c.id) ?? null,
      };
    });
    return { ...counts, oldestPendingAt, channels };
  }

  /** Newest first; title and text as they would be sent now (without the delay line). */
  list(opts: { status?: OutboxStatus; limit?: number } = {}): OutboxEntry[] {
    const limit = Math.max(1, Math.min(1000, Math.floor(opts.limit ?? 100)));
    const rows = (opts.status ? this.sql.listStatus.all(opts.status, limit) : this.sql.list.all(limit)) as Row[];
    const now = this.ctx.clock.now();
    return rows.map((r) => {
      let title = '';
      let text = '';
      try {
        if (r.report_id !== null) ({ title, text } = JSON.parse(r.payload) as QueuedReport);
        else ({ title, text } = renderMessage(JSON.parse(r.payload) as RenderInput, { now }));
      } catch {
        // A damaged row is still listed, with its status and error.
      }
      return {
        id: r.id,
        key: r.idem_key,
        alertId: r.alert_id,
        change: r.change,
        channelId: r.channel_id,
        status: r.status,
        createdAt: r.created_at,
        nextAttemptAt: r.next_attempt_at,
        attempts: r.attempts,
        lastError: r.last_error,
        deliveredAt: r.delivered_at,
        title,
        text,
      };
    });
  }
}
