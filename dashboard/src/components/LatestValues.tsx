import type { DeviceView } from '../../../shared/events';
import { t } from '../i18n';
import { formatMetric, metricLabel } from '../metrics';
import { dateTime } from '../time';

/** The last value of every metric, with labels and units a volunteer reads without a manual. */
export function LatestValues({ kind, telemetry, tz }: { kind: string; telemetry: NonNullable<DeviceView['telemetry']>; tz: string }) {
  return (
    <section class="panel" aria-labelledby="latest-title">
      <h3 id="latest-title">{t('detail.latest')}</h3>
      <p class="detail-line">{t('detail.latestAt', { when: dateTime(telemetry.ts, tz) })}</p>
      <table class="latest">
        <thead>
          <tr>
            <th scope="col">{t('detail.field')}</th>
            <th scope="col">{t('detail.value')}</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(telemetry.fields).map(([k, v]) => (
            <tr key={k} data-metric={k}>
              {/* The raw name stays available to commune IT as a tooltip. */}
              <th scope="row" title={k}>
                {metricLabel(kind, k)}
              </th>
              <td>{formatMetric(kind, k, v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
