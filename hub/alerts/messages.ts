import type { Config } from '../config/schema.js';
import type { Alert, AlertChange } from '../core/domain.js';
import type { DeviceRegistry } from '../registry/registry.js';
import { reasonText } from '../../shared/reasons.js';

export type Language = 'vi' | 'en';

/** What a channel delivers: a short title (e-mail subject) and a text readable on a phone. */
export interface Message {
  title: string;
  text: string;
  html?: string;
}

/**
 * Everything needed to render one notification, captured when it is queued, so a message delivered hours
 * later (or after a restart, or after a device was renamed) still says what happened then.
 */
export interface RenderInput {
  change: AlertChange;
  alert: Alert;
  /** When the change happened (the bus event's ts). */
  ts: number;
  village: { id: string; name: string; timezone: string };
  /** Display name of the alert's device; null for village-wide alerts (internet, meeting). */
  deviceName: string | null;
  /** Display name of the device named by detail.cause, when it is one of ours. */
  causeName: string | null;
  /** alerts.flapping.windowS when the alert was queued (flapping wording). */
  flappingWindowS: number;
  language: Language;
}

const DEFAULT_TZ = 'Asia/Ho_Chi_Minh';
/** Messages go to phones; nobody reads a device's 2 kB error string there. */
const MAX_FACT = 200;

/** Captures the names and the village time zone for an alert change (at enqueue time). */
export function renderInputFor(
  config: Pick<Config, 'villages' | 'notify' | 'alerts'>,
  devices: Pick<DeviceRegistry, 'get'>,
  change: AlertChange,
  alert: Alert,
  ts: number,
): RenderInput {
  const v = config.villages.find((x) => x.id === alert.village);
  const str = (k: string): string | null => (typeof alert.detail[k] === 'string' && alert.detail[k] !== '' ? (alert.detail[k] as string) : null);
  const deviceName = alert.device === null ? null : (devices.get({ village: alert.village, device: alert.device })?.name ?? str('name') ?? alert.device);
  const cause = str('cause');
  const causeName = cause ? (devices.get({ village: alert.village, device: cause })?.name ?? null) : null;
  return {
    change,
    alert,
    ts,
    village: { id: alert.village, name: v?.name ?? alert.village, timezone: v?.timezone ?? DEFAULT_TZ },
    deviceName,
    causeName,
    flappingWindowS: config.alerts.flapping.windowS,
    language: config.notify.language,
  };
}

interface Phrases {
  at: (time: string) => string;
  since: (time: string) => string;
  onDay: (day: string) => string;
  duration: (min: number) => string;
  num: string;
  cause: string;
  check: string;
  reasons: Record<string, string>;
  offline: string;
  back: string;
  root: (n: number) => string;
  flapping: string;
  flappingCount: (n: number, window: string) => string;
  stable: string;
  thresholdNormal: string;
  threshold: string;
  internetOf: (village: string) => string;
  internetDown: string;
  internetBack: string;
  lasted: (d: string) => string;
  meetingSet: string;
  notReady: (title: string, time: string) => string;
  ready: (title: string) => string;
  meetingClosed: (title: string, time: string) => string;
  outOfRange: (metric: string) => string;
  acked: (who: string, time: string) => string;
  someone: string;
  note: string;
  escalated: (d: string) => string;
  titleBack: string;
  /** Closed because what it was about left the configuration. */
  removed: string;
  titleAcked: string;
  titleEscalated: string;
  delayed: (d: string) => string;
}

const vi: Phrases = {
  at: (t) => `lúc ${t}`,
  since: (t) => `từ ${t}`,
  onDay: (d) => ` ngày ${d}`,
  duration: (min) => {
    if (min < 1) return 'dưới 1 phút';
    if (min < 60) return `${min} phút`;
    if (min < 1440) return `${Math.floor(min / 60)} giờ${min % 60 ? ` ${min % 60} phút` : ''}`;
    return `${Math.floor(min / 1440)} ngày${Math.floor((min % 1440) / 60) ? ` ${Math.floor((min % 1440) / 60)} giờ` : ''}`;
  },
  num: 'vi-VN',
  cause: 'nguyên nhân',
  check: 'cần kiểm tra',
  reasons: {
    timeout: 'không nhận được tín hiệu từ thiết bị',
    lwt: 'thiết bị ngắt kết nối đột ngột (có thể mất điện hoặc mất mạng)',
  },
  offline: 'mất kết nối',
  back: 'hoạt động trở lại',
  root: (n) => `kéo theo ${n} thiết bị khác`,
  flapping: 'chập chờn, liên tục mất kết nối rồi có lại',
  flappingCount: (n, w) => `chập chờn (mất kết nối rồi có lại ${n} lần trong ${w})`,
  stable: 'đã ổn định trở lại',
  thresholdNormal: 'đã trở lại bình thường',
  threshold: 'ngưỡng',
  internetOf: (v) => `Đường truyền Internet của ${/^(thôn|làng|bản|xóm|ấp|buôn|khu|tổ)\s/iu.test(v) ? v : `thôn ${v}`}`,
  internetDown: 'bị mất',
  internetBack: 'đã có lại',
  lasted: (d) => `mất ${d}`,
  meetingSet: 'Bộ họp trực tuyến',
  notReady: (title, t) => `chưa sẵn sàng cho cuộc họp "${title}" lúc ${t}`,
  ready: (title) => `đã sẵn sàng cho cuộc họp "${title}"`,
  meetingClosed: (title, t) => `hết cảnh báo cho cuộc họp "${title}" lúc ${t}`,
  outOfRange: (m) => `chỉ số ${m} vượt ngưỡng`,
  acked: (who, t) => `đã được ${who} xác nhận lúc ${t}`,
  someone: 'người trực',
  note: 'Ghi chú',
  escalated: (d) => `Chưa ai xác nhận sau ${d}`,
  titleBack: 'đã khắc phục',
  removed: 'đã được gỡ khỏi cấu hình, cảnh báo được đóng lại',
  titleAcked: 'đã xác nhận',
  titleEscalated: 'Chưa ai xác nhận',
  delayed: (d) => `(Tin nhắn gửi chậm ${d} do mất kết nối Internet)`,
};

const en: Phrases = {
  at: (t) => `at ${t}`,
  since: (t) => `since ${t}`,
  onDay: (d) => ` on ${d}`,
  duration: (min) => {
    if (min < 1) return 'less than a minute';
    if (min < 60) return `${min} min`;
    if (min < 1440) return `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
    return `${Math.floor(min / 1440)} d${Math.floor((min % 1440) / 60) ? ` ${Math.floor((min % 1440) / 60)} h` : ''}`;
  },
  num: 'en-US',
  cause: 'cause',
  check: 'check',
  reasons: {
    timeout: 'no signal from the device',
    lwt: 'the device dropped its connection suddenly (power or network loss)',
  },
  offline: 'went offline',
  back: 'is back online',
  root: (n) => `taking ${n} other device${n === 1 ? '' : 's'} with it`,
  flapping: 'is flapping (going offline and back repeatedly)',
  flappingCount: (n, w) => `is flapping (offline and back ${n} times in ${w})`,
  stable: 'is stable again',
  thresholdNormal: 'is back to normal',
  threshold: 'threshold',
  internetOf: (v) => `The Internet link of ${v}`,
  internetDown: 'went down',
  internetBack: 'is back',
  lasted: (d) => `down for ${d}`,
  meetingSet: 'The video meeting set',
  notReady: (title, t) => `is not ready for the meeting "${title}" at ${t}`,
  ready: (title) => `is ready for the meeting "${title}"`,
  meetingClosed: (title, t) => `alert for the meeting "${title}" closed at ${t}`,
  outOfRange: (m) => `${m} out of range`,
  acked: (who, t) => `acknowledged by ${who} at ${t}`,
  someone: 'someone',
  note: 'Note',
  escalated: (d) => `Not acknowledged after ${d}`,
  titleBack: 'resolved',
  removed: 'was removed from the configuration; the alert is closed',
  titleAcked: 'acknowledged',
  titleEscalated: 'Not acknowledged',
  delayed: (d) => `(Message delayed ${d} because the Internet link was down)`,
};

const phrasebooks: Record<Language, Phrases> = { vi, en };

function clip(s: string, max = MAX_FACT): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** HH:MM (24 h) and dd/mm in the village's time zone; an unknown zone falls back to Vietnam's. */
function localTime(ts: number, timeZone: string): { hm: string; day: string } {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', hourCycle: 'h23' });
  } catch {
    fmt = new Intl.DateTimeFormat('en-GB', { timeZone: DEFAULT_TZ, hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', hourCycle: 'h23' });
  }
  const p = Object.fromEntries(fmt.formatToParts(new Date(ts)).map((x) => [x.type, x.value]));
  return { hm: `${p.hour ?? '00'}:${p.minute ?? '00'}`, day: `${p.day ?? '01'}/${p.month ?? '01'}` };
}

const minutes = (ms: number): number => Math.max(0, Math.round(ms / 60_000));

export interface RenderOptions {
  /** Delivery time: an event of another (local) day gets its date next to the time. */
  now: number;
  /** Seconds between queueing and delivery; above 60 the message says it is late. */
  delayedS?: number;
}

/** Renders an alert change in the configured language. Pure: same input and options, same text. */
export function renderMessage(input: RenderInput, opts: RenderOptions): Message {
  const t = phrasebooks[input.language] ?? vi;
  const { alert, village } = input;
  const d = alert.detail;
  const str = (k: string): string | null => (typeof d[k] === 'string' && d[k] !== '' ? clip(d[k] as string) : null);
  const num = (k: string): number | null => (typeof d[k] === 'number' && Number.isFinite(d[k]) ? (d[k] as number) : null);
  const today = localTime(opts.now, village.timezone).day;
  const time = (ts: number): string => {
    const l = localTime(ts, village.timezone);
    return l.day === today ? l.hm : `${l.hm}${t.onDay(l.day)}`;
  };
  const fmtNum = (v: Alert['detail'][string] | undefined): string =>
    typeof v === 'number' ? new Intl.NumberFormat(t.num, { maximumFractionDigits: 2 }).format(v) : typeof v === 'object' && v !== null ? '?' : String(v ?? '?');

  const subject = input.deviceName !== null ? `${clip(input.deviceName, 80)} (${clip(village.name, 60)})` : clip(village.name, 60);
  const reasonCode = str('reason');
  // A reason code (from a poller or agent) reads as the phrasebook says; else the code or words sent as `reason`.
  const params = typeof d.reasonParams === 'object' && d.reasonParams !== null ? d.reasonParams : undefined;
  const coded = typeof d.reasonCode === 'string' ? reasonText(d.reasonCode, params, input.language) : null;
  const reason = coded ? clip(coded) : reasonCode ? (t.reasons[reasonCode] ?? reasonCode) : null;
  const cause = reason ?? (input.causeName ? `${input.causeName} ${t.offline}` : str('cause'));
  const withCause = (s: string): string => (cause ? `${s} — ${t.cause}: ${cause}` : s);
  // detail.since: when the device actually went down (it can precede the alert, e.g. after flapping settles).
  const started = num('since') ?? alert.startedAt;
  const endedAt = alert.resolvedAt ?? input.ts;
  const lasted = t.lasted(t.duration(minutes(endedAt - started)));

  // short: what is wrong, without time (titles, acknowledgements); fired: the full first line; resolved: the all-clear.
  let short: string;
  let fired: string;
  let resolved: string;
  switch (alert.condition) {
    case 'unreachable-root':
    case 'offline': {
      const affected = alert.condition === 'unreachable-root' ? (num('affected') ?? 0) : 0;
      short = `${subject} ${t.offline}`;
      fired = withCause(`${short} ${t.at(time(started))}${affected > 0 ? `, ${t.root(affected)}` : ''}`);
      resolved = `${subject} ${t.back} ${t.at(time(endedAt))} (${lasted})`;
      break;
    }
    case 'flapping': {
      const changes = num('changes');
      const windowS = num('windowS') ?? input.flappingWindowS;
      const what = changes !== null && windowS > 0 ? t.flappingCount(changes, t.duration(minutes(windowS * 1000))) : t.flapping;
      short = `${subject} ${what}`;
      fired = withCause(`${short} ${t.since(time(started))}`);
      resolved = `${subject} ${t.stable} ${t.at(time(endedAt))}`;
      break;
    }
    case 'threshold': {
      const label = str('label') ?? t.outOfRange(str('metric') ?? '?');
      const metric = str('metric');
      const op = str('op');
      const threshold = d.threshold;
      // `frozen == 1` says nothing the label does not; a number against a limit does.
      const facts = metric && op !== '==' && op !== '!=' ? ` (${metric}: ${fmtNum(d.value)}${threshold !== undefined ? `, ${t.threshold} ${op ? `${op} ` : ''}${fmtNum(threshold)}` : ''})` : '';
      short = `${subject}: ${label}`;
      fired = `${short} ${t.at(time(started))}${facts}`;
      resolved = `${subject} ${t.thresholdNormal} ${t.at(time(endedAt))} (${label})`;
      break;
    }
    case 'internet-down': {
      const link = t.internetOf(clip(village.name, 60));
      short = `${link} ${t.internetDown}`;
      fired = withCause(`${short} ${t.at(time(started))}`);
      resolved = `${link} ${t.internetBack} ${t.at(time(endedAt))} (${lasted})`;
      break;
    }
    case 'meeting-not-ready': {
      const who = input.deviceName !== null ? subject : `${t.meetingSet} (${clip(village.name, 60)})`;
      const title = str('title') ?? '?';
      const startRaw = d.startAt;
      const startMs = typeof startRaw === 'number' ? startRaw : typeof startRaw === 'string' ? Date.parse(startRaw) : NaN;
      short = `${who} ${t.notReady(title, Number.isFinite(startMs) ? time(startMs) : '?')}`;
      const failed = str('failed');
      fired = failed ? `${short} — ${t.check}: ${failed}` : withCause(short);
      // Resolved before the meeting began means the set became ready; after, it may just be over (the
      // alert does not carry why it was resolved), so the wording stays neutral.
      resolved = Number.isFinite(startMs) && endedAt >= startMs ? `${who}: ${t.meetingClosed(title, time(endedAt))}` : `${who} ${t.ready(title)} (${time(endedAt)})`;
      break;
    }
  }

  // The engine says why it resolved (detail.resolution); "removed from config" is not "back online".
  const resolution = str('resolution');
  if (resolution && resolution.endsWith('-removed')) resolved = `${subject}: ${t.removed}`;

  const lines: string[] = [];
  let title: string;
  switch (input.change) {
    case 'fired':
      title = short;
      lines.push(fired);
      break;
    case 'resolved':
      title = `${short}: ${t.titleBack}`;
      lines.push(resolved);
      break;
    case 'acknowledged':
      title = `${short}: ${t.titleAcked}`;
      lines.push(`${short} — ${t.acked(alert.ackedBy ? clip(alert.ackedBy, 60) : t.someone, time(alert.ackedAt ?? input.ts))}`);
      if (alert.ackNote) lines.push(`${t.note}: ${clip(alert.ackNote, 300)}`);
      break;
    case 'escalated': {
      const waited = t.duration(minutes((alert.escalatedAt ?? input.ts) - started));
      title = `${t.titleEscalated}: ${short}`;
      lines.push(`${t.escalated(waited)}: ${fired}`);
      break;
    }
  }
  const delayedS = opts.delayedS ?? 0;
  if (delayedS > 60) lines.push(t.delayed(t.duration(Math.max(1, Math.round(delayedS / 60)))));
  return { title: clip(title, 150), text: lines.join('\n') };
}
