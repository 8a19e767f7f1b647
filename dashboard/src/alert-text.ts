import type { AlertView, DeviceView, VillageView } from '../../shared/events';
import { affectedCount } from './alert-list';
import { reasonText } from '../../shared/reasons';
import { deviceName, reasonLabel, villageName, villageTz } from './format';
import { getLang, t } from './i18n';
import { formatDuration, formatMetric, metricLabel } from './metrics';
import { shortTime } from './time';

/** What the alert text needs besides the alert: names as the dashboard knows them now. */
export interface AlertContext {
  villages: VillageView[];
  devices: DeviceView[];
  now: number;
}

const str = (a: AlertView, k: string): string | null => {
  const v = a.detail[k];
  return typeof v === 'string' && v !== '' ? v : null;
};
const num = (a: AlertView, k: string): number | null => {
  const v = a.detail[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** When what the alert is about began: a device can be down before its alert fired (after flapping). */
export function alertStart(a: AlertView): number {
  return num(a, 'since') ?? a.startedAt;
}

export function alertDeviceName(a: AlertView, ctx: AlertContext): string | null {
  if (a.device === null) return null;
  const known = ctx.devices.find((d) => d.village === a.village && d.id === a.device);
  return known?.name ?? str(a, 'name') ?? a.device;
}

/** "Camera cổng thôn (Đông Căm)", or the village for village-wide alerts. */
export function alertSubject(a: AlertView, ctx: AlertContext): string {
  const village = villageName(ctx.villages, a.village);
  const device = alertDeviceName(a, ctx);
  return device !== null ? `${device} (${village})` : village;
}

/** Village names that already say what they are ("Thôn Đông Căm", "Bản Phố") are not prefixed again. */
function place(village: string): string {
  return /^(thôn|làng|bản|xóm|ấp|buôn|khu|tổ)\s/iu.test(village) ? village : t('alert.villagePlace', { name: village });
}

/** The cause in words: the reason code or device text, or the device that took it down. */
function causeText(a: AlertView, ctx: AlertContext): string | null {
  const code = str(a, 'reasonCode');
  const params = a.detail.reasonParams;
  const coded = code && code !== 'parent' ? reasonText(code, typeof params === 'object' && params !== null ? params : undefined, getLang()) : null;
  if (coded) return coded;
  const reason = str(a, 'reason');
  if (reason && reason !== 'parent') return reasonLabel(reason);
  const cause = str(a, 'cause');
  if (cause) return t('device.unreachableBy', { parent: deviceName(ctx.devices, a.village, cause) });
  return reason ? reasonLabel(reason) : null;
}

/** The raw technical text behind an alert's translated reason (for commune IT), or null. */
export function alertReasonDetail(a: AlertView): string | null {
  const code = str(a, 'reasonCode');
  const reason = str(a, 'reason');
  return code && reason && reason !== code ? reason : null;
}

/** One sentence in plain words: who, what happened, since when (village time), and why when known. */
export function alertText(a: AlertView, ctx: AlertContext): string {
  const tz = villageTz(ctx.villages, a.village);
  const time = (ts: number): string => shortTime(ts, tz, ctx.now);
  const subject = alertSubject(a, ctx);
  const cause = causeText(a, ctx);
  const withCause = (s: string): string => (cause ? s + t('alert.cause', { cause }) : s);
  const started = alertStart(a);
  switch (a.condition) {
    case 'offline':
    case 'unreachable-root': {
      const n = a.condition === 'unreachable-root' ? affectedCount(a, ctx.devices) : 0;
      return withCause(t('alert.offline', { subject, time: time(started) }) + (n === 1 ? t('alert.rootOne') : n > 1 ? t('alert.root', { n }) : ''));
    }
    case 'flapping': {
      const windowS = num(a, 'windowS') ?? 600;
      return t('alert.flapping', { subject, n: num(a, 'changes') ?? '?', window: formatDuration(windowS), time: time(started) });
    }
    case 'threshold': {
      const metric = str(a, 'metric');
      const kind = str(a, 'kind');
      const label = (getLang() === 'en' ? str(a, 'labelEn') : null) ?? str(a, 'label') ?? t('alert.outOfRange', { metric: metric ? metricLabel(kind, metric) : '?' });
      const op = str(a, 'op');
      const value = a.detail.value;
      const threshold = a.detail.threshold;
      // "frozen == 1" says nothing the label does not; a number against a limit does.
      const facts =
        metric && op && op !== '==' && op !== '!=' && typeof value === 'number' && typeof threshold === 'number'
          ? t('alert.thresholdFacts', { metric: metricLabel(kind, metric), value: formatMetric(kind, metric, value), op, threshold: formatMetric(kind, metric, threshold) })
          : '';
      return t('alert.threshold', { subject, label, time: time(started) }) + facts;
    }
    case 'internet-down':
      return withCause(t('alert.internet', { place: place(villageName(ctx.villages, a.village)), time: time(started) }));
    case 'meeting-not-ready': {
      const who = a.device !== null ? subject : t('alert.meetingSet', { village: villageName(ctx.villages, a.village) });
      const start = num(a, 'startAt');
      const text = t('alert.meeting', { who, title: str(a, 'title') ?? '?', start: start !== null ? time(start) : '?' });
      const failed = str(a, 'failed');
      return failed ? text + t('alert.check', { failed }) : text;
    }
    default:
      return subject;
  }
}
