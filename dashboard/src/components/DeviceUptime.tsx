import { useEffect, useState } from 'preact/hooks';
import type { AlertView, AvailabilitySpan, DeviceUptimeView, DeviceView } from '../../../shared/events';
import type { ReasonParams } from '../../../shared/reasons';
import { errorText, fetchAlerts, fetchAvailability, isAbort } from '../api';
import { deviceName, reasonOf, stateLabel } from '../format';
import { t } from '../i18n';
import { shortTime } from '../time';
import { durationText, fetchDeviceUptime, pctText, stateSignature, uptimeLevel, useRefreshOnChange } from '../uptime';
import './uptime.css';

const H = 3_600_000;
export const UPTIME_RANGES = { '24h': 24 * H, '7d': 7 * 24 * H, '30d': 30 * 24 * H } as const;
type UptimeRange = keyof typeof UPTIME_RANGES;
const KEYS = Object.keys(UPTIME_RANGES) as UptimeRange[];

interface Props {
  device: DeviceView;
  devices: DeviceView[];
  tz: string;
  epoch: number;
}

/** Why the device was out during a span: the reason of its alert then, or the device that took it down. */
function causeOf(span: AvailabilitySpan, alerts: AlertView[], d: DeviceView, devices: DeviceView[]): string | null {
  if (span.state === 'unreachable' && d.parent) return t('device.unreachableBy', { parent: deviceName(devices, d.village, d.parent) });
  if (span.state !== 'offline') return null;
  const a = alerts.find((x) => x.condition === 'offline' && x.startedAt < span.to && (x.resolvedAt ?? Infinity) > span.from);
  if (!a) return null;
  const str = (k: string) => (typeof a.detail[k] === 'string' ? (a.detail[k] as string) : null);
  const params = a.detail.reasonParams;
  return reasonOf({ reason: str('reason'), reasonCode: str('reasonCode'), reasonParams: typeof params === 'object' && params !== null ? (params as ReasonParams) : null }).words;
}

function spanText(s: AvailabilitySpan, tz: string, now: number, cause: string | null): string {
  const end = s.ongoing ? t('uptime.untilNow') : shortTime(s.to, tz, now);
  const base = t('uptime.spanText', { state: stateLabel(s.state), from: shortTime(s.from, tz, now), to: end, duration: durationText(s.to - s.from) });
  return cause ? `${base} ${t('uptime.cause', { cause })}` : base;
}

/**
 * Device page: uptime over 24 h / 7 d / 30 d, the availability timeline of the chosen range (tap or arrow
 * keys to see a stretch: when and why), and the outages with their length and cause. Live: refetched a
 * moment after the device's state changes.
 */
export function DeviceUptime({ device: d, devices, tz, epoch }: Props) {
  const [range, setRange] = useState<UptimeRange>('24h');
  const [figures, setFigures] = useState<Partial<Record<UptimeRange, DeviceUptimeView>>>({});
  const [spans, setSpans] = useState<AvailabilitySpan[]>([]);
  const [alerts, setAlerts] = useState<AlertView[]>([]);
  const [picked, setPicked] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [at, setAt] = useState(() => Date.now());
  useRefreshOnChange(stateSignature([d]), () => setReload((n) => n + 1));

  useEffect(() => {
    const abort = new AbortController();
    const now = Date.now();
    setAt(now);
    Promise.all(KEYS.map((k) => fetchDeviceUptime(d.village, d.id, { from: now - UPTIME_RANGES[k], to: now }, abort.signal))).then(
      (list) => {
        setFigures(Object.fromEntries(KEYS.map((k, i) => [k, list[i]])));
        setError(null);
      },
      (err: unknown) => !isAbort(err) && setError(t('uptime.loadError', { message: errorText(err) })),
    );
    return () => abort.abort();
  }, [d.village, d.id, epoch, reload]);

  useEffect(() => {
    const abort = new AbortController();
    const now = Date.now();
    const from = now - UPTIME_RANGES[range];
    setPicked(null);
    Promise.all([
      fetchAvailability({ village: d.village, device: d.id, from, to: now }, abort.signal),
      fetchAlerts({ status: 'all', limit: 200, filter: { village: d.village, device: d.id, condition: 'offline', from, to: now } }, abort.signal),
    ]).then(
      ([av, al]) => {
        setSpans(av.spans);
        setAlerts(al.alerts);
      },
      (err: unknown) => !isAbort(err) && setError(t('uptime.loadError', { message: errorText(err) })),
    );
    return () => abort.abort();
  }, [d.village, d.id, range, epoch, reload]);

  const from = at - UPTIME_RANGES[range];
  const span = at - from;
  const outages = spans.filter((s) => s.state === 'offline').reverse();
  const chosen = picked !== null ? spans[picked] : undefined;
  const pickAt = (x: number, width: number): void => {
    const ts = from + (x / width) * span;
    // The right edge is "now": the last stretch, going on.
    const i = ts >= (spans.at(-1)?.to ?? Infinity) ? spans.length - 1 : spans.findIndex((s) => s.from <= ts && ts < s.to);
    if (i >= 0) setPicked(i);
  };
  const onKey = (e: KeyboardEvent): void => {
    if (spans.length === 0) return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const step = e.key === 'ArrowRight' ? 1 : -1;
      setPicked((p) => Math.max(0, Math.min(spans.length - 1, p === null ? (step > 0 ? 0 : spans.length - 1) : p + step)));
    }
  };
  return (
    <section class="panel uptime-panel" aria-labelledby="uptime-title" data-testid="device-uptime">
      <h3 id="uptime-title">{t('uptime.title')}</h3>
      {error && <p class="form-error">{error}</p>}
      <ul class="uptime-figures">
        {KEYS.map((k) => {
          const f = figures[k];
          return (
            <li key={k} data-testid={`uptime-${k}`}>
              <span class="uptime-label">{t(`uptime.range.${k}`)}</span>
              <strong class={`uptime-value level-${uptimeLevel(f?.uptimePct ?? null)}`}>{f ? pctText(f.uptimePct) : '…'}</strong>
              {f && f.outages > 0 && <span class="uptime-sub">{t('uptime.outagesN', { n: f.outages })}</span>}
            </li>
          );
        })}
      </ul>
      <div class="ranges" role="group" aria-label={t('uptime.timelineRange')}>
        {KEYS.map((k) => (
          <button key={k} type="button" class="range" aria-pressed={k === range} onClick={() => setRange(k)}>
            {t(`uptime.range.${k}`)}
          </button>
        ))}
      </div>
      <div
        class="timeline"
        role="button"
        tabIndex={0}
        aria-label={t('uptime.timelineLabel', { range: t(`uptime.range.${range}`) })}
        aria-describedby="timeline-picked"
        data-testid="timeline"
        onClick={(e) => pickAt(e.offsetX, (e.currentTarget as HTMLElement).clientWidth)}
        onKeyDown={onKey}
      >
        {spans.map((s, i) => (
          <span
            key={`${s.from}-${s.state}`}
            class={`seg state-${s.state}${i === picked ? ' picked' : ''}`}
            data-state={s.state}
            style={{ left: `${((s.from - from) / span) * 100}%`, width: `${Math.max(0.4, ((s.to - s.from) / span) * 100)}%` }}
          />
        ))}
      </div>
      <div class="timeline-axis" aria-hidden="true">
        <span>{shortTime(from, tz, at)}</span>
        <span>{t('uptime.now')}</span>
      </div>
      <p id="timeline-picked" class="seg-detail" aria-live="polite" data-testid="timeline-picked">
        {chosen ? spanText(chosen, tz, at, causeOf(chosen, alerts, d, devices)) : t('uptime.tapHint')}
      </p>
      <ul class="legend" aria-label={t('uptime.legend')}>
        {(['online', 'offline', 'unreachable', 'maintenance', 'unknown'] as const).map((s) => (
          <li key={s}>
            <span class={`swatch state-${s}`} aria-hidden="true" />
            {stateLabel(s)}
          </li>
        ))}
      </ul>
      <h4>{t('uptime.outagesTitle', { range: t(`uptime.range.${range}`) })}</h4>
      {outages.length === 0 ? (
        <p class="empty">{t('uptime.noOutages')}</p>
      ) : (
        <ul class="outage-list" data-testid="outages">
          {outages.map((s) => {
            const cause = causeOf(s, alerts, d, devices);
            return (
              <li key={s.from}>
                <span class="outage-when">
                  {shortTime(s.from, tz, at)} – {s.ongoing ? t('uptime.untilNow') : shortTime(s.to, tz, at)}
                </span>
                <strong class="outage-length">{durationText(s.to - s.from)}</strong>
                {cause && <span class="outage-cause">{t('uptime.cause', { cause })}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
