import type { Notifications } from '../alerts/outbox.js';
import { reportScope } from './scope.js';
import type { HubContext } from '../context.js';
import type { Logger } from '../core/log.js';
import { parseZoned, weekdays, zonedParts } from '../../shared/time.js';
import { BOM, uptimeCsv } from './csv.js';
import { uptimeReport, type Period } from './report.js';
import { reportSummary, type PeriodKind } from './summary.js';

/** How often the schedule is looked at: a report goes out within this long of its time. */
const CHECK_MS = 60_000;
/**
 * A report whose time passed while the hub was off is made when it starts — within this long of that time.
 * A hub installed mid-month does not send a report of a month it never watched.
 */
const CATCH_UP_MS = 7 * 86_400_000;
const DAY = 86_400_000;

/** A report that is due: which period, and when it was due. */
export interface DueReport {
  /** `month:2026-11`, `week:2026-11-23` (the Monday): the key that makes it once per period. */
  key: string;
  kind: Extract<PeriodKind, 'month' | 'week'>;
  period: Period;
  /** The range in the schedule's zone (the week's; the month's in the first village's zone). */
  from: number;
  to: number;
  dueAt: number;
}

const two = (n: number) => String(n).padStart(2, '0');
/** Local midnight of the calendar day y-m-d (month and day may overflow: Date.UTC normalises). */
function localMidnight(y: number, m: number, d: number, tz: string): number {
  const u = new Date(Date.UTC(y, m - 1, d));
  return parseZoned(`${u.getUTCFullYear()}-${two(u.getUTCMonth() + 1)}-${two(u.getUTCDate())}T00:00:00`, tz);
}
function localAt(y: number, m: number, d: number, hhmm: string, tz: string): number {
  const u = new Date(Date.UTC(y, m - 1, d));
  return parseZoned(`${u.getUTCFullYear()}-${two(u.getUTCMonth() + 1)}-${two(u.getUTCDate())}T${hhmm}:00`, tz);
}

/** The latest monthly report due at or before `now`: the month before the one it is due in. */
export function dueMonthly(now: number, day: number, time: string, tz: string): DueReport {
  const p = zonedParts(now, tz);
  let y = p.year;
  let m = p.month;
  let dueAt = localAt(y, m, day, time, tz);
  if (dueAt > now) {
    m -= 1;
    if (m === 0) [y, m] = [y - 1, 12];
    dueAt = localAt(y, m, day, time, tz);
  }
  const [py, pm] = m === 1 ? [y - 1, 12] : [y, m - 1];
  const month = `${py}-${two(pm)}`;
  return { key: `month:${month}`, kind: 'month', period: { month }, from: localMidnight(py, pm, 1, tz), to: localMidnight(y, m, 1, tz), dueAt };
}

/** The latest weekly report due at or before `now`: the Monday-to-Sunday week before the day it is due. */
export function dueWeekly(now: number, weekday: (typeof weekdays)[number], time: string, tz: string): DueReport {
  const p = zonedParts(now, tz);
  let back = (weekdays.indexOf(p.weekday) - weekdays.indexOf(weekday) + 7) % 7;
  if (back === 0 && localAt(p.year, p.month, p.day, time, tz) > now) back = 7;
  const dueAt = localAt(p.year, p.month, p.day - back, time, tz);
  // The Monday of the week the report is due in, then the week before it.
  const dueDay = zonedParts(dueAt, tz);
  const sinceMonday = (weekdays.indexOf(dueDay.weekday) + 6) % 7;
  const to = localMidnight(dueDay.year, dueDay.month, dueDay.day - sinceMonday, tz);
  const fromParts = zonedParts(to - DAY / 2 - 6 * DAY, tz);
  const from = localMidnight(fromParts.year, fromParts.month, fromParts.day, tz);
  return { key: `week:${fromParts.year}-${two(fromParts.month)}-${two(fromParts.day)}`, kind: 'week', period: { from, to }, from, to, dueAt };
}

/**
 * Scheduled uptime reports (`reports.schedule`, docs/reports.md): at the set local time the previous
 * month's (or week's) report is made and queued in the notification outbox for the channels — so it waits
 * out an Internet outage like any alert. Each period is made once: the run is recorded in the state
 * database in the same transaction that queues its messages, so a restart neither repeats nor loses it.
 */
export class ReportScheduler {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<string[]> | null = null;

  constructor(
    private readonly ctx: HubContext,
    private readonly notifications: Notifications,
  ) {
    this.log = ctx.log.child({ module: 'reports' });
  }

  private get enabled(): boolean {
    const s = this.ctx.config.reports.schedule;
    return s.monthly !== undefined || s.weekly !== undefined;
  }

  start(): void {
    if (!this.enabled) return;
    // A report whose time passed while the hub was off goes out now.
    void this.check();
    this.timer = this.ctx.clock.setInterval(() => void this.check(), CHECK_MS);
  }

  async stop(): Promise<void> {
    if (this.timer) this.ctx.clock.clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** The reports due now, by the schedule (made or not). */
  due(now: number): DueReport[] {
    const { schedule } = this.ctx.config.reports;
    const tz = reportScope(this.ctx).villages[0]?.timezone ?? 'Asia/Ho_Chi_Minh';
    const out: DueReport[] = [];
    if (schedule.monthly) out.push(dueMonthly(now, schedule.monthly.day, schedule.monthly.time, tz));
    if (schedule.weekly) out.push(dueWeekly(now, schedule.weekly.weekday, schedule.weekly.time, tz));
    return out.filter((d) => d.dueAt <= now && now - d.dueAt <= CATCH_UP_MS);
  }

  /** Makes every due report not made yet; returns the periods made. One check at a time. */
  check(): Promise<string[]> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<string[]> {
    const made: string[] = [];
    for (const d of this.due(this.ctx.clock.now())) {
      if (this.ctx.state.prepare<[string]>('SELECT 1 FROM report_runs WHERE period = ?').get(d.key)) continue;
      try {
        if (await this.produce(d)) made.push(d.key);
      } catch (err) {
        this.ctx.counters.inc('reports.failed');
        this.log.error({ period: d.key, err: (err as Error).message }, 'scheduled report could not be made; tried again at the next check');
      }
    }
    return made;
  }

  private async produce(d: DueReport): Promise<boolean> {
    const { config, store, clock, state } = this.ctx;
    const now = clock.now();
    const scope = reportScope(this.ctx);
    const report = await uptimeReport({ config: scope, store, now }, { villages: scope.villages.map((v) => v.id), period: d.period });
    const lang = config.notify.language;
    const { title, text } = reportSummary(report, { kind: d.kind, lang, top: config.reports.schedule.top, attached: true });
    const name = d.kind === 'month' ? d.key.slice('month:'.length) : `${d.key.slice('week:'.length)}_7d`;
    const queued = {
      period: d.key,
      title,
      text,
      ts: now,
      report,
      // The BOM is part of the file: Excel reads it as UTF-8.
      attachment: { filename: `uptime-${name}.csv`, contentType: 'text/csv; charset=utf-8', content: uptimeCsv(report, lang) },
    };
    const channels = state.transaction(() => {
      const run = state.prepare<[string, number, number, number]>('INSERT OR IGNORE INTO report_runs (period, from_ts, to_ts, created_at) VALUES (?, ?, ?, ?)').run(d.key, d.from, d.to, now);
      if (run.changes === 0) return null;
      return this.notifications.enqueueReport(Number(run.lastInsertRowid), queued, config.reports.schedule.channels);
    })();
    if (channels === null) return false;
    this.notifications.flush();
    this.ctx.counters.inc('reports.made');
    this.log.info({ period: d.key, channels, bytes: queued.attachment.content.length - BOM.length }, channels.length > 0 ? 'uptime report made and queued' : 'uptime report made; no notification channel to send it to');
    return true;
  }
}
