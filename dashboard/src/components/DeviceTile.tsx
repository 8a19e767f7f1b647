import type { ComponentChildren } from 'preact';
import type { AlertView, DeviceView } from '../../../shared/events';
import { statusLine, type StatusNote } from '../device-status';
import { kindLabel, mainMetric, stateLabel } from '../format';
import { t } from '../i18n';
import { formatMetric, metricLabel } from '../metrics';
import { Sparkline } from './Sparkline';

export function deviceHref(village: string, device: string): string {
  return `#/d/${encodeURIComponent(village)}/${encodeURIComponent(device)}`;
}

export function alertHref(id: number): string {
  return `#/alerts/${id}`;
}

interface Props {
  device: DeviceView;
  now: number;
  epoch: number;
  /** The village's time zone: "since 14:02" is its clock. */
  tz: string;
  note: StatusNote | null;
  /** The open alert about this device (or about the one that took it down). */
  alert: AlertView | undefined;
  /** The live link is down: what the tile shows is as of this time (ms), not now. */
  staleSince: number | null;
  /** Below the tile (outside its link): actions on it. */
  children?: ComponentChildren;
}

/** The state badge; while the live link is down it says the data is old instead of claiming a state. */
export function StateBadge({ state, stale, testId }: { state: DeviceView['state']; stale: boolean; testId?: string }) {
  return (
    <span class={`badge state-${stale ? 'stale' : state}`} data-testid={testId} data-state={state}>
      <span class="dot" aria-hidden="true" />
      {stale ? t('state.stale') : stateLabel(state)}
    </span>
  );
}

export function DeviceTile({ device: d, now, epoch, tz, note, alert, staleSince, children }: Props) {
  const metric = mainMetric(d);
  const value = metric ? d.telemetry?.fields[metric] : undefined;
  const stale = staleSince !== null;
  return (
    // The alert link sits next to the tile's link, not inside it: links cannot nest.
    <li class={`tile-item${alert ? ' has-alert' : ''}`}>
      <a
        class={`tile state-${d.state}${stale ? ' stale' : ''}`}
        href={deviceHref(d.village, d.id)}
        data-testid={`device-${d.village}-${d.id}`}
        data-state={d.state}
        data-stale={String(stale)}
      >
        <div class="tile-head">
          <span class="tile-name">{d.name}</span>
          <StateBadge state={d.state} stale={stale} />
        </div>
        <div class="tile-kind">
          {d.registered ? kindLabel(d.kind) : <span class="tag-unregistered">{t('device.unregisteredTag')}</span>}
          {!d.registered && <span class="tile-id"> {d.village}/{d.id}</span>}
        </div>
        {d.location && <div class="tile-place">{t('device.location', { place: d.location })}</div>}
        <div class="tile-seen" data-testid="tile-seen">
          {statusLine(d, now, tz, staleSince)}
        </div>
        {note && <div class={`tile-reason note-${note.kind}`}>{note.text}</div>}
        {metric ? (
          <div class="tile-metric">
            <span class="metric-value">
              <span class="metric-name">{metricLabel(d.kind, metric)}</span> {value !== undefined ? formatMetric(d.kind, metric, value) : '–'}
            </span>
            <Sparkline village={d.village} device={d.id} metric={metric} epoch={epoch} />
          </div>
        ) : (
          <div class="tile-nodata">{t('device.noData')}</div>
        )}
      </a>
      {alert && (
        <a
          class={`tile-alert alert-${alert.status}`}
          href={alertHref(alert.id)}
          data-testid={`device-alert-${d.village}-${d.id}`}
        >
          <span class="alert-icon" aria-hidden="true">
            !
          </span>
          {t('device.viewAlert')}
          <span class="visually-hidden"> ({d.name})</span> · {t(`alertStatus.${alert.status}`)}
        </a>
      )}
      {children}
    </li>
  );
}
