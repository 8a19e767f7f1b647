import type { AlertView, DeviceView } from '../../../shared/events';
import type { StatusNote } from '../device-status';
import { kindLabel, mainMetric, relativeTime, stateLabel } from '../format';
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
  note: StatusNote | null;
  /** The open alert about this device (or about the one that took it down). */
  alert: AlertView | undefined;
}

export function DeviceTile({ device: d, now, epoch, note, alert }: Props) {
  const metric = mainMetric(d);
  const value = metric ? d.telemetry?.fields[metric] : undefined;
  return (
    // The alert link sits next to the tile's link, not inside it: links cannot nest.
    <li class={`tile-item${alert ? ' has-alert' : ''}`}>
      <a
        class={`tile state-${d.state}`}
        href={deviceHref(d.village, d.id)}
        data-testid={`device-${d.village}-${d.id}`}
        data-state={d.state}
      >
        <div class="tile-head">
          <span class="tile-name">{d.name}</span>
          <span class={`badge state-${d.state}`}>
            <span class="dot" aria-hidden="true" />
            {stateLabel(d.state)}
          </span>
        </div>
        <div class="tile-kind">
          {kindLabel(d.kind)}
          {!d.registered && <span class="tile-id"> · {d.village}/{d.id}</span>}
        </div>
        <div class="tile-seen">
          {d.lastSeen !== null ? t('device.lastSeen', { when: relativeTime(d.lastSeen, now) }) : t('device.neverSeen')}
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
    </li>
  );
}
