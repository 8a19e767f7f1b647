import type { HubContext } from '../context.js';
import type { InternetState } from '../core/domain.js';
import { parseZoned } from '../../shared/time.js';
import type { NewAlert } from './store.js';
import type { MeetingView } from '../../shared/events.js';

const DEFAULT_TZ = 'Asia/Ho_Chi_Minh';
const MIN = 60_000;
/** A meeting that started this long ago is over: its not-ready alert resolves and it leaves the list. */
const OVER_AFTER_MS = 60 * MIN;
/** Long waits are cut into steps so a changed clock or a very far meeting never overflows setTimeout. */
const MAX_WAIT_MS = 6 * 60 * MIN;
/** API-created meetings older than this are deleted at start. */
const KEEP_PAST_MS = 30 * 24 * 60 * MIN;
/** Shown in `failed` when the village's internet link is not up (messages are Vietnamese first). */
export const INTERNET_NAME = 'đường truyền Internet';

/**
 * A meeting as the hub keeps it: the API's view (shared/events) without its readiness, which is worked
 * out when asked. `startAt` text without offset is read in the village's time zone.
 */
export type Meeting = Omit<MeetingView, 'readiness'>;

/** Whether a meeting being checked is ready: `failed` names what is not (devices, the internet link). */
export type Readiness = NonNullable<MeetingView['readiness']>;

/** What meeting readiness needs from the alert engine. */
export interface MeetingAlertSink {
  fire(a: NewAlert): void;
  resolve(key: string, note: string): void;
  /** Last state reported for the village's internet link, undefined if none yet. */
  internetState(village: string): InternetState['state'] | undefined;
}

interface Row {
  id: number;
  village: string;
  start_at: number;
  title: string;
  device: string | null;
}

/**
 * Stable across restarts and config edits (config ids are positions). Meetings that share a key share the
 * village, time and device set, hence the same readiness: one alert for them.
 */
export function meetingKey(m: Pick<Meeting, 'village' | 'startAt' | 'device'>): string {
  return `meeting-not-ready:${m.village}@${new Date(m.startAt).toISOString()}${m.device ? `/${m.device}` : ''}`;
}

/**
 * Meeting readiness (issue: online meetings): from `checkFromMin` before a meeting the meeting set and the
 * village's internet link are checked; not ready `alertAtMin` before → a `meeting-not-ready` alert, which
 * resolves when everything is ready or an hour after the start. Meetings come from the config and the API.
 */
export class MeetingSchedule {
  private meetings: Meeting[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Keys of the meeting-not-ready alerts open now (so a ready meeting costs no database look-up). */
  private readonly open = new Set<string>();

  constructor(
    private readonly ctx: HubContext,
    private readonly sink: MeetingAlertSink,
  ) {}

  /** `openKeys`: meeting-not-ready alerts still open from before a restart. */
  start(openKeys: Iterable<string> = []): void {
    const now = this.ctx.clock.now();
    this.ctx.state.prepare('DELETE FROM meetings WHERE start_at < ?').run(now - KEEP_PAST_MS);
    const fromConfig: Meeting[] = [];
    this.ctx.config.meetings.forEach((m, i) => {
      const startAt = this.parseTime(m.startAt, m.village);
      if (Number.isNaN(startAt)) {
        this.ctx.log.warn({ meeting: m }, 'meeting with an unreadable start time ignored');
        return;
      }
      fromConfig.push({ id: `cfg-${i}`, village: m.village, startAt, title: m.title, device: m.device ?? null, source: 'config' });
    });
    const rows = this.ctx.state.prepare('SELECT id, village, start_at, title, device FROM meetings ORDER BY id').all() as Row[];
    this.meetings = [...fromConfig, ...rows.map(fromRow)];
    for (const key of openKeys) {
      // The meeting was deleted or taken out of the config while the hub was down.
      if (this.hasKey(key)) this.open.add(key);
      else this.sink.resolve(key, 'meeting-removed');
    }
    this.evaluate();
  }

  stop(): void {
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    this.timer = null;
    this.open.clear();
  }

  /** Meetings not over yet (started less than an hour ago, or later), soonest first. */
  list(village?: string): Meeting[] {
    const now = this.ctx.clock.now();
    return this.meetings
      .filter((m) => (village === undefined || m.village === village) && m.startAt + OVER_AFTER_MS > now)
      .sort((a, b) => a.startAt - b.startAt);
  }

  get(id: string): Meeting | undefined {
    return this.meetings.find((m) => m.id === id);
  }

  /** True when an open alert key still belongs to a scheduled meeting (alerts of removed meetings resolve). */
  hasKey(key: string): boolean {
    return this.meetings.some((m) => meetingKey(m) === key);
  }

  add(m: { village: string; startAt: number; title: string; device?: string | undefined }): Meeting {
    const r = this.ctx.state
      .prepare('INSERT INTO meetings (village, start_at, title, device, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(m.village, m.startAt, m.title, m.device ?? null, this.ctx.clock.now());
    const meeting: Meeting = { id: String(r.lastInsertRowid), village: m.village, startAt: m.startAt, title: m.title, device: m.device ?? null, source: 'api' };
    this.meetings.push(meeting);
    this.evaluate();
    return meeting;
  }

  /** Removes an API meeting; config meetings are removed by editing the config. */
  remove(id: string): 'removed' | 'config' | 'missing' {
    const m = this.get(id);
    if (!m) return 'missing';
    if (m.source === 'config') return 'config';
    this.ctx.state.prepare('DELETE FROM meetings WHERE id = ?').run(Number(id));
    this.meetings = this.meetings.filter((x) => x !== m);
    const key = meetingKey(m);
    if (!this.hasKey(key) && this.open.delete(key)) this.sink.resolve(key, 'meeting-removed');
    this.evaluate();
    return 'removed';
  }

  /** The village's wall-clock time (no offset) or any ISO time with an offset → ms; NaN if unreadable. */
  parseTime(iso: string, village: string): number {
    const tz = this.ctx.config.villages.find((v) => v.id === village)?.timezone ?? DEFAULT_TZ;
    try {
      return parseZoned(iso, tz);
    } catch {
      // An unknown time-zone name in the config: the village is in Vietnam unless it says otherwise correctly.
      this.ctx.log.warn({ village, timezone: tz }, `unknown time zone, using ${DEFAULT_TZ}`);
      return parseZoned(iso, DEFAULT_TZ);
    }
  }

  /** Whether the meeting can start now: its meeting-room device(s) online and the internet link up. */
  readiness(m: Meeting): Readiness {
    const { devices, config } = this.ctx;
    const failed: string[] = [];
    const set = m.device
      ? [devices.get({ village: m.village, device: m.device }) ?? m.device]
      : devices.all().filter((e) => e.village === m.village && e.kind === 'meeting-room');
    for (const d of set) {
      if (typeof d === 'string') failed.push(d);
      // A meeting-room checker may report its own verdict as `ready`; a device that is merely online is not enough then.
      else if (d.state !== 'online' || d.telemetry?.fields.ready === false || d.telemetry?.fields.ready === 0) failed.push(d.name);
    }
    const internet = this.sink.internetState(m.village) ?? 'unknown';
    // Nothing probes the link when no targets are configured: an unknown link cannot be held against the meeting.
    const internetReady = internet === 'up' || (internet === 'unknown' && config.internet.targets.length === 0);
    if (!internetReady) failed.push(INTERNET_NAME);
    return { ready: failed.length === 0, failed, internet };
  }

  /** Readiness while a meeting is being checked (from `checkFromMin` before until it is over); null otherwise. */
  readinessNow(m: Meeting): Readiness | null {
    return this.phase(m, this.ctx.clock.now()) === 'checking' ? this.readiness(m) : null;
  }

  /** Re-checks every meeting; called on a timer at each meeting's boundaries and when a device or the internet changes. */
  evaluate(): void {
    const now = this.ctx.clock.now();
    const { alertAtMin } = this.ctx.config.alerts.meetingReadiness;
    const village = (id: string) => this.ctx.config.villages.find((v) => v.id === id)?.name ?? id;
    for (const m of this.meetings) {
      const phase = this.phase(m, now);
      if (phase === 'idle') continue;
      const key = meetingKey(m);
      if (phase === 'over') {
        if (this.open.delete(key)) this.sink.resolve(key, 'meeting-over');
        continue;
      }
      const r = this.readiness(m);
      if (r.ready) {
        if (this.open.delete(key)) this.sink.resolve(key, 'ready');
      } else if (!this.open.has(key) && now >= m.startAt - alertAtMin * MIN && now < m.startAt) {
        this.open.add(key);
        this.sink.fire({
          key,
          village: m.village,
          // Village-wide: the meeting needs the set and the internet link.
          device: null,
          condition: 'meeting-not-ready',
          severity: 'critical',
          detail: {
            name: village(m.village),
            title: m.title,
            startAt: m.startAt,
            failed: r.failed.join(', '),
            internet: r.internet,
            meeting: m.id,
            device: m.device,
          },
        });
      }
    }
    this.schedule(now);
  }

  /** Whether any meeting of this village is being checked now (device changes there matter). */
  watching(villageId: string): boolean {
    const now = this.ctx.clock.now();
    return this.meetings.some((m) => m.village === villageId && this.phase(m, now) === 'checking');
  }

  private phase(m: Meeting, now: number): 'idle' | 'checking' | 'over' {
    const { checkFromMin } = this.ctx.config.alerts.meetingReadiness;
    if (now >= m.startAt + OVER_AFTER_MS) return 'over';
    return now >= m.startAt - checkFromMin * MIN ? 'checking' : 'idle';
  }

  /** One timer for the next boundary of any meeting: checks start, alert time, over. */
  private schedule(now: number): void {
    const { checkFromMin, alertAtMin } = this.ctx.config.alerts.meetingReadiness;
    if (this.timer) this.ctx.clock.clearTimeout(this.timer);
    this.timer = null;
    let next = Infinity;
    for (const m of this.meetings) {
      for (const at of [m.startAt - checkFromMin * MIN, m.startAt - alertAtMin * MIN, m.startAt + OVER_AFTER_MS]) {
        if (at > now && at < next) next = at;
      }
    }
    if (next === Infinity) return;
    this.timer = this.ctx.clock.setTimeout(() => {
      this.timer = null;
      this.evaluate();
    }, Math.min(next - now, MAX_WAIT_MS));
  }
}

function fromRow(r: Row): Meeting {
  return { id: String(r.id), village: r.village, startAt: r.start_at, title: r.title, device: r.device, source: 'api' };
}
