import { alertPhrases, type AlertPhrases } from './alert-phrases.js';
import type { AlertChange, AlertView } from './events.js';
import { eventTypeText } from './event-types.js';
import type { Lang } from './i18n.js';
import { reasonText, type ReasonParams } from './reasons.js';
import { zonedParts } from './time.js';
import { formatDuration, formatNumber, formatValue, type Unit } from './units.js';
import { metricFallbackLabel } from './metric-names.js';

/**
 * One renderer for alert texts (DESIGN.md §6): the notifications (hub/alerts/messages.ts) and the dashboard
 * (dashboard/src/alert-text.ts) both call it, so a villager reads the same sentence on the phone and on
 * the screen. Node-free: what differs between the two (where names and metric labels come from) is passed in.
 */

/** The fields of an alert the text needs: the hub's Alert and the dashboard's AlertView both fit. */
export type AlertFields = Pick<AlertView, 'village' | 'device' | 'condition' | 'startedAt' | 'ackedAt' | 'ackedBy' | 'ackNote' | 'resolvedAt' | 'escalatedAt' | 'detail'>;

/** A metric's label (in the text's language) and unit, from its kind's descriptor; undefined when unknown. */
export type MetricLookup = (kind: string | null, metric: string) => { label: string; unit: Unit } | undefined;

export interface AlertTextInput {
  alert: AlertFields;
  /** The alert's village by name; every village of the hub for a hub-wide alert (its Internet link). */
  villages: readonly string[];
  /** The village's time zone: times are told in it. */
  timezone: string;
  /** Display name of a device of the alert's village (the alert's own, its cause, those it took down). */
  nameOf: (device: string) => string | undefined;
  lang: Lang;
  /** When it is read: an event of another day gets its date. */
  now: number;
  /** When the change being told happened, for a resolution not yet stamped on the alert. */
  ts?: number;
  metric?: MetricLookup;
  /** alerts.flapping.windowS, for flapping alerts that do not carry their window. */
  flappingWindowS?: number;
}

/** subject: who; short: what is wrong, without time; fired: the full first line; resolved: the all-clear. */
export interface AlertSentences {
  subject: string;
  short: string;
  fired: string;
  resolved: string;
}

/** Why a message went out late, as the outbox saw it. */
export type DelayCause =
  | { kind: 'hub'; from: number; to: number }
  | { kind: 'internet' }
  | { kind: 'receiver'; channel: string; status?: number };

export interface MessageOptions {
  /** Seconds between queueing and delivery; above 60 the message says it is late, and why. */
  delayedS?: number;
  delayCauses?: readonly DelayCause[];
}

/** Messages go to phones; nobody reads a device's 2 kB error string there. */
const MAX_FACT = 200;
/** A root cause's message names this many of the devices it took down, then counts the rest. */
const MAX_NAMED = 5;

export function clip(s: string, max = MAX_FACT): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "14:02" on the same day as `now` in the zone, "14:02 ngày 25/11" (and the year when it differs) otherwise. */
export function alertTime(ts: number, tz: string, now: number, lang: Lang): string {
  const p = zonedParts(ts, tz);
  const n = zonedParts(now, tz);
  const hm = `${pad(p.hour)}:${pad(p.minute)}`;
  if (p.year === n.year && p.month === n.month && p.day === n.day) return hm;
  return hm + alertPhrases[lang].onDay(`${pad(p.day)}/${pad(p.month)}${p.year !== n.year ? `/${p.year}` : ''}`);
}

/** Device ids kept in an alert's detail as one comma-separated text (detail values are plain). */
export function idList(v: unknown): string[] {
  return typeof v === 'string' && v !== '' ? v.split(',').filter((x) => x !== '') : [];
}

/** detail.reasonParams: an object, or one kept as JSON text (detail values are plain). */
function reasonParams(v: unknown): ReasonParams | undefined {
  let o = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v) as unknown;
    } catch {
      return undefined;
    }
  }
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as ReasonParams) : undefined;
}

/** The sentences of an alert, in the input's language. Pure: the same input gives the same text. */
export function alertSentences(input: AlertTextInput): AlertSentences {
  const { alert, lang } = input;
  const t = alertPhrases[lang];
  const d = alert.detail;
  const str = (k: string): string | null => (typeof d[k] === 'string' && d[k] !== '' ? clip(d[k] as string) : null);
  const num = (k: string): number | null => (typeof d[k] === 'number' && Number.isFinite(d[k]) ? (d[k] as number) : null);
  const time = (ts: number): string => alertTime(ts, input.timezone, input.now, lang);
  const duration = (ms: number): string => formatDuration(Math.max(0, ms) / 1000, lang);
  const nameOf = (id: string): string => clip(input.nameOf(id) ?? id, 80);
  const villages = input.villages.map((v) => clip(v, 60));
  const village = villages.join(', ');

  const deviceName = alert.device === null ? null : clip(input.nameOf(alert.device) ?? str('name') ?? alert.device, 80);
  const subject = deviceName !== null ? `${deviceName} (${village})` : village;
  const cause = causeText(t, lang, str, d, nameOf);
  const withCause = (s: string): string => (cause ? `${s} — ${t.cause}: ${cause}` : s);
  // detail.since: when the device actually went down (it can precede the alert, e.g. after flapping settles).
  const started = num('since') ?? alert.startedAt;
  // detail.backAt: when a root cause came back (it is declared back a little later, see docs/alerts.md).
  const endedAt = num('backAt') ?? alert.resolvedAt ?? input.ts ?? input.now;
  const outages = num('outages') ?? 1;
  const lasted = outages > 1 ? t.outagesIn(outages, duration(endedAt - started)) : t.interrupted(duration(endedAt - started), Math.round((endedAt - started) / 1000));

  let short: string;
  let fired: string;
  let resolved: string;
  switch (alert.condition) {
    case 'unreachable-root':
    case 'offline': {
      const took = idList(d.affectedIds);
      const affected = alert.condition === 'unreachable-root' ? took.length || (num('affected') ?? 0) : 0;
      short = `${subject} ${t.offline}`;
      fired = withCause(`${short} ${t.at(time(started))}${affected > 0 ? `, ${t.took(affected, namedList(t, took.map(nameOf)))}` : ''}`);
      resolved = `${subject} ${t.back} ${t.at(time(endedAt))} (${lasted})`;
      // The hub notes, on resolving a root cause, which of the devices it took down are still not back.
      if (affected > 0 && took.length > 0 && typeof d.stillDownIds === 'string') {
        const still = idList(d.stillDownIds);
        resolved += `; ${still.length === 0 ? t.behindBack : t.behindStillDown(namedList(t, still.map(nameOf)))}`;
      }
      break;
    }
    case 'flapping': {
      const changes = num('changes');
      const count = num('outages') ?? (changes !== null ? Math.ceil(changes / 2) : null);
      const windowS = num('windowS') ?? input.flappingWindowS ?? 0;
      const what = count !== null && windowS > 0 ? t.flappingCount(count, duration(windowS * 1000)) : t.flapping;
      short = `${subject} ${what}`;
      fired = withCause(`${short} ${t.since(time(started))}`);
      resolved = `${subject} ${t.stable} ${t.at(time(endedAt))}`;
      break;
    }
    case 'threshold': {
      const kind = str('kind');
      const metric = str('metric');
      const spec = metric ? input.metric?.(kind, metric) : undefined;
      const metricName = metric ? (spec?.label ?? metricFallbackLabel(metric, lang)) : '?';
      const label = (lang === 'en' ? str('labelEn') : null) ?? str('label') ?? t.outOfRange(metricName);
      const op = str('op');
      const value = d.value;
      const limit = d.threshold;
      const fmt = (v: number): string => (spec ? formatValue(spec.unit, v, lang) : formatNumber(v, lang));
      // `frozen == 1` says nothing the label does not; a number against a limit does.
      const facts =
        metric && op && op !== '==' && op !== '!=' && typeof value === 'number' && typeof limit === 'number'
          ? ` (${metricName}: ${fmt(value)}, ${t.threshold} ${op} ${fmt(limit)})`
          : '';
      short = `${subject}: ${label}`;
      fired = `${short} ${t.at(time(started))}${facts}`;
      resolved = `${subject} ${t.thresholdNormal} ${t.at(time(endedAt))} (${label})`;
      break;
    }
    case 'internet-down': {
      const link = t.internetOf(villages);
      short = `${link} ${t.internetDown}`;
      fired = withCause(`${short} ${t.at(time(started))}`);
      resolved = `${link} ${t.internetBack} ${t.at(time(endedAt))} (${lasted})`;
      break;
    }
    case 'hub-offline': {
      const hub = t.hubOf(village);
      short = `${hub} ${t.hubOffline}`;
      fired = `${short} ${t.at(time(started))}`;
      resolved = `${hub} ${t.hubBack} ${t.at(time(endedAt))} (${lasted})`;
      break;
    }
    case 'hub-backlog': {
      const hub = t.hubOf(village);
      const ageS = num('oldestAgeS');
      short = `${hub} ${t.backlogGrowing(num('messages') ?? 0, ageS !== null ? duration(ageS * 1000) : null)}`;
      fired = `${short} (${time(started)})`;
      resolved = `${hub} ${t.backlogCleared} ${t.at(time(endedAt))}`;
      break;
    }
    case 'meeting-not-ready': {
      const who = deviceName !== null ? subject : t.meetingSet(village);
      const title = str('title') ?? '?';
      const startRaw = d.startAt;
      const startMs = typeof startRaw === 'number' ? startRaw : typeof startRaw === 'string' ? Date.parse(startRaw) : NaN;
      short = `${who} ${t.notReady(title, Number.isFinite(startMs) ? time(startMs) : '?')}`;
      const failed = str('failed');
      fired = failed ? `${short} — ${t.check}: ${failed}` : withCause(short);
      // Resolved before the meeting began means the set became ready; after, it may just be over.
      resolved =
        Number.isFinite(startMs) && endedAt >= startMs ? `${who}: ${t.meetingClosed(title, time(endedAt))}` : `${who} ${t.ready(title)} (${time(endedAt)})`;
      break;
    }
    case 'event': {
      const type = clip(eventTypeText(str('type') ?? '?', lang), 80);
      const message = str('message');
      short = `${subject} ${t.eventShort(type)}`;
      fired = `${subject} ${t.eventFired(type, time(started))}${message ? ` — ${message}` : ''}`;
      resolved = `${subject}: ${t.eventCleared(type, time(endedAt))}`;
      break;
    }
  }
  // The hub says why it resolved (detail.resolution); "removed from config" is not "back online".
  const resolution = str('resolution');
  if (resolution && resolution.endsWith('-removed')) resolved = `${subject}: ${t.removed}`;
  return { subject, short, fired, resolved };
}

/** The cause in words: the reason code (or the device's own words), else the device that took it down. */
function causeText(
  t: AlertPhrases,
  lang: Lang,
  str: (k: string) => string | null,
  d: AlertFields['detail'],
  nameOf: (id: string) => string,
): string | null {
  const code = str('reasonCode');
  const coded = code ? reasonText(code, reasonParams(d.reasonParams), lang) : null;
  if (coded) return coded;
  const reason = str('reason');
  const cause = str('cause');
  // "parent" with the parent named says more as "<parent> is offline".
  if (reason && !(reason === 'parent' && cause)) return reasonText(reason, undefined, lang) ?? reason;
  return cause ? t.causeDown(nameOf(cause)) : null;
}

/** "A, B, C, D, E và 2 thiết bị khác": up to five names, then how many more. */
function namedList(t: AlertPhrases, names: string[]): string {
  const shown = names.slice(0, MAX_NAMED).join(', ');
  return names.length > MAX_NAMED ? `${shown} ${t.andMore(names.length - MAX_NAMED)}` : shown;
}

/** Why a late message is late, in words; null when nothing is known. */
function delayReason(t: AlertPhrases, causes: readonly DelayCause[], time: (ts: number) => string): string | null {
  const words = causes.map((c) => {
    if (c.kind === 'hub') return t.delayHub(time(c.from), time(c.to));
    if (c.kind === 'internet') return t.delayInternet;
    return c.status !== undefined ? t.delayReceiverStatus(c.channel, c.status) : t.delayReceiverUnreachable(c.channel);
  });
  return words.length > 0 ? words.join(` ${t.and} `) : null;
}

/**
 * One notification for one change of an alert: a short title (e-mail subject) and a text readable on a
 * phone. `input.ts` is when the change happened; `input.now` the delivery time.
 */
export function alertMessage(input: AlertTextInput, change: AlertChange, opts: MessageOptions = {}): { title: string; text: string } {
  const { alert, lang } = input;
  const t = alertPhrases[lang];
  const s = alertSentences(input);
  const at = input.ts ?? input.now;
  const time = (ts: number): string => alertTime(ts, input.timezone, input.now, lang);
  const started = typeof alert.detail.since === 'number' ? alert.detail.since : alert.startedAt;
  const lines: string[] = [];
  let title: string;
  switch (change) {
    case 'fired':
      title = s.short;
      lines.push(s.fired);
      break;
    case 'resolved':
      title = `${s.short}: ${t.titleBack}`;
      lines.push(s.resolved);
      break;
    case 'acknowledged':
      title = `${s.short}: ${t.titleAcked}`;
      lines.push(`${s.short} — ${t.acked(alert.ackedBy ? clip(alert.ackedBy, 60) : t.someone, time(alert.ackedAt ?? at))}`);
      if (alert.ackNote) lines.push(`${t.note}: ${clip(alert.ackNote, 300)}`);
      break;
    case 'escalated':
      title = `${t.titleEscalated}: ${s.short}`;
      lines.push(`${t.escalated(formatDuration(Math.max(0, (alert.escalatedAt ?? at) - started) / 1000, lang))}: ${s.fired}`);
      break;
  }
  const delayedS = opts.delayedS ?? 0;
  if (delayedS > 60) lines.push(t.delayed(formatDuration(delayedS, lang), delayReason(t, opts.delayCauses ?? [], time)));
  return { title: clip(title, 150), text: lines.join('\n') };
}
