import type { AvailabilityState, DevicesResponse, DeviceView, KindView, SessionUser, UptimeAllResponse, VillageUptimeView } from '../../shared/events.js';
import { localeOf, type Lang } from '../../shared/i18n.js';
import { groupPlaces, isMultiPlace } from '../../shared/places.js';
import { zonedParts } from '../../shared/time.js';
import { formatDuration, formatValue } from '../../shared/units.js';
import { say } from './first-view-text.js';

/** What the first view shows: the same bodies GET /api/session, /api/devices and /api/uptime answer. */
export interface FirstViewData {
  user: SessionUser;
  devices: DevicesResponse;
  /** Every readable village over the last 24 hours and 30 days; null when the store did not answer. */
  uptime: { day: UptimeAllResponse; month: UptimeAllResponse } | null;
}

/**
 * Tiles rendered into the page at most: a phone shows a dozen, and a hub of a thousand devices must not
 * spend its event loop on markup the script redraws a moment later (the rest come with the script).
 */
export const FIRST_VIEW_MAX_TILES = 60;

const STATES: AvailabilityState[] = ['online', 'offline', 'unreachable', 'maintenance', 'unknown'];

/** Text and attribute values: every name and place may come from the network (a device's own MQTT). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

const e = escapeHtml;

/** The dashboard's order: offline first, then those they took down, then the rest; by name within each (device-order.ts). */
const rank = (d: DeviceView): number => (d.state === 'offline' ? 0 : d.state === 'unreachable' ? 1 : 2);
/** One collator for a whole sort: `localeCompare(b, 'vi')` builds one per comparison (a thousand devices: ~0.2 s). */
function problemsFirst(byName: Intl.Collator): (a: DeviceView, b: DeviceView) => number {
  return (a, b) => rank(a) - rank(b) || byName.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "14:02" today, "14:02 03/05" on another day (the dashboard's shortTime). */
function shortTime(ts: number, tz: string, now: number): string {
  const p = zonedParts(ts, tz);
  const n = zonedParts(now, tz);
  const clock = `${pad(p.hour)}:${pad(p.minute)}`;
  if (p.year === n.year && p.month === n.month && p.day === n.day) return clock;
  return `${clock} ${pad(p.day)}/${pad(p.month)}${n.year === p.year ? '' : `/${p.year}`}`;
}

/** "vừa xong", "3 phút trước" (the dashboard's relativeTime). */
function relativeTime(lang: Lang, ts: number, now: number): string {
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 15) return say(lang, 'time.justNow');
  if (s < 60) return say(lang, 'time.secondsAgo', { n: Math.floor(s / 10) * 10 });
  const m = Math.floor(s / 60);
  if (m < 60) return say(lang, 'time.minutesAgo', { n: m });
  const h = Math.floor(m / 60);
  if (h < 48) return say(lang, 'time.hoursAgo', { n: h });
  return say(lang, 'time.daysAgo', { n: Math.floor(h / 24) });
}

/** "99,5%" (the dashboard's pctText). */
function pctText(lang: Lang, v: number | null): string {
  if (v === null) return say(lang, 'uptime.none');
  if (v < 100 && v >= 99.995) return `${(99.99).toLocaleString(localeOf[lang])}%`;
  return `${v.toLocaleString(localeOf[lang], { maximumFractionDigits: v >= 99.95 && v < 100 ? 2 : 1 })}%`;
}

function uptimeLevel(v: number | null): string {
  if (v === null) return 'none';
  return v >= 99 ? 'good' : v >= 95 ? 'fair' : 'poor';
}

class Renderer {
  private readonly kinds: Map<string, KindView>;
  private readonly tz: Map<string, string>;

  constructor(
    private readonly lang: Lang,
    private readonly data: FirstViewData,
    private readonly now: number,
  ) {
    this.kinds = new Map(data.devices.kinds.map((k) => [k.kind, k]));
    this.tz = new Map(data.devices.villages.map((v) => [v.id, v.timezone]));
  }

  private stateLabel(s: AvailabilityState): string {
    return say(this.lang, `state.${s}`);
  }

  header(): string {
    const { lang, data } = this;
    const user = data.user;
    const role = say(lang, `role.${user.role}`);
    const counts = new Map<AvailabilityState, number>();
    for (const d of data.devices.devices) counts.set(d.state, (counts.get(d.state) ?? 0) + 1);
    const summary = STATES.filter((s) => (counts.get(s) ?? 0) > 0)
      .map((s) => `<li class="badge state-${s}" data-testid="summary-${s}"><span class="dot" aria-hidden="true"></span>${e(this.stateLabel(s))}: <strong>${counts.get(s) ?? 0}</strong></li>`)
      .join('');
    return (
      `<header class="app-header"><div class="header-row"><a class="brand" href="#/"><span class="brand-name">${e(say(lang, 'app.name'))}</span><span class="brand-tag">${e(say(lang, 'app.tagline'))}</span></a>` +
      `<div class="header-actions"><div class="user-box" data-testid="user-box"><span class="who" title="${e(say(lang, 'user.label', { name: user.username, role }))}"><span class="who-name" data-testid="who">${e(user.username)}</span><span class="who-role">${e(role)}</span></span>` +
      `<button type="button" class="logout" data-testid="logout" aria-label="${e(say(lang, 'user.logoutLabel', { name: user.username }))}">${e(say(lang, 'user.logout'))}</button></div>` +
      `<button type="button" class="lang" aria-label="${e(`${say(lang, 'app.lang')}: ${say(lang, 'app.langSwitch')}`)}">${lang === 'vi' ? 'EN' : 'VI'}</button></div></div>` +
      `<nav class="nav" aria-label="${e(say(lang, 'nav.label'))}"><a href="#/" aria-current="page">${e(say(lang, 'nav.overview'))}</a><a href="#/alerts" data-testid="nav-alerts">${e(say(lang, 'nav.alerts'))}</a>` +
      `<a href="#/maintenance">${e(say(lang, 'nav.maintenance'))}</a><a href="#/reports" data-testid="nav-reports">${e(say(lang, 'nav.reports'))}</a>` +
      (user.role === 'admin' ? `<a href="#/audit" data-testid="nav-audit">${e(say(lang, 'nav.audit'))}</a>` : '') +
      `</nav><div class="header-status"><ul class="summary" aria-label="${e(say(lang, 'summary.label'))}" data-testid="summary"><li class="summary-total">${e(say(lang, 'summary.total', { n: data.devices.devices.length }))}</li>${summary}</ul></div></header>`
    );
  }

  private mainMetric(d: DeviceView): string | null {
    const fields = d.telemetry?.fields;
    if (!fields) return null;
    const preferred = this.kinds.get(d.kind)?.mainMetric;
    if (preferred && typeof fields[preferred] === 'number') return preferred;
    for (const [name, v] of Object.entries(fields)) if (typeof v === 'number') return name;
    return null;
  }

  private statusLine(d: DeviceView, tz: string): string {
    const { lang, now } = this;
    if (d.since !== null && (d.state === 'offline' || d.state === 'unreachable' || d.state === 'maintenance')) {
      return say(lang, 'device.downSince', { state: this.stateLabel(d.state), time: shortTime(d.since, tz, now), duration: formatDuration(Math.max(0, now - d.since) / 1000, lang) });
    }
    return d.lastSeen !== null ? say(lang, 'device.lastSeen', { when: relativeTime(lang, d.lastSeen, now) }) : say(lang, 'device.neverSeen');
  }

  /** One tile as DeviceTile.tsx draws it, less what the script adds (the sparkline's curve, the reason line, the alert link). */
  tile(d: DeviceView): string {
    const { lang } = this;
    const kind = this.kinds.get(d.kind);
    const metric = this.mainMetric(d);
    const value = metric ? d.telemetry?.fields[metric] : undefined;
    const spec = metric ? kind?.metrics[metric] : undefined;
    const metricName = metric ? (spec?.label[lang] ?? metric) : '';
    const valueText = value === undefined ? '–' : spec ? formatValue(spec.unit, value, lang) : typeof value === 'boolean' ? formatValue('bool', value, lang) : formatValue('plain', value, lang);
    const href = `#/d/${encodeURIComponent(d.village)}/${encodeURIComponent(d.id)}`;
    return (
      `<li class="tile-item"><a class="tile state-${e(d.state)}" href="${e(href)}" data-testid="${e(`device-${d.village}-${d.id}`)}" data-state="${e(d.state)}" data-stale="false">` +
      `<div class="tile-head"><span class="tile-name">${e(d.name)}</span><span class="badge state-${e(d.state)}" data-state="${e(d.state)}"><span class="dot" aria-hidden="true"></span>${e(this.stateLabel(d.state))}</span></div>` +
      `<div class="tile-kind">${e(kind?.label[lang] ?? d.kind)}</div>` +
      (d.location ? `<div class="tile-place">${e(say(lang, 'device.location', { place: d.location }))}</div>` : '') +
      `<div class="tile-seen" data-testid="tile-seen">${e(this.statusLine(d, this.tz.get(d.village) ?? 'Asia/Ho_Chi_Minh'))}</div>` +
      (metric
        ? `<div class="tile-metric"><span class="metric-value"><span class="metric-name">${e(metricName)}</span> ${e(valueText)}</span><div class="sparkline" aria-hidden="true"></div></div>`
        : `<div class="tile-nodata">${e(say(lang, 'device.noData'))}</div>`) +
      `</a></li>`
    );
  }

  private uptimeLine(day: VillageUptimeView | undefined, month: VillageUptimeView | undefined, village: string): string {
    if (!day || !month) return '';
    const { lang } = this;
    return (
      `<p class="village-uptime" data-testid="${e(`village-uptime-${village}`)}">${e(say(lang, 'uptime.villageLine'))} ` +
      `<strong class="level-${uptimeLevel(day.uptimePct)}">${e(say(lang, 'uptime.range.24h'))}: ${e(pctText(lang, day.uptimePct))}</strong> · ` +
      `<strong class="level-${uptimeLevel(month.uptimePct)}">${e(say(lang, 'uptime.range.30d'))}: ${e(pctText(lang, month.uptimePct))}</strong></p>`
    );
  }

  /** The overview as Overview.tsx draws it for one place (a village hub), or null for a commune's or province's many. */
  overview(): string | null {
    const { lang, data } = this;
    const order = problemsFirst(new Intl.Collator('vi'));
    const byVillage = new Map<string, DeviceView[]>(data.devices.villages.map((v) => [v.id, []]));
    for (const d of data.devices.devices) if (d.registered) byVillage.get(d.village)?.push(d);
    const groups = data.devices.villages.map((v) => ({ village: v, devices: (byVillage.get(v.id) ?? []).sort(order) }));
    // A commune or province dashboard groups its villages by place: left to the script (central mode is not a phone's first load).
    if (isMultiPlace(groupPlaces(groups, (g) => g.village))) return null;
    // Unregistered devices and the worst-devices panel come below the villages: the script adds them.
    if (data.devices.devices.length === 0) return null;
    const day = new Map(data.uptime?.day.villages.map((v) => [v.village, v]) ?? []);
    const month = new Map(data.uptime?.month.villages.map((v) => [v.village, v]) ?? []);
    const problems = data.devices.devices.filter((d) => d.registered && (d.state === 'offline' || d.state === 'unreachable')).length;
    let budget = FIRST_VIEW_MAX_TILES;
    const sections = groups.map(({ village, devices }) => {
      const online = devices.filter((d) => d.state === 'online').length;
      const place = [village.commune, village.province].filter(Boolean).join(', ');
      const shown = devices.slice(0, Math.max(0, budget));
      budget -= shown.length;
      return (
        `<section class="village" aria-labelledby="${e(`v-${village.id}`)}"><div class="village-head"><h2 id="${e(`v-${village.id}`)}">${e(village.name)}</h2>` +
        (devices.length > 0 ? `<span class="village-count">${e(say(lang, 'device.villageCount', { online, total: devices.length }))}</span>` : '') +
        `</div>` +
        (place ? `<p class="village-place">${e(place)}</p>` : '') +
        this.uptimeLine(day.get(village.id), month.get(village.id), village.id) +
        (shown.length > 0 ? `<ul class="grid">${shown.map((d) => this.tile(d)).join('')}</ul>` : '') +
        `</section>`
      );
    });
    const filters =
      `<div class="device-filters" role="search" aria-label="${e(say(lang, 'filter.label'))}" data-testid="device-filters"><label class="filter-search"><span>${e(say(lang, 'filter.search'))}</span>` +
      `<input class="input" type="search" value="" placeholder="${e(say(lang, 'filter.searchPlaceholder'))}" autocomplete="off"></label>` +
      `<label class="check filter-problems"><input type="checkbox">${e(say(lang, 'filter.problems', { n: problems }))}</label></div>`;
    return `<main class="content" aria-busy="false"><div class="overview">${filters}${sections.join('')}</div></main>`;
  }
}

/**
 * The overview as markup for the first HTML answer, with the classes and test ids the dashboard's own
 * components use (the script then draws over it in place): null when there is nothing to show early.
 */
export function firstViewMarkup(data: FirstViewData, lang: Lang, now: number): string | null {
  const r = new Renderer(lang, data, now);
  const overview = r.overview();
  return overview === null ? null : `${r.header()}${overview}`;
}
