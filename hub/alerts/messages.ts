import type { Config } from '../config/schema.js';
import type { Alert, AlertChange } from '../core/domain.js';
import { kindViews } from '../registry/kinds.js';
import type { DeviceRegistry } from '../registry/registry.js';
import { alertMessage, idList, type DelayCause, type MetricLookup } from '../../shared/alert-text.js';
import { HUB_WIDE } from '../../shared/events.js';
import type { Lang } from '../../shared/i18n.js';
import { findMetric, metricName } from '../../shared/metric-names.js';

export type Language = Lang;
export type { DelayCause } from '../../shared/alert-text.js';

/** What a channel delivers: a short title (e-mail subject) and a text readable on a phone. */
export interface Message {
  title: string;
  text: string;
  html?: string;
}

/**
 * Everything needed to render one notification, captured when it is queued, so a message delivered hours
 * later (or after a restart, or after a device was renamed) still says what happened then. Stored as JSON
 * in the outbox: fields are only ever added (rows queued by an older hub still render).
 */
export interface RenderInput {
  change: AlertChange;
  alert: Alert;
  /** When the change happened (the bus event's ts). */
  ts: number;
  village: { id: string; name: string; timezone: string };
  /** Every village of the hub by name, for a hub-wide alert (its Internet link). */
  villageNames?: string[];
  /** Display name of the alert's device; null for village-wide alerts (internet, meeting). */
  deviceName: string | null;
  /** Display name of the device named by detail.cause, when it is one of ours. */
  causeName: string | null;
  /** Display names of the other devices the alert names (those a root cause took down). */
  names?: Record<string, string>;
  /** alerts.flapping.windowS when the alert was queued (flapping wording). */
  flappingWindowS: number;
  language: Language;
}

const DEFAULT_TZ = 'Asia/Ho_Chi_Minh';

/** Captures the names and the village time zone for an alert change (at enqueue time). */
export function renderInputFor(
  config: Pick<Config, 'villages' | 'notify' | 'alerts'>,
  devices: Pick<DeviceRegistry, 'get'> & Partial<Pick<DeviceRegistry, 'villageList'>>,
  change: AlertChange,
  alert: Alert,
  ts: number,
): RenderInput {
  const hubWide = alert.village === HUB_WIDE;
  // A hub-wide alert is told in the first village's zone: one hub serves neighbouring villages.
  // Central mode learns its villages from the village hubs (their inventory), not from its config.
  const v = hubWide ? config.villages[0] : (config.villages.find((x) => x.id === alert.village) ?? devices.villageList?.().find((x) => x.id === alert.village));
  const str = (k: string): string | null => (typeof alert.detail[k] === 'string' && alert.detail[k] !== '' ? (alert.detail[k] as string) : null);
  const nameOf = (id: string): string | undefined => devices.get({ village: alert.village, device: id })?.name;
  const deviceName = alert.device === null ? null : (nameOf(alert.device) ?? str('name') ?? alert.device);
  const cause = str('cause');
  const names: Record<string, string> = {};
  for (const id of [...idList(alert.detail.affectedIds), ...idList(alert.detail.stillDownIds)]) {
    const name = nameOf(id);
    if (name !== undefined) names[id] = name;
  }
  return {
    change,
    alert,
    ts,
    village: { id: alert.village, name: hubWide ? config.villages.map((x) => x.name).join(', ') : (v?.name ?? alert.village), timezone: v?.timezone ?? DEFAULT_TZ },
    ...(hubWide ? { villageNames: config.villages.map((x) => x.name) } : {}),
    deviceName,
    causeName: cause ? (nameOf(cause) ?? null) : null,
    names,
    flappingWindowS: config.alerts.flapping.windowS,
    language: config.notify.language,
  };
}

/** Metric labels and units from the kinds' descriptors (devices/<kind>/descriptor.ts), as the dashboard shows them. */
function descriptorMetrics(lang: Language): MetricLookup {
  const kinds = new Map(kindViews().map((k) => [k.kind, k]));
  return (kind, metric) => {
    const found = findMetric(kinds, kind, metric);
    return found ? { label: metricName(found, lang), unit: found.spec.unit } : undefined;
  };
}

export interface RenderOptions {
  /** Delivery time: an event of another (local) day gets its date next to the time. */
  now: number;
  /** Seconds between queueing and delivery; above 60 the message says it is late. */
  delayedS?: number;
  /** Why it is late, as the outbox saw it (receiver errors, Internet outages, the hub not running). */
  delayCauses?: readonly DelayCause[];
}

/** Renders an alert change in the configured language (shared/alert-text.ts). Pure: same input and options, same text. */
export function renderMessage(input: RenderInput, opts: RenderOptions): Message {
  const { alert } = input;
  const names: Record<string, string> = { ...input.names };
  if (alert.device !== null && input.deviceName !== null) names[alert.device] = input.deviceName;
  const cause = typeof alert.detail.cause === 'string' ? alert.detail.cause : null;
  if (cause && input.causeName) names[cause] = input.causeName;
  const lang: Language = input.language === 'en' ? 'en' : 'vi';
  return alertMessage(
    {
      alert,
      villages: input.villageNames ?? [input.village.name],
      timezone: input.village.timezone,
      nameOf: (id) => names[id],
      lang,
      now: opts.now,
      ts: input.ts,
      metric: descriptorMetrics(lang),
      flappingWindowS: input.flappingWindowS,
    },
    input.change,
    { ...(opts.delayedS !== undefined ? { delayedS: opts.delayedS } : {}), ...(opts.delayCauses ? { delayCauses: opts.delayCauses } : {}) },
  );
}
