import type { DeviceView } from '../../../hub/web/events';
import { formatValue, kindLabel, mainMetric, reasonLabel, relativeTime, stateLabel } from '../format';
import { t } from '../i18n';
import { Sparkline } from './Sparkline';

export function deviceHref(village: string, device: string): string {
  return `#/d/${encodeURIComponent(village)}/${encodeURIComponent(device)}`;
}

interface Props {
  device: DeviceView;
  now: number;
  epoch: number;
}

export function DeviceTile({ device: d, now, epoch }: Props) {
  const metric = mainMetric(d);
  const value = metric ? d.telemetry?.fields[metric] : undefined;
  const showReason = d.reason && d.state !== 'online';
  return (
    <li class="tile-item">
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
        {showReason && <div class="tile-reason">{t('device.reason', { reason: reasonLabel(d.reason!) })}</div>}
        {metric ? (
          <div class="tile-metric">
            <span class="metric-value">
              <span class="metric-name">{metric}</span> {value !== undefined ? formatValue(value) : '–'}
            </span>
            <Sparkline village={d.village} device={d.id} metric={metric} epoch={epoch} />
          </div>
        ) : (
          <div class="tile-nodata">{t('device.noData')}</div>
        )}
      </a>
    </li>
  );
}
