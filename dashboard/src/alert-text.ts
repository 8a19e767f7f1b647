import { alertSentences, type AlertTextInput } from '../../shared/alert-text';
import { HUB_WIDE, type AlertView, type DeviceView, type VillageView } from '../../shared/events';
import { villageName, villageTz } from './format';
import { getLang } from './i18n';
import { metricLabel, metricSpec } from './kinds';

/**
 * Alert texts on the dashboard: the same renderer as the notifications (shared/alert-text.ts), with names
 * as the dashboard knows them now.
 */
export interface AlertContext {
  villages: VillageView[];
  devices: DeviceView[];
  now: number;
}

/** When what the alert is about began: a device can be down before its alert fired (after flapping). */
export function alertStart(a: AlertView): number {
  const since = a.detail.since;
  return typeof since === 'number' && Number.isFinite(since) ? since : a.startedAt;
}

function input(a: AlertView, ctx: AlertContext): AlertTextInput {
  const hubWide = a.village === HUB_WIDE;
  return {
    alert: a,
    villages: hubWide ? ctx.villages.map((v) => v.name) : [villageName(ctx.villages, a.village)],
    timezone: villageTz(ctx.villages, a.village),
    nameOf: (id) => ctx.devices.find((d) => d.village === a.village && d.id === id)?.name,
    lang: getLang(),
    now: ctx.now,
    metric: (kind, metric) => {
      const spec = metricSpec(kind, metric);
      return spec ? { label: metricLabel(kind, metric), unit: spec.unit } : undefined;
    },
  };
}

/** "Camera cổng thôn (Đông Căm)", or the village for village-wide alerts. */
export function alertSubject(a: AlertView, ctx: AlertContext): string {
  return alertSentences(input(a, ctx)).subject;
}

const str = (a: AlertView, k: string): string | null => {
  const v = a.detail[k];
  return typeof v === 'string' && v !== '' ? v : null;
};

/** The raw technical text behind an alert's translated reason (for commune IT), or null. */
export function alertReasonDetail(a: AlertView): string | null {
  const code = str(a, 'reasonCode');
  const reason = str(a, 'reason');
  return code && reason && reason !== code ? reason : null;
}

/** One sentence in plain words: who, what happened, since when (village time), and why when known. */
export function alertText(a: AlertView, ctx: AlertContext): string {
  return alertSentences(input(a, ctx)).fired;
}
